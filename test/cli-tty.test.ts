/**
 * The bench experience in a real terminal: esp-prov runs inside tmux (send-keys / capture-pane) against the
 * simulator. Covers the hidden password prompt, the AP picker (one line per SSID, unknown auth modes named,
 * non-UTF-8 SSIDs escaped, "Choose a specific access point"), the wrong-passphrase retry, the PoP prompt and
 * "Other network (hidden SSID)", the spinner on the waits and enterprise networks shown but not selectable.
 * Skipped when tmux is not installed (CI installs it).
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, watch, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { utf8 } from '../src/bytes.js';
import { toAccessPoint } from '../src/sim/access-points.js';
import { SimDevice } from '../src/sim/device.js';
import { startHttpServer } from '../src/sim/http-server.js';
import type { SimDeviceOptions, SimSecurity } from '../src/sim/options.js';
import { CLI_ENTRY } from './helpers/cli-bin.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SOCKET = `esp-prov-test-${process.pid}`;
const HAVE_TMUX = spawnSync('tmux', ['-V']).status === 0;
const WAIT_MS = 15_000;
const LOG_DIR = mkdtempSync(join(tmpdir(), 'esp-prov-tty-'));

const ACCESS_POINTS = [
  { ssid: 'HomeNetwork', bssid: '02:11:22:33:44:10', channel: 6, rssi: -42, auth: 'WPA2_PSK', passphrase: 'correct-horse-battery' },
  { ssid: 'HomeNetwork', bssid: '02:11:22:33:44:20', channel: 11, rssi: -71, auth: 'WPA2_PSK', passphrase: 'correct-horse-battery' },
  { ssid: 'FutureAuth', bssid: '02:11:22:33:44:30', channel: 1, rssi: -60, auth: 200, passphrase: 'future-pass' },
  { ssid: { hex: '4c6174696e31e9' }, bssid: '02:11:22:33:44:40', channel: 3, rssi: -66, auth: 'OPEN' },
  { ssid: 'Hidden-Lab', bssid: '02:11:22:33:44:50', channel: 9, rssi: -90, auth: 'WPA2_PSK', passphrase: 'hidden-pass-1' },
].map((s, i) => toAccessPoint(s, `ap${i}`)); // prettier-ignore

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  if (HAVE_TMUX) spawnSync('tmux', ['-L', SOCKET, 'kill-server']);
  rmSync(LOG_DIR, { recursive: true, force: true });
  for (const c of cleanups) await c();
});

async function device(security: SimSecurity, extra: SimDeviceOptions = {}): Promise<string> {
  const dev = new SimDevice({
    ...extra,
    security,
    accessPoints: ACCESS_POINTS,
    applyDelayMs: 20,
    connectDelayMs: 50,
    attemptFailMs: 20,
    connAttempts: 2,
    scanDurationMs: 50,
  });
  const server = await startHttpServer(dev);
  cleanups.push(async () => {
    await server.close();
    dev.stop();
  });
  return `127.0.0.1:${server.port}`;
}

function tmux(...args: string[]): string {
  return execFileSync('tmux', ['-L', SOCKET, ...args], { encoding: 'utf8' });
}

class Terminal {
  constructor(
    readonly name: string,
    readonly log: string,
  ) {}

  static start(name: string, args: string[]): Terminal {
    const cmd = [process.execPath, CLI_ENTRY, ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
    tmux('new-session', '-d', '-s', name, '-x', '150', '-y', '50', `cd '${ROOT}' && ${cmd}; echo EXIT=$?; sleep 60`);
    // A copy of everything the pane prints, only to be told when the screen changes (see waitFor).
    const log = join(LOG_DIR, `${name}.log`);
    writeFileSync(log, '');
    tmux('pipe-pane', '-t', name, `cat >> '${log}'`);
    return new Terminal(name, log);
  }

  /** Everything the terminal showed, scrollback included. */
  screen(): string {
    return tmux('capture-pane', '-p', '-J', '-S', '-', '-t', this.name);
  }

  /** Reads the screen again each time the pane prints something, until `re` shows; fails after WAIT_MS. */
  waitFor(re: RegExp): Promise<string> {
    return new Promise((resolve, reject) => {
      const done = (): void => {
        clearTimeout(deadline);
        watcher.close();
      };
      const check = (): void => {
        const s = this.screen();
        if (!re.test(s)) return;
        done();
        resolve(s);
      };
      const watcher = watch(this.log, check);
      const deadline = setTimeout(() => {
        done();
        reject(new Error(`no ${re} on the screen:\n${this.screen()}`));
      }, WAIT_MS);
      check();
    });
  }

  keys(...keys: string[]): void {
    tmux('send-keys', '-t', this.name, ...keys);
  }

  /** Types text literally (no key-name interpretation). */
  type(text: string): void {
    tmux('send-keys', '-t', this.name, '-l', text);
  }
}

// Each test has its own tmux session (by name) and its own device: side by side, their waits overlap.
void describe('at a terminal', { skip: HAVE_TMUX ? false : 'tmux is not installed', concurrency: true }, () => {
  void it('prompts for the password (hidden), picks the AP from the device scan, retries a wrong passphrase', async () => {
    const addr = await device({ version: 2, username: utf8('wifiprov'), password: utf8('s3cret-pass') });
    const t = Terminal.start('picker', [
      '--transport',
      'softap',
      '--service_name',
      addr,
      '--sec2_username',
      'wifiprov',
    ]);
    await t.waitFor(/\? Security 2 password/);
    t.type('s3cret-pass');
    t.keys('Enter');
    const picker = await t.waitFor(/↻ Rescan/);
    const list = picker.slice(picker.indexOf('? Wi-Fi network'));
    const home = list.indexOf('HomeNetwork');
    assert.ok(home >= 0 && home === list.lastIndexOf('HomeNetwork'), 'one entry per SSID');
    assert.match(
      list,
      /-42 dBm {2}HomeNetwork +ch +6 +WPA2_PSK \(\+1 more\)/,
      'the strongest BSSID represents the SSID',
    );
    assert.match(list, /FutureAuth +ch +1 +unknown \(200\)/, 'unknown auth modes are named');
    assert.match(list, /Latin1\\xe9 +ch +3 +Open/, 'non-UTF-8 bytes are escaped');
    assert.ok(list.indexOf('HomeNetwork') < list.indexOf('FutureAuth'), 'sorted by signal');
    assert.match(list, /Choose a specific access point \(BSSID\)…[\s\S]*Other network \(hidden SSID\)…[\s\S]*↻ Rescan/);
    assert.match(list, /BSSID 02:11:22:33:44:10 · channel 6 · -42 dBm · WPA2_PSK · 2 access points/);

    t.keys('Enter');
    await t.waitFor(/\? Passphrase for "HomeNetwork"/);
    t.type('wrong-passphrase');
    t.keys('Enter');
    await t.waitFor(/wrong passphrase[\s\S]*\? New passphrase for "HomeNetwork" \(empty to give up\)/);
    t.type('correct-horse-battery');
    t.keys('Enter');
    const done = await t.waitFor(/EXIT=\d+/);
    assert.match(done, /✔ Connected to "HomeNetwork" — IP [\d.]+, BSSID 02:11:22:33:44:10, channel 6 \(WPA2_PSK\)/);
    assert.match(done, /EXIT=0/);
    for (const secret of ['s3cret-pass', 'wrong-passphrase', 'correct-horse-battery']) {
      assert.ok(!done.includes(secret), `${secret} appeared on the screen`);
    }
  });

  void it('asks for the PoP, and for the name of a network picked as "Other network"', async () => {
    const addr = await device({ version: 1, pop: utf8('pop-4321') });
    const t = Terminal.start('other', ['--transport', 'softap', '--service_name', addr]);
    await t.waitFor(/\? Proof of possession \(PoP\)/);
    t.type('pop-4321');
    t.keys('Enter');
    await t.waitFor(/↻ Rescan/);
    // Four networks, then "Choose a specific access point", "Other network", "Rescan" (the list does not wrap).
    t.keys('Down', 'Down', 'Down', 'Down', 'Down', 'Enter');
    await t.waitFor(/\? Network name \(SSID\)/);
    t.type('Hidden-Lab');
    t.keys('Enter');
    await t.waitFor(/\? Passphrase for "Hidden-Lab" \(empty for an open network\)/);
    t.type('hidden-pass-1');
    t.keys('Enter');
    const done = await t.waitFor(/EXIT=\d+/);
    assert.match(done, /✔ Connected to "Hidden-Lab"/);
    assert.match(done, /EXIT=0/);
    assert.ok(!done.includes('pop-4321') && !done.includes('hidden-pass-1'));
  });

  void it('Thread: picks a network from the device scan and asks for its network key (hidden)', async () => {
    const addr = await device(
      { version: 0 },
      { flavour: 'netprov-thread', attachDelayMs: 50, threadScanDurationMs: 50 },
    );
    const t = Terminal.start('thread', ['--transport', 'softap', '--service_name', addr]);
    const picker = await t.waitFor(/\? Thread network for the device[\s\S]*↻ Rescan/);
    assert.match(picker, /-58 dBm {2}OpenThread-Home +PAN 0x1234 +ch 15/);
    assert.match(picker, /LowPan-0x42 +PAN 0x0042 +ch 11/);
    t.keys('Enter');
    await t.waitFor(/\? Network key of "OpenThread-Home" \(32 hex digits\)/);
    t.type('00112233445566778899aabbccddeeff');
    t.keys('Enter');
    const done = await t.waitFor(/EXIT=\d+/);
    assert.match(
      done,
      /✔ Attached to the Thread network "OpenThread-Home" — PAN 0x1234, extended PAN dead00beef00cafe, channel 15/,
    );
    assert.match(done, /EXIT=0/);
    assert.ok(!done.includes('00112233445566778899aabbccddeeff'));
  });

  void it('waits show a spinner with the elapsed time, gone before the picker and after the outcome', async () => {
    const dev = new SimDevice({
      security: { version: 0 },
      accessPoints: [
        ...ACCESS_POINTS.slice(0, 2),
        toAccessPoint(
          { ssid: 'Corp-EAP', bssid: '02:11:22:33:44:60', channel: 5, rssi: -45, auth: 'WPA2_ENTERPRISE' },
          'eap',
        ),
      ],
      applyDelayMs: 20,
      connectDelayMs: 1500,
      scanDurationMs: 1500,
    });
    const server = await startHttpServer(dev);
    cleanups.push(async () => {
      await server.close();
      dev.stop();
    });
    const t = Terminal.start('spinner', ['--transport', 'softap', '--service_name', `127.0.0.1:${server.port}`]);
    await t.waitFor(/⠋|⠙|⠹|⠸|⠼|⠴|⠦|⠧|⠇|⠏/);
    const scanning = await t.waitFor(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] the device is scanning \d\.\d s/);
    assert.match(
      scanning,
      /› Scanning for Wi-Fi networks[^\n]*\n[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] the device is scanning/,
      'under its step',
    );
    const picker = await t.waitFor(/↻ Rescan/);
    assert.doesNotMatch(picker, /[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/, 'the spinner is gone before the prompt draws');
    assert.match(
      picker,
      /› Not selectable: "Corp-EAP" \(802\.1X enterprise sign-in; the device takes a passphrase only\)/,
    );
    assert.match(picker, /- ▂▄▆█ +-45 dBm {2}Corp-EAP +ch +5 +WPA2_ENTERPRISE \(802\.1X\)/);
    t.keys('Enter');
    await t.waitFor(/\? Passphrase for "HomeNetwork"/);
    t.type('correct-horse-battery');
    t.keys('Enter');
    await t.waitFor(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] waiting for the device to join \d\.\d s/);
    const done = await t.waitFor(/EXIT=\d+/);
    assert.match(done, /EXIT=0/);
    assert.doesNotMatch(done, /[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/, 'no frame left on the screen');
    assert.match(done, /› Applied; waiting for the device to join the network…\n✔ Connected to "HomeNetwork"/);
  });

  void it('Ctrl-C at a prompt exits 130', async () => {
    const addr = await device({ version: 1, pop: utf8('pop-4321') });
    const t = Terminal.start('cancel', ['--transport', 'softap', '--service_name', addr]);
    await t.waitFor(/\? Proof of possession/);
    t.keys('C-c');
    const done = await t.waitFor(/EXIT=\d+/);
    assert.match(done, /EXIT=130/);
    assert.match(done, /\[CANCELLED\]/);
  });

  void it('Ctrl-D (the input ends) at a prompt is a missing value, exit 2, not an interruption', async () => {
    const addr = await device({ version: 1, pop: utf8('pop-4321') });
    const t = Terminal.start('eof', ['--transport', 'softap', '--service_name', addr]);
    await t.waitFor(/\? Proof of possession/);
    t.keys('C-d');
    const done = await t.waitFor(/EXIT=\d+/);
    assert.match(done, /the input ended before an answer to "Proof of possession \(PoP\)" \[MISSING_INPUT\]/);
    assert.match(done, /EXIT=2/);
  });

  void it('an empty answer to "New passphrase … (empty to give up)" ends with the Wi-Fi failure\'s code', async () => {
    const addr = await device({ version: 1, pop: utf8('pop-4321') });
    const t = Terminal.start('giveup', ['--transport', 'softap', '--service_name', addr, '--pop', 'pop-4321']);
    await t.waitFor(/↻ Rescan/);
    t.keys('Enter');
    await t.waitFor(/\? Passphrase for "HomeNetwork"/);
    t.type('wrong-passphrase');
    t.keys('Enter');
    await t.waitFor(/\? New passphrase for "HomeNetwork" \(empty to give up\)/);
    t.keys('Enter');
    const done = await t.waitFor(/EXIT=\d+/);
    assert.match(done, /\[WIFI_AUTH_FAILED\]/);
    assert.match(done, /EXIT=11/);
  });
});
