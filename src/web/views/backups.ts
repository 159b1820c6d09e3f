// The Backup & restore page: the backups of the configured folder with their size, release, date and
// state, and the forms that back up and restore, shown only to a WFM user who holds Allow Backup/Restore.
import { formatBytes } from '../../engine/wording.ts';
import type { BackupFile } from '../../wfm/backup-files.ts';
import { html, type Html } from './html.ts';
import { utcSecond } from './time.ts';

/** What a quick look at a backup says of it (complete, unfinished, damaged); only wfm bru verify vouches for its rows. */
const backupState = (backup: BackupFile): Html => html`<span class="${backup.state}">${backup.state}</span>`;

/** What the file's seal claims, read with its header: a seal of this key is checked only by a verify or a restore. */
function claimedSeal(backup: BackupFile): Html {
  const seal = backup.claimedSeal;
  if (!seal) return html``;
  switch (seal.state) {
    case 'sealed-by-this-key':
      return html`<span class="seal ok">sealed by this key</span>`;
    case 'sealed-by-another-key':
      return html`<span class="seal warn">sealed by another key</span> <span class="muted">(${seal.keyId})</span>`;
    case 'sealed-key-not-given':
      return html`<span class="seal warn">sealed</span> <span class="muted">(${seal.keyId}; the console has no key file to check it)</span>`;
    case 'seal-does-not-match':
      return html`<span class="seal bad">seal malformed</span>`;
    case 'not-sealed':
      return html`<span class="seal muted">not sealed</span>`;
  }
}

function backupRow(backup: BackupFile): Html {
  return html`<tr data-backup="${backup.name}"><td class="conn">${backup.name}</td><td class="n">${formatBytes(backup.bytes)}</td><td>${backup.release ?? ''}${backup.engine ? html` <span class="muted">(${backup.engine})</span>` : ''}</td><td>${utcSecond(backup.startedAt ?? backup.modifiedAt)}</td><td class="n">${backup.rows?.toLocaleString('en-US') ?? ''}</td><td>${backupState(backup)}${backup.problem ? html`<br><span class="muted">${backup.problem}</span>` : ''}</td><td>${claimedSeal(backup)}</td></tr>`;
}

export interface BackupsPageData {
  database: string;
  backupDirectory: string;
  backups: BackupFile[];
  login: string;
  /** Whether the forms are shown: a viewer sees the list only. */
  mayChange: boolean;
  /** Where RequireSealedBackups = 1 is set, when it is. */
  sealedOnly?: string;
}

export function backupsPage(data: BackupsPageData): Html {
  const complete = data.backups.filter((b) => b.state === 'complete');
  return html`<h1>Backup & restore</h1>
<p class="muted">As ${data.login}, who holds Allow Backup/Restore. A restore replaces what the database it goes into holds, after a page that says what it removes; the console never restores over ${data.database}, the database it serves. Every row of the file is checked before it is written.</p>
<h2>Backups in ${data.backupDirectory}</h2>
${data.backups.length === 0 ? html`<p class="muted">No backup in ${data.backupDirectory} yet.</p>` : html`<div class="scroll"><table id="backups"><tr><th>file</th><th>size</th><th>release</th><th>taken (UTC)</th><th>rows</th><th>state</th><th>seal</th></tr>${data.backups.map(backupRow)}</table></div>`}
<p class="muted">Complete: the backup was finished, its CRC-32 stamped, and the file is as long as its header says. The seal is the one the header claims, judged by the console's key file. Both are read from the header alone; wfm bru verify --file FILE checks every byte, row and seal, as a restore does before it writes anything.</p>
${data.sealedOnly ? html`<p class="warn" id="sealed-only">${data.sealedOnly}: only a backup sealed by this key file is restored.</p>` : ''}
${data.mayChange ? backupForms(data, complete) : ''}`;
}

function backupForms(data: BackupsPageData, complete: BackupFile[]): Html {
  const backUp = html`<div class="card"><form class="inline" method="post" action="/backups" id="back-up">
<label>New backup in ${data.backupDirectory}<input name="file" placeholder="wfm-TIME.backup.db (a file name)" size="32"></label>
<button name="action" value="backup">Back up</button></form></div>`;
  const restore =
    complete.length === 0
      ? html`<p class="muted">No complete backup to restore.</p>`
      : html`<div class="card"><form class="inline" method="post" action="/backups" id="restore">
<label>Backup to restore<select name="file">${complete.map((b) => html`<option value="${b.name}">${b.name}</option>`)}</select></label>
<label>Restore into (not this console's database)<input name="into" placeholder="sqlite:wfm-restored.db"></label>
<button name="action" value="restore" class="secondary">Restore</button></form></div>`;
  return html`${backUp}${restore}`;
}

/** What a signed-in user who may not back up or restore sees instead: why, and how to name a user who may. */
export function backupsRefused(reason: string, mayName: boolean): Html {
  return html`<h1>Backup & restore</h1><div class="card warn" id="refused">${reason}</div>
${mayName ? html`<div class="card"><form class="inline" method="post" action="/backups/user"><label>WFM user who holds Allow Backup/Restore<input name="login" required autocomplete="username"></label><button>Use this user</button></form></div>` : ''}`;
}
