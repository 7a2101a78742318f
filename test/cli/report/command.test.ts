// The options of `tokportal-sync report`, checked by the command declaration before any work.
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { registerReportCommand } from '../../../src/cli/report/command.js';

describe('report', () => {
  it('rejects an unknown view or a bad limit before touching the database', async () => {
    const program = () => {
      const root = new Command().exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
      registerReportCommand(root);
      root.commands.forEach((command) => command.exitOverride().configureOutput({ writeErr: () => {} }));
      return root;
    };
    await expect(program().parseAsync(['node', 'x', 'report', '--view', 'nonsense'])).rejects.toThrow(/Allowed choices are pipeline, campaign_summary/);
    await expect(program().parseAsync(['node', 'x', 'report', '--limit', '0'])).rejects.toThrow(/expected a positive whole number/);
    // An instant without its zone would depend on the machine's: refused.
    await expect(program().parseAsync(['node', 'x', 'report', '--at', '2026-10-09 12:00'])).rejects.toThrow(/ISO 8601 instant with its offset/);
    await expect(program().parseAsync(['node', 'x', 'report', '--at', 'yesterday'])).rejects.toThrow(/ISO 8601 instant with its offset/);
  });
});
