// The options of `tokportal-sync fake-api`, refused by the command declaration with one line.
import { Command, CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { registerFakeApiCommand } from '../../../src/cli/fake-api/command.js';

describe('tokportal-sync fake-api', () => {
  it('refuses a webhook URL without a secret and a malformed key, with one clear line', async () => {
    const run = async (args: string[]) => {
      let stderr = '';
      const program = new Command().exitOverride().configureOutput({ writeErr: (text) => (stderr += text), writeOut: () => {} });
      registerFakeApiCommand(program);
      const error = await program.parseAsync(['fake-api', ...args], { from: 'user' }).then(
        () => null,
        (caught: unknown) => caught,
      );
      return { error: error as CommanderError, stderr };
    };
    const noSecret = await run(['--webhook-url', 'http://127.0.0.1:9/x']);
    expect(noSecret.error).toBeInstanceOf(CommanderError);
    expect(noSecret.error.exitCode).toBe(2);
    expect(noSecret.stderr).toContain('--webhook-secret');
    const badKey = await run(['--api-key', 'sk_nothex']);
    expect(badKey.error.exitCode).not.toBe(0);
    expect(badKey.stderr).toContain('64 lowercase hex');
    const badShare = await run(['--error-rate', '2']);
    expect(badShare.stderr).toContain('from 0 to 1');
  });
});
