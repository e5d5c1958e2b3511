/**
 * Every command of the seed (shared/reference: the wifi_prov_mgr example's README) with `esp-prov` in place of
 * `python esp_prov.py`, run in-process against the simulator: over BLE through noble's own classes on fake
 * bindings (BleGattModel), and the console mode with a scripted person relaying the GATT operations. The
 * interactive ones run with terminal-like streams driving the real prompts.
 */
import assert from 'node:assert/strict';
import { PassThrough, Writable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { fromHex, toHex, utf8 } from '../src/bytes.js';
import type { CliIo } from '../src/cli/main.js';
import { toAccessPoint } from '../src/sim/access-points.js';
import { fakeNobleLoader } from '../src/testing/ble-fake-bindings.js';
import { BleGattModel } from '../src/sim/ble-gatt-model.js';
import { SimDevice } from '../src/sim/device.js';
import type { SimSecurity } from '../src/sim/options.js';
import { BLE_ENDPOINT_IDS, characteristicUuid, EXAMPLE_SERVICE_UUID } from '../src/transport/manual-ble.js';
import { runCli } from './helpers/cli-run.js';

const ACCESS_POINTS = [
  { ssid: 'MyHomeWiFiAP', bssid: '78:8a:20:84:19:96', channel: 1, rssi: -45, auth: 'WPA2_PSK', passphrase: 'home-pass-1' },
  { ssid: 'MobileHotspot', bssid: '7a:8a:20:84:19:96', channel: 11, rssi: -46, auth: 'WPA2_PSK', passphrase: 'hotspot-1' },
  { ssid: 'MyHomeWiFiAP', bssid: '78:8a:20:8d:aa:26', channel: 11, rssi: -54, auth: 'WPA2_PSK', passphrase: 'home-pass-1' },
  { ssid: 'myssid', bssid: '8a:8a:20:84:19:96', channel: 6, rssi: -61, auth: 'WPA2_PSK', passphrase: 'mypassword', ip: '192.168.43.243' },
  { ssid: 'InsecureWiFiAP', bssid: 'dc:a4:ca:f1:22:7c', channel: 7, rssi: -74, auth: 'OPEN' },
].map((s, i) => toAccessPoint(s, `ap${i}`)); // prettier-ignore

const SEC1: SimSecurity = { version: 1, pop: utf8('abcd1234') };
const SEC2: SimSecurity = { version: 2, username: utf8('wifiprov'), password: utf8('abcd1234') };

const devices: SimDevice[] = [];
after(() => devices.forEach((d) => d.stop()));

function simDevice(security: SimSecurity): SimDevice {
  const d = new SimDevice({
    security,
    accessPoints: ACCESS_POINTS,
    applyDelayMs: 20,
    connectDelayMs: 50,
    scanDurationMs: 50,
  });
  devices.push(d);
  return d;
}

/** The device advertising as PROV_261FCC (plus a second board) within reach of fake BLE bindings. */
function ble(security: SimSecurity): CliIo['bleLoader'] {
  const models = [
    new BleGattModel({ device: simDevice(security), name: 'PROV_261FCC', stack: 'nimble', rssi: -40 }),
    new BleGattModel({
      device: simDevice(security),
      name: 'PROV_4C33E8',
      address: 'e4:65:b8:00:00:02',
      stack: 'bluedroid',
      rssi: -70,
    }),
  ];
  return fakeNobleLoader({ peripherals: models }).loader;
}

/** Streams that look like a terminal to the CLI; `screen` accumulates what was drawn. */
class FakeTerminal {
  readonly stdin = Object.assign(new PassThrough(), { isTTY: true, setRawMode: () => undefined });
  screen = '';
  /** Called after every drawing. */
  readonly #drawn = new Set<() => void>();
  readonly stderr = Object.assign(
    new Writable({
      write: (chunk: Buffer, _enc, cb) => {
        this.screen += chunk.toString();
        for (const w of [...this.#drawn]) w();
        cb();
      },
    }),
    // Like process.stderr, which pipe() never ends: each prompt pipes its output here and ends that pipe.
    { isTTY: true, columns: 120, rows: 40, end: () => undefined },
  );

  /** Resolves at the drawing that shows `re` after `from`; fails after 10 s (the CLI runs on the wall clock). */
  when(re: RegExp, from = 0): Promise<number> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const at = this.screen.slice(from).search(re);
        if (at < 0) return;
        done();
        resolve(from + at + 1);
      };
      const done = (): void => {
        clearTimeout(deadline);
        this.#drawn.delete(check);
      };
      const deadline = setTimeout(() => {
        done();
        reject(new Error(`never drawn: ${re}\n${this.screen}`));
      }, 10_000);
      this.#drawn.add(check);
      check();
    });
  }

  press(keys: string): void {
    this.stdin.write(keys);
  }
}

const ENTER = '\r';
const DOWN = '\x1b[B';

async function cli(
  argv: string[],
  o: { bleLoader?: CliIo['bleLoader']; term?: FakeTerminal; stdin?: PassThrough } = {},
) {
  const io: Partial<CliIo> = {
    ...(o.term ? { stderr: o.term.stderr } : {}),
    ...(o.bleLoader ? { bleLoader: o.bleLoader } : {}),
  };
  const stdin = o.term ? o.term.stdin : (o.stdin ?? new PassThrough().end());
  const r = await runCli(argv, { env: { NO_COLOR: '1' }, stdin, io });
  return { code: r.code, stdout: r.stdout, stderr: o.term ? o.term.screen : r.stderr };
}

// Each test has its own devices, BLE bindings and streams: side by side, the BLE scan's wall-clock wait
// overlaps the others.
void describe('the seed commands, with esp-prov in place of python esp_prov.py', { concurrency: true }, () => {
  void it('--transport ble --service_name PROV_261FCC --sec_ver 1 --pop abcd1234 --ssid myssid --passphrase mypassword', async () => {
    const r = await cli('--transport ble --service_name PROV_261FCC --sec_ver 1 --pop abcd1234 --ssid myssid --passphrase mypassword'.split(' '), { bleLoader: ble(SEC1) });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '✔ Connected to "myssid" — IP 192.168.43.243, BSSID 8a:8a:20:84:19:96, channel 6 (WPA2_PSK)\n');
    assert.match(r.stderr, /Connecting to PROV_261FCC over BLE…/);
  }); // prettier-ignore

  void it('--transport ble --service_name PROV_261FCC --sec_ver 2 --sec2_username wifiprov --sec2_pwd abcd1234 --ssid myssid --passphrase mypassword', async () => {
    const r = await cli('--transport ble --service_name PROV_261FCC --sec_ver 2 --sec2_username wifiprov --sec2_pwd abcd1234 --ssid myssid --passphrase mypassword'.split(' '), { bleLoader: ble(SEC2) });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Connected to "myssid"/);
  }); // prettier-ignore

  void it('--transport softap --sec_ver 2 --sec2_gen_cred --sec2_username wifiprov --sec2_pwd abcd1234', async () => {
    const r = await cli('--transport softap --sec_ver 2 --sec2_gen_cred --sec2_username wifiprov --sec2_pwd abcd1234'.split(' '));
    assert.equal(r.code, 0);
    const lines = r.stdout.split('\n');
    assert.equal(lines[0], '==== Salt-verifier for security scheme 2 (SRP6a) ====');
    assert.equal(lines[1], 'static const char sec2_salt[] = {');
    assert.match(lines[2]!, /^ {4}(0x[0-9a-f]{2}, ){15}0x[0-9a-f]{2}$/);
    assert.deepEqual(lines.slice(3, 6), ['};', '', 'static const char sec2_verifier[] = {']);
    assert.equal(lines.length, 6 + 24 + 3);
  }); // prettier-ignore

  void it('--transport ble --service_name PROV_261FCC --pop abcd1234 (scan on the device, pick, passphrase)', async () => {
    const term = new FakeTerminal();
    const done = cli('--transport ble --service_name PROV_261FCC --pop abcd1234'.split(' '), { bleLoader: ble(SEC1), term });
    const at = await term.when(/Wi-Fi network for the device/);
    await term.when(/InsecureWiFiAP/, at);
    assert.equal(term.screen.slice(at).match(/MyHomeWiFiAP/g)?.length, 1, 'duplicate SSIDs grouped');
    term.press(DOWN + DOWN + ENTER); // MyHomeWiFiAP, MobileHotspot, myssid
    await term.when(/Passphrase for "myssid"/, at);
    term.press('mypassword' + ENTER);
    const r = await done;
    assert.equal(r.code, 0, term.screen);
    assert.match(r.stdout, /Connected to "myssid"/);
    assert.ok(!term.screen.includes('mypassword'));
  }); // prettier-ignore

  void it('--transport ble --sec_ver 1 (pick the device, then the PoP prompt)', async () => {
    const term = new FakeTerminal();
    const done = cli(['--transport', 'ble', '--sec_ver', '1', '--ssid', 'myssid', '--passphrase', 'mypassword', '--timeout', '1.5'], { bleLoader: ble(SEC1), term });
    const at = await term.when(/BLE device/);
    await term.when(/PROV_4C33E8/, at);
    assert.match(term.screen.slice(at), /PROV_261FCC[\s\S]*PROV_4C33E8/, 'strongest first');
    term.press(DOWN + ENTER);
    await term.when(/Proof of possession \(PoP\)/, at);
    term.press('abcd1234' + ENTER);
    const r = await done;
    assert.equal(r.code, 0, term.screen);
    assert.match(term.screen, /Connecting to PROV_4C33E8 over BLE/);
    assert.ok(!term.screen.includes('abcd1234'));
  }); // prettier-ignore

  void it('--custom_data MyCustomData prints the answer', async () => {
    const r = await cli('--transport ble --service_name PROV_261FCC --sec_ver 1 --pop abcd1234 --custom_data MyCustomData --ssid myssid --passphrase mypassword'.split(' '), { bleLoader: ble(SEC1) });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^CustomData response: SUCCESS\n/);
  }); // prettier-ignore

  void it('console mode: a person relays the GATT operations (--transport ble-manual)', async () => {
    const device = simDevice(SEC1);
    device.openSession(1);
    const byUuid = new Map(Object.entries(BLE_ENDPOINT_IDS).map(([name, id]) => [characteristicUuid(EXAMPLE_SERVICE_UUID, id), name]));
    const stdin = new PassThrough();
    let screen = '';
    let pendingWrite: { endpoint: string; data: Uint8Array } | undefined;
    const relay = async (text: string): Promise<void> => {
      screen += text;
      if (/\[y\/n\]/.test(text)) stdin.write('y\n');
      const w = /Write following data to characteristic with UUID '([0-9a-f-]+)'[^\n]*\n\s*>> ([0-9a-f]+)/.exec(screen);
      if (w) {
        pendingWrite = { endpoint: byUuid.get(w[1]!)!, data: fromHex(w[2]!) };
        screen = screen.slice(w.index + w[0].length);
      }
      if (pendingWrite && /Enter data read from characteristic/.test(screen)) {
        const { endpoint, data } = pendingWrite;
        pendingWrite = undefined;
        screen = '';
        stdin.write(`${toHex(await device.handle(endpoint, 1, data))}\n`);
      }
    };
    const { code, stdout } = await runCli('--transport ble-manual --service_name PROV_261FCC --sec_ver 1 --pop abcd1234 --ssid myssid --passphrase mypassword'.split(' '), { stdin, io: { stderr: { write: (s: string) => void relay(s) } } });
    assert.equal(code, 0, screen);
    assert.match(stdout, /Connected to "myssid"/);
  }); // prettier-ignore

  void it('esp_prov --transport console: a person types the lines on the device console', async () => {
    const device = simDevice(SEC1);
    const stdin = new PassThrough();
    let screen = '';
    let opened = -1;
    const relay = async (text: string): Promise<void> => {
      screen += text;
      const m = /Client->Device msg : (\S+) (\d+) ([0-9a-f]+)\n[\s\S]*Enter device->client msg : $/.exec(screen);
      if (!m) return;
      screen = '';
      const session = Number(m[2]);
      if (session !== opened) device.openSession((opened = session));
      stdin.write(`${toHex(await device.handle(m[1]!, session, fromHex(m[3]!)))}\n`);
    };
    const { code, stdout } = await runCli('--transport console --sec_ver 1 --pop abcd1234 --ssid myssid --passphrase mypassword'.split(' '), { stdin, io: { stderr: { write: (s: string) => void relay(s) } } });
    assert.equal(code, 0, screen);
    assert.match(stdout, /Connected to "myssid"/);
  }); // prettier-ignore
});
