// The `wfm` command. Results go to stdout; progress and errors to stderr. Exit 0 on success, 1 when an
// operation or verification failed, 2 on bad input; no stack trace unless WFM_DEBUG=1.
import { Command, CommanderError } from 'commander';
import { asConnectionLost } from '../engine/dialect/index.ts';
import { errorMessage, InputError, OperationError } from '../engine/errors.ts';
import { TOOL_VERSION } from '../wfm/database.ts';
import { originalSyntax, registerBru } from './commands/bru.ts';
import { registerDbu } from './commands/dbu.ts';
import { registerDemo } from './commands/demo.ts';
import { registerGenerate } from './commands/generate.ts';
import { registerInfo } from './commands/info.ts';
import { registerSchema } from './commands/schema.ts';
import { registerVerify } from './commands/verify.ts';
import { registerConfig } from './commands/config.ts';
import { registerAggregator } from './commands/aggregator.ts';
import { registerSimulate } from './commands/simulate.ts';
import { registerPlan } from './commands/plan.ts';
import { registerRun } from './commands/run.ts';
import { registerSettings } from './commands/settings.ts';
import { registerWeb } from './commands/web.ts';

function buildProgram(): Command {
  const program = new Command('wfm')
    .description('Workforce Management database suite: create, update, migrate, back up and verify WFM databases from 6.5 to 8.5.2')
    .version(TOOL_VERSION)
    // Program options only before the command: `dbu create --version V` names a release, not the tool's version.
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) })
    .showHelpAfterError('(wfm --help lists the commands)');
  // Subcommands inherit exitOverride and the output settings from the program when they are created.
  for (const register of [registerInfo, registerDbu, registerBru, registerSchema, registerGenerate, registerVerify, registerConfig, registerAggregator, registerSimulate, registerPlan, registerRun, registerSettings, registerWeb, registerDemo]) register(program);
  return program;
}

function exitCodeOf(error: unknown): number {
  if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
  if (error instanceof InputError || error instanceof OperationError) return error.exitCode;
  return 1;
}

// A reader that stops early (`wfm ... | head`) closes the pipe: that ends the output, not in an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

async function main(): Promise<void> {
  try {
    await buildProgram().parseAsync(originalSyntax(process.argv));
  } catch (thrown) {
    const error = (await asConnectionLost(thrown)) ?? thrown;
    const code = exitCodeOf(error);
    if (!(error instanceof CommanderError)) {
      const known = error instanceof InputError || error instanceof OperationError;
      process.stderr.write(`wfm: ${known ? '' : 'internal error: '}${errorMessage(error)}\n`);
      if (process.env.WFM_DEBUG === '1' && thrown instanceof Error) process.stderr.write(`${thrown.stack}\n`);
    }
    process.exitCode = code;
  }
}

await main();
