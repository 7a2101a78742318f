import type { Command } from 'commander';
import { registerFakeApiCommand } from './fake-api/command.js';
import { registerMigrateCommand } from './migrate/command.js';
import { registerBackfillCommand } from './backfill/command.js';
import { registerChangesCommand } from './changes/command.js';
import { registerDemoCommand } from './demo/command.js';
import { registerReceiverCommand } from './receiver/command.js';
import { registerReplayCommand } from './replay/command.js';
import { registerReportCommand } from './report/command.js';
import { registerStartCommand } from './start/command.js';
import { registerSyncCommand } from './sync/command.js';
import { registerWorkerCommand } from './worker/command.js';
import { registerWebhooksCommand } from './webhooks/command.js';
import { registerAuditCommand } from './audit/command.js';

/** Every subcommand, in the order `--help` lists them. */
export function registerCommands(program: Command): void {
  registerStartCommand(program);
  registerReceiverCommand(program);
  registerWorkerCommand(program);
  registerMigrateCommand(program);
  registerBackfillCommand(program);
  registerSyncCommand(program);
  registerReplayCommand(program);
  registerAuditCommand(program);
  registerWebhooksCommand(program);
  registerFakeApiCommand(program);
  registerDemoCommand(program);
  registerReportCommand(program);
  registerChangesCommand(program);
}
