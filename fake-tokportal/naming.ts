// Realistic-looking account identities, drawn from the fake's seeded RNG.
import { pick, randomInt, type Rng } from './random.js';

const adjectives = ['sunny', 'urban', 'wild', 'cosmic', 'lazy', 'golden', 'pixel', 'quiet', 'neon', 'fresh', 'daily', 'tiny'];
const nouns = ['fox', 'chef', 'runner', 'nomad', 'lens', 'garden', 'coder', 'vibes', 'studio', 'kicks', 'bloom', 'waves'];
const bios = [
  'Just vibes.',
  'Daily tips and honest reviews.',
  'Food, travel and everything in between.',
  'Making your feed a little brighter.',
  'New videos every week.',
];

export type Identity = { username: string; visibleName: string; biography: string };

export function newIdentity(rng: Rng): Identity {
  const adjective = pick(rng, adjectives);
  const noun = pick(rng, nouns);
  const separator = pick(rng, ['', '.', '_']);
  return {
    username: `${adjective}${separator}${noun}${randomInt(rng, 10, 9999)}`,
    visibleName: `${adjective[0]!.toUpperCase()}${adjective.slice(1)} ${noun[0]!.toUpperCase()}${noun.slice(1)}`,
    biography: pick(rng, bios),
  };
}

export const profilePictureUrl = (accountListingId: string): string =>
  `https://cdn.tokportal.example/avatars/${accountListingId}.jpg`;
