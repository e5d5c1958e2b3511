/**
 * `--qr` with a SoftAP payload names an access point the computer must join before the device can be reached.
 * At a terminal the person is told which one and the run waits for them: the device's address is tried about
 * once a second until it accepts a connection, Ctrl-C, or --timeout. Without a terminal (or with --json or
 * --no-input) nobody can act on the line, so the run goes on at once and fails fast with DEVICE_NOT_FOUND.
 */
import { connect } from 'node:net';
import { EspProvError } from '../../errors.js';
import { realClock, sleep } from '../../timers.js';
import type { ServiceAddress } from '../../transport/http-address.js';
import type { CommandContext } from '../context.js';
import { seconds } from '../../provision/poll.js';

/** How often the address is tried while waiting: a join takes seconds, and a refused connect costs nothing. */
export const JOIN_PROBE_INTERVAL_MS = 1000;

/** One TCP connect to the device's httpd: true once something accepts (then closed at once, no request sent). */
function probe(address: ServiceAddress, timeoutMs: number, signal: AbortSignal): Promise<boolean> {
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

/** Says which access point to join; at a terminal, waits until the device's address answers. */
export async function joinAccessPoint(
  ap: string,
  address: ServiceAddress,
  where: string,
  o: { wait: boolean; timeoutMs: number | undefined },
  ctx: CommandContext,
): Promise<void> {
  if (!o.wait) {
    ctx.out.step('qr', `Join the device's Wi-Fi access point "${ap}" first; the device answers at ${where}`, {
      join: ap,
    });
    return;
  }
  const limit = o.timeoutMs !== undefined ? ` (up to ${seconds(o.timeoutMs)})` : '';
  ctx.out.step(
    'qr',
    `Join the device's Wi-Fi access point "${ap}" now; waiting for the device to answer at ${where}${limit}, Ctrl-C to stop`,
    { join: ap },
  );
  const clock = realClock;
  const deadline = o.timeoutMs !== undefined ? clock.now() + o.timeoutMs : Infinity;
  for (;;) {
    if (ctx.signal.aborted) throw new EspProvError('CANCELLED', 'interrupted');
    const started = clock.now();
    const left = deadline - started;
    if (left <= 0) {
      throw new EspProvError(
        'DEVICE_NOT_FOUND',
        `the device did not answer at ${where} within ${seconds(o.timeoutMs ?? 0)}: is this computer joined to "${ap}"?`,
        { details: { address: where, join: ap } },
      );
    }
    if (await probe(address, Math.min(JOIN_PROBE_INTERVAL_MS, left), ctx.signal)) return;
    const pause = Math.min(JOIN_PROBE_INTERVAL_MS - (clock.now() - started), deadline - clock.now());
    if (pause > 0) await sleep(pause, ctx.signal, clock);
  }
}
