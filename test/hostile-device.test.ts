/**
 * Hostile input, part 2: what a device answers, through `esp-prov sim`'s hostile answers (--aps SSIDs,
 * --answers texts) and oversize answers. Both the CLI and the simulator are child processes. At a terminal
 * (human output) no raw control character the device chose reaches stdout or stderr; with --json every line
 * parses and carries the exact value. Failures after Apply are in hostile-after-apply.test.ts.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { check, esp, inBatches, last, sim, type Expect, type RunResult } from './hostile-harness.js';

const PASSPHRASE = 'Hostile-Passphrase-8a2f';
const PASSWORD = 'Hostile-Password-3e7c';
/** OSC window title, clear screen, a bidi override, a carriage return, a C1 CSI. */
const ESC = '\x1b]0;pwned\x07\x1b[2J\u202eevil\r\x9b31m';
const SSID = `Net${ESC.slice(0, 12)}`; // 32 bytes at most on the air
const DIR = mkdtempSync(join(tmpdir(), 'esp-prov-hostile-dev-'));

function file(name: string, value: unknown): string {
  const path = join(DIR, name);
  writeFileSync(path, JSON.stringify(value));
  return path;
}

const APS = file('aps.json', [
  { ssid: SSID, bssid: '02:00:00:00:00:01', channel: 6, rssi: -40, auth: 'WPA2_PSK', passphrase: PASSPHRASE },
]);
const TEXTS = file('answers.json', {
  provVersion: `v1.1${ESC}`,
  capabilities: [`wifi_scan${ESC}`],
  ip: `10.0.0.9${ESC}`,
  customData: `ok${ESC}`,
});
const OVERSIZE = file('oversize.json', { customData: 'A'.repeat(70_000) });

interface Row {
  name: string;
  sim: string[];
  /** Client flags after the connection and credential flags. */
  client: string[];
  expect: Omit<Expect, 'maxMs'>;
  more?: (r: RunResult) => void;
}

const SSID_HEX = Buffer.from(SSID).toString('hex');
const WIFI = ['--ssid-hex', SSID_HEX, '--passphrase', PASSPHRASE];

const ROWS: Row[] = [
  { name: 'escape sequences in the SSID, human -v', sim: ['--aps', APS], client: [...WIFI, '-v'], expect: { exit: 0, noRawControls: true }, more: (r) => assert.match(r.stdout, /Connected to "Net\\x1b\]0;pwned\\x07/) },
  { name: 'escape sequences in the SSID, --json', sim: ['--aps', APS], client: [...WIFI, '--json'], expect: { exit: 0, json: true }, more: (r) => assert.equal(last(r)['ssidHex'], SSID_HEX) },
  { name: 'a wrong passphrase for an SSID with escapes: 11, the SSID escaped', sim: ['--aps', APS], client: ['--ssid-hex', SSID_HEX, '--passphrase', 'wrong-passphrase-x'], expect: { exit: 11, noRawControls: true } },
  { name: 'escape sequences in the IP text, proto-ver version and capabilities, human -v', sim: ['--aps', APS, '--answers', TEXTS], client: [...WIFI, '-v'], expect: { exit: 0, noRawControls: true }, more: (r) => assert.match(r.stdout, /IP 10\.0\.0\.9\\x1b\]0;pwned/) },
  { name: 'escape sequences in the IP text, --json', sim: ['--aps', APS, '--answers', TEXTS], client: [...WIFI, '--json'], expect: { exit: 0, json: true }, more: (r) => assert.equal(last(r)['ip'], `10.0.0.9${ESC}`) },
  { name: 'escape sequences in a custom-data answer, human', sim: ['--answers', TEXTS], client: ['--custom_data', 'hi', '--network', 'none'], expect: { exit: 0, noRawControls: true } },
  { name: 'escape sequences in a custom-data answer, --json', sim: ['--answers', TEXTS], client: ['--custom_data', 'hi', '--network', 'none', '--json'], expect: { exit: 0, json: true } },
  { name: 'an oversize custom-data answer (70 000 bytes): DECODE_FAILED', sim: ['--answers', OVERSIZE], client: ['--custom_data', 'hi', '--network', 'none', '--json'], expect: { exit: 9, json: true }, more: (r) => assert.equal((last(r)['error'] as { code: string }).code, 'DECODE_FAILED') },
  { name: 'garbage proto-ver (not JSON, binary): a bad answer, not a missing option', sim: ['--fault', 'garbage-version:version'], client: [...WIFI, '--json'], expect: { exit: 9, json: true } },
  { name: 'a plain legacy proto-ver string', sim: ['--version-style', 'plain'], client: ['--sec_ver', '2', ...WIFI, '--json'], expect: { exit: [0, 12], json: true } },
]; // prettier-ignore

void describe('hostile device answers (esp-prov sim as the device)', { timeout: 300_000 }, () => {
  void it('device strings are escaped at a terminal, exact in --json; oversize answers are refused', async () => {
    const failures: string[] = [];
    await inBatches(ROWS, 2, async (row) => {
      const device = await sim(['--sec', '2', '--sec2-password', PASSWORD, ...row.sim]);
      const creds = ['--sec2_username', 'wifiprov', '--sec2_pwd', PASSWORD];
      const r = await esp(['--transport', 'softap', '--service_name', device.address, ...creds, '--no-input', '--timeout', '10', ...row.client]); // prettier-ignore
      try {
        check(row.name, r, { maxMs: 20_000, secrets: [PASSPHRASE, PASSWORD], ...row.expect });
        row.more?.(r);
      } catch (e) {
        failures.push((e as Error).message);
      }
      assert.equal(await device.stop(), 0);
    });
    assert.deepEqual(failures, []);
  });
});
