/**
 * `--join` on the provision command: the computer joins the board's access point with its Wi-Fi tool, here a
 * fake nmcli first on the run's PATH (test/helpers/fake-nmcli.ts), provisions the simulator over loopback
 * HTTP, and is back on its previous network afterwards, also when provisioning fails. In-process (run() with
 * injected streams); the board's "access point" is only the fake's state.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, describe, test } from 'node:test';
import { utf8 } from '../src/bytes.js';
import { EXIT_CODES } from '../src/errors.js';
import { run, type CliIo } from '../src/cli/main.js';
import { SimDevice } from '../src/sim/device.js';
import { startHttpServer } from '../src/sim/http-server.js';
import { BoardBench } from './helpers/board-bench.js';
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

void describe('batch --join', () => {
  test('SoftAP rows named by access point are joined one at a time, each restored; a failing board too', async () => {
    const nmcli = await FakeNmcli.create({
      iface: 'wlan0',
      active: 'uuid-office',
      profiles: [{ uuid: 'uuid-office', name: 'Office', ssid: 'Office' }],
      aps: ['PROV_A', 'PROV_B', 'PROV_C'].map((ssid) => ({ ssid, signal: 70, psk: AP_PSK })),
    });
    const bench = new BoardBench(POP);
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

  test('a row’s ap_passphrase (file:) joins its access point; other rows fall back on ESP_PROV_AP_PASSPHRASE; never in an artefact', async () => {
    const ownKey = 'row-Own-Key-27ab';
    const nmcli = await FakeNmcli.create({
      iface: 'wlan0',
      active: 'uuid-office',
      profiles: [{ uuid: 'uuid-office', name: 'Office', ssid: 'Office' }],
      aps: [
        { ssid: 'PROV_OWN', signal: 70, psk: ownKey },
        { ssid: 'PROV_ENV', signal: 70, psk: AP_PSK },
      ],
    });
    const bench = new BoardBench(POP);
    const server = await startHttpServer(bench, { port: 0, host: '127.0.0.1' });
    const dir = await mkdtemp(join(tmpdir(), 'esp-prov-join-'));
    cleanups.push(async () => {
      await server.close();
      await nmcli.remove();
      await rm(dir, { recursive: true, force: true });
    });
    await writeFile(join(dir, 'own.key'), `${ownKey}\n`);
    const manifest = join(dir, 'rack.csv');
    await writeFile(
      manifest,
      `id,device,transport,pop,ap_passphrase\nown,PROV_OWN,softap,${POP},file:own.key\nenv,PROV_ENV,softap,${POP},\n`,
    );
    const [journal, report, csv] = ['j.ndjson', 'r.json', 'r.csv'].map((f) => join(dir, f)) as [string, string, string];
    const env = { ...nmcli.env, ESP_PROV_AP_PASSPHRASE: AP_PSK, ESP_PROV_PASSPHRASE: WIFI_PASSPHRASE };
    const argv = ['batch', manifest, '--join', '--join-address', `127.0.0.1:${server.port}`, '--ssid', 'HomeNetwork'];
    const r = await cli(
      [...argv, '--journal', journal, '--report', `json:${report}`, '--report', `csv:${csv}`, '--json'],
      env,
    );
    assert.equal(r.exit, 0, r.out);
    const joined = (await nmcli.calls()).filter((c) => c.argv.includes('connect'));
    assert.deepEqual(
      joined.map((c) => [c.argv.at(-3), c.stdin]),
      [
        ['PROV_OWN', `${ownKey}\n`],
        ['PROV_ENV', `${AP_PSK}\n`],
      ],
      'each access point joined with its own passphrase, on stdin',
    );
    const artefacts =
      r.out + (await readFile(journal, 'utf8')) + (await readFile(report, 'utf8')) + (await readFile(csv, 'utf8'));
    for (const secret of [ownKey, AP_PSK, POP, WIFI_PASSPHRASE])
      assert.ok(!artefacts.includes(secret), 'no secret in an artefact');
  });

  test('ap_passphrase is checked like the other columns: 8 to 63 characters, only on a joined row; never echoed', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'esp-prov-join-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const env = { PATH: '/nonexistent', SHORT_KEY: 'abc' };
    const cases: [string, string[], RegExp][] = [
      [`id,device,transport,pop,ap_passphrase\na,PROV_A,softap,${POP},tiny12\n`, ['--join'], /rack\.csv:2: ap_passphrase must be 8 to 63 characters/],
      [`id,device,transport,pop,ap_passphrase\na,PROV_A,softap,${POP},env:SHORT_KEY\n`, ['--join'], /rack\.csv:2: ap_passphrase must be 8 to 63/],
      [`id,device,transport,pop,ap_passphrase\na,PROV_A,softap,${POP},long-enough-1\n`, [], /rack\.csv:2: ap_passphrase is for a softap row whose device is its access point's name, with --join/],
      [`id,device,pop,ap_passphrase\na,127.0.0.1:80,${POP},long-enough-1\n`, ['--join'], /ap_passphrase is for a softap row/],
    ]; // prettier-ignore
    for (const [text, extra, message] of cases) {
      const manifest = join(dir, 'rack.csv');
      await writeFile(manifest, text);
      const r = await cli(['batch', manifest, '--ssid', 'HomeNetwork', ...extra], env);
      assert.equal(r.exit, EXIT_CODES.USAGE, r.out);
      assert.match(r.out, message);
      for (const v of ['tiny12', 'long-enough-1']) assert.ok(!r.out.includes(v), 'the value is never echoed');
    }
  });
});

void describe('inspect --join', () => {
  test('reads the board on its access point (one JSON object), then restores the previous connection', async () => {
    const { nmcli, port } = await setup();
    const r = await cli(['inspect', '--qr', QR, '--join', '--service_name', `127.0.0.1:${port}`, '--json'], {
      ...nmcli.env,
      ESP_PROV_AP_PASSPHRASE: AP_PSK,
    });
    assert.equal(r.exit, 0, r.out);
    assert.equal(r.stdout.trim().split('\n').length, 1, r.stdout);
    const report = JSON.parse(r.stdout) as { inspect: { handshake: { ok: boolean }; transport: { kind: string } } };
    assert.equal(report.inspect.transport.kind, 'softap');
    assert.equal(report.inspect.handshake.ok, true, 'the PoP from the QR payload opened a session');
    const commands = await nmcli.commands();
    assert.ok(commands.includes(`device wifi connect ${AP} ifname wlan0`), commands.join('\n'));
    assert.deepEqual(commands.slice(-2), ['connection up uuid uuid-office', `connection delete uuid uuid-${AP}`]);
    assert.equal((await nmcli.state()).active, 'uuid-office');
    for (const secret of [AP_PSK, POP]) assert.ok(!r.out.includes(secret), `${secret} is not shown`);
  });

  test('--join is for SoftAP; --ap-ssid without --join is a usage error', async () => {
    const ble = await cli(['inspect', '--transport', 'ble', '--join'], {});
    assert.equal(ble.exit, EXIT_CODES.USAGE, ble.out);
    assert.match(ble.out, /--join is for --transport softap/);
    const lone = await cli(['inspect', '--transport', 'softap', '--ap-ssid', AP], {});
    assert.equal(lone.exit, EXIT_CODES.USAGE, lone.out);
    assert.match(lone.out, /go with --join/);
  });
});
