/**
 * Polling a status endpoint until the device reports an outcome, shared by Wi-Fi and Thread.
 * By default the interval is steady and short (STATUS_POLL_INTERVAL_MS) under one overall deadline: the device
 * starts joining ~1 s after Apply and joins 1–5 s later (§5.2), and a status request is one small round trip on
 * every transport, so polling every 250 ms notices the join at most ~0.25 s (plus that round trip) after it
 * happens. A growing interval (×1.5 up to maxPollMs) is still available to callers that ask for one.
 *
 * A status request changes nothing on the device, so an answer that was lost, stale, corrupted or refused
 * with an HTTP 5xx is asked for again within the deadline. A lost or unreadable message leaves the session
 * keys out of step (§4.2, §4.3.5), so each retry first runs a new handshake; polling resumes only once the new
 * session is verified. A SoftAP may also hop channels while the station joins (§5.2), which such a retry
 * survives.
 */
import { EspProvError, toEspProvError } from '../errors.js';
import { CONFIG_ENDPOINT } from '../protocol/endpoints.js';
import { realClock, sleep, type Clock } from '../timers.js';
import type { Connection } from './connect.js';
import type { EventSink } from './events.js';

/**
 * The default first delay after Apply and the steady interval after it, ms. At 4 polls a second the join is
 * seen ≤ 0.25 s late; a longer interval costs that lag on every provisioning, a shorter one only adds requests
 * to a device that is busy joining (a BLE round trip alone is tens of ms).
 */
export const STATUS_POLL_INTERVAL_MS = 250;

/** Consecutive failed polls (each with its new handshake) tolerated before giving up, within the deadline. */
export const MAX_TRANSIENT_FAILURES = 5;

export interface PollOptions {
  /** Overall deadline, ms. */
  timeoutMs: number;
  /** Delay before the first poll, ms. */
  firstPollMs: number;
  /** Cap of the interval, which grows ×1.5 from firstPollMs (equal to it: a steady interval), ms. */
  maxPollMs: number;
  signal?: AbortSignal | undefined;
  onEvent?: EventSink | undefined;
  /** What to say when the deadline passes (called then, so that it can describe the last status seen). */
  timeoutMessage: () => string;
  /** Time source for the deadline and the intervals. Default: the wall clock. */
  clock?: Clock | undefined;
}

/** A duration for a message: "60 s", "2.5 s", "300 ms". */
export function seconds(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return ms < 10_000 ? `${Math.round(ms / 100) / 10} s` : `${Math.round(ms / 1000)} s`;
}

/** Failures of a status poll that another poll may cure. */
export function retryablePollFailure(e: EspProvError): boolean {
  switch (e.code) {
    case 'CONNECTION_LOST': // lost answer, dropped link, a refused (re)handshake
    case 'TIMEOUT':
    case 'DECRYPT_FAILED': // corrupted, or keys out of step after a lost message
    case 'DECODE_FAILED': // corrupted or stale (the previous message type)
    case 'DEVICE_NOT_FOUND': // the access point is hopping channels
    case 'HANDSHAKE_FAILED': // a new session refused: the device may be busy joining, or done
      return true;
    case 'DEVICE_STATUS':
      return typeof e.details?.['httpStatus'] === 'number' && e.details['httpStatus'] >= 500;
    case 'UNSUPPORTED':
      return e.details?.['staleResponse'] === true;
    default:
      return false;
  }
}

/**
 * Calls `poll` until `settle` returns a value (resolves with it) or throws (rejects with that error).
 * `settle` returns undefined to keep polling.
 */
export async function pollStatus<S, R>(
  conn: Connection,
  poll: () => Promise<S>,
  settle: (status: S) => R | undefined,
  o: PollOptions,
): Promise<R> {
  const clock = o.clock ?? realClock;
  const deadline = clock.now() + o.timeoutMs;
  let interval = o.firstPollMs;
  let failures = 0;
  let needHandshake = false;
  let last: EspProvError | undefined;
  for (;;) {
    const left = deadline - clock.now();
    if (left <= 0) {
      throw new EspProvError('TIMEOUT', o.timeoutMessage(), {
        endpoint: CONFIG_ENDPOINT,
        ...(last ? { cause: last, details: { lastFailure: last.code } } : {}),
      });
    }
    await sleep(Math.min(interval, left), o.signal, clock);
    interval = Math.min(interval * 1.5, o.maxPollMs);
    try {
      if (needHandshake) {
        await conn.reestablish();
        needHandshake = false;
      }
      const status = await poll();
      failures = 0;
      last = undefined;
      const done = settle(status);
      if (done !== undefined) return done;
    } catch (e) {
      const err = toEspProvError(e);
      if (!retryablePollFailure(err) || ++failures > MAX_TRANSIENT_FAILURES) throw err;
      last = err;
      o.onEvent?.({ type: 'reconnect', reason: err.message });
      needHandshake = true;
    }
  }
}
