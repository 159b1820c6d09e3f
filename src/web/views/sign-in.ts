// The sign-in page: a token signs in; a WFM user may be named beside it, whose privileges decide what
// Backup & restore offers.
import { html, type Html } from './html.ts';

export function signInForm(problem?: string): Html {
  return html`<div class="card" style="max-width:460px"><h1>Sign in</h1>${problem ? html`<p class="bad">${problem}</p>` : ''}
<form method="post" action="/sign-in"><label>Token<input type="password" name="token" autofocus></label>
<p><label>WFM user (optional; Backup &amp; restore needs one who holds Allow Backup/Restore)<input name="login" autocomplete="username"></label></p><p><button>Sign in</button></p></form>
<p class="muted">An administrator's token is the WFM Web application's Options.AdminToken in wfm.yaml, or the one-time link wfm web printed.</p></div>`;
}
