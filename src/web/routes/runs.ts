// Plans & runs: every run of the runs folder listed, a plan's page with "Run this plan", a run's page that
// follows its journal and event log whoever started it, the actions a run's state allows (resume, roll
// back after the statement of what it drops, step two, verify), and the live page of each other job.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { describeTarget } from '../../engine/dialect/index.ts';
import { InputError } from '../../engine/errors.ts';
import { refuseConsoleDatabase, rollbackStatement } from '../../wfm/destructive.ts';
import { migratePerformance } from '../../wfm/migrate-performance.ts';
import { summarizeRun } from '../../wfm/overview.ts';
import { planMigration } from '../../wfm/plan.ts';
import { runFollower } from '../../wfm/run-status.ts';
import { listRuns, loadJournal, refusePasswordInConnection, requireRunId, resumeRun, rollbackRun, startRun, type RunJournal, type RunOptions } from '../../wfm/run.ts';
import { verifyMigration } from '../../wfm/verify.ts';
import { render, signedInUser, type ConsoleContext, type ConsoleOptions } from '../context.ts';
import type { LiveEvent, LiveJob } from '../live-runs.ts';
import { confirmationPage } from '../views/confirmation.ts';
import { html } from '../views/html.ts';
import { planPage, type PlanRequest } from '../views/plan.ts';
import { logText, runLivePart, runPage } from '../views/run.ts';
import { jobPage, runsPage } from '../views/runs.ts';

/** How often a run's page looks at its journal and event log for what changed. */
const RUN_POLL_MS = 500;
/** How long starting a run may take to write its journal before its page is shown in its place. */
const JOURNAL_WAIT_MS = 120_000;

export function runOptionsFor(options: ConsoleOptions, emit: (event: LiveEvent) => void, onRunId: (runId: string) => void, twoStep: boolean): RunOptions {
  return {
    runsDirectory: options.runsDirectory,
    backupDirectory: options.backupDirectory,
    config: options.config,
    twoStep,
    onProgress: (event) => emit({ type: 'progress', event }),
    onStep: (step, journal) => {
      onRunId(journal.runId);
      emit({ type: 'step', name: step.name, state: step.state, durationMs: step.durationMs, detail: step.detail });
    },
  };
}

/**
 * The plan asked for by a form or a link: from (an access point or a URL; the console's database by
 * default), to and two-step. A password typed into a connection is refused before it reaches an address,
 * a page or a journal.
 */
function planRequest(values: { from?: string; to?: string; twoStep?: string }, own: string): PlanRequest {
  const to = values.to?.trim();
  const asked = { from: values.from?.trim() || own, to: to ? to : undefined, twoStep: values.twoStep === 'on' };
  refusePasswordInConnection(asked.from);
  refusePasswordInConnection(asked.to);
  return asked;
}

/** Resolves once the job has the id of its run, or has ended without one. */
function runIdOf(context: ConsoleContext, job: LiveJob): Promise<string | undefined> {
  return new Promise((resolve) => {
    if (job.runId || job.state !== 'running') return resolve(job.runId);
    const timer = setTimeout(() => finish(), JOURNAL_WAIT_MS);
    const stop = context.jobs.subscribe(job.id, (event) => {
      if (job.runId || event.type === 'end') finish();
    });
    function finish(): void {
      clearTimeout(timer);
      stop();
      resolve(job.runId);
    }
  });
}

/** A run's page once it has a journal; the job's page when it stopped before it had one (bad input). */
async function showRunOf(context: ConsoleContext, job: LiveJob, reply: FastifyReply): Promise<FastifyReply> {
  const runId = await runIdOf(context, job);
  return reply.redirect(runId ? `/runs/${runId}` : `/jobs/${job.id}`);
}

/** The WFM Client's AllowMigratePerformance, as `dbu migrate-performance` reads it: 1 unless the configuration says 0. */
function requireStepTwoAllowed(options: ConsoleOptions): void {
  const client = options.config?.applicationOfType('client');
  if (options.config && client && options.config.option(client, 'Options', 'AllowMigratePerformance') === '0') {
    throw new InputError(
      `migrating performance data is not allowed while AllowMigratePerformance = 0 (WFM Client in ${options.config.name}); when step one is done and the new Data Aggregator collects, ` +
        'set it to 1: wfm config set "WFM Client" Options.AllowMigratePerformance 1',
    );
  }
}

/** Whether the page offers a run's actions: only an administrator may take them. */
const mayAct = (request: FastifyRequest): boolean => signedInUser(request)?.role === 'administrator';

function runIdParam(request: FastifyRequest): string {
  return requireRunId((request.params as { runId: string }).runId);
}

/** A finished migration's new database, which step two and verification work on. */
function newDatabaseOf(journal: RunJournal): string {
  if (journal.to === null || journal.state !== 'done') throw new InputError(`${journal.runId} made no new database that is complete (${journal.path}, ${journal.state})`);
  return journal.to;
}

export function runRoutes(app: FastifyInstance, context: ConsoleContext): void {
  const { options, jobs } = context;
  const own = describeTarget(options.database);

  app.get('/runs', async (request, reply) =>
    render(context, request, reply, {
      title: 'Plans & runs',
      active: '/runs',
      body: runsPage({ database: own, runsDirectory: options.runsDirectory, runs: listRuns(options.runsDirectory).map(summarizeRun), jobs: jobs.list().filter((j) => j.kind !== 'run') }),
    }),
  );

  // A plan only reads: its page has an address of its own, to reload or to send to a colleague.
  app.get('/plan', async (request, reply) => {
    const asked = planRequest(request.query as { from?: string; to?: string; twoStep?: string }, own);
    const from = await options.resolve(asked.from);
    const to = asked.to === undefined ? undefined : await options.resolve(asked.to);
    const plan = await planMigration(from, to, { config: options.config, twoStep: asked.twoStep, backupDirectory: options.backupDirectory });
    return render(context, request, reply, { title: `Plan: ${plan.path}`, active: '/runs', body: planPage(plan, asked) });
  });

  app.post('/runs', async (request, reply) => {
    const form = request.body as { from?: string; to?: string; twoStep?: string; action?: string };
    const asked = planRequest(form, own);
    if (form.action === 'plan') {
      const query = new URLSearchParams({ from: asked.from, ...(asked.to ? { to: asked.to } : {}), ...(asked.twoStep ? { twoStep: 'on' } : {}) });
      return reply.redirect(`/plan?${query.toString()}`);
    }
    const job = jobs.start('run', `run ${asked.from}${asked.to ? ` → ${asked.to}` : ''}`, async (emit, live) => {
      const journal = await startRun({ from: asked.from, to: asked.to, resolve: options.resolve }, runOptionsFor(options, emit, (runId) => (live.runId = runId), asked.twoStep));
      if (journal.state !== 'done') live.state = 'failed';
      return `${journal.runId}: ${journal.state}`;
    });
    return showRunOf(context, job, reply);
  });

  app.get('/runs/:runId', async (request, reply) => {
    const status = runFollower(options.runsDirectory, runIdParam(request))();
    return render(context, request, reply, { title: status.journal.runId, active: '/runs', body: runPage(status, mayAct(request)), script: 'run.js' });
  });

  // The run's page again as it changes: its journal and event log, whichever process writes them. The
  // stream goes on while the run says it is running or a job of the console works on it (a resume that
  // has not yet reached its first step).
  app.get('/runs/:runId/events', (request, reply) => {
    const follow = runFollower(options.runsDirectory, runIdParam(request));
    const acts = mayAct(request);
    let status = follow();
    let last = '';
    const send = (): void => {
      const text = JSON.stringify({ state: status.journal.state, stateText: status.stateText, live: runLivePart(status, acts).text, log: logText(status.log), rates: status.rates });
      if (text !== last) reply.raw.write(`data: ${text}\n\n`);
      last = text;
    };
    const goesOn = (): boolean => status.journal.state === 'running' || jobs.list().some((job) => job.runId === status.journal.runId && job.state === 'running');
    reply.hijack();
    reply.raw.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    send();
    if (!goesOn()) return reply.raw.end();
    const timer = setInterval(() => {
      status = follow();
      send();
      if (!goesOn()) {
        clearInterval(timer);
        reply.raw.end();
      }
    }, RUN_POLL_MS);
    request.raw.on('close', () => clearInterval(timer));
  });

  app.post('/runs/:runId/resume', async (request, reply) => {
    const journal = loadJournal(options.runsDirectory, runIdParam(request));
    if (journal.state !== 'failed' && journal.state !== 'interrupted') throw new InputError(`${journal.runId} is ${journal.state}: only a failed or interrupted run resumes`);
    jobs.start('run', `resume ${journal.runId}`, async (emit, live) => {
      live.runId = journal.runId;
      const done = await resumeRun(journal, options.resolve, runOptionsFor(options, emit, () => undefined, journal.twoStep));
      if (done.state !== 'done') live.state = 'failed';
      return `${done.runId}: ${done.state}`;
    });
    return reply.redirect(`/runs/${journal.runId}`);
  });

  app.post('/runs/:runId/step-two', async (request, reply) => {
    const journal = loadJournal(options.runsDirectory, runIdParam(request));
    if (!journal.twoStep) throw new InputError(`${journal.runId} is a ${journal.path}: step two follows a two-step migration`);
    const target = newDatabaseOf(journal);
    requireStepTwoAllowed(options);
    const from = await options.resolve(journal.from);
    const to = await options.resolve(target);
    const job = jobs.start('step two', `step two of ${journal.runId}`, async (emit) => {
      const result = await migratePerformance(from, to, { conflict: 'keep-target', onProgress: (event) => emit({ type: 'progress', event }) });
      for (const t of result.tables) emit({ type: 'log', text: `${t.source} → ${t.target}: ${t.rowsRead} read, ${t.inserted} inserted, ${t.updated} updated, ${t.conflicts} conflicts kept out, verified: ${t.verified ? 'yes' : 'NO'}` });
      return `performance migration ${result.runId}: ${result.conflicts.length} conflicts, the rows the new Data Aggregator collected kept`;
    });
    return reply.redirect(`/jobs/${job.id}`);
  });

  app.post('/runs/:runId/verify', async (request, reply) => {
    const journal = loadJournal(options.runsDirectory, runIdParam(request));
    const target = newDatabaseOf(journal);
    const from = await options.resolve(journal.from);
    const to = await options.resolve(target);
    const job = jobs.start('verify', `verify ${target} against ${journal.from}`, async (emit, live) => {
      const tables = await verifyMigration(from, to, { allowMigratePerformance: !journal.twoStep });
      for (const t of tables) emit({ type: 'step', name: t.target, state: t.equal ? 'done' : 'failed', detail: `${t.targetRows} rows${t.equal ? ', equal to the source under the mapping' : `, the source gives ${t.sourceRows}: they differ`}` });
      const different = tables.filter((t) => !t.equal).length;
      if (different > 0) live.state = 'failed';
      return different === 0 ? `all ${tables.length} tables equal to the source` : `${different} of ${tables.length} tables differ from the source`;
    });
    return reply.redirect(`/jobs/${job.id}`);
  });

  app.post('/rollback', async (request, reply) => {
    const form = request.body as { run?: string; confirm?: string };
    // Checked before the journal is read: the form's text names a file of the runs folder, nothing else.
    const journal = loadJournal(options.runsDirectory, requireRunId(String(form.run ?? '')));
    const statement = await rollbackStatement(journal, options.resolve);
    await refuseConsoleDatabase(statement, options.database);
    if (statement.removesData && form.confirm !== 'yes') {
      return render(context, request, reply, { title: 'Roll back', active: '/runs', body: confirmationPage(`Roll back ${journal.runId}?`, statement, '/rollback', { run: journal.runId }, `/runs/${journal.runId}`) });
    }
    const job = jobs.start('rollback', `rollback ${journal.runId}`, async (emit) => {
      const done = await rollbackRun(journal, options.resolve, runOptionsFor(options, emit, () => undefined, false));
      for (const line of done) emit({ type: 'log', text: line });
      return `${journal.runId} rolled back`;
    });
    return reply.redirect(`/jobs/${job.id}`);
  });

  app.get('/jobs/:id', async (request, reply) => {
    const job = jobs.get((request.params as { id: string }).id);
    if (!job) return render(context, request, reply, { title: 'Not found', active: '/runs', body: html`<div class="card">No such job.</div>`, status: 404 });
    return render(context, request, reply, { title: job.title, active: '/runs', body: jobPage(job.title, job.state), script: 'live.js' });
  });

  app.get('/jobs/:id/events', (request, reply) => {
    const job = jobs.get((request.params as { id: string }).id);
    if (!job) return reply.code(404).send({ error: 'no such job' });
    reply.hijack();
    reply.raw.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    const send = (event: LiveEvent): void => void reply.raw.write(`data: ${JSON.stringify(event)}\n\n`);
    for (const event of job.events) send(event);
    if (job.state !== 'running') return reply.raw.end();
    const stop = jobs.subscribe(job.id, (event) => {
      send(event);
      if (event.type === 'end') {
        stop();
        reply.raw.end();
      }
    });
    request.raw.on('close', stop);
  });
}
