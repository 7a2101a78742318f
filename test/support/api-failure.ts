// The error a TokPortal client call failed with, asserted to be the client's own error type.
import { expect } from 'vitest';
import { TokPortalApiError } from '../../src/tokportal/client.js';

export async function apiFailure(promise: Promise<unknown>): Promise<TokPortalApiError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(TokPortalApiError);
  return error as TokPortalApiError;
}
