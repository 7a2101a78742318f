// The database clock, on both databases the mirror runs on (the describe keeps the name it had
// among the refreshBundle tests, whose fetch window this clock measures).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseNow } from '../../src/db/clock.js';
import { DATABASE_BACKENDS, type OpenedBackend } from '../support/backends.js';

describe.each(DATABASE_BACKENDS)('refreshBundle on $name', (backend) => {
  let opened: OpenedBackend;
  beforeAll(async () => {
    opened = await backend.open('clock');
  });
  afterAll(async () => {
    await opened?.close();
  });

  it('reads the database clock', async () => {
    const before = Date.now();
    const now = await databaseNow(opened.db);
    expect(Math.abs(now.getTime() - before)).toBeLessThan(5_000);
  });
});
