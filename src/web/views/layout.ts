// The layout of every page of the console: its navigation, who is signed in with a way to sign out, the
// maintenance banner, the stylesheet and, on a job's page, the script that keeps it live.
import { html, type Html } from './html.ts';

/** Who is signed in, as the header shows it. */
export interface SignedInUser {
  role: string;
  /** The WFM user named at sign-in, if any. */
  login?: string;
}

export interface PageOptions {
  title: string;
  active?: string;
  user?: SignedInUser;
  maintenance?: boolean;
  /** What the last save changed. */
  notice?: string;
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
  ['/reports', 'Reports'],
] as const;

function userBox(user: SignedInUser): Html {
  return html`<div class="user" id="signed-in"><span>Signed in: <b>${user.login ?? user.role}</b>${user.login ? html` (${user.role})` : ''}</span>
<form method="post" action="/sign-out"><button>Sign out</button></form></div>`;
}

export function page(options: PageOptions, body: Html): string {
  const nav = options.user ? NAV.map(([href, label]) => html`<a href="${href}" class="${options.active === href ? 'on' : ''}">${label}</a>`) : [];
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${options.title} · WFM console</title><link rel="stylesheet" href="/static/console.css"></head>
<body><header><b>WFM console</b><nav>${nav}</nav>${options.user ? userBox(options.user) : ''}</header>
<main>${options.maintenance && options.user ? html`<div class="banner">Maintenance mode is on: everyone but an administrator sees the “under construction” page.</div>` : ''}${options.notice ? html`<div class="card ok" id="notice" role="status">${options.notice}</div>` : ''}${body}</main>
${options.script ? html`<script src="/static/${options.script}"></script>` : ''}</body></html>`.text;
}
