// Plans & runs: a plan or a run started from the page, every run of the runs folder listed, a rollback
// after the statement of what it drops, and the live page of each job with its event stream.
import type { FastifyInstance } from 'fastify';
import { describeTarget } from '../../engine/dialect/index.ts';
import { refuseConsoleDatabase, rollbackStatement } from '../../wfm/destructive.ts';
import { summarizeRun } from '../../wfm/overview.ts';
import { planMigration } from '../../wfm/plan.ts';
import { listRuns, loadJournal, requireRunId, rollbackRun, startRun, type RunOptions } from '../../wfm/run.ts';
import { render, type ConsoleContext, type ConsoleOptions } from '../context.ts';
import type { LiveEvent } from '../live-runs.ts';
import { confirmationPage } from '../views/confirmation.ts';
import { html } from '../views/html.ts';
import { jobPage, runsPage } from '../views/runs.ts';

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

export function runRoutes(app: FastifyInstance, context: ConsoleContext): void {
  const { options, jobs } = context;

  app.get('/runs', async (request, reply) =>
    render(context, request, reply, {
      title: 'Plans & runs',
      active: '/runs',
      body: runsPage({ database: describeTarget(options.database), runsDirectory: options.runsDirectory, runs: listRuns(options.runsDirectory).map(summarizeRun), jobs: jobs.list() }),
    }),
  );

  app.post('/runs', async (request, reply) => {
    const form = request.body as { from?: string; to?: string; twoStep?: string; action?: string };
    const from = await options.resolve(form.from || describeTarget(options.database));
    const toText = form.to?.trim() ? form.to.trim() : undefined;
    const to = toText ? await options.resolve(toText) : undefined;
    if (form.action === 'plan') {
      const job = jobs.start('plan', `plan ${describeTarget(from)}`, async (emit) => {
        const plan = await planMigration(from, to, { config: options.config, twoStep: form.twoStep === 'on', backupDirectory: options.backupDirectory });
        for (const c of plan.checks) emit({ type: 'step', name: c.name, state: c.status, detail: `${c.detail}${c.action ? ` → ${c.action}` : ''}` });
        for (const s of plan.steps) emit({ type: 'log', text: `${s.name}${s.estimateSeconds !== undefined ? ` (about ${s.estimateSeconds} s)` : ''}: ${s.description}` });
        return `${plan.path}: ${plan.ok ? 'ready, no check failed' : 'not ready'}`;
      });
      return reply.redirect(`/jobs/${job.id}`);
    }
    const job = jobs.start('run', `run ${describeTarget(from)}${to ? ` → ${describeTarget(to)}` : ''}`, async (emit, live) => {
      const journal = await startRun({ from: form.from || describeTarget(options.database), to: toText, resolve: options.resolve }, runOptionsFor(options, emit, (runId) => (live.runId = runId), form.twoStep === 'on'));
      if (journal.state !== 'done') live.state = 'failed';
      return `${journal.runId}: ${journal.state}`;
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
      return render(context, request, reply, { title: 'Roll back', active: '/runs', body: confirmationPage(`Roll back ${journal.runId}?`, statement, '/rollback', { run: journal.runId }, '/runs') });
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
