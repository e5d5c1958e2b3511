/**
 * The one way tests say "this fails with that EspProvError": `isCode` for assert.rejects / assert.throws, and
 * `rejectsWith` when the test goes on to inspect the error. A mismatch fails with what was thrown instead, not
 * with node's bare "validation function is expected to return true".
 */
import assert from 'node:assert/strict';
import { EspProvError, type ErrorCode } from '../../src/errors.js';

/** What else the error must carry besides its code. A RegExp alone is the message. */
export interface ErrorExpectation {
  message?: RegExp;
  /** Each listed key of `details` must equal this value (undefined: must be absent). */
  details?: Record<string, unknown>;
  /** The code of the EspProvError in `cause`. */
  cause?: ErrorCode;
  endpoint?: string;
  exitCode?: number;
}

/** A validator for assert.rejects/assert.throws: passes for an EspProvError of `code` that meets `expected`. */
export function isCode(code: ErrorCode, expected: RegExp | ErrorExpectation = {}): (e: unknown) => true {
  const want = expected instanceof RegExp ? { message: expected } : expected;
  return (e: unknown) => {
    assert.ok(e instanceof EspProvError, `expected EspProvError ${code}, got ${String(e)}`);
    assert.equal(e.code, code, `expected ${code}: ${e.message}`);
    if (want.message) assert.match(e.message, want.message);
    for (const [key, value] of Object.entries(want.details ?? {})) {
      assert.deepEqual(e.details?.[key], value, `details.${key} of ${code}: ${e.message}`);
    }
    if (want.cause !== undefined) {
      const cause = e.cause;
      assert.ok(cause instanceof EspProvError, `expected a ${want.cause} cause, got ${String(cause)}`);
      assert.equal(cause.code, want.cause, `cause of ${code}: ${cause.message}`);
    }
    if (want.endpoint !== undefined) assert.equal(e.endpoint, want.endpoint, `endpoint of ${code}: ${e.message}`);
    if (want.exitCode !== undefined) assert.equal(e.exitCode, want.exitCode, `exit code of ${code}: ${e.message}`);
    return true;
  };
}

/** Awaits `p`, which must reject as `isCode(code, expected)` describes; returns the error for further checks. */
export async function rejectsWith(
  p: Promise<unknown>,
  code: ErrorCode,
  expected?: RegExp | ErrorExpectation,
): Promise<EspProvError> {
  let error: unknown;
  await assert.rejects(p, (e: unknown) => {
    error = e;
    return isCode(code, expected)(e);
  });
  return error as EspProvError;
}
