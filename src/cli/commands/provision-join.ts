/**
 * A SoftAP board's access point, which the computer must be on before the board can be reached.
 *
 * Without --join (`--qr` with a SoftAP payload): at a terminal the person is told which access point to join
 * and the run waits for them: the device's address is tried about once a second until it accepts a
 * connection, Ctrl-C, or --timeout. Without a terminal (or with --json or --no-input) nobody can act on the
 * line, so the run goes on at once and fails fast with DEVICE_NOT_FOUND.
 *
 * With --join: the host's own Wi-Fi tool joins it (src/hostwifi), the run happens, and the computer goes back
 * to the network it was on, whatever the run's outcome.
 */
import { EspProvError } from '../../errors.js';
import { waitUntilReachable } from '../../hostwifi/reach.js';
import type { ServiceAddress } from '../../transport/http-address.js';
import type { CommandContext } from '../context.js';
import { seconds } from '../../provision/poll.js';
import { resolveSecret } from '../secrets.js';
import type { ProvisionArgs } from './provision-options.js';

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
  if (!(await waitUntilReachable(address, { signal: ctx.signal, timeoutMs: o.timeoutMs }))) {
    throw new EspProvError(
      'DEVICE_NOT_FOUND',
      `the device did not answer at ${where} within ${seconds(o.timeoutMs ?? 0)}: is this computer joined to "${ap}"?`,
      { details: { address: where, join: ap } },
    );
  }
}

/** Which network a HostConnection names, for the messages. */
function networkName(c: { ssid?: string; connection?: string }): string {
  return c.ssid !== undefined ? `"${c.ssid}"` : c.connection !== undefined ? c.connection : 'no network';
}

/**
 * --join: joins the board's access point with the host's Wi-Fi tool, waits until `address` answers, runs
 * `fn`, and restores the previous connection (also after a failure or Ctrl-C). A failed restore is a warning:
 * the run's own outcome stays what is reported.
 */
export async function runJoined<T>(
  a: Pick<ProvisionArgs, 'apSsid' | 'apPassphrase' | 'timeoutMs'>,
  qrName: string | undefined,
  address: ServiceAddress,
  ctx: CommandContext,
  fn: () => Promise<T>,
): Promise<T> {
  const ssid = a.apSsid ?? qrName;
  if (ssid === undefined) {
    throw new EspProvError(
      'USAGE',
      "--join needs the board's access point: --ap-ssid SSID, or --qr with a SoftAP payload",
    );
  }
  const passphrase = (await resolveSecret(a.apPassphrase, "the access point's passphrase", undefined, ctx.stdin))
    ?.value;
  ctx.redactor.add(passphrase);
  const [{ withJoinedAccessPoint }, { hostWifi }] = await Promise.all([
    import('../../hostwifi/join.js'),
    import('../../hostwifi/select.js'),
  ]);
  const wifi = hostWifi(process.platform, { env: { ...ctx.io.env } });
  return withJoinedAccessPoint(
    wifi,
    { ssid, ...(passphrase !== undefined ? { passphrase } : {}) },
    {
      signal: ctx.signal,
      address,
      ...(a.timeoutMs !== undefined ? { reachTimeoutMs: a.timeoutMs } : {}),
      onStep: (s) => {
        if (s.type === 'join-start') {
          ctx.out.step(
            'join',
            `Joining the board's access point "${ssid}" with ${wifi.tool} (was on ${networkName(s.previous)})`,
            {
              join: ssid,
              phase: 'joining',
            },
          );
        } else if (s.type === 'join-done') {
          ctx.out.step('join', `Joined "${ssid}"`, { join: ssid, phase: 'joined' });
        } else {
          ctx.out.step('join', `Back on ${networkName(s.previous)}`, { join: ssid, phase: 'restored' });
        }
      },
      onRestoreFailed: (e, previous) =>
        ctx.out.warn(`could not put this computer back on ${networkName(previous)}: ${e.message}`, {
          code: e.code,
        }),
    },
    fn,
  );
}
