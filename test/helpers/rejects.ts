/**
 * The one way tests say "this fails with that EspProvError": `isCode` for assert.rejects / assert.throws, and
 * `rejectsWith` when the test goes on to inspect the error. A mismatch fails with what was thrown instead, not
 * with node's bare "validation function is expected to return true".
 */
import assert from 'node:assert/strict';
import { EspProvError, type ErrorCode } from '../../src/errors.js';

/** What else the error must carry besides its code. RegExps alone are the message's. */
export interface ErrorExpectation {
  /** Patterns the message must match (all of them). */
  message?: RegExp | RegExp[];
  /** Each listed key of `details` must equal this value (undefined: must be absent). */
  details?: Record<string, unknown>;
  /** What `cause` must pass: another isCode(...). */
  cause?: (cause: unknown) => true;
  endpoint?: string;
  exitCode?: number;
}

/** A validator for assert.rejects/assert.throws: passes for an EspProvError of `code` that meets `expected`. */
export function isCode(code: ErrorCode, expected: RegExp | RegExp[] | ErrorExpectation = {}): (e: unknown) => true {
  const want: ErrorExpectation =
    expected instanceof RegExp || Array.isArray(expected) ? { message: expected } : expected;
  return (e: unknown) => {
    assert.ok(e instanceof EspProvError, `expected EspProvError ${code}, got ${String(e)}`);
    assert.equal(e.code, code, `expected ${code}: ${e.message}`);
    for (const pattern of [want.message ?? []].flat()) assert.match(e.message, pattern);
    for (const [key, value] of Object.entries(want.details ?? {})) {
      assert.deepEqual(e.details?.[key], value, `details.${key} of ${code}: ${e.message}`);
    }
    want.cause?.(e.cause);
    if (want.endpoint !== undefined) assert.equal(e.endpoint, want.endpoint, `endpoint of ${code}: ${e.message}`);
    if (want.exitCode !== undefined) assert.equal(e.exitCode, want.exitCode, `exit code of ${code}: ${e.message}`);
    return true;
  };
}

/** Awaits `p`, which must reject as `isCode(code, expected)` describes; returns the error for further checks. */
export async function rejectsWith(
  p: Promise<unknown>,
  code: ErrorCode,
  expected?: RegExp | RegExp[] | ErrorExpectation,
): Promise<EspProvError> {
  let error: unknown;
  await assert.rejects(p, (e: unknown) => {
    error = e;
    return isCode(code, expected)(e);
  });
  return error as EspProvError;
}
