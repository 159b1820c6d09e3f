// The pages the console answers with instead of the one asked for: the maintenance page a viewer gets
// while a run is on, and the page that says why a request was not done.
import { html } from './html.ts';
import { page, type SignedInUser } from './layout.ts';

export function underConstructionPage(): string {
  return page({ title: 'Under construction' }, html`<div class="card"><h1>Under construction</h1><p>WFM is being migrated. It will be back shortly.</p></div>`);
}

export function notDonePage(message: string, user: SignedInUser | undefined): string {
  return page({ title: 'Not done', user }, html`<div class="card"><h1>Not done</h1><p class="bad">${message}</p><p><a href="javascript:history.back()">Back</a></p></div>`);
}
