/**
 * Polling a status endpoint until the device reports an outcome, shared by Wi-Fi and Thread.
 * The interval starts short and grows (the device acts ~1 s after Apply, §5.2) under one overall deadline.
 * A transient loss of the link (a SoftAP may hop channels when the station joins, §5.2) is survived by
 * re-running the handshake: status requests are idempotent, and a lost message would have left the session
 * keys out of step anyway (§4.2, §4.3.5). Polling resumes only once a new session is verified.
 */
import { EspProvError, toEspProvError } from '../errors.js';
import { CONFIG_ENDPOINT } from '../protocol/endpoints.js';
import { realClock, sleep, type Clock } from '../timers.js';
import type { Connection } from './connect.js';
import type { EventSink } from './events.js';

/** Consecutive transient failures tolerated while waiting (esp_prov tolerates 3 odd answers). */
export const MAX_TRANSIENT_FAILURES = 3;

export interface PollOptions {
  /** Overall deadline, ms. */
  timeoutMs: number;
  firstPollMs: number;
  maxPollMs: number;
  signal?: AbortSignal | undefined;
  onEvent?: EventSink | undefined;
  /** What to say when the deadline passes. */
  timeoutMessage: string;
  /** Time source for the deadline and the intervals. Default: the wall clock. */
  clock?: Clock | undefined;
}

function transient(e: EspProvError): boolean {
  return e.code === 'CONNECTION_LOST' || e.code === 'TIMEOUT' || e.code === 'DECRYPT_FAILED';
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
  for (;;) {
    const left = deadline - clock.now();
    if (left <= 0) throw new EspProvError('TIMEOUT', o.timeoutMessage, { endpoint: CONFIG_ENDPOINT });
    await sleep(Math.min(interval, left), o.signal, clock);
    interval = Math.min(interval * 1.5, o.maxPollMs);
    try {
      if (needHandshake) {
        await conn.reestablish();
        needHandshake = false;
      }
      const status = await poll();
      failures = 0;
      const done = settle(status);
      if (done !== undefined) return done;
    } catch (e) {
      const err = toEspProvError(e);
      if (!transient(err) || ++failures > MAX_TRANSIENT_FAILURES) throw err;
      o.onEvent?.({ type: 'reconnect', reason: err.message });
      needHandshake = true;
    }
  }
}
