import { describe, expect, it } from 'vitest';
import {
  planIncarnationsForDetail,
  planIncarnationsForList,
  type AccountIdentity,
  type KnownIncarnation,
} from '../../src/sync/incarnations.js';

const t = (minute: number) => new Date(Date.UTC(2026, 0, 1, 0, minute));
const now = t(100);
const identity = (username: string | null, savedAccountId: string | null = username && `sa_${username}`): AccountIdentity => ({
  accountListingId: 'al_1',
  savedAccountId,
  username,
});
const latest = (overrides: Partial<KnownIncarnation> = {}): KnownIncarnation => ({
  id: 41,
  incarnation: 1,
  remadeCount: 0,
  accountListingId: 'al_1',
  savedAccountId: 'sa_first',
  username: 'first',
  replacedAt: null,
  ...overrides,
});
const remade = (remadeCount: number, oldUsername: string | null = null, remadeAt: Date | null = t(50)) => ({
  remadeCount,
  oldUsername,
  remadeAt,
});

describe('planIncarnationsForDetail: first sight', () => {
  it('opens incarnation 1 for an identifiable account', () => {
    const plan = planIncarnationsForDetail(null, identity('first'), remade(0), now);
    expect(plan.ops).toEqual([
      {
        op: 'open',
        row: expect.objectContaining({ incarnation: 1, username: 'first', unseenBefore: 0, evidence: 'observed', remadeCount: 0 }),
      },
    ]);
    expect(plan.newHandles).toEqual(['first']);
  });

  it('opens nothing while the account has neither handle nor saved account id', () => {
    expect(planIncarnationsForDetail(null, identity(null, null), remade(0), now).ops).toEqual([]);
  });

  it('records old_username as the previous handle of a bundle first seen after remakes', () => {
    const plan = planIncarnationsForDetail(null, identity('third'), remade(3, 'second', t(50)), now);
    expect(plan.ops.map((op) => op.op === 'open' && [op.row.incarnation, op.row.username, op.row.evidence, op.row.unseenBefore, op.row.replacedAt])).toEqual([
      [1, 'second', 'old_username', 2, t(50)],
      [2, 'third', 'observed', 0, null],
    ]);
    expect(plan.newHandles).toEqual(['second', 'third']);
  });

  it('counts every earlier remake as unseen when old_username is unknown', () => {
    const plan = planIncarnationsForDetail(null, identity('third'), remade(3, null), now);
    expect(plan.ops).toEqual([{ op: 'open', row: expect.objectContaining({ incarnation: 1, unseenBefore: 3 }) }]);
  });
});

describe('planIncarnationsForDetail: same account', () => {
  it('touches the open incarnation', () => {
    expect(planIncarnationsForDetail(latest(), identity('first'), remade(0), now).ops).toEqual([
      { op: 'touch', id: 41, lastSeenAt: now, set: {} },
    ]);
  });

  it('fills in the saved account id when the account gets delivered', () => {
    const plan = planIncarnationsForDetail(latest({ savedAccountId: null }), identity('first', 'sa_new'), remade(0), now);
    expect(plan.ops).toEqual([{ op: 'touch', id: 41, lastSeenAt: now, set: { savedAccountId: 'sa_new' } }]);
    expect(plan.remakeWithoutCount).toBe(false);
  });

  it('edits a handle in place before delivery (configuration, not a remake)', () => {
    const plan = planIncarnationsForDetail(latest({ savedAccountId: null }), identity('better', null), remade(0), now);
    expect(plan.ops).toEqual([{ op: 'touch', id: 41, lastSeenAt: now, set: { username: 'better' } }]);
    expect(plan.newHandles).toEqual(['better']);
  });

  it('does nothing for a closed incarnation whose account we still see', () => {
    expect(planIncarnationsForDetail(latest({ replacedAt: t(50) }), identity('first'), remade(0), now).ops).toEqual([]);
  });

  it('ignores an answer with fewer remakes than the latest incarnation', () => {
    expect(planIncarnationsForDetail(latest({ remadeCount: 2 }), identity('first'), remade(1), now).ops).toEqual([]);
  });
});

describe('planIncarnationsForDetail: remakes', () => {
  it('closes the open incarnation at remade_at and opens the next', () => {
    const plan = planIncarnationsForDetail(latest(), identity('second'), remade(1, 'first', t(50)), now);
    expect(plan.ops).toEqual([
      { op: 'close', id: 41, replacedAt: t(50) },
      { op: 'open', row: expect.objectContaining({ incarnation: 2, username: 'second', remadeCount: 1, unseenBefore: 0 }) },
    ]);
    expect(plan.remakeWithoutCount).toBe(false);
  });

  it('records old_username and the unseen remakes when several happened between two looks', () => {
    const plan = planIncarnationsForDetail(latest(), identity('fourth'), remade(3, 'third', t(50)), now);
    expect(plan.ops.slice(1).map((op) => op.op === 'open' && [op.row.incarnation, op.row.username, op.row.evidence, op.row.unseenBefore, op.row.remadeCount])).toEqual([
      [2, 'third', 'old_username', 1, 2],
      [3, 'fourth', 'observed', 0, 3],
    ]);
    expect(plan.newHandles).toEqual(['third', 'fourth']);
  });

  it('never invents a handle: old_username equal to our last handle means the remakes in between are unseen', () => {
    const plan = planIncarnationsForDetail(latest(), identity('fourth'), remade(3, 'first', t(50)), now);
    expect(plan.ops.slice(1)).toEqual([{ op: 'open', row: expect.objectContaining({ incarnation: 2, username: 'fourth', unseenBefore: 2 }) }]);
  });

  it('treats another saved account id under the same listing as a remake even if remade_count lags', () => {
    const plan = planIncarnationsForDetail(latest(), identity('second'), remade(0), now);
    expect(plan.remakeWithoutCount).toBe(true);
    expect(plan.ops).toEqual([
      { op: 'close', id: 41, replacedAt: t(50) },
      { op: 'open', row: expect.objectContaining({ incarnation: 2, username: 'second', unseenBefore: 0 }) },
    ]);
  });

  it('treats a new handle on a delivered account as a new incarnation', () => {
    const plan = planIncarnationsForDetail(latest(), identity('renamed', 'sa_first'), remade(0, null, null), now);
    expect(plan.ops).toEqual([
      { op: 'close', id: 41, replacedAt: now },
      { op: 'open', row: expect.objectContaining({ username: 'renamed', savedAccountId: 'sa_first' }) },
    ]);
  });

  it('only closes when the new account is not identifiable yet', () => {
    const plan = planIncarnationsForDetail(latest(), identity(null, null), remade(1, 'first', t(50)), now);
    expect(plan.ops).toEqual([{ op: 'close', id: 41, replacedAt: t(50) }]);
  });

  it('only closes when remade_count moved but the detail still shows the old account', () => {
    const plan = planIncarnationsForDetail(latest(), identity('first'), remade(1, 'first', t(50)), now);
    expect(plan.ops).toEqual([{ op: 'close', id: 41, replacedAt: t(50) }]);
  });

  it('opens the new account after a list already closed the old one', () => {
    const plan = planIncarnationsForDetail(latest({ replacedAt: t(50) }), identity('second'), remade(1, 'first', t(50)), now);
    expect(plan.ops).toEqual([{ op: 'open', row: expect.objectContaining({ incarnation: 2, username: 'second', unseenBefore: 0 }) }]);
  });
});

describe('planIncarnationsForList', () => {
  it('closes the open incarnation when remade_count grew', () => {
    expect(planIncarnationsForList(latest(), remade(1, 'first', t(50)), now).ops).toEqual([{ op: 'close', id: 41, replacedAt: t(50) }]);
    expect(planIncarnationsForList(latest(), remade(1, 'first', null), now).ops).toEqual([{ op: 'close', id: 41, replacedAt: now }]);
  });

  it('does nothing otherwise (a list never names the new account)', () => {
    expect(planIncarnationsForList(latest(), remade(0), now).ops).toEqual([]);
    expect(planIncarnationsForList(latest({ replacedAt: t(1) }), remade(2), now).ops).toEqual([]);
    expect(planIncarnationsForList(null, remade(2), now).ops).toEqual([]);
  });
});
