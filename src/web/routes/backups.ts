// Backup & restore: offered only to a signed-in WFM user who holds Allow Backup/Restore. The page lists
// the backups of the configured folder with the seal each claims; a backup or a restore runs as a live
// job on a file of that folder, sealed and checked with the key file and under RequireSealedBackups as
// wfm bru does, a restore only after the statement of what it replaces, and never over the database the
// console serves.
import { dirname, resolve } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { describeTarget } from '../../engine/dialect/index.ts';
import { InputError } from '../../engine/errors.ts';
import { counted } from '../../engine/wording.ts';
import { listBackups } from '../../wfm/backup-files.ts';
import { requireAcceptableSeal } from '../../wfm/backup-seal.ts';
import { installationSealing } from '../../wfm/installation-sealing.ts';
import { backupDatabase, restoreDatabase } from '../../wfm/backup.ts';
import { backupRestoreRefusal } from '../../wfm/console-access.ts';
import { refuseConsoleDatabase, restoreStatement } from '../../wfm/destructive.ts';
import type { RunOptions } from '../../wfm/run.ts';
import { render, type ConsoleContext } from '../context.ts';
import { backupsPage, backupsRefused } from '../views/backups.ts';
import { confirmationPage } from '../views/confirmation.ts';
import { loginProblem } from './session.ts';

const NO_LOGIN = 'You signed in without naming a WFM user. Backup & restore is offered to a WFM user who holds Allow Backup/Restore (general.allow_backup_restore).';

/** The signed-in WFM user when they hold Allow Backup/Restore; otherwise the refusal page is sent. */
async function permittedLogin(context: ConsoleContext, request: FastifyRequest, reply: FastifyReply): Promise<string | FastifyReply> {
  const login = request.session.login;
  const refusal = login === undefined ? NO_LOGIN : await backupRestoreRefusal(context.options.database, login);
  if (refusal === undefined && login !== undefined) return login;
  const mayName = request.session.role === 'administrator';
  return render(context, request, reply, { title: 'Backup & restore', active: '/backups', body: backupsRefused(refusal ?? NO_LOGIN, mayName), status: 403 });
}

/**
 * The file of the backup folder a form names, by its name or its path; a path anywhere else is refused
 * before anything is opened, so that the console reads and writes backups in that folder only.
 */
function fileOfFolder(directory: string, text: string): string {
  const folder = resolve(directory);
  const file = resolve(folder, text);
  if (dirname(file) !== folder) throw new InputError(`the console reads and writes backups in ${directory} only, and "${text}" is not a file of that folder; choose one from the list`);
  return file;
}

export function backupRoutes(app: FastifyInstance, context: ConsoleContext): void {
  const { options, jobs } = context;

  app.get('/backups', async (request, reply) => {
    const login = await permittedLogin(context, request, reply);
    if (typeof login !== 'string') return login;
    const sealing = installationSealing(options.keyFile, options.config);
    const body = backupsPage({
      database: describeTarget(options.database),
      backupDirectory: options.backupDirectory,
      backups: await listBackups(options.backupDirectory, sealing.key),
      sealedOnly: sealing.requiredBy,
      login,
      mayChange: request.session.role === 'administrator',
    });
    return render(context, request, reply, { title: 'Backup & restore', active: '/backups', body });
  });

  app.post('/backups/user', async (request, reply) => {
    const login = String((request.body as { login?: string }).login ?? '').trim();
    const problem = await loginProblem(context, login);
    if (problem) return render(context, request, reply, { title: 'Backup & restore', active: '/backups', body: backupsRefused(problem, true), status: 400 });
    request.session.login = login;
    return reply.redirect('/backups');
  });

  app.post('/backups', async (request, reply) => {
    const login = await permittedLogin(context, request, reply);
    if (typeof login !== 'string') return login;
    const form = request.body as { file?: string; action?: string; into?: string; confirm?: string };
    const file = fileOfFolder(options.backupDirectory, String(form.file ?? '').trim() || `wfm-${Date.now()}.backup.db`);
    const restoring = form.action === 'restore';
    const into = String(form.into ?? '').trim();
    const sealing = installationSealing(options.keyFile, options.config);
    // As wfm bru restore does: a file RequireSealedBackups does not take is refused before the target is looked at.
    if (restoring) requireAcceptableSeal(file, sealing);
    const target = restoring && into ? await options.resolve(into) : options.database;
    if (restoring) {
      const statement = await restoreStatement(file, target, undefined, sealing);
      await refuseConsoleDatabase(statement, options.database);
      if (statement.removesData && form.confirm !== 'yes') {
        return render(context, request, reply, { title: 'Backup & restore', active: '/backups', body: confirmationPage(`Restore ${file}?`, statement, '/backups', { file, into, action: 'restore' }, '/backups') });
      }
    }
    const job = jobs.start(restoring ? 'restore' : 'backup', `${restoring ? 'restore' : 'backup'} ${file}`, async (emit) => {
      const onProgress = (event: Parameters<NonNullable<RunOptions['onProgress']>>[0]): void => emit({ type: 'progress', event });
      if (restoring) {
        const result = await restoreDatabase(file, target, { replace: true, wfmUser: login, onProgress, sealing });
        return `${counted(result.tables.length, 'table')} restored from ${file}, each checked against the backup`;
      }
      const result = await backupDatabase(options.database, file, { wfmUser: login, onProgress, sealing });
      return `${counted(result.tables.length, 'table')} backed up to ${result.file}`;
    });
    return reply.redirect(`/jobs/${job.id}`);
  });
}
