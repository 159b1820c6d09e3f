// The Overview page: every database of the configuration, the last runs, the backups and where each
// two-step migration stands, with what the console cannot tell said as such.
import { counted, formatBytes, formatDuration } from '../../engine/wording.ts';
import type { BackupFile } from '../../wfm/backup-files.ts';
import type { StepTwoHistory } from '../../wfm/migrate-performance.ts';
import type { ApplicationRelease, DatabaseOverview, InstallationOverview, RunSummary, TwoStepStanding } from '../../wfm/overview.ts';
import { html, type Html } from './html.ts';
import { utcSecond } from './time.ts';
import { runRow, RUN_HEADINGS } from './runs.ts';

/** A heartbeat older than this says the component is not running, whatever state it last recorded. */
const FRESH_HEARTBEAT_SECONDS = 30;

export function overviewPage(overview: InstallationOverview, backupDirectory: string): Html {
  return html`<h1>Overview</h1>
<div class="cards" id="databases">${overview.databases.map(databaseCard)}</div>
${applicationsTable(overview.applications)}
<h2>Last runs</h2>${lastRuns(overview.runs, overview.runsTotal)}
<h2>Two-step migrations</h2>${twoStepSection(overview.twoStep)}
<h2>Backups</h2>${backupsSummary(overview.backups, backupDirectory)}`;
}

function databaseCard(database: DatabaseOverview): Html {
  if (!database.reachable) return html`<div class="card" data-database="${database.name}"><b>${database.name}</b><p class="bad">${database.description}</p></div>`;
  return html`<div class="card" data-database="${database.name}"><b>${database.name}</b>${database.connection === database.name ? '' : html` <span class="muted">${database.connection}</span>`}
<dl class="facts">
<dt>release</dt><dd class="release">${database.description}</dd>
<dt>size</dt><dd class="size">${formatBytes(database.sizeBytes ?? 0)}, ${counted(database.tables ?? 0, 'table')}</dd>
<dt>rows</dt><dd class="rows">${(database.rows ?? 0).toLocaleString('en-US')}</dd>
<dt>maintenance</dt><dd>${maintenanceText(database.maintenance)}</dd>
<dt>verification</dt><dd>${verificationText(database.openVerificationItems)}</dd>
<dt>step two</dt><dd>${database.stepTwo ? stepTwoText(database.stepTwo) : html`<span class="muted">no performance migration recorded</span>`}</dd>
</dl>${componentsTable(database)}</div>`;
}

function applicationsTable(applications: ApplicationRelease[]): Html {
  if (applications.length === 0) return html``;
  return html`<h2>Applications</h2><div class="scroll"><table id="applications"><tr><th>application</th><th>type</th><th>release</th><th>databases</th></tr>${applications.map(
    (a) => html`<tr><td>${a.name}</td><td>${a.title}</td><td>${a.release ?? ''}</td><td>${a.connections.join(', ')}</td></tr>`,
  )}</table></div>`;
}

function maintenanceText(maintenance: boolean | undefined): Html {
  if (maintenance === undefined) return html`<span class="muted">no switch before 8.5.2</span>`;
  return maintenance ? html`<span class="warn">on</span>` : html`<span class="ok">off</span>`;
}

function verificationText(open: number | undefined): Html {
  if (open === undefined) return html`<span class="muted">checked on an 8.5.2 database</span>`;
  if (open === 0) return html`<span class="ok">all settings in place</span>`;
  return html`<a class="warn" href="/verify">${counted(open, 'item')} to fix</a>`;
}

function stepTwoText(history: StepTwoHistory): Html {
  if (history.finished === 0) return html`<span class="warn">started, not finished (${counted(history.unfinished, 'run')})</span>`;
  return html`${counted(history.finished, 'run')}, the last finished ${history.lastFinishedAt ?? ''} UTC (${counted(history.lastRowsInserted ?? 0, 'row')} added); <span class="${history.conflicts > 0 ? 'warn' : 'ok'}">${counted(history.conflicts, 'conflict')}</span>${history.unfinished > 0 ? html`; <span class="warn">${counted(history.unfinished, 'run')} not finished</span>` : ''}`;
}

function componentsTable(database: DatabaseOverview): Html {
  if (database.components.length === 0) {
    return html`<p class="muted">No component has registered with this database. Components register with an 8.5.2 database; those of an older release cannot be seen here.</p>`;
  }
  return html`<div class="scroll"><table class="components"><tr><th>component</th><th>release</th><th>state</th><th>heartbeat</th></tr>${database.components.map(
    (c) =>
      html`<tr><td>${c.name}<br><span class="muted">${c.kind}</span></td><td>${c.release}</td><td class="${c.state === 'stopped' ? 'muted' : c.heartbeatSecondsAgo < FRESH_HEARTBEAT_SECONDS ? 'ok' : 'warn'}">${c.state}</td><td class="n">${heartbeatAge(c.heartbeatSecondsAgo)}</td></tr>`,
  )}</table></div>`;
}

/** Whole seconds under a minute (a heartbeat comes every few seconds), minutes and seconds after. */
const heartbeatAge = (seconds: number): string => (seconds < 60 ? `${seconds} s ago` : `${formatDuration(seconds * 1000)} ago`);

function lastRuns(runs: RunSummary[], total: number): Html {
  if (runs.length === 0) return html`<p class="muted">No run in the runs folder yet: start one from <a href="/runs">Plans &amp; runs</a> or with wfm run.</p>`;
  return html`<div class="scroll"><table id="last-runs">${RUN_HEADINGS}${runs.map(runRow)}</table></div>${total > runs.length ? html`<p><a href="/runs">All ${counted(total, 'run')}</a></p>` : ''}`;
}

function twoStepSection(standings: TwoStepStanding[]): Html {
  const note = html`<p class="muted">From the runs folder and each new database's record of its performance migrations. The console cannot tell how much the old Data Aggregator collected into the 6.5 database since the last catch-up: run wfm dbu migrate-performance again to bring it over.</p>`;
  if (standings.length === 0) return html`<p class="muted">No two-step migration in the runs folder.</p>`;
  return html`<div class="scroll"><table id="two-step"><tr><th>run</th><th>new database</th><th>step one</th><th>step two</th></tr>${standings.map(
    (s) => html`<tr><td class="id">${s.runId}</td><td class="conn">${s.target}</td><td class="${s.stepOne}">${s.stepOne}</td><td>${stepTwoCell(s.stepTwo)}</td></tr>`,
  )}</table></div>${note}`;
}

function stepTwoCell(stepTwo: TwoStepStanding['stepTwo']): Html {
  if (stepTwo === 'pending') return html`<span class="warn">pending</span>`;
  if ('unknown' in stepTwo) return html`<span class="bad">unknown: ${stepTwo.unknown}</span>`;
  return stepTwoText(stepTwo);
}

function backupsSummary(backups: BackupFile[], directory: string): Html {
  if (backups.length === 0) return html`<p class="muted">No backup in ${directory}.</p>`;
  const states = (['complete', 'unfinished', 'damaged'] as const).map((state) => [state, backups.filter((b) => b.state === state).length] as const).filter(([, n]) => n > 0);
  const latest = backups.find((b) => b.state === 'complete');
  return html`<div class="card" id="backups-summary">${counted(backups.length, 'backup')} in ${directory}: ${states.map(([state, n], i) => html`${i > 0 ? ', ' : ''}<span class="${state}">${n} ${state}</span>`)}.
${latest ? html`The latest complete: ${latest.name}, release ${latest.release ?? ''}, taken ${utcSecond(latest.startedAt ?? latest.modifiedAt)} UTC, ${formatBytes(latest.bytes)}.` : 'None is complete.'} <a href="/backups">Backup &amp; restore</a></div>`;
}
