// Backup & restore: offered only to a signed-in WFM user who holds Allow Backup/Restore. The page lists
// the backups of the configured folder; a backup or a restore runs as a live job, a restore only after
// the statement of what it replaces, and never over the database the console serves.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { describeTarget } from '../../engine/dialect/index.ts';
import { counted } from '../../engine/wording.ts';
import { listBackups } from '../../wfm/backup-files.ts';
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

export function backupRoutes(app: FastifyInstance, context: ConsoleContext): void {
  const { options, jobs } = context;

  app.get('/backups', async (request, reply) => {
    const login = await permittedLogin(context, request, reply);
    if (typeof login !== 'string') return login;
    const body = backupsPage({
      database: describeTarget(options.database),
      backupDirectory: options.backupDirectory,
      backups: await listBackups(options.backupDirectory),
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
    const file = String(form.file ?? '').trim() || `${options.backupDirectory}/wfm-${Date.now()}.backup.db`;
    const restoring = form.action === 'restore';
    const into = String(form.into ?? '').trim();
    const target = restoring && into ? await options.resolve(into) : options.database;
    if (restoring) {
      const statement = await restoreStatement(file, target);
      await refuseConsoleDatabase(statement, options.database);
      if (statement.removesData && form.confirm !== 'yes') {
        return render(context, request, reply, { title: 'Backup & restore', active: '/backups', body: confirmationPage(`Restore ${file}?`, statement, '/backups', { file, into, action: 'restore' }, '/backups') });
      }
    }
    const job = jobs.start(restoring ? 'restore' : 'backup', `${restoring ? 'restore' : 'backup'} ${file}`, async (emit) => {
      const onProgress = (event: Parameters<NonNullable<RunOptions['onProgress']>>[0]): void => emit({ type: 'progress', event });
      if (restoring) {
        const result = await restoreDatabase(file, target, { replace: true, wfmUser: login, onProgress });
        return `${counted(result.tables.length, 'table')} restored from ${file}, each checked against the backup`;
      }
      const result = await backupDatabase(options.database, file, { wfmUser: login, onProgress });
      return `${counted(result.tables.length, 'table')} backed up to ${result.file}`;
    });
    return reply.redirect(`/jobs/${job.id}`);
  });
}
