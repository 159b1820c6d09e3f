// The console's HTML: server-rendered pages in one layout, every value escaped, a small stylesheet that
// reads well on a laptop screen, and one script for live updates over server-sent events.

export function escapeHtml(value: unknown): string {
  return String(value ?? '')
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

/** A template tag that escapes every interpolated value unless it is already Html. */
export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let text = strings[0] ?? '';
  values.forEach((value, i) => {
    const part = Array.isArray(value) ? value.map((v) => (v instanceof Html ? v.text : escapeHtml(v))).join('') : value instanceof Html ? value.text : escapeHtml(value);
    text += part + (strings[i + 1] ?? '');
  });
  return new Html(text);
}

const STYLE = `
:root { --ink:#1d2430; --muted:#5d6b7e; --line:#dde3ea; --bg:#f6f8fb; --accent:#1f6feb; --ok:#1a7f37; --warn:#9a6700; --bad:#cf222e; }
* { box-sizing: border-box; }
body { margin:0; font:15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color:var(--ink); background:var(--bg); }
header { background:#0f1b2d; color:#fff; padding:0 24px; display:flex; align-items:center; gap:28px; height:52px; }
header b { font-size:16px; letter-spacing:.3px; }
header nav a { color:#c9d6ea; text-decoration:none; margin-right:18px; }
header nav a.on, header nav a:hover { color:#fff; }
main { max-width:1180px; margin:24px auto; padding:0 24px; }
h1 { font-size:22px; margin:0 0 16px; } h2 { font-size:17px; margin:28px 0 10px; }
.card { background:#fff; border:1px solid var(--line); border-radius:8px; padding:16px 18px; margin-bottom:16px; }
table { width:100%; border-collapse:collapse; background:#fff; border:1px solid var(--line); border-radius:8px; overflow:hidden; }
th, td { text-align:left; padding:8px 12px; border-bottom:1px solid var(--line); vertical-align:top; }
th { background:#eef2f7; font-weight:600; font-size:13px; color:var(--muted); text-transform:uppercase; letter-spacing:.4px; }
td.n { text-align:right; font-variant-numeric:tabular-nums; }
.pass, .done, .ok { color:var(--ok); font-weight:600; } .warn, .running { color:var(--warn); font-weight:600; } .fail, .failed, .bad { color:var(--bad); font-weight:600; }
.muted { color:var(--muted); }
.bar { background:#e6ebf1; border-radius:6px; height:10px; overflow:hidden; min-width:160px; }
.bar > i { display:block; height:100%; background:var(--accent); width:0; transition:width .3s; }
form.inline { display:flex; flex-wrap:wrap; gap:10px; align-items:end; }
label { display:flex; flex-direction:column; font-size:13px; color:var(--muted); gap:4px; }
input, select { font:inherit; padding:6px 8px; border:1px solid #c4ccd8; border-radius:6px; min-width:140px; }
button { font:inherit; background:var(--accent); color:#fff; border:0; border-radius:6px; padding:7px 14px; cursor:pointer; }
button.secondary { background:#fff; color:var(--accent); border:1px solid var(--accent); }
pre.log { background:#0f1b2d; color:#d6e2f5; padding:12px; border-radius:8px; max-height:320px; overflow:auto; font-size:13px; }
.card:target, tr:target { outline:2px solid var(--accent); outline-offset:-2px; }
.banner { background:#fff4ce; border:1px solid #e9c46a; padding:10px 14px; border-radius:8px; margin-bottom:16px; }
`;

export interface PageOptions {
  title: string;
  active?: string;
  signedIn?: boolean;
  maintenance?: boolean;
  /** A script of the console's own, served from static/ (`live.js`). */
  script?: string;
}

const NAV = [
  ['/', 'Overview'],
  ['/runs', 'Plans & runs'],
  ['/verify', 'Verification'],
  ['/organization', 'Organization'],
  ['/users', 'Users'],
  ['/backups', 'Backup & restore'],
] as const;

export function page(options: PageOptions, body: Html): string {
  const nav = options.signedIn ? NAV.map(([href, label]) => html`<a href="${href}" class="${options.active === href ? 'on' : ''}">${label}</a>`) : [];
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${options.title} · WFM console</title><style>${new Html(STYLE)}</style></head>
<body><header><b>WFM console</b><nav>${nav}</nav></header>
<main>${options.maintenance && options.signedIn ? html`<div class="banner">Maintenance mode is on: everyone but an administrator sees the “under construction” page.</div>` : ''}${body}</main>
${options.script ? html`<script src="/static/${options.script}"></script>` : ''}</body></html>`.text;
}
