// The account timeline of a bundle: one incarnation per account it has had. TokPortal only
// ever tells us the current account and, after a remake, the handle of the previous one
// (remade.old_username), so the chain exists nowhere but in what we record here. The rules:
// - an incarnation is opened only when the account is identifiable (username or
//   saved_account_id); a remake whose new account is not known yet just closes the old one;
// - a remake is remade_count growing past the count the latest incarnation was seen with, or
//   the account changing under us (another saved_account_id or listing id, or another handle
//   on an already delivered account);
// - before delivery (no saved_account_id yet) a handle change is configuration: edited in place;
// - when several remakes happened between two looks, the only handle we can know is
//   old_username (the one right before the current); it is recorded with evidence
//   'old_username' when it is not one we already have, and the remakes nobody saw are counted
//   in unseen_before. Handles are never invented.
export type AccountIdentity = {
  accountListingId: string | null;
  savedAccountId: string | null;
  username: string | null;
};

/** The latest account incarnation the mirror holds for a bundle, as far as the plan needs it. */
export type KnownIncarnation = AccountIdentity & {
  id: number;
  /** 1 for the first account, +1 per incarnation we know of. */
  incarnation: number;
  /** remade_count TokPortal reported when this incarnation was first seen (null if inferred). */
  remadeCount: number | null;
  /** When a remake replaced it; null while it is the current account. */
  replacedAt: Date | null;
};

export type RemakeInfo = { remadeCount: number; oldUsername: string | null; remadeAt: Date | null };

/** How we know of a handle: seen in a detail, or only named by a later remake (remade.old_username). */
export type IncarnationEvidence = 'observed' | 'old_username';

/** An incarnation to record (the storage gives it its id and bundle). */
export type NewIncarnation = AccountIdentity & {
  incarnation: number;
  remadeCount: number | null;
  /** Remakes TokPortal made between the previous known incarnation and this one that we never saw. */
  unseenBefore: number;
  evidence: IncarnationEvidence;
  firstSeenAt: Date;
  lastSeenAt: Date;
  replacedAt: Date | null;
};

export type IncarnationOp =
  | { op: 'close'; id: number; replacedAt: Date }
  | { op: 'touch'; id: number; lastSeenAt: Date; set: Partial<AccountIdentity> }
  | { op: 'open'; row: NewIncarnation };

export type IncarnationPlan = {
  ops: IncarnationOp[];
  /** The account changed although remade_count did not say so. */
  remakeWithoutCount: boolean;
  /** Handles recorded for the first time by these ops, in timeline order. */
  newHandles: string[];
};

const NOTHING: IncarnationPlan = { ops: [], remakeWithoutCount: false, newHandles: [] };

const differs = (a: string | null, b: string | null) => a !== null && b !== null && a !== b;
const identifiable = (identity: AccountIdentity) => identity.username !== null || identity.savedAccountId !== null;

function accountChanged(latest: KnownIncarnation, identity: AccountIdentity): boolean {
  return (
    differs(latest.savedAccountId, identity.savedAccountId) ||
    differs(latest.accountListingId, identity.accountListingId) ||
    (latest.savedAccountId !== null && differs(latest.username, identity.username))
  );
}

/** The detail still shows the account we already have (e.g. remade_count moved first). */
function sameAccount(latest: KnownIncarnation, identity: AccountIdentity): boolean {
  return identity.savedAccountId !== null
    ? identity.savedAccountId === latest.savedAccountId
    : identity.username !== null && identity.username === latest.username;
}

function opened(
  identity: AccountIdentity,
  remade: RemakeInfo,
  observedAt: Date,
  incarnation: number,
  unseenBefore: number,
): Extract<IncarnationOp, { op: 'open' }> {
  return {
    op: 'open' as const,
    row: {
      incarnation,
      remadeCount: remade.remadeCount,
      ...identity,
      unseenBefore,
      evidence: 'observed',
      firstSeenAt: observedAt,
      lastSeenAt: observedAt,
      replacedAt: null,
    },
  };
}

/** The handle right before the current one, known only from remade.old_username. */
function inferredPrevious(
  remade: RemakeInfo,
  observedAt: Date,
  incarnation: number,
  unseenBefore: number,
): Extract<IncarnationOp, { op: 'open' }> {
  return {
    op: 'open' as const,
    row: {
      incarnation,
      remadeCount: remade.remadeCount - 1,
      accountListingId: null,
      savedAccountId: null,
      username: remade.oldUsername,
      unseenBefore,
      evidence: 'old_username',
      firstSeenAt: observedAt,
      lastSeenAt: observedAt,
      // The time of the latest remake is exactly when this handle was replaced.
      replacedAt: remade.remadeAt ?? observedAt,
    },
  };
}

export function planIncarnationsForDetail(
  latest: KnownIncarnation | null,
  identity: AccountIdentity,
  remade: RemakeInfo,
  observedAt: Date,
): IncarnationPlan {
  const known = identifiable(identity);
  if (!latest) {
    if (!known) return NOTHING;
    const count = remade.remadeCount;
    const old = remade.oldUsername;
    if (count > 0 && old !== null && old !== identity.username) {
      const ops = [inferredPrevious(remade, observedAt, 1, count - 1), opened(identity, remade, observedAt, 2, 0)];
      return { ops, remakeWithoutCount: false, newHandles: handlesOf(ops) };
    }
    const ops = [opened(identity, remade, observedAt, 1, count)];
    return { ops, remakeWithoutCount: false, newHandles: handlesOf(ops) };
  }

  const missed = remade.remadeCount - (latest.remadeCount ?? 0);
  // Fewer remakes than an incarnation we recorded: an answer from the past (the staleness
  // guard normally stops it before it gets here).
  if (missed < 0) return NOTHING;
  const changed = accountChanged(latest, identity);
  const isOpen = latest.replacedAt === null;

  if (missed === 0 && !changed) {
    if (!isOpen) return NOTHING;
    const set: Partial<AccountIdentity> = {};
    if (identity.username !== null && identity.username !== latest.username) set.username = identity.username;
    if (identity.savedAccountId !== null && latest.savedAccountId === null) set.savedAccountId = identity.savedAccountId;
    if (identity.accountListingId !== null && latest.accountListingId === null) {
      set.accountListingId = identity.accountListingId;
    }
    return {
      ops: [{ op: 'touch', id: latest.id, lastSeenAt: observedAt, set }],
      remakeWithoutCount: false,
      newHandles: set.username ? [set.username] : [],
    };
  }

  const ops: IncarnationOp[] = [];
  if (isOpen) ops.push({ op: 'close', id: latest.id, replacedAt: remade.remadeAt ?? observedAt });
  if (known && (changed || !sameAccount(latest, identity))) {
    let next = latest.incarnation + 1;
    const old = remade.oldUsername;
    const inferOld = missed >= 2 && old !== null && old !== latest.username && old !== identity.username;
    if (inferOld) ops.push(inferredPrevious(remade, observedAt, next++, missed - 2));
    ops.push(opened(identity, remade, observedAt, next, inferOld ? 0 : Math.max(missed - 1, 0)));
  }
  return { ops, remakeWithoutCount: missed === 0, newHandles: handlesOf(ops) };
}

/**
 * A list item has no account: it can reveal that a remake happened (remade_count grew) but
 * not who the new account is. The open incarnation is closed at the remake time, so no view
 * shows the replaced handle as current; the next detail opens the new one.
 */
export function planIncarnationsForList(
  latest: KnownIncarnation | null,
  remade: RemakeInfo,
  observedAt: Date,
): IncarnationPlan {
  if (!latest || latest.replacedAt !== null) return NOTHING;
  if (remade.remadeCount <= (latest.remadeCount ?? 0)) return NOTHING;
  const close: IncarnationOp = { op: 'close', id: latest.id, replacedAt: remade.remadeAt ?? observedAt };
  return { ops: [close], remakeWithoutCount: false, newHandles: [] };
}

function handlesOf(ops: IncarnationOp[]): string[] {
  return ops.flatMap((step) => (step.op === 'open' && step.row.username ? [step.row.username] : []));
}
