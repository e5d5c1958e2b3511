/**
 * `--join` on the provision command: the computer joins the board's access point with its Wi-Fi tool, here a
 * fake nmcli first on the run's PATH (test/helpers/fake-nmcli.ts), provisions the simulator over loopback
 * HTTP, and is back on its previous network afterwards, also when provisioning fails. In-process (run() with
 * injected streams); the board's "access point" is only the fake's state.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, describe, test } from 'node:test';
import { utf8 } from '../src/bytes.js';
import { EXIT_CODES } from '../src/errors.js';
import { run, type CliIo } from '../src/cli/main.js';
import { SimDevice } from '../src/sim/device.js';
import { ReplaceableDevice } from '../src/sim/replaceable-device.js';
import { startHttpServer } from '../src/sim/http-server.js';
import { FakeNmcli } from './helpers/fake-nmcli.js';
import { Lines } from './helpers/lines.js';

const POP = 'join-Pop-5c2a';
const AP = 'PROV_J01N42';
const AP_PSK = 'board-Ap-Key-61xz';
const QR = JSON.stringify({ ver: 'v1', name: AP, pop: POP, transport: 'softap' });
const WIFI_PASSPHRASE = 'correct-horse-battery';

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanups) await c();
});

async function setup(): Promise<{ nmcli: FakeNmcli; port: number }> {
  const nmcli = await FakeNmcli.create({
    iface: 'wlan0',
    active: 'uuid-office',
    profiles: [{ uuid: 'uuid-office', name: 'Office', ssid: 'Office' }],
    aps: [{ ssid: AP, signal: 80, psk: AP_PSK }],
  });
  const device = new SimDevice({ security: { version: 1, pop: utf8(POP) }, applyDelayMs: 20, connectDelayMs: 50 });
  const server = await startHttpServer(device, { port: 0, host: '127.0.0.1' });
  cleanups.push(async () => {
    await server.close();
    device.stop();
    await nmcli.remove();
  });
  return { nmcli, port: server.port };
}

async function cli(argv: string[], env: NodeJS.ProcessEnv) {
  const [stdout, stderr] = [new Lines(), new Lines()];
  const io: CliIo = { stdout, stderr, stdin: Readable.from([]), env: { TERM: 'dumb', ...env } };
  const exit = await run(argv, io, new AbortController().signal);
  return { exit, out: stdout.text + stderr.text, stdout: stdout.text };
}

void describe('--join', () => {
  test('joins the QR payload’s access point, provisions, and restores the previous connection', async () => {
    const { nmcli, port } = await setup();
    const r = await cli(
      ['--qr', QR, '--join', '--service_name', `127.0.0.1:${port}`, '--ssid', 'HomeNetwork', '--json', '-v'],
      { ...nmcli.env, ESP_PROV_AP_PASSPHRASE: AP_PSK, ESP_PROV_PASSPHRASE: WIFI_PASSPHRASE },
    );
    assert.equal(r.exit, 0, r.out);
    const events = r.stdout
      .split('\n')
      .filter((l) => l.includes('"event":"join"'))
      .map((l) => (JSON.parse(l) as { phase: string }).phase);
    assert.deepEqual(events, ['joining', 'joined', 'restored']);
    const commands = await nmcli.commands();
    assert.ok(commands.includes(`device wifi connect ${AP} ifname wlan0`), commands.join('\n'));
    assert.deepEqual(commands.slice(-2), ['connection up uuid uuid-office', `connection delete uuid uuid-${AP}`]);
    assert.equal((await nmcli.state()).active, 'uuid-office');
    for (const secret of [AP_PSK, POP, WIFI_PASSPHRASE]) assert.ok(!r.out.includes(secret), `${secret} is not shown`);
    assert.ok(
      (await nmcli.calls()).every((c) => !c.argv.includes(AP_PSK)),
      'the AP passphrase is not in argv',
    );
  });

  test('restores the previous connection when provisioning fails (wrong PoP)', async () => {
    const { nmcli, port } = await setup();
    const r = await cli(
      ['--qr', QR, '--join', '--service_name', `127.0.0.1:${port}`, '--pop', 'wrong-pop', '--ssid', 'HomeNetwork'],
      { ...nmcli.env, ESP_PROV_AP_PASSPHRASE: AP_PSK, ESP_PROV_PASSPHRASE: WIFI_PASSPHRASE },
    );
    assert.equal(r.exit, EXIT_CODES.HANDSHAKE_FAILED, r.out);
    assert.match(r.out, /Back on "Office"/);
    assert.deepEqual((await nmcli.commands()).slice(-2), [
      'connection up uuid uuid-office',
      `connection delete uuid uuid-${AP}`,
    ]);
    assert.equal((await nmcli.state()).active, 'uuid-office');
  });

  test('--ap-ssid names the access point without a QR payload; a wrong AP passphrase fails before the board', async () => {
    const { nmcli, port } = await setup();
    const r = await cli(
      [
        '--transport',
        'softap',
        '--join',
        '--ap-ssid',
        AP,
        '--service_name',
        `127.0.0.1:${port}`,
        '--pop',
        POP,
        '--ssid',
        'HomeNetwork',
      ],
      { ...nmcli.env, ESP_PROV_AP_PASSPHRASE: 'not-the-key-000', ESP_PROV_PASSPHRASE: WIFI_PASSPHRASE },
    );
    assert.equal(r.exit, EXIT_CODES.CONNECTION_LOST, r.out);
    assert.match(r.out, new RegExp(`could not join the access point "${AP}"`));
    assert.ok(!r.out.includes('not-the-key-000'));
    assert.match(r.out, /or join the access point by hand and run without --join/);
    assert.equal((await nmcli.state()).active, 'uuid-office');
  });

  test('usage: --join is SoftAP only, needs an access point, and --ap-ssid needs --join', async () => {
    const env = { PATH: '/nonexistent' };
    const ble = await cli(['--transport', 'ble', '--join', '--ap-ssid', AP], env);
    assert.equal(ble.exit, EXIT_CODES.USAGE, ble.out);
    assert.match(ble.out, /--join is for --transport softap/);
    const none = await cli(['--transport', 'softap', '--join', '--pop', POP, '--network', 'none'], env);
    assert.equal(none.exit, EXIT_CODES.USAGE, none.out);
    assert.match(none.out, /--join needs the board's access point: --ap-ssid SSID, or --qr/);
    const lone = await cli(['--transport', 'softap', '--ap-ssid', AP], env);
    assert.equal(lone.exit, EXIT_CODES.USAGE, lone.out);
  });
});

/**
 * The boards a batch joins one after another all answer at one address; each new session meets a fresh board
 * (the next one on the bench), and the number of sessions open at once is counted.
 */
class BoardBench extends ReplaceableDevice {
  open = 0;
  maxOpen = 0;
  constructor() {
    super(BoardBench.board());
  }
  static board(): SimDevice {
    return new SimDevice({ security: { version: 1, pop: utf8(POP) }, applyDelayMs: 20, connectDelayMs: 50 });
  }
  override openSession(id: number): void {
    if (this.target instanceof SimDevice && this.target.state.wifi !== undefined) this.replace(BoardBench.board());
    this.maxOpen = Math.max(this.maxOpen, ++this.open);
    super.openSession(id);
  }
  override closeSession(id: number): void {
    this.open--;
    super.closeSession(id);
  }
}

void describe('batch --join', () => {
  test('SoftAP rows named by access point are joined one at a time, each restored; a failing board too', async () => {
    const nmcli = await FakeNmcli.create({
      iface: 'wlan0',
      active: 'uuid-office',
      profiles: [{ uuid: 'uuid-office', name: 'Office', ssid: 'Office' }],
      aps: ['PROV_A', 'PROV_B', 'PROV_C'].map((ssid) => ({ ssid, signal: 70, psk: AP_PSK })),
    });
    const bench = new BoardBench();
    const server = await startHttpServer(bench, { port: 0, host: '127.0.0.1' });
    const dir = await mkdtemp(join(tmpdir(), 'esp-prov-join-'));
    cleanups.push(async () => {
      await server.close();
      await nmcli.remove();
      await rm(dir, { recursive: true, force: true });
    });
    const manifest = join(dir, 'rack.csv');
    await writeFile(
      manifest,
      `id,device,transport,pop\na,PROV_A,softap,${POP}\nb,PROV_B,softap,wrong-pop\nc,PROV_C,softap,${POP}\n`,
    );
    const argv = ['batch', manifest, '--join', '--join-address', `127.0.0.1:${server.port}`, '--ssid', 'HomeNetwork'];
    const r = await cli([...argv, '--concurrency', '3', '--retries', '0'], {
      ...nmcli.env,
      ESP_PROV_AP_PASSPHRASE: AP_PSK,
      ESP_PROV_PASSPHRASE: WIFI_PASSPHRASE,
    });
    assert.equal(r.exit, EXIT_CODES.BATCH_PARTIAL, r.out);
    assert.match(r.out, /provisioned +a /);
    assert.match(r.out, /failed +b +HANDSHAKE_FAILED/);
    assert.match(r.out, /provisioned +c /);
    // Each join is followed by its restore before the next join starts.
    const joinsAndRestores = (await nmcli.commands()).filter((c) => /^(device wifi connect|connection up)/.test(c));
    assert.equal(joinsAndRestores.length, 6, joinsAndRestores.join('\n'));
    for (let i = 0; i < 6; i += 2) {
      assert.match(joinsAndRestores[i]!, /^device wifi connect PROV_[ABC] ifname wlan0$/);
      assert.equal(joinsAndRestores[i + 1], 'connection up uuid uuid-office');
    }
    assert.equal(bench.maxOpen, 1, 'one board at a time');
    assert.equal((await nmcli.state()).active, 'uuid-office');
    assert.ok(!r.out.includes(AP_PSK));
  });
});
