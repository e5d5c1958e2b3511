/**
 * Hostile input, part 2: what a device answers, through `esp-prov sim`'s hostile answers (--aps SSIDs,
 * --answers texts) and oversize answers. At a terminal (human output) no raw control character the device chose
 * reaches stdout or stderr; with --json every line parses and carries the exact value. Failures after Apply are
 * in hostile-after-apply.test.ts.
 *
 * Each row runs the CLI in-process against the simulator its `esp-prov sim` flags describe, both on one
 * ManualClock (the simulator's scan, apply and join delays cost no wall time); one row also runs with both as
 * child processes, for the exit code and the bytes a real process writes.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadAccessPoints } from '../src/sim/access-points.js';
import { loadAnswers } from '../src/sim/answers.js';
import { parseFaultSpec } from '../src/sim/faults.js';
import type { SimDeviceOptions } from '../src/sim/options.js';
import { ManualClock } from '../src/timers.js';
import { check, esp, espOnClock, last, sim, simInProcess, type Expect, type RunResult } from './hostile-harness.js';

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

/** The device behaviour the `esp-prov sim` flags these rows use stand for (as sim.ts parses them). */
function behaviour(flags: readonly string[]): Partial<SimDeviceOptions> {
  const b: Partial<SimDeviceOptions> = {};
  for (let i = 0; i < flags.length; i += 2) {
    const value = flags[i + 1]!;
    if (flags[i] === '--aps') b.accessPoints = loadAccessPoints(readFileSync(value, 'utf8'));
    else if (flags[i] === '--answers') b.answers = loadAnswers(readFileSync(value, 'utf8'));
    else if (flags[i] === '--fault') b.faults = [parseFaultSpec(value)];
    else if (flags[i] === '--version-style' && value === 'plain') b.versionStyle = value;
    else throw new Error(`no in-process equivalent for ${flags[i]} ${value}`);
  }
  return b;
}

/** Bound on one run, in device time. */
const RUN_BOUND_MS = 20_000;
const CREDS = ['--sec2_username', 'wifiprov', '--sec2_pwd', PASSWORD];
/** The row that also runs as processes: an exit code, and raw bytes on a real stderr. */
const PROCESS_ROW = 'a wrong passphrase for an SSID with escapes: 11, the SSID escaped';

// Each row has its own device and clock; the process row's wall-clock waits overlap the in-process rows.
void describe('hostile device answers (esp-prov sim as the device)', { concurrency: true }, () => {
  for (const row of ROWS) {
    void it(row.name, async () => {
      const clock = new ManualClock(Date.UTC(2026, 0, 1));
      const device = await simInProcess({ sec: 2, password: PASSWORD }, behaviour(row.sim), clock);
      try {
        const r = await espOnClock(['--transport', 'softap', '--service_name', device.address, ...CREDS, '--no-input', '--timeout', '10', ...row.client], clock); // prettier-ignore
        check(row.name, r, { maxMs: RUN_BOUND_MS, secrets: [PASSPHRASE, PASSWORD], ...row.expect });
        row.more?.(r);
      } finally {
        await device.stop();
      }
    });
  }

  void it(`as processes: ${PROCESS_ROW}`, { timeout: 60_000 }, async () => {
    const row = ROWS.find((r) => r.name === PROCESS_ROW)!;
    const device = await sim(['--sec', '2', '--sec2-password', PASSWORD, ...row.sim]);
    try {
      const r = await esp(['--transport', 'softap', '--service_name', device.address, ...CREDS, '--no-input', '--timeout', '10', ...row.client]); // prettier-ignore
      check(row.name, r, { maxMs: 20_000, secrets: [PASSPHRASE, PASSWORD], ...row.expect });
      row.more?.(r);
    } finally {
      assert.equal(await device.stop(), 0);
    }
  });
});
