// The Backup & restore page: the backups of the configured folder with their size, release, date and
// state, and the forms that back up and restore, shown only to a WFM user who holds Allow Backup/Restore.
import { formatBytes } from '../../engine/wording.ts';
import type { BackupFile } from '../../wfm/backup-files.ts';
import { html, type Html } from './html.ts';
import { utcSecond } from './time.ts';

/** What a quick look at a backup says of it (complete, unfinished, damaged); only wfm bru verify vouches for its rows. */
const backupState = (backup: BackupFile): Html => html`<span class="${backup.state}">${backup.state}</span>`;

function backupRow(backup: BackupFile): Html {
  return html`<tr data-backup="${backup.name}"><td class="conn">${backup.name}</td><td class="n">${formatBytes(backup.bytes)}</td><td>${backup.release ?? ''}${backup.engine ? html` <span class="muted">(${backup.engine})</span>` : ''}</td><td>${utcSecond(backup.startedAt ?? backup.modifiedAt)}</td><td class="n">${backup.rows?.toLocaleString('en-US') ?? ''}</td><td>${backupState(backup)}${backup.problem ? html`<br><span class="muted">${backup.problem}</span>` : ''}</td></tr>`;
}

export interface BackupsPageData {
  database: string;
  backupDirectory: string;
  backups: BackupFile[];
  login: string;
  /** Whether the forms are shown: a viewer sees the list only. */
  mayChange: boolean;
}

export function backupsPage(data: BackupsPageData): Html {
  const complete = data.backups.filter((b) => b.state === 'complete');
  return html`<h1>Backup & restore</h1>
<p class="muted">As ${data.login}, who holds Allow Backup/Restore. A restore replaces what the database it goes into holds, after a page that says what it removes; the console never restores over ${data.database}, the database it serves. Every row of the file is checked before it is written.</p>
<h2>Backups in ${data.backupDirectory}</h2>
${data.backups.length === 0 ? html`<p class="muted">No backup in ${data.backupDirectory} yet.</p>` : html`<div class="scroll"><table id="backups"><tr><th>file</th><th>size</th><th>release</th><th>taken (UTC)</th><th>rows</th><th>state</th></tr>${data.backups.map(backupRow)}</table></div>`}
<p class="muted">Complete: the backup was finished, its CRC-32 stamped, and the file is as long as its header says. That is read from the header alone; wfm bru verify --file FILE checks every byte and row.</p>
${data.mayChange ? backupForms(data, complete) : ''}`;
}

function backupForms(data: BackupsPageData, complete: BackupFile[]): Html {
  return html`<div class="card"><form class="inline" method="post" action="/backups">
<label>Backup file<input name="file" list="complete-backups" placeholder="${data.backupDirectory}/wfm.backup.db" size="40"></label>
<datalist id="complete-backups">${complete.map((b) => html`<option value="${b.file}">`)}</datalist>
<label>Restore into (not this console's database)<input name="into" placeholder="sqlite:wfm-restored.db"></label>
<button name="action" value="backup">Back up</button><button name="action" value="restore" class="secondary">Restore</button></form></div>`;
}

/** What a signed-in user who may not back up or restore sees instead: why, and how to name a user who may. */
export function backupsRefused(reason: string, mayName: boolean): Html {
  return html`<h1>Backup & restore</h1><div class="card warn" id="refused">${reason}</div>
${mayName ? html`<div class="card"><form class="inline" method="post" action="/backups/user"><label>WFM user who holds Allow Backup/Restore<input name="login" required autocomplete="username"></label><button>Use this user</button></form></div>` : ''}`;
}
