/**
 * What the scheme does not protect, said once: a Security 0 or 1 run prints one warning line at a terminal
 * (human output) suggesting Security 2, and --json carries the same facts as fields of the `security` event.
 * Security 2 says nothing. The real CLI entry (run) against the simulator over loopback HTTP.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { utf8 } from '../src/bytes.js';
import { securityFacts } from '../src/cli/output-security.js';
import { toAccessPoint } from '../src/sim/access-points.js';
import { SimDevice } from '../src/sim/device.js';
import { startHttpServer } from '../src/sim/http-server.js';
import type { SimSecurity } from '../src/sim/options.js';
import { runCli } from './helpers/cli-run.js';

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanups) await c();
});

async function device(security: SimSecurity): Promise<string> {
  const dev = new SimDevice({
    security,
    accessPoints: [toAccessPoint({ ssid: 'Lab', bssid: '02:00:00:00:00:01', channel: 6, rssi: -40, auth: 'WPA2_PSK', passphrase: 'lab-passphrase' }, 'lab')], // prettier-ignore
    applyDelayMs: 10,
    connectDelayMs: 20,
  });
  const server = await startHttpServer(dev, { tagSockets: security.version !== 0 });
  cleanups.push(async () => {
    await server.close();
    dev.stop();
  });
  return `127.0.0.1:${server.port}`;
}

function cli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return runCli(argv, { env: { NO_COLOR: '1' } });
}

const CASES: { name: string; security: SimSecurity; flags: string[]; warning: RegExp | undefined }[] = [
  { name: 'Security 0', security: { version: 0 }, flags: [], warning: /^! Security 0 sends the Wi-Fi credentials in clear: .*Security 2/ }, // prettier-ignore
  { name: 'Security 1 with a PoP', security: { version: 1, pop: utf8('pop-1234') }, flags: ['--pop', 'pop-1234'], warning: /^! Security 1 encrypts but does not authenticate: a changed message goes unnoticed\. Prefer Security 2\.$/ }, // prettier-ignore
  { name: 'Security 1 without a PoP', security: { version: 1 }, flags: [], warning: /^! Security 1 without a PoP: anyone in range can open a session.*Prefer Security 2\.$/ }, // prettier-ignore
  { name: 'Security 2', security: { version: 2, username: utf8('u'), password: utf8('pw-5678') }, flags: ['--sec2_username', 'u', '--sec2_pwd', 'pw-5678'], warning: undefined }, // prettier-ignore
];

void describe('the scheme says what it does not protect', { concurrency: true }, () => {
  for (const c of CASES) {
    void it(`${c.name}: ${c.warning ? 'one warning line at a terminal, and in --json' : 'no warning'}`, async () => {
      // A device is provisioned once; each run gets its own.
      const args = async (): Promise<string[]> => ['--transport', 'softap', '--service_name', await device(c.security), ...c.flags, '--ssid', 'Lab', '--passphrase', 'lab-passphrase', '--timeout', '5']; // prettier-ignore
      const human = await cli(await args());
      assert.equal(human.code, 0, human.stderr);
      const lines = human.stderr.split('\n').filter((l) => /Security [0-2]\b/.test(l) && l.startsWith('!'));
      if (c.warning) {
        assert.equal(lines.length, 1, human.stderr);
        assert.match(lines[0]!, c.warning);
      } else assert.deepEqual(lines, []);

      const json = await cli([...(await args()), '--json']);
      assert.equal(json.code, 0, json.stdout);
      assert.equal(json.stderr, '', '--json keeps stderr quiet');
      const events = json.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      const security = events.filter((e) => e['event'] === 'security');
      assert.equal(security.length, 1);
      const v = c.security.version;
      assert.equal(security[0]!['version'], v);
      assert.equal(security[0]!['encrypted'], v !== 0);
      assert.equal(security[0]!['authenticated'], v === 2);
      if (c.warning) assert.match(`! ${String(security[0]!['warning'])}`, c.warning);
      else assert.equal('warning' in security[0]!, false);
    });
  }

  void it('every warning is one line that names Security 2', () => {
    for (const choice of [
      { version: 0 },
      { version: 1, popRequired: true },
      { version: 1, popRequired: false },
    ] as const) {
      const w = securityFacts({ popRequired: false, ...choice }).warning ?? '';
      assert.match(w, /Security 2/);
      assert.doesNotMatch(w, /\n/);
      assert.ok(w.length <= 120, w);
    }
  });
});
