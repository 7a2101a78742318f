// Option parsers shared by several commands: a bad value is a usage error naming the option.
import { InvalidArgumentError } from 'commander';
import { parseDuration } from '../lib/duration.js';

export const durationOption = (flag: string) => (text: string) => {
  const ms = parseDuration(text);
  if (ms === undefined || ms <= 0) throw new InvalidArgumentError(`${flag} expects a duration such as 30s or 500ms`);
  return ms;
};

export const positiveInteger = (text: string) => {
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) throw new InvalidArgumentError(`expected a positive integer, got "${text}"`);
  return value;
};

export const listenPort = (text: string) => {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0 || value > 65_535) throw new InvalidArgumentError(`expected a port number, got "${text}"`);
  return value;
};
