/**
 * `esp-prov demo` (npm run demo): the whole provisioning flow in one command, no board. Starts the simulator in
 * this process behind its loopback HTTP server (the SoftAP transport, for real), then provisions it with
 * Security 2 and the example credentials: proto-ver, SRP handshake, a custom-data call, the device-side scan,
 * a deliberately wrong passphrase (to show how a failed join is reported and retried), the right one, the IP.
 */
import { utf8 } from '../../bytes.js';
import { authModeName } from '../../endpoints/wifi-auth.js';
import type { WifiCredentials } from '../../endpoints/config.js';
import type { CommandContext } from '../context.js';
import { macText, ssidText } from '../format.js';
import type { DemoArgs } from './demo-options.js';
import { accessPointLine, groupAccessPoints } from '../pickers.js';
import { forTerminal } from '../terminal-text.js';
import { EXAMPLE_SECRET, EXAMPLE_USERNAME, startSimulator } from '../simulator.js';

const DEMO_SSID = 'HomeNetwork';
const WRONG_PASSPHRASE = 'not-the-passphrase';

export async function runDemo(a: DemoArgs, ctx: CommandContext): Promise<number> {
  const out = ctx.out;
  const c = out.colors;
  const [{ DEFAULT_ACCESS_POINTS }, { HttpTransport }, { provision }] = await Promise.all([
    import('../../sim/default-aps.js'),
    import('../../transport/http.js'),
    import('../../provision/flow.js'),
  ]);
  const home = DEFAULT_ACCESS_POINTS.find((ap) => ssidText(ap.ssid) === DEMO_SSID);
  const right = home?.passphrase ?? utf8('');
  ctx.redactor.add(right);
  ctx.redactor.add(WRONG_PASSPHRASE);

  const clock = ctx.io.clock;
  const sim = await startSimulator({ sec: 2, fast: true, signal: ctx.signal, clock });
  const where = `${sim.host}:${sim.port}`;
  out.step(
    'demo',
    `${c.bold('Simulated ESP32')} listening on http://${where} — Security 2, the ESP-IDF example's credentials (${EXAMPLE_USERNAME} / ${EXAMPLE_SECRET})`,
    { host: sim.host, port: sim.port },
  );
  out.step(
    'demo',
    c.dim(
      `The same as: esp-prov --transport softap --service_name ${where} --sec2_username ${EXAMPLE_USERNAME} --sec2_pwd ${EXAMPLE_SECRET}`,
    ),
  );
  const transport = new HttpTransport({
    address: where,
    ...(clock ? { clock } : {}),
    debug: (line) => out.debug(line),
  });
  let attempt = 0;
  try {
    const result = await provision({
      transport,
      security: { username: EXAMPLE_USERNAME, password: EXAMPLE_SECRET },
      signal: ctx.signal,
      ...(clock ? { clock } : {}),
      onEvent: (e) => out.event(e),
      onTrace: (t) => out.trace(t),
      custom: [{ endpoint: 'custom-data', data: utf8('hello from esp-prov demo') }],
      selectAccessPoint(aps) {
        const groups = groupAccessPoints(aps);
        if (!out.json) {
          for (const g of groups.slice(0, 6)) out.step('scan', accessPointLine(g.aps[0]!, 24, c));
          if (groups.length > 6) out.step('scan', c.dim(`… and ${groups.length - 6} more`));
        }
        const pick = groups.find((g) => ssidText(g.ssid) === DEMO_SSID) ?? groups[0]!;
        const ap = pick.aps[0]!;
        out.step(
          'pick',
          `Picking "${ssidText(ap.ssid)}" (${ap.rssi} dBm, channel ${ap.channel}, ${authModeName(ap.auth)})`,
          {
            ssid: ssidText(ap.ssid),
            bssid: macText(ap.bssid),
          },
        );
        return Promise.resolve({ ssid: ap.ssid, auth: ap.auth });
      },
      askPassphrase() {
        out.step('passphrase', c.yellow('Sending a wrong passphrase first, to show what a failed join looks like'));
        return Promise.resolve(utf8(WRONG_PASSPHRASE));
      },
      onWifiFailure(err, last): Promise<WifiCredentials | undefined> {
        if (++attempt > 1) return Promise.resolve(undefined);
        out.failed('retry', err.code, err.message);
        out.step('retry', 'Retrying with the right passphrase (ctrl reset, then the credentials again, same session)');
        return Promise.resolve({ ...last, passphrase: right });
      },
    });
    if (result.network !== 'wifi') throw new Error('demo expected a Wi-Fi result');
    const s = result.connected;
    out.success(
      `Connected to "${ssidText(s.ssid)}" — IP ${forTerminal(s.ip)}, BSSID ${macText(s.bssid)}, channel ${s.channel} (${authModeName(s.authMode)})`,
      {
        network: 'wifi',
        ssid: ssidText(s.ssid),
        ip: s.ip,
        bssid: macText(s.bssid),
        channel: s.channel,
        security: 2,
      },
    );
    if (!out.json && !a.verbose)
      out.step('demo', c.dim('Run `esp-prov demo -v` to see every exchange (secrets redacted).'));
    return 0;
  } finally {
    await transport.close();
    await sim.close();
  }
}
