import type { Command } from 'commander';
import { registerFakeApiCommand } from './fake-api.js';
import { registerMigrateCommand } from './migrate.js';
import { registerBackfillCommand } from './backfill.js';
import { registerDemoCommand } from './demo.js';
import { registerReceiverCommand } from './receiver.js';
import { registerReplayCommand } from './replay.js';
import { registerReportCommand } from './report.js';
import { registerStartCommand } from './start.js';
import { registerSyncCommand } from './sync.js';
import { registerWorkerCommand } from './worker.js';
import { registerWebhooksCommand } from './webhooks.js';

/** Every subcommand, in the order `--help` lists them. */
export function registerCommands(program: Command): void {
  registerStartCommand(program);
  registerReceiverCommand(program);
  registerWorkerCommand(program);
  registerMigrateCommand(program);
  registerBackfillCommand(program);
  registerSyncCommand(program);
  registerReplayCommand(program);
  registerWebhooksCommand(program);
  registerFakeApiCommand(program);
  registerDemoCommand(program);
  registerReportCommand(program);
}
