// Shared HTTP plumbing of the fake: the Hono environment, TokPortal's error envelope, JSON bodies.
import type { HttpBindings } from '@hono/node-server';
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { FakeApiError, validationError } from './model.js';

/** `dropped`: the reset fault destroyed the socket, so no status ever reached the client. */
export type FakeEnv = { Bindings: HttpBindings; Variables: { owner: string; dropped: boolean } };

export const errorBody = (code: string, message: string, details: Record<string, unknown> = {}) => ({
  error: { code, message, details },
});

/** Hono's onError: TokPortal's envelope for API errors, a 500 envelope for anything unexpected. */
export function answerError(error: unknown, c: Context<FakeEnv>): Response {
  if (error instanceof FakeApiError) {
    return c.json(errorBody(error.code, error.message, error.details), error.status as ContentfulStatusCode);
  }
  return c.json(errorBody('INTERNAL_ERROR', 'An unexpected error occurred.'), 500);
}

/** The request body as JSON, or 400 VALIDATION_ERROR (an empty body counts as `{}`). */
export async function readJson(c: Context<FakeEnv>): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    throw validationError('Request body must be valid JSON.');
  }
}
