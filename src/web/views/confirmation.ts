// The statement of what an action removes, with Confirm (the same form again, confirmed) and Cancel: the
// console's form of the command line's "Go on? (y/N)".
import { statementLines, type DestructiveStatement } from '../../wfm/destructive.ts';
import { html, type Html } from './html.ts';

export function confirmationPage(title: string, statement: DestructiveStatement, action: string, fields: Record<string, string>, back: string): Html {
  const [first, ...rest] = statementLines(statement);
  return html`<h1>${title}</h1>
<div class="card"><p class="warn"><b>${first ?? ''}</b></p><pre>${rest.join('\n')}</pre>
<form class="inline" method="post" action="${action}">${Object.entries(fields).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`)}<input type="hidden" name="confirm" value="yes">
<button>Confirm</button> <a href="${back}">Cancel</a></form></div>`;
}
