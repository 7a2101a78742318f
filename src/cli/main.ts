#!/usr/bin/env node
// `tokportal-sync`: one binary, one subcommand per job. Each command has a folder in src/cli/
// and is listed in src/cli/commands.ts. Its command.ts declares only arguments, options and
// help; its action imports run.ts (the implementation) when it runs, so `--help` and each
// command load only what they use (the clients, drivers and the fake cost over a second of
// start-up when loaded all at once). Imports point one way: command.ts → run.ts → src/app/.
import { Command, CommanderError } from 'commander';
import { ConfigError } from '../lib/fatal-error.js';
import { registerCommands } from './commands.js';

export function buildProgram(): Command {
  const program = new Command()
    .name('tokportal-sync')
    .description('Mirror a TokPortal workspace (bundles, accounts, remakes) into Postgres')
    .showHelpAfterError()
    .configureHelp({ sortSubcommands: false });
  registerCommands(program);
  return program;
}

async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    if (error instanceof ConfigError) {
      // A setting is wrong: one clear line, no stack trace.
      process.stderr.write(`tokportal-sync: ${error.message}\n`);
      process.exit(2);
    }
    if (error instanceof CommanderError) process.exit(error.exitCode);
    throw error;
  }
}

await main(process.argv);
