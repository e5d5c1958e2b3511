/** Shared assertion: a promise rejects with an EspProvError of this code (and message). */
import assert from 'node:assert/strict';
import { EspProvError, type ErrorCode } from '../../src/errors.js';

export async function rejectsWith(p: Promise<unknown>, code: ErrorCode, message?: RegExp): Promise<EspProvError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof EspProvError, `not an EspProvError: ${String(e)}`);
    assert.equal(e.code, code, e.message);
    if (message) assert.match(e.message, message);
    return e;
  }
  assert.fail(`expected ${code}`);
}
