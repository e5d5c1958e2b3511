/**
 * Waiting for a device's httpd after the computer joined its access point: the address is tried about once a
 * second (a join takes seconds to get an address by DHCP; a refused connect costs nothing) until it accepts a
 * TCP connection, the deadline, or the signal.
 */
import { connect } from 'node:net';
import { EspProvError } from '../errors.js';
import { realClock, sleep, type Clock } from '../timers.js';
import type { ServiceAddress } from '../transport/http-address.js';

/** How often the address is tried while waiting. */
export const REACH_PROBE_INTERVAL_MS = 1000;

/** One TCP connect: true once something accepts (then closed at once, no request sent). */
export function probe(address: ServiceAddress, timeoutMs: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: address.host, port: address.port });
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve(ok);
    };
    const onAbort = (): void => done(false);
    const timer = setTimeout(() => done(false), timeoutMs);
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => done(true));
    // Refused (nothing listens yet), unreachable (not on the device's network yet): try again later.
    socket.once('error', () => done(false));
  });
}

/**
 * True once `address` accepts a connection; false when `timeoutMs` (absent: no deadline) passed first;
 * CANCELLED when `signal` aborts. The caller words the failure (it knows what the person should check).
 */
export async function waitUntilReachable(
  address: ServiceAddress,
  o: { signal: AbortSignal; timeoutMs: number | undefined; clock?: Clock },
): Promise<boolean> {
  const clock = o.clock ?? realClock;
  const deadline = o.timeoutMs !== undefined ? clock.now() + o.timeoutMs : Infinity;
  for (;;) {
    if (o.signal.aborted) throw new EspProvError('CANCELLED', 'interrupted');
    const started = clock.now();
    const left = deadline - started;
    if (left <= 0) return false;
    if (await probe(address, Math.min(REACH_PROBE_INTERVAL_MS, left), o.signal)) return true;
    const pause = Math.min(REACH_PROBE_INTERVAL_MS - (clock.now() - started), deadline - clock.now());
    if (pause > 0) await sleep(pause, o.signal, clock);
  }
}
