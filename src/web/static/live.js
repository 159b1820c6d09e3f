// @ts-check
// The live part of a job's page: its steps, a progress bar per table with rate and ETA, and its log, kept
// up to date from the job's server-sent events (LiveEvent in ../live-runs.ts).

/**
 * The progress events this page shows; others (a table's keys and indexes) it leaves out.
 * @typedef {{ type: 'table-progress', table: string, rows: number, totalRows?: number, rowsPerSecond: number, etaSeconds?: number }
 *   | { type: 'table-done', table: string, rows: number, durationMs: number }
 *   | { type: 'message', text: string }} JobProgress
 * @typedef {{ type: 'step', name: string, state: string, durationMs?: number, detail?: string }
 *   | { type: 'progress', event: JobProgress }
 *   | { type: 'log', text: string }
 *   | { type: 'end', state: string, text: string }} LiveEvent
 */

/** @param {string} id */
function element(id) {
  const found = document.getElementById(id);
  if (!found) throw new Error(`the page has no #${id}`);
  return found;
}

/** @param {number} n */
const formatted = (n) => Math.round(n).toLocaleString('en-US');

/** @type {Map<string, HTMLTableRowElement>} */
const tableRows = new Map();
/** @type {Map<string, HTMLTableRowElement>} */
const stepRows = new Map();
let currentStep = '';

/**
 * The cells of a row, made the first time it is asked for.
 * @param {Map<string, HTMLTableRowElement>} rows
 * @param {string} key
 * @param {string} tableId
 * @param {string[]} classes
 */
function rowOf(rows, key, tableId, classes) {
  let row = rows.get(key);
  if (!row) {
    row = document.createElement('tr');
    for (const name of classes) {
      const cell = document.createElement('td');
      cell.className = name;
      row.appendChild(cell);
    }
    element(tableId).appendChild(row);
    rows.set(key, row);
  }
  return /** @type {HTMLTableCellElement[]} */ ([...row.children]);
}

/** @param {string} table */
function tableCells(table) {
  const cells = rowOf(tableRows, `${currentStep}/${table}`, 'tables', ['muted', '', '', 'n pct', 'n rows', 'n rate', 'n eta']);
  const [step, name, bar] = cells;
  if (step && name && bar && name.textContent === '') {
    step.textContent = currentStep;
    name.textContent = table;
    bar.innerHTML = '<div class="bar"><i></i></div>';
  }
  return cells;
}

/**
 * @param {HTMLTableCellElement[]} cells
 * @param {number} percent
 * @param {string[]} texts the share, the rows, the rate and the ETA
 */
function showTable(cells, percent, texts) {
  const bar = cells[2]?.querySelector('i');
  if (bar) bar.style.width = `${percent}%`;
  texts.forEach((text, i) => {
    const cell = cells[3 + i];
    if (cell) cell.textContent = text;
  });
}

/** @param {string} text */
function log(text) {
  const area = element('log');
  area.textContent += `${text}\n`;
  area.scrollTop = area.scrollHeight;
}

/** @param {Extract<LiveEvent, { type: 'step' }>} e */
function showStep(e) {
  if (e.state === 'running') currentStep = e.name;
  const [name, state, duration, detail] = rowOf(stepRows, e.name, 'steps', ['', '', 'n', '']);
  if (name) name.textContent = e.name;
  if (state) {
    state.textContent = e.state;
    state.className = e.state;
  }
  if (duration) duration.textContent = e.durationMs === undefined ? '' : `${(e.durationMs / 1000).toFixed(1)} s`;
  if (detail) detail.textContent = e.detail ?? '';
}

/** @param {JobProgress} p */
function showProgress(p) {
  if (p.type === 'table-progress') {
    const percent = p.totalRows ? Math.min(100, (100 * p.rows) / Math.max(p.totalRows, 1)) : 0;
    const eta = p.etaSeconds === undefined ? '' : `${formatted(p.etaSeconds)} s`;
    showTable(tableCells(p.table), percent, [p.totalRows ? `${percent.toFixed(0)}%` : '', formatted(p.rows), `${formatted(p.rowsPerSecond)}/s`, eta]);
  } else if (p.type === 'table-done') {
    const rate = p.durationMs > 0 ? `${formatted(p.rows / (p.durationMs / 1000))}/s` : '';
    showTable(tableCells(p.table), 100, ['100%', formatted(p.rows), rate, 'done']);
  } else if (p.type === 'message') {
    log(p.text);
  }
}

const source = new EventSource(`${location.pathname}/events`);
source.onmessage = (/** @type {MessageEvent<string>} */ message) => {
  const e = /** @type {LiveEvent} */ (JSON.parse(message.data));
  if (e.type === 'step') showStep(e);
  else if (e.type === 'progress') showProgress(e.event);
  else if (e.type === 'log') log(e.text);
  else if (e.type === 'end') {
    const state = element('state');
    state.textContent = e.state;
    state.className = e.state;
    log(e.text);
    source.close();
  }
};
