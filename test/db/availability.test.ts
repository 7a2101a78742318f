// Which start-up failures are worth waiting out (Postgres not reachable yet) and which are not.
import { describe, expect, it } from 'vitest';
import { isDatabaseUnreachable, migrateWhenReachable } from '../../src/db/availability.js';
import type { DatabaseHandle } from '../../src/db/connection.js';

const coded = (code: string) => Object.assign(new Error(code), { code });

describe('isDatabaseUnreachable', () => {
  it.each(['ECONNREFUSED', 'ENOTFOUND', 'CONNECT_TIMEOUT', 'CONNECTION_CLOSED', '57P03', '08006'])('waits out %s', (code) =>
    expect(isDatabaseUnreachable(coded(code))).toBe(true),
  );

  it.each(['28P01', '3D000', '42P01'])('does not wait out %s (password, missing database, bad SQL)', (code) =>
    expect(isDatabaseUnreachable(coded(code))).toBe(false),
  );

  it('looks inside an AggregateError and a cause', () => {
    expect(isDatabaseUnreachable(new AggregateError([coded('ECONNREFUSED'), coded('ECONNREFUSED')], 'connect'))).toBe(true);
    expect(isDatabaseUnreachable(new Error('wrapped', { cause: coded('ETIMEDOUT') }))).toBe(true);
    expect(isDatabaseUnreachable(new Error('plain'))).toBe(false);
  });
});

describe('migrateWhenReachable', () => {
  const handle = (failures: Error[]): DatabaseHandle & { attempts: number } => {
    const fake = {
      attempts: 0,
      async migrate() {
        fake.attempts++;
        const failure = failures.shift();
        if (failure) throw failure;
      },
    };
    return fake as unknown as DatabaseHandle & { attempts: number };
  };

  it('retries while unreachable, reports the wait once, then opens', async () => {
    const database = handle([coded('ECONNREFUSED'), coded('ECONNREFUSED'), coded('ECONNREFUSED')]);
    const waits: unknown[] = [];
    const gate = migrateWhenReachable(database, { firstRetryMs: 5, maxRetryMs: 10, onWaiting: (error) => waits.push(error) });
    await gate.firstAttempt;
    expect(gate.open).toBe(false);
    expect(gate.reason()).toMatch(/^Postgres not reachable: ECONNREFUSED/);
    await gate.opened;
    expect(gate.open).toBe(true);
    expect(gate.reason()).toBeNull();
    expect(database.attempts).toBe(4);
    expect(waits).toHaveLength(1);
  });

  it('gives up at once on what waiting cannot fix', async () => {
    const gate = migrateWhenReachable(handle([coded('28P01')]), { firstRetryMs: 5 });
    await expect(gate.firstAttempt).rejects.toThrow('28P01');
    await expect(gate.opened).rejects.toThrow('28P01');
  });

  it('stops retrying when stopped', async () => {
    const gate = migrateWhenReachable(handle(Array.from({ length: 100 }, () => coded('ECONNREFUSED'))), { firstRetryMs: 1_000 });
    await gate.firstAttempt;
    gate.stop();
    await expect(gate.opened).rejects.toThrow(/stopped/);
  });
});
