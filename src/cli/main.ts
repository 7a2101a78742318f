#!/usr/bin/env node
// `tokportal-sync`: one binary, one subcommand per job. Each command has a folder in src/cli/
// and is listed in src/cli/commands.ts. Its command.ts declares only arguments, options and
// help; its action imports run.ts (the implementation) when it runs, so `--help` and each
// command load only what they use (the clients, drivers and the fake cost over a second of
// start-up when loaded all at once). Imports point one way: command.ts → run.ts → src/app/.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError, type Option } from 'commander';
import { ConfigError } from '../lib/fatal-error.js';
import { PACKAGE_ROOT } from '../lib/package-root.js';
import { registerCommands } from './commands.js';
import { loadEnvFile } from './env-file.js';

const PROGRAM = 'tokportal-sync';

function packageVersion(): string {
  return (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}

export function buildProgram(): Command {
  const program = new Command()
    .name(PROGRAM)
    .description('Mirror a TokPortal workspace (bundles, accounts, remakes) into Postgres')
    .version(packageVersion(), '-V, --version', 'print the version and exit')
    // Inherited by every subcommand created after it: required options say so in --help.
    .configureHelp({
      sortSubcommands: false,
      optionDescription(option: Option) {
        const text = Object.getPrototypeOf(this).optionDescription.call(this, option) as string;
        return option.mandatory ? `(required) ${text}` : text;
      },
    });
  registerCommands(program);
  // A usage error is its own line plus where the help is, not the whole help.
  const hintEverywhere = (command: Command, path: string[]) => {
    command.showHelpAfterError(`(run "${[PROGRAM, ...path, '--help'].join(' ')}" for usage)`);
    for (const sub of command.commands) hintEverywhere(sub, [...path, sub.name()]);
  };
  hintEverywhere(program, []);
  return program;
}

/** Help and version need no settings: no line about the env file there. */
const wantsOnlyHelp = (argv: string[]) =>
  argv.length <= 2 || argv.slice(2).some((arg) => ['-h', '--help', 'help', '-V', '--version'].includes(arg));

async function main(argv: string[]): Promise<void> {
  try {
    const envFile = loadEnvFile();
    if (envFile && !wantsOnlyHelp(argv)) {
      process.stderr.write(`${PROGRAM}: settings read from ${envFile} (variables set in the environment win)\n`);
    }
    await buildProgram().parseAsync(argv);
  } catch (error) {
    if (error instanceof ConfigError) {
      // A setting is wrong: one clear line, no stack trace.
      process.stderr.write(`${PROGRAM}: ${error.message}\n`);
      process.exit(2);
    }
    if (error instanceof CommanderError) process.exit(error.exitCode);
    throw error;
  }
}

await main(process.argv);
