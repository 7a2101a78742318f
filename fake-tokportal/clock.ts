// updated_at must grow strictly with every change, even for two changes in the same
// millisecond: mirrors guard their upserts on it, so an equal timestamp would hide a change.

export type MonotonicClock = {
  /** The next instant, strictly after every instant handed out before. */
  next(): Date;
  nextIso(): string;
  /** The latest instant, without handing out a new one (for bookkeeping that needs no unique stamp). */
  currentIso(): string;
  /** Never hand out an instant at or before this one (seeded data may lie ahead of a skewed clock). */
  notBefore(instant: Date): void;
};

export function createMonotonicClock(now: () => number = Date.now): MonotonicClock {
  let last = 0;
  const next = () => {
    last = Math.max(now(), last + 1);
    return new Date(last);
  };
  return {
    next,
    nextIso: () => next().toISOString(),
    currentIso: () => new Date(Math.max(now(), last)).toISOString(),
    notBefore: (instant) => {
      last = Math.max(last, instant.getTime());
    },
  };
}
