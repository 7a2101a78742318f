import { describe, expect, it } from 'vitest';
import { planRetries } from '../../src/tokportal/webhook-recovery.js';
import type { WebhookDelivery } from '../../src/tokportal/webhook-endpoints.js';

const delivery = (id: string, eventId: string | null, createdAt: string | null): WebhookDelivery => ({
  id,
  event_id: eventId,
  event_type: 'account.remade',
  success: false,
  status_code: 500,
  attempt: 1,
  error: null,
  created_at: createdAt,
});

describe('planRetries', () => {
  it('keeps the newest failed delivery of each event and counts the others as duplicates', () => {
    const plan = planRetries([
      delivery('d1', 'evt_a', '2026-03-01T10:00:00Z'),
      delivery('d2', 'evt_b', '2026-03-01T10:01:00Z'),
      delivery('d3', 'evt_a', '2026-03-01T10:05:00Z'),
      delivery('d4', 'evt_a', '2026-03-01T10:02:00Z'),
    ]);
    expect(plan.toRetry.map((d) => d.id)).toEqual(['d3', 'd2']);
    expect(plan.duplicates.map((d) => d.id).sort()).toEqual(['d1', 'd4']);
  });

  it('retries deliveries without an event id one by one', () => {
    const plan = planRetries([delivery('d1', null, null), delivery('d2', null, null)]);
    expect(plan.toRetry.map((d) => d.id)).toEqual(['d1', 'd2']);
  });

  it('drops deliveries older than `since` even when the server ignored the filter', () => {
    const plan = planRetries(
      [delivery('old', 'evt_a', '2026-03-01T09:59:59Z'), delivery('new', 'evt_b', '2026-03-01T10:00:00Z')],
      new Date('2026-03-01T10:00:00Z'),
    );
    expect(plan.toRetry.map((d) => d.id)).toEqual(['new']);
  });
});
