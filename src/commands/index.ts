import type { Command } from 'commander';
import { registerSyncCommand } from './sync.js';
import { registerWorkerCommand } from './worker.js';
import { registerWebhooksCommand } from './webhooks.js';

/** Every subcommand, in the order `--help` lists them. */
export function registerCommands(program: Command): void {
  registerWorkerCommand(program);
  registerSyncCommand(program);
  registerWebhooksCommand(program);
}
