// `tokportal-sync fake-api` as the binary: a seeded fake TokPortal an operator can point the
// receiver and the worker at.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DEMO_API_KEY } from '../../../fake-tokportal/index.js';

describe('tokportal-sync fake-api', () => {
  it('prints its settings (secret masked), serves the API and stops cleanly on SIGTERM', async () => {
    const bin = fileURLToPath(new URL('../../../bin/tokportal-sync.js', import.meta.url));
    const secret = 'whsec_cli_secret_value_123456';
    const child = spawn(
      process.execPath,
      [bin, 'fake-api', '--port', '0', '--bundles', '12', '--seed', 'cli', '--rate-limit-per-min', '60', '--webhook-url', 'http://127.0.0.1:9/hooks', '--webhook-secret', secret],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    try {
      const deadline = Date.now() + 20_000;
      while (!/control: /.test(output)) {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`fake-api did not start:\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const baseUrl = /TOKPORTAL_BASE_URL=(\S+)/.exec(output)![1]!;
      expect(output).toContain(DEMO_API_KEY);
      expect(output).toContain('60/min');
      expect(output).not.toContain(secret);
      const answer = await fetch(`${baseUrl}/bundles`, { headers: { 'X-API-Key': DEMO_API_KEY } });
      expect(answer.status).toBe(200);
      expect(answer.headers.get('x-ratelimit-limit')).toBe('60');
      expect(((await answer.json()) as any).pagination.total).toBe(12);
    } finally {
      child.kill('SIGTERM');
    }
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
  });
});
