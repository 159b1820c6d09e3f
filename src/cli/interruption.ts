// The one place the `wfm` command handles SIGINT and SIGTERM. The first asks the running operation to stop
// at its next safe point (a copy after the chunk it is writing, a run between steps); the operation then
// ends with an InterruptedError, reported here with the command that goes on, and the process exits
// 130 or 143. A second signal, or one while nothing can stop in order, ends the process at once.
import { endAtOnce, exitCodeForSignal, requestStop, type InterruptedError, type StopSignalName } from '../engine/interruption.ts';
import { describeUnparsed } from '../engine/dialect/connection-string.ts';
import { endProgressLine, shellWord } from './output.ts';

/** Services that stop themselves on a signal, finishing what they hold: the console and the Data Aggregator. */
const SERVICES = new Set(['web', 'aggregator']);

/** Commands that go on from their checkpoints with --resume; any other is run again as it was. */
const RESUMED_WITH_FLAG: readonly (readonly string[])[] = [['dbu', 'migrate']];

/** Installs the handlers for the command `args` (the arguments after `wfm`). */
export function handleInterruptions(args: readonly string[]): void {
  if (SERVICES.has(args[0] ?? '')) return;
  let signalled = false;
  const onSignal = (signal: StopSignalName): void => {
    endProgressLine();
    if (!signalled && requestStop(signal)) {
      signalled = true;
      process.stderr.write(`wfm: ${signal}: stopping once what is being written is committed (${signal} again stops at once)\n`);
      return;
    }
    process.stderr.write(`wfm: stopped at once by ${signal}\n${nextLine(endAtOnce(signal) ?? commandToGoOn(args))}\n`);
    process.exit(exitCodeForSignal(signal));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

/** What the process prints as it ends after an interruption: what was kept, then the command that goes on. */
export function reportInterruption(error: InterruptedError, args: readonly string[]): void {
  endProgressLine();
  process.stderr.write(`wfm: ${error.message}\n${nextLine(error.nextCommand ?? commandToGoOn(args))}\n`);
}

function nextLine(command: string): string {
  return `wfm: to go on, run: ${command}`;
}

/** The interrupted command as it goes on: with --resume where it takes it, otherwise the same command, which starts over. */
function commandToGoOn(args: readonly string[]): string {
  const resumes = RESUMED_WITH_FLAG.some((prefix) => prefix.every((word, i) => args[i] === word));
  const words = resumes && !args.includes('--resume') ? [...args, '--resume'] : args;
  return ['wfm', ...words.map(shown)].join(' ');
}

/** An argument as a shell takes it back, with any password cut out of a connection string. */
function shown(arg: string): string {
  return shellWord(describeUnparsed(arg));
}
