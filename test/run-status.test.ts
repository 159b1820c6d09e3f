// Where a run stands, worked out from a journal and an event log written here by hand: the share done
// weighed by the plan's estimates, the time left from the tables' own ETAs, the tables of each step, the
// rows per second over time, the log and the actions each state allows.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import type { RunEvent } from '../src/wfm/run-events.ts';
import { rateSeries, runStatus } from '../src/wfm/run-status.ts';
import { RUN_STEPS, type RunJournal, type StepRecord } from '../src/wfm/run.ts';

const T0 = Date.parse('2026-12-05T10:00:00Z');

function journal(states: StepRecord['state'][], overrides: Partial<RunJournal> = {}): RunJournal {
  return {
    runId: 'run-20261205T100000Z',
    from: 'legacy',
    to: 'wfm',
    config: null,
    path: 'migration',
    twoStep: false,
    backupFile: '/backups/run-20261205T100000Z.backup.db',
    releasesBefore: {},
    state: 'running',
    steps: RUN_STEPS.map((name, i) => ({ name, state: states[i] ?? 'pending', ...(states[i] === 'running' ? { startedAt: new Date(T0 + 10_000).toISOString() } : {}) })),
    ...overrides,
  };
}

const progress = (seconds: number, table: string, rows: number, totalRows: number, etaSeconds: number): RunEvent => ({
  type: 'progress',
  at: T0 + seconds * 1000,
  event: { type: 'table-progress', table, rows, totalRows, rowsPerSecond: 1000, etaSeconds },
});

/** A migration in its copy: back up done, two tables under way. Estimates: back up 10 s, migrate 20 s. */
const copying: RunEvent[] = [
  { type: 'started', at: T0, text: 'run-20261205T100000Z: migration of legacy into wfm', estimates: { 'back up': 10, 'migrate or update': 20 } },
  { type: 'step', at: T0, name: 'check prerequisites', state: 'running' },
  { type: 'step', at: T0 + 500, name: 'check prerequisites', state: 'done', durationMs: 500, detail: 'migration: 4 checks pass, 1 warn' },
  { type: 'step', at: T0 + 1000, name: 'back up', state: 'running' },
  { type: 'progress', at: T0 + 4000, event: { type: 'table-done', table: 'agent', rows: 3000, durationMs: 3000 } },
  { type: 'step', at: T0 + 5000, name: 'back up', state: 'done', durationMs: 4000 },
  { type: 'step', at: T0 + 10_000, name: 'migrate or update', state: 'running' },
  progress(11, 'agent', 1000, 4000, 3),
  progress(11.2, 'agent_adherence', 0, 4000, 8),
  progress(13, 'agent_adherence', 2000, 4000, 2),
  { type: 'progress', at: T0 + 13_500, event: { type: 'message', text: 'agent_adherence: 12 rows rejected' } },
];

describe('where a run stands', () => {
  it('weighs each step by its estimate and takes the time left from the tables under way', () => {
    const status = runStatus(journal(['done', 'done', 'done', 'done', 'running']), copying, T0 + 13_000);
    // Steps without an estimate count 1 s: 6 × 1 + 10 + 20 = 36; done: 3 + 10 + 20 × (3000 / 8000) = 20.5.
    assert.equal(status.percent, Math.round((100 * 20.5) / 36));
    // The slowest table under way last said 3 s (agent), then three steps of 1 s each are to come.
    assert.equal(status.etaSeconds, 3 + 3);
    assert.equal(status.currentStep, 'migrate or update');
    assert.deepEqual(status.steps.find((s) => s.name === 'migrate or update')?.tables.map((t) => [t.table, t.rows, t.done]), [['agent', 1000, false], ['agent_adherence', 2000, false]]);
    assert.deepEqual(status.steps.find((s) => s.name === 'back up')?.tables.map((t) => [t.table, t.rows, t.done, t.rowsPerSecond]), [['agent', 3000, true, 1000]]);
    assert.deepEqual(status.actions, [], 'nothing to do while it runs');
    assert.deepEqual(status.log.map((l) => [l.seconds, l.text]), [
      [0, 'run-20261205T100000Z: migration of legacy into wfm'],
      [0, 'check prerequisites: started'],
      [0.5, 'check prerequisites: done: migration: 4 checks pass, 1 warn'],
      [1, 'back up: started'],
      [5, 'back up: done'],
      [10, 'migrate or update: started'],
      [13.5, 'agent_adherence: 12 rows rejected'],
    ]);
  });

  it('counts rows per second over windows of a second at least, from nothing where rows start to move', () => {
    // The first rows counted (agent's 3000, backed up by 4 s) fall in the first window, to 11 s, with the
    // copy's first 1000; agent_adherence's 2000 fall in the next.
    assert.deepEqual(rateSeries(copying), [
      { seconds: 4, rowsPerSecond: 0 },
      { seconds: 11, rowsPerSecond: (3000 + 1000) / 7 },
      { seconds: 13, rowsPerSecond: 2000 / 2 },
    ]);
  });

  it('offers what each state allows', () => {
    const actions = (states: StepRecord['state'][], overrides: Partial<RunJournal>): string[] => runStatus(journal(states, overrides), []).actions;
    assert.deepEqual(actions(['done', 'done', 'done', 'failed'], { state: 'failed' }), ['resume', 'roll back']);
    assert.deepEqual(actions(['done', 'interrupted'], { state: 'interrupted', to: null, path: 'update in place' }), ['resume', 'roll back']);
    assert.deepEqual(actions(Array(8).fill('done'), { state: 'done', twoStep: true, path: 'two-step migration' }), ['roll back', 'step two', 'verify']);
    assert.deepEqual(actions(Array(8).fill('done'), { state: 'done', to: null, path: 'update in place' }), ['roll back']);
    assert.deepEqual(actions(Array(8).fill('done'), { state: 'rolled back' }), []);
    assert.equal(runStatus(journal(Array(8).fill('done'), { state: 'done' }), []).percent, 100);
  });
});
