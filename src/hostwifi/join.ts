/**
 * withJoinedAccessPoint: remember the computer's Wi-Fi, join the board's access point, wait until the board
 * answers, run `fn`, and always put the computer back (after success, failure, or abort). Joins through the
 * same interface (HostWifi.key) are serialized: a second board waits until the first one's run has restored.
 * A restore failure is reported through `onRestoreFailed`, never thrown over `fn`'s own error.
 */
import { EspProvError, toEspProvError } from '../errors.js';
import type { Clock } from '../timers.js';
import { formatServiceAddress, type ServiceAddress } from '../transport/http-address.js';
import { waitUntilReachable } from './reach.js';
import type { AccessPointToJoin, HostConnection, HostWifi, Joined } from './types.js';

/** Deadline of each tool call (a join includes the association and DHCP), ms. */
export const JOIN_TOOL_TIMEOUT_MS = 45_000;
/** Deadline for the board's address to answer once joined, ms. */
export const JOIN_REACH_TIMEOUT_MS = 30_000;

export type JoinStep =
  | { type: 'join-start'; ssid: string; previous: HostConnection }
  | { type: 'join-done'; ssid: string }
  | { type: 'restore-done'; previous: HostConnection };

export interface JoinOptions {
  signal: AbortSignal;
  /** The board's httpd: waited for after the join. Absent: no wait. */
  address?: ServiceAddress;
  toolTimeoutMs?: number;
  reachTimeoutMs?: number;
  clock?: Clock;
  onStep?: (s: JoinStep) => void;
  /** A restore that failed (the computer may still be on the board's network). Default: ignored after a
   * failure of `fn`, thrown after its success. */
  onRestoreFailed?: (e: EspProvError, previous: HostConnection) => void;
}

/** One queue per interface key; an entry resolves when its holder has restored. */
const queues = new Map<string, Promise<void>>();

async function acquire(key: string, signal: AbortSignal): Promise<() => void> {
  const before = queues.get(key) ?? Promise.resolve();
  let release!: () => void;
  const mine = new Promise<void>((r) => (release = r));
  const tail = before.then(() => mine);
  queues.set(key, tail);
  const free = (): void => {
    release();
    if (queues.get(key) === tail) queues.delete(key);
  };
  if (signal.aborted) {
    // Still in line: our turn passes at once to whoever is behind us.
    free();
    throw new EspProvError('CANCELLED', 'interrupted');
  }
  let onAbort!: () => void;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(new EspProvError('CANCELLED', 'interrupted'));
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    await Promise.race([before, aborted]);
  } catch (e) {
    free();
    throw e;
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
  return free;
}

/**
 * Waits for interface `key` like a join does and holds it until the returned function is called: a scan
 * holds it, as a computer joined to a board's access point should not leave the channel to scan meanwhile.
 */
export function holdInterface(key: string, signal: AbortSignal): Promise<() => void> {
  return acquire(key, signal);
}

async function reach(address: ServiceAddress, ssid: string, o: JoinOptions): Promise<void> {
  const ok = await waitUntilReachable(address, {
    signal: o.signal,
    timeoutMs: o.reachTimeoutMs ?? JOIN_REACH_TIMEOUT_MS,
    ...(o.clock ? { clock: o.clock } : {}),
  });
  if (!ok) {
    const where = formatServiceAddress(address);
    throw new EspProvError(
      'DEVICE_NOT_FOUND',
      `joined "${ssid}", but nothing answered at ${where}: is that the board's address?`,
      {
        details: { join: ssid, address: where },
      },
    );
  }
}

export async function withJoinedAccessPoint<T>(
  wifi: HostWifi,
  ap: AccessPointToJoin,
  o: JoinOptions,
  fn: () => Promise<T>,
): Promise<T> {
  const release = await acquire(wifi.key, o.signal);
  try {
    const tool = { signal: o.signal, timeoutMs: o.toolTimeoutMs ?? JOIN_TOOL_TIMEOUT_MS };
    const previous = await wifi.current(tool);
    o.onStep?.({ type: 'join-start', ssid: ap.ssid, previous });
    let joined: Joined | undefined;
    let outcome: { ok: true; value: T } | { ok: false; error: unknown };
    try {
      joined = await wifi.join(ap, tool);
      o.onStep?.({ type: 'join-done', ssid: ap.ssid });
      if (o.address !== undefined) await reach(o.address, ap.ssid, o);
      outcome = { ok: true, value: await fn() };
    } catch (e) {
      outcome = { ok: false, error: e };
    }
    // The run's signal may have fired (Ctrl-C): the restore gets its own, so that it still happens.
    const timeoutMs = o.toolTimeoutMs ?? JOIN_TOOL_TIMEOUT_MS;
    let restoreError: EspProvError | undefined;
    try {
      await wifi.restore(previous, joined, { signal: AbortSignal.timeout(timeoutMs), timeoutMs });
      o.onStep?.({ type: 'restore-done', previous });
    } catch (e) {
      restoreError = toEspProvError(e, 'CONNECTION_LOST');
      o.onRestoreFailed?.(restoreError, previous);
    }
    if (!outcome.ok) throw outcome.error;
    if (restoreError !== undefined && o.onRestoreFailed === undefined) throw restoreError;
    return outcome.value;
  } finally {
    release();
  }
}
