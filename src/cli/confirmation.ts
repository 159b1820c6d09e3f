// The command line's side of the rule for actions that drop or replace data: the statement of what will
// be removed is printed and the user answers y or N on the terminal; --yes answers for scripts; without a
// terminal and without --yes the action is refused, so that no script drops a database by accident.
import { createInterface } from 'node:readline';
import { InputError } from '../engine/errors.ts';
import type { DestructiveStatement } from '../wfm/destructive.ts';

/** Resolves when the action may go on; throws, having changed nothing, when it may not. */
export async function confirmDestructive(statement: DestructiveStatement, yes: boolean | undefined): Promise<void> {
  if (!statement.removesData) return;
  // The wording lives with the restore and migration code, which the command that made the statement has
  // loaded already; a static import would load it with every command's help.
  const { statementLines } = await import('../wfm/destructive.ts');
  const lines = statementLines(statement).join('\n');
  if (!yes && !process.stdin.isTTY) throw new InputError(`${lines}\nnothing was changed; pass --yes to confirm`);
  process.stderr.write(`wfm: ${lines}\n`);
  if (yes) return;
  if (!(await askYesNo('Go on? (y/N) '))) throw new InputError('not confirmed: nothing was changed');
}

/** One question on the terminal; anything but y or yes is a no. */
function askYesNo(question: string): Promise<boolean> {
  const reader = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  return new Promise((resolve) => {
    reader.question(question, (answer) => {
      reader.close();
      resolve(/^y(es)?$/i.test(answer.trim()));
    });
    // The terminal closed (Ctrl-D): no answer is a no.
    reader.on('close', () => resolve(false));
  });
}
