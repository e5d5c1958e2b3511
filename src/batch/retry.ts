/**
 * Which failures a batch retries, and how long it waits. A retry opens a new link and starts the run again,
 * so it is only for failures that say nothing about the board's secrets or state: the link or the timing.
 */
import type { EspProvError } from '../errors.js';
import { SESSION_ENDPOINT } from '../protocol/endpoints.js';

const RETRYABLE = new Set(['TIMEOUT', 'CONNECTION_LOST', 'DEVICE_NOT_FOUND', 'DECODE_FAILED', 'DECRYPT_FAILED']);

/**
 * True when another attempt may succeed. Never for a refused handshake (HANDSHAKE_FAILED, or the device's own
 * "no" on prov-session: a wrong PoP or password stays wrong), a wrong passphrase, a usage error, or anything
 * after Apply: the device may have joined, and provisioning it again blindly could undo or repeat that
 * (APPLIED_UNCONFIRMED says so explicitly; `afterApply` covers a timeout while polling the outcome).
 */
export function isRetryable(err: EspProvError, afterApply = false): boolean {
  if (afterApply || !RETRYABLE.has(err.code)) return false;
  if (err.code === 'CONNECTION_LOST' && err.details?.['refused'] === true && err.endpoint === SESSION_ENDPOINT)
    return false;
  return true;
}

export const BACKOFF_BASE_MS = 500;
export const BACKOFF_MAX_MS = 10_000;

/**
 * Exponential backoff with "equal jitter": half the step fixed, half random, so that boards that failed
 * together (one switch reboot) do not all come back at the same instant. `attempt` is the attempt that failed
 * (1 = first); `random` returns [0, 1).
 */
export function backoffMs(attempt: number, random: () => number = Math.random): number {
  const step = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, attempt - 1));
  return Math.round(step / 2 + random() * (step / 2));
}
