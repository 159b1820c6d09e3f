// The `wfm` command. Results go to stdout; progress and errors to stderr. Exit 0 on success, 1 when an
// operation or verification failed, 2 on bad input, 130/143 when SIGINT/SIGTERM stopped it; no stack
// trace unless WFM_DEBUG=1.
import { Command, CommanderError } from 'commander';
import { asConnectionLost } from '../engine/dialect/index.ts';
import { asRefusal, errorMessage, InputError, OperationError } from '../engine/errors.ts';
import { InterruptedError } from '../engine/interruption.ts';
import { TOOL_VERSION } from '../wfm/database.ts';
import { addHelpFooters } from './help.ts';
import { handleInterruptions, reportInterruption } from './interruption.ts';
import { originalSyntax } from './original-syntax.ts';

type Register = (program: Command) => void;

/**
 * Each command's module, by the commands it registers, in the order help lists them: a command loads only
 * its own (a restore does not load the console's web server), help and anything unknown load them all.
 */
const COMMAND_MODULES: [names: string[], load: () => Promise<Register>][] = [
  [['info'], async () => (await import('./commands/info.ts')).registerInfo],
  [['dbu'], async () => (await import('./commands/dbu.ts')).registerDbu],
  [['bru'], async () => (await import('./commands/bru.ts')).registerBru],
  [['schema'], async () => (await import('./commands/schema.ts')).registerSchema],
  [['etl'], async () => (await import('./commands/etl.ts')).registerEtl],
  [['generate'], async () => (await import('./commands/generate.ts')).registerGenerate],
  [['verify'], async () => (await import('./commands/verify.ts')).registerVerify],
  [['config'], async () => (await import('./commands/config.ts')).registerConfig],
  [['aggregator'], async () => (await import('./commands/aggregator.ts')).registerAggregator],
  [['simulate'], async () => (await import('./commands/simulate.ts')).registerSimulate],
  [['plan'], async () => (await import('./commands/plan.ts')).registerPlan],
  [['run', 'runs', 'rollback'], async () => (await import('./commands/run.ts')).registerRun],
  [['org', 'user'], async () => (await import('./commands/settings.ts')).registerSettings],
  [['web'], async () => (await import('./commands/web.ts')).registerWeb],
  [['demo'], async () => (await import('./commands/demo.ts')).registerDemo],
];

/** The modules of the command `argv` runs, or all of them where it names none. */
async function commandsFor(argv: readonly string[]): Promise<Register[]> {
  const named = argv[2];
  const own = COMMAND_MODULES.find(([names]) => named !== undefined && names.includes(named));
  return Promise.all((own ? [own] : COMMAND_MODULES).map(([, load]) => load()));
}

function buildProgram(commands: readonly Register[]): Command {
  const program = new Command('wfm')
    .description('Workforce Management database suite: create, update, migrate, back up and verify WFM databases from 6.5 to 8.5.2')
    .version(TOOL_VERSION)
    // Program options only before the command: `dbu create --version V` (the older spelling of --release) names a release, not the tool's version.
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) })
    .showHelpAfterError('(wfm --help lists the commands)');
  // Subcommands inherit exitOverride and the output settings from the program when they are created.
  for (const register of commands) register(program);
  addHelpFooters(program);
  return program;
}

function exitCodeOf(error: unknown): number {
  if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
  if (error instanceof InputError || error instanceof OperationError || error instanceof InterruptedError) return error.exitCode;
  return 1;
}

// A reader that stops early (`wfm ... | head`) closes the pipe: that ends the output, not in an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

async function main(): Promise<void> {
  try {
    handleInterruptions(process.argv.slice(2));
    const argv = originalSyntax(process.argv);
    await buildProgram(await commandsFor(argv)).parseAsync(argv);
  } catch (thrown) {
    const error = asConnectionLost(thrown) ?? asRefusal(thrown) ?? thrown;
    const code = exitCodeOf(error);
    if (error instanceof InterruptedError) reportInterruption(error, process.argv.slice(2));
    else if (!(error instanceof CommanderError)) {
      const known = error instanceof InputError || error instanceof OperationError;
      process.stderr.write(`wfm: ${known ? '' : 'internal error: '}${errorMessage(error)}\n`);
      if (process.env.WFM_DEBUG === '1' && thrown instanceof Error) process.stderr.write(`${thrown.stack}\n`);
    }
    process.exitCode = code;
  }
}

await main();
