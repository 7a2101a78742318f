// Option parsers shared by several commands: a bad value is a usage error naming the option.
import { InvalidArgumentError } from 'commander';
import { MAX_WORKER_CONCURRENCY, concurrencyRangeMessage } from '../lib/bounds.js';
import { checkDuration, type DurationRule } from '../lib/duration.js';

/** A duration option with a unit and a floor (see src/lib/duration.ts). */
export const durationOption = (rule: DurationRule) => (text: string) => {
  const checked = checkDuration(text, rule);
  if (!checked.ok) throw new InvalidArgumentError(`${checked.reason}.`);
  return checked.ms;
};

export const positiveInteger = (text: string) => {
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value <= 0) {
    throw new InvalidArgumentError(`expected a positive whole number, got "${text}"`);
  }
  return value;
};

/** --concurrency: bounded like WORKER_CONCURRENCY, with the same message. */
export const concurrency = (text: string) => {
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || value < 1 || value > MAX_WORKER_CONCURRENCY) {
    throw new InvalidArgumentError(concurrencyRangeMessage(text));
  }
  return value;
};

export const listenPort = (text: string) => {
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || value > 65_535) throw new InvalidArgumentError(`expected a port number (0-65535), got "${text}"`);
  return value;
};

/** A positive whole number, or "all" (commander turns a parser's null into "", hence the string). */
export const limitOrAll = (text: string): number | 'all' => {
  if (text.trim().toLowerCase() === 'all') return 'all';
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || value < 1 || !Number.isSafeInteger(value)) {
    throw new InvalidArgumentError(`expected a positive whole number or "all", got "${text}"`);
  }
  return value;
};
