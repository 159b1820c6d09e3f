// @ts-check
// The live part of a run's page: the server sends the changing part of the page again (already escaped),
// the log and the rows per second over time whenever the run's journal or event log changes; this script
// puts them in place, keeps open the finished steps the reader opened, and draws the chart as inline SVG.

/**
 * @typedef {{ seconds: number, rowsPerSecond: number }} RatePoint
 * @typedef {{ state: string, stateText: string, live: string, log: string, rates: RatePoint[] }} RunView
 */

const SVG = 'http://www.w3.org/2000/svg';
/** The chart's height and margins in pixels; its width is the page's. */
const CHART = { height: 180, left: 64, right: 12, top: 12, bottom: 28 };

/** @param {string} id */
function pageElement(id) {
  const found = document.getElementById(id);
  if (!found) throw new Error(`the page has no #${id}`);
  return found;
}

/** @param {number} n */
const wholeNumber = (n) => Math.round(n).toLocaleString('en-US');

/**
 * @param {string} name
 * @param {Record<string, string | number>} attributes
 * @param {string} [text]
 */
function svgElement(name, attributes, text) {
  const made = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) made.setAttribute(key, String(value));
  if (text !== undefined) made.textContent = text;
  return made;
}

/** A round top for the chart's scale, 10 at least: 1, 2 or 5 times a power of ten. @param {number} top */
function niceTop(top) {
  const power = 10 ** Math.floor(Math.log10(Math.max(top, 10)));
  return [1, 2, 5, 10].map((f) => f * power).find((v) => v >= top) ?? 10 * power;
}

/** @param {RatePoint[]} points */
function drawChart(points) {
  const chart = pageElement('rate-chart');
  chart.replaceChildren();
  const width = Math.max(chart.clientWidth, 320);
  chart.setAttribute('viewBox', `0 0 ${width} ${CHART.height}`);
  const plotWidth = width - CHART.left - CHART.right;
  const plotHeight = CHART.height - CHART.top - CHART.bottom;
  if (points.every((p) => p.rowsPerSecond === 0)) {
    chart.appendChild(svgElement('text', { x: width / 2, y: CHART.height / 2, 'text-anchor': 'middle' }, 'no rows counted yet: a point a second once rows move'));
    return;
  }
  const last = points[points.length - 1];
  const span = Math.max(last ? last.seconds : 1, 1);
  const top = niceTop(Math.max(...points.map((p) => p.rowsPerSecond)));
  const x = (/** @type {number} */ s) => CHART.left + (plotWidth * s) / span;
  const y = (/** @type {number} */ r) => CHART.top + plotHeight - (plotHeight * r) / top;
  for (const share of [0, 0.5, 1]) {
    chart.appendChild(svgElement('line', { x1: CHART.left, x2: width - CHART.right, y1: y(top * share), y2: y(top * share), class: 'grid' }));
    chart.appendChild(svgElement('text', { x: CHART.left - 6, y: y(top * share) + 4, 'text-anchor': 'end' }, wholeNumber(top * share)));
  }
  chart.appendChild(svgElement('text', { x: CHART.left, y: CHART.height - 6 }, '0 s'));
  chart.appendChild(svgElement('text', { x: width - CHART.right, y: CHART.height - 6, 'text-anchor': 'end' }, `${wholeNumber(span)} s`));
  const path = points.map((p, i) => `${i === 0 ? 'M' : 'L'}${x(p.seconds).toFixed(1)},${y(p.rowsPerSecond).toFixed(1)}`).join(' ');
  chart.appendChild(svgElement('path', { d: path, class: 'rate' }));
}

/** @param {RunView} view */
function show(view) {
  const live = pageElement('run-live');
  const open = new Set([...live.querySelectorAll('details[open]')].map((d) => d.getAttribute('data-step')));
  live.innerHTML = view.live;
  for (const details of live.querySelectorAll('details')) {
    if (open.has(details.getAttribute('data-step'))) details.setAttribute('open', '');
  }
  const state = pageElement('state');
  state.textContent = view.stateText;
  state.className = view.state.replace(' ', '-');
  const log = pageElement('log');
  const atBottom = log.scrollTop + log.clientHeight >= log.scrollHeight - 4;
  log.textContent = view.log;
  if (atBottom) log.scrollTop = log.scrollHeight;
  rates = view.rates;
  drawChart(rates);
}

/** The points last drawn, drawn again when the window changes width. @type {RatePoint[]} */
let rates = JSON.parse(pageElement('rate-chart').getAttribute('data-rates') ?? '[]');
drawChart(rates);
window.addEventListener('resize', () => drawChart(rates));
const runEvents = new EventSource(`${location.pathname}/events`);
runEvents.onmessage = (/** @type {MessageEvent<string>} */ message) => show(/** @type {RunView} */ (JSON.parse(message.data)));
// The server ends the stream once the run is over; the browser would otherwise open it again and again.
runEvents.onerror = () => runEvents.close();
