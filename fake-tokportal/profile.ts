// What the fake does where TokPortal's documentation is silent. `kind` is the fake's historical
// behaviour, convenient for a client; `strict` sets every open behaviour to its least convenient
// form that the documentation still allows, so the sync is tested against any API TokPortal may
// really be. Each behaviour can also be set on its own (fake-api flags, startFakeTokPortal option).

export const PROFILE_NAMES = ['kind', 'strict'] as const;
export type ProfileName = (typeof PROFILE_NAMES)[number];

export const LIST_ORDERS = ['oldest-first', 'newest-first'] as const;
export type ListOrder = (typeof LIST_ORDERS)[number];

export type FakeBehaviour = {
  /**
   * created_at, updated_at and remade_at in whole seconds (`2026-01-15T10:30:00Z`, as the
   * documentation's examples), so two states of a bundle can share one updated_at. Off: milliseconds,
   * strictly growing with every change.
   */
  wholeSecondTimestamps: boolean;
  /**
   * Account, handle, video and remake changes move the bundle's updated_at. Off: only the bundle's
   * own fields (status, title, external_ref, settings...) move it.
   */
  bumpUpdatedAtOnAccountChanges: boolean;
  /** GET /bundles order. newest-first: a bundle created during a page walk shifts every later page. */
  listOrder: ListOrder;
  /** GET /bundles answers carry `pagination` (the documentation's example has none). */
  listPagination: boolean;
};

export const PROFILES: Record<ProfileName, FakeBehaviour> = {
  kind: { wholeSecondTimestamps: false, bumpUpdatedAtOnAccountChanges: true, listOrder: 'oldest-first', listPagination: true },
  strict: { wholeSecondTimestamps: true, bumpUpdatedAtOnAccountChanges: false, listOrder: 'newest-first', listPagination: false },
};

export const isProfileName = (value: string): value is ProfileName => (PROFILE_NAMES as readonly string[]).includes(value);

/** The profile's behaviours, each one overridable. */
export function resolveBehaviour(profile: ProfileName = 'kind', overrides: Partial<FakeBehaviour> = {}): FakeBehaviour {
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, value]) => value !== undefined));
  return { ...PROFILES[profile], ...defined };
}

/** One line for a log or a banner: the profile and what differs from it. */
export function describeBehaviour(profile: ProfileName, behaviour: FakeBehaviour): string {
  const base = PROFILES[profile];
  const overridden = (Object.keys(behaviour) as (keyof FakeBehaviour)[]).filter((key) => behaviour[key] !== base[key]);
  const parts = [
    `timestamps ${behaviour.wholeSecondTimestamps ? 'whole seconds' : 'milliseconds'}`,
    `account/video/remake changes ${behaviour.bumpUpdatedAtOnAccountChanges ? 'move' : 'leave'} updated_at`,
    `list ${behaviour.listOrder}`,
    `pagination ${behaviour.listPagination ? 'sent' : 'omitted'}`,
  ];
  return `${profile}${overridden.length > 0 ? ` (overridden: ${overridden.join(', ')})` : ''}: ${parts.join(', ')}`;
}

/** An instant as the fake serves it: whole seconds drop the fraction, like the documentation's examples. */
export function formatInstant(instant: Date | number, wholeSeconds: boolean): string {
  const ms = typeof instant === 'number' ? instant : instant.getTime();
  return wholeSeconds ? new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z') : new Date(ms).toISOString();
}
