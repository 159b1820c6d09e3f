// scripts/fault-report.mjs, fed records as the fault suite writes them: killed processes and cut sessions
// keep their columns (exited 1/2/3 · killed · finished anyway); stop signals get their own (exited 130/143 ·
// ended before wfm began · finished anyway, and the longest stop); a trial run again counts once.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const REPORT = fileURLToPath(new URL('../scripts/fault-report.mjs', import.meta.url));

interface FaultRecord {
  operation: string;
  fault: string;
  engine: string;
  trial: number;
  interrupted: boolean;
  code: number | null;
  held: boolean;
  stoppedMs?: number;
}

function trial(operation: string, fault: string, engine: string, number: number, ending: Partial<FaultRecord>): FaultRecord {
  return { operation, fault, engine, trial: number, interrupted: true, code: null, held: true, ...ending };
}

/** The report of `records`, written to one file per operation as the fault suite writes them. */
function reportOf(records: readonly FaultRecord[]): string {
  const directory = mkdtempSync(join(tmpdir(), 'wfm-fault-report-'));
  for (const operation of new Set(records.map((r) => r.operation))) {
    const lines = records.filter((r) => r.operation === operation).map((r) => JSON.stringify({ seed: 7, delayMs: 100, detail: `trial ${r.trial}`, ...r }));
    writeFileSync(join(directory, `${operation}.jsonl`), `${lines.join('\n')}\n`);
  }
  const result = spawnSync(process.execPath, [REPORT, directory], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  return result.stdout;
}

function rowOf(report: string, operation: string, fault: string, engine: string): string[] {
  const row = report.split('\n').find((line) => line.startsWith(`| ${operation} | ${fault} | ${engine} |`));
  assert.ok(row, `a row for ${operation}, ${fault} on ${engine}:\n${report}`);
  return row.split('|').slice(1, -1).map((cell) => cell.trim());
}

describe('the fault report', () => {
  const records: FaultRecord[] = [
    trial('restore', 'SIGKILL', 'sqlite', 1, { code: null }),
    trial('restore', 'SIGKILL', 'sqlite', 2, { interrupted: false, code: 0 }),
    trial('restore', 'connection cut', 'postgres', 1, { code: 1 }),
    trial('restore', 'connection cut', 'postgres', 2, { code: 0 }),
    trial('restore', 'SIGINT', 'sqlite', 1, { code: 130, stoppedMs: 420 }),
    trial('restore', 'SIGINT', 'sqlite', 2, { code: 130, stoppedMs: 1250 }),
    trial('restore', 'SIGINT', 'sqlite', 3, { code: null, stoppedMs: 30 }),
    trial('restore', 'SIGINT', 'sqlite', 4, { code: 0, stoppedMs: 90 }),
    trial('run', 'SIGTERM', 'mysql', 1, { code: 143, stoppedMs: 800, held: false }),
    trial('run', 'SIGTERM', 'mysql', 2, { interrupted: false, code: 0 }),
  ];

  it('puts killed processes and cut sessions under exited 1/2/3 · killed · finished anyway', () => {
    const report = reportOf(records);
    assert.match(report, /\| of those: exited 1\/2\/3 · killed · finished anyway \| held \|/);
    assert.deepEqual(rowOf(report, 'restore', 'SIGKILL', 'sqlite'), ['restore', 'SIGKILL', 'sqlite', '2', '1', '0 · 1 · 0', '2']);
    assert.deepEqual(rowOf(report, 'restore', 'connection cut', 'postgres'), ['restore', 'connection cut', 'postgres', '2', '2', '1 · 0 · 1', '2']);
  });

  it('lists the ETL cycle, and counts a cut that ended a connection being opened (exit 3) as a failure told', () => {
    const etl = [trial('etl cycle', 'connection cut', 'mysql', 1, { code: 3 }), trial('etl cycle', 'connection cut', 'mysql', 2, { code: 1 }), trial('etl cycle', 'SIGKILL', 'sqlite', 1, {})];
    const report = reportOf([...records, ...etl]);
    assert.deepEqual(rowOf(report, 'etl cycle', 'connection cut', 'mysql'), ['etl cycle', 'connection cut', 'mysql', '2', '2', '2 · 0 · 0', '2']);
    assert.deepEqual(rowOf(report, 'etl cycle', 'SIGKILL', 'sqlite'), ['etl cycle', 'SIGKILL', 'sqlite', '1', '1', '0 · 1 · 0', '1']);
  });

  it('puts stop signals under exited 130/143 · ended before wfm began · finished anyway, with the longest stop', () => {
    const report = reportOf(records);
    assert.match(report, /\| of those: exited 130\/143 · ended before wfm began · finished anyway \| longest stop \| held \|/);
    assert.deepEqual(rowOf(report, 'restore', 'SIGINT', 'sqlite'), ['restore', 'SIGINT', 'sqlite', '4', '4', '2 · 1 · 1', '1250 ms', '4']);
    assert.deepEqual(rowOf(report, 'run', 'SIGTERM', 'mysql'), ['run', 'SIGTERM', 'mysql', '2', '1', '1 · 0 · 0', '800 ms', '1']);
    assert.match(report, /9 of 10 trials held \(seed 7\)/);
    assert.match(report, /- did not hold: run, SIGTERM on mysql, trial 1 at 100 ms: trial 1/);
  });

  it('counts a trial run again once, as its latest record, and shows no stop where nothing stopped', () => {
    const report = reportOf([...records, trial('run', 'SIGTERM', 'mysql', 1, { code: 0, stoppedMs: 60 })]);
    assert.deepEqual(rowOf(report, 'run', 'SIGTERM', 'mysql'), ['run', 'SIGTERM', 'mysql', '2', '1', '0 · 0 · 1', '–', '2']);
    assert.match(report, /10 of 10 trials held/);
  });

  it('prints no signal table when the records hold no stop signal', () => {
    const report = reportOf(records.filter((r) => r.fault === 'SIGKILL' || r.fault === 'connection cut'));
    assert.doesNotMatch(report, /longest stop/);
    assert.match(report, /4 of 4 trials held/);
  });
});
