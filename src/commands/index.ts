import type { Command } from 'commander';

/** Every subcommand, in the order `--help` lists them. */
export function registerCommands(program: Command): void {
  void program;
}
