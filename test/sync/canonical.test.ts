import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/sync/canonical.js';

describe('canonicalJson', () => {
  it('ignores key order at every depth and drops undefined', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: undefined } })).toBe(
      canonicalJson({ a: { d: [1, { x: 1, y: 2 }] }, b: 1 }),
    );
    expect(canonicalJson([3, 1])).not.toBe(canonicalJson([1, 3]));
  });
});
