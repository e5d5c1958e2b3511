/**
 * The CLI end to end, in-process (run() with injected streams, no TTY) against the simulator over real loopback
 * HTTP: exit codes per failure class, the --json contract (stdout is NDJSON only, last line {"ok":…}), secrets
 * absent from every output mode, custom endpoints, QR input, gen-cred. test/cli-process.test.ts covers what
 * needs a real process (signals, the bin entry).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fromHex, toHex, utf8 } from '../src/bytes.js';
import { buildThreadDataset } from '../src/endpoints/thread-dataset.js';
import { EXIT_CODES } from '../src/errors.js';
import { N } from '../src/security/srp.js';
import { toAccessPoint } from '../src/sim/access-points.js';
import { SimDevice } from '../src/sim/device.js';
import { startHttpServer } from '../src/sim/http-server.js';
import type { SimSecurity } from '../src/sim/options.js';
import { ManualClock } from '../src/timers.js';
import { runCli, type CliRunOptions } from './helpers/cli-run.js';
import { settle } from './helpers/settle.js';

const POP = 'pop-Secret-7f3a';
const PASSWORD = 'srp-Password-91c2';
const PASSPHRASE = 'wifi-Passphrase-5b8d';
const SECRETS = [POP, PASSWORD, PASSPHRASE];

const ACCESS_POINTS = [
  toAccessPoint({ ssid: 'LabNet', bssid: '02:00:00:00:00:01', channel: 6, rssi: -40, auth: 'WPA2_PSK', passphrase: PASSPHRASE, ip: '10.0.0.7' }, 'ap1'),
  toAccessPoint({ ssid: 'OpenNet', bssid: '02:00:00:00:00:02', channel: 1, rssi: -60, auth: 'OPEN', ip: '10.0.0.8' }, 'ap2'),
]; // prettier-ignore

/**
 * Device time for every simulated device here and the CLI runs against them: the CLI's status polls (every
 * 250 ms) and deadlines cost no wall time. Shared by tests that run concurrently, it may move a few ms per turn.
 */
const CLOCK = new ManualClock(Date.now());

/** esp-prov in-process on CLOCK. */
function cli(argv: string[], o: CliRunOptions = {}) {
  return runCli(argv, { clock: CLOCK, ...o });
}

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanups) await c();
});

const SESSION_KEYS = new Set<string>();

async function device(security: SimSecurity, extra: Record<string, unknown> = {}): Promise<string> {
  const dev = new SimDevice({
    security,
    accessPoints: ACCESS_POINTS,
    applyDelayMs: 20,
    connectDelayMs: 50,
    attemptFailMs: 20,
    connAttempts: 2,
    scanDurationMs: 50,
    extraEndpoints: ['echo'],
    ...extra,
    clock: CLOCK,
  });
  // Session keys the device derived, so that the secrets test can look for them in the output too.
  dev.on('request', () => {
    const key = dev.sessionKey;
    if (key) SESSION_KEYS.add(toHex(key));
  });
  const server = await startHttpServer(dev, { tagSockets: security.version !== 0, clock: CLOCK });
  cleanups.push(async () => {
    await settle(CLOCK, server.close(), 1);
    dev.stop();
  });
  return `127.0.0.1:${server.port}`;
}

const SEC1: SimSecurity = { version: 1, pop: utf8(POP) };
const SEC2: SimSecurity = { version: 2, username: utf8('lab'), password: utf8(PASSWORD) };

const FAST = ['--timeout', '5'];

/** The final line without the facts every run carries (schema version, transport, device, times). */
function result(last: Record<string, unknown>): Record<string, unknown> {
  const { schemaVersion, transport, device, startedAt, finishedAt, durationMs, ...rest } = last;
  assert.equal(schemaVersion, 1);
  assert.equal(typeof startedAt, 'string');
  assert.equal(typeof finishedAt, 'string');
  assert.equal(typeof durationMs, 'number');
  void transport;
  void device;
  return rest;
}

void describe('provisioning succeeds, exit 0', () => {
  void it('Security 0, --json: NDJSON events, final line with the connection', async () => {
    const addr = await device({ version: 0 });
    const r = await cli(['--transport', 'softap', '--service_name', addr, '--ssid', 'LabNet', '--passphrase', PASSPHRASE, '--json', ...FAST]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(r.stderr, '');
    assert.deepEqual(result(r.last), { ok: true, network: 'wifi', ssid: 'LabNet', ssidHex: toHex(utf8('LabNet')), ip: '10.0.0.7', bssid: '02:00:00:00:00:01', channel: 6, authMode: 'WPA2_PSK', security: 0 });
    // What the run was against, and when.
    assert.equal(r.last['transport'], 'softap');
    assert.deepEqual(r.last['device'], { address: addr, protoVer: 'v1.1', secVer: 0, secPatchVer: 0, capabilities: ['no_sec', 'wifi_scan'] });
    const started = Date.parse(r.last['startedAt'] as string);
    const finished = Date.parse(r.last['finishedAt'] as string);
    assert.ok(started > 0 && finished >= started && r.last['durationMs'] === finished - started, JSON.stringify(r.last));
    const events = r.lines.slice(0, -1).map((l) => l['event']);
    assert.deepEqual(events.slice(0, 6), ['connecting', 'version', 'security', 'handshake-start', 'session-established', 'config-sent']);
    assert.ok(events.includes('wifi-status'));
  }); // prettier-ignore

  void it('Security 1 with the PoP from ESP_PROV_POP, human output: progress on stderr, result on stdout', async () => {
    const addr = await device(SEC1);
    const r = await cli(['--transport', 'softap', '--service_name', addr, '--ssid', 'LabNet', ...FAST], {
      env: { ESP_PROV_POP: POP, ESP_PROV_PASSPHRASE: PASSPHRASE, NO_COLOR: '1' },
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '✔ Connected to "LabNet" — IP 10.0.0.7, BSSID 02:00:00:00:00:01, channel 6 (WPA2_PSK)\n');
    assert.match(r.stderr, /Security 1, with PoP \(the device's sec_ver\)/);
    assert.match(r.stderr, /Session established \(Security 1\)/);
    assert.ok(!r.stderr.includes('\u001b['), 'no colours without a terminal');
  });

  void it('Security 2 (auto-detected from sec_ver) with the password from a file, custom endpoints', async () => {
    const addr = await device(SEC2);
    const dir = mkdtempSync(join(tmpdir(), 'esp-prov-cli-'));
    writeFileSync(join(dir, 'pw'), `${PASSWORD}\n`);
    writeFileSync(join(dir, 'blob'), new Uint8Array([0, 1, 2, 0xff]));
    const r = await cli(
      ['--transport', 'httpd', '--service-name', addr, '--sec2-username', 'lab', '--sec2-pwd-file', join(dir, 'pw'),
       '--ssid', 'OpenNet', '--passphrase', '', '--custom_data', 'hello', '--custom-endpoint', 'echo', '--data', `@${join(dir, 'blob')}`,
       '--custom-endpoint', 'echo', '--data', 'text:plain words', '--json', ...FAST],
    ); // prettier-ignore
    assert.equal(r.code, 0, r.stdout);
    const custom = r.lines.filter((l) => l['event'] === 'custom-data');
    assert.deepEqual(
      custom.map((c) => [c['endpoint'], c['response'], c['responseKind']]),
      [['custom-data', 'SUCCESS', 'text'], ['echo', '000102ff', 'hex'], ['echo', 'plain words', 'text']],
    ); // prettier-ignore
    assert.equal(r.lines.find((l) => l['event'] === 'security')?.['source'], 'sec_ver');
    assert.equal(r.last['ip'], '10.0.0.8');
    assert.equal(r.last['security'], 2);
  });

  void it('--reset stops after the handshake; --network none only calls the endpoints', async () => {
    const addr = await device(SEC1);
    const r = await cli(['--transport', 'softap', '--service_name', addr, '--pop', POP, '--reprov', '--json', ...FAST]);
    // The simulated manager refuses reprov while provisioning is running (auto-stop build): a device status.
    assert.equal(r.code, EXIT_CODES.DEVICE_STATUS, r.stdout);
    const n = await cli(['--transport', 'softap', '--service_name', addr, '--pop', POP, '--network', 'none',
      '--custom-endpoint', 'echo', '--data', 'hex:41', '--json', ...FAST]); // prettier-ignore
    assert.equal(n.code, 0, n.stdout);
    assert.deepEqual(result(n.last), {
      ok: true,
      network: 'none',
      custom: [{ endpoint: 'echo', response: 'A' }],
      security: 1,
    });
  });

  void it('--qr fills the Security 2 username and password (the password travels in "pop")', async () => {
    const addr = await device(SEC2);
    const payload = JSON.stringify({
      ver: 'v1',
      name: 'PROV_0001',
      username: 'lab',
      pop: PASSWORD,
      transport: 'softap',
    });
    const r = await cli(['--qr', `https://espressif.github.io/esp-jumpstart/qrcode.html?data=${encodeURIComponent(payload)}`,
      '--service_name', addr, '--ssid', 'OpenNet', '--passphrase', '', '--json', ...FAST]); // prettier-ignore
    assert.equal(r.code, 0, r.stdout);
    assert.equal(r.lines[0]?.['address'], addr);
    assert.equal(r.last['security'], 2);
    const addr2 = await device(SEC2);
    const s = await cli(
      ['--qr', '-', '--service_name', addr2, '--ssid', 'OpenNet', '--passphrase', '', '--json', ...FAST],
      {
        stdin: `${payload}\n`,
      },
    );
    assert.equal(s.code, 0, s.stdout);
    // Explicit flags win over the payload.
    const addr3 = await device(SEC2);
    const w = await cli(['--qr', payload, '--sec2_pwd', 'wrong', '--service_name', addr3, '--ssid', 'OpenNet', '--passphrase', '', '--json']); // prettier-ignore
    assert.equal(w.code, 7);
  });
});

void void describe('Thread', () => {
  void it('--dataset_tlvs attaches a Thread-only device; the network key never shows, even with -v', async () => {
    const key = '00112233445566778899aabbccddeeff';
    const dataset = buildThreadDataset({ channel: 15, panId: 0x1234, extPanId: fromHex('dead00beef00cafe'), networkKey: fromHex(key) });
    const addr = await device(SEC1, { flavour: 'netprov-thread', attachDelayMs: 50 });
    const r = await cli(['--transport', 'softap', '--service_name', addr, '--pop', POP, '--dataset_tlvs', toHex(dataset), '--json', '-v', ...FAST]);
    assert.equal(r.code, 0, r.stdout);
    assert.deepEqual(result(r.last), { ok: true, network: 'thread', name: '', panId: 0x1234, extPanId: 'dead00beef00cafe', channel: 15, security: 1 });
    assert.ok(!r.stdout.includes(key));
    assert.ok(r.lines.some((l) => l['event'] === 'trace' && String(l['plaintext']).includes('‹redacted')));
    const bad = await device(SEC1, { flavour: 'netprov-thread', attachDelayMs: 50, attachTimeoutMs: 200 });
    const wrongKey = buildThreadDataset({ channel: 15, panId: 0x1234, extPanId: fromHex('dead00beef00cafe'), networkKey: new Uint8Array(16) });
    const n = await cli(['--transport', 'softap', '--service_name', bad, '--pop', POP, '--dataset_tlvs', toHex(wrongKey), '--json', ...FAST]);
    assert.equal(n.code, EXIT_CODES.THREAD_NOT_FOUND, n.stdout);
  }); // prettier-ignore
});

void describe('failures have their own exit codes', () => {
  void it('wrong PoP → HANDSHAKE_FAILED (7)', async () => {
    const addr = await device(SEC1);
    const r = await cli(['--transport', 'softap', '--service_name', addr, '--pop', 'wrong-pop', '--ssid', 'LabNet', '--passphrase', PASSPHRASE, '--json', ...FAST]); // prettier-ignore
    assert.equal(r.code, 7);
    assert.equal((r.last['error'] as { code: string }).code, 'HANDSHAKE_FAILED');
    assert.equal(r.last['ok'], false);
  });

  void it('wrong Security 2 password → HANDSHAKE_FAILED (7)', async () => {
    const addr = await device(SEC2);
    const r = await cli(['--transport', 'softap', '--service_name', addr, '--sec2_username', 'lab', '--sec2_pwd', 'nope', '--ssid', 'LabNet', '--passphrase', PASSPHRASE, ...FAST]); // prettier-ignore
    assert.equal(r.code, 7);
    assert.match(r.stderr, /✖ .*Security 2.*\[HANDSHAKE_FAILED\]/);
    assert.match(r.stderr, /try: check --sec2_username and --sec2_pwd\n/);
    assert.doesNotMatch(r.stderr, /--pop/, 'the hint follows the scheme the handshake used');
  });

  void it('wrong passphrase → WIFI_AUTH_FAILED (11); unknown network → WIFI_NOT_FOUND (12)', async () => {
    const addr = await device(SEC1);
    const r = await cli(['--transport', 'softap', '--service_name', addr, '--pop', POP, '--ssid', 'LabNet', '--passphrase', 'not-it-at-all', '--json', ...FAST]); // prettier-ignore
    assert.equal(r.code, 11, r.stdout);
    assert.equal((r.last['error'] as { code: string }).code, 'WIFI_AUTH_FAILED');
    const addr2 = await device(SEC1);
    const n = await cli(['--transport', 'softap', '--service_name', addr2, '--pop', POP, '--ssid', 'Nowhere', '--passphrase', 'whatever1', '--json', ...FAST]); // prettier-ignore
    assert.equal(n.code, 12, n.stdout);
  });

  void it('missing input without a terminal → MISSING_INPUT (2) naming the flag', async () => {
    const addr = await device(SEC2);
    const r = await cli([
      '--transport',
      'softap',
      '--service_name',
      addr,
      '--ssid',
      'LabNet',
      '--passphrase',
      'xxxxxxxx',
      '--json',
    ]);
    assert.equal(r.code, 2);
    assert.match((r.last['error'] as { message: string }).message, /--sec2_username.*ESP_PROV_SEC2_USERNAME/);
    // Certainly-needed values fail before the device is contacted (nothing listens on port 1: that would be 3).
    const early = [
      ['--sec_ver', '2', '--sec2_username', 'u', '--ssid', 'x', '--passphrase', ''],
      ['--sec_ver', '1', '--pop', 'p', '--ssid', 'x'],
      ['--network', 'wifi', '--pop', 'p'],
    ];
    for (const extra of early) {
      const e = await cli(['--transport', 'softap', '--service_name', '127.0.0.1:1', ...extra, '--json']);
      assert.equal(e.code, 2, JSON.stringify([extra, e.last]));
      assert.equal((e.last['error'] as { code: string }).code, 'MISSING_INPUT');
      assert.equal(e.lines.length, 1, 'nothing happened before the error');
    }
  });

  void it('other classes: not found (3), version mismatch (6), usage (2)', async () => {
    const nf = await cli(['--transport', 'softap', '--service_name', '127.0.0.1:1', '--sec_ver', '0', '--ssid', 'x', '--passphrase', '', ...FAST]); // prettier-ignore
    assert.equal(nf.code, 3);
    assert.match(nf.stderr, /DEVICE_NOT_FOUND[\s\S]*try: join the device's Wi-Fi access point/);
    const addr = await device({ version: 0 });
    const vm = await cli(['--transport', 'softap', '--service_name', addr, '--proto_ver', 'v9.9', '--ssid', 'x', '--passphrase', '', '--json']); // prettier-ignore
    assert.equal(vm.code, 6);
    const u = await cli(['--sec_ver', '5', '--json']);
    assert.equal(u.code, 2);
    assert.equal(u.lines.length, 1);
    assert.equal((u.last['error'] as { code: string }).code, 'USAGE');
    const t = await cli([]);
    assert.equal(t.code, 2);
    assert.match(t.stderr, /--transport is required/);
  });
});

void describe('secrets never reach the output', { concurrency: true }, () => {
  const modes: [string, string[]][] = [
    ['human', []],
    ['verbose', ['-v']],
    ['json', ['--json']],
    ['json verbose', ['--json', '-v']],
  ];
  const leaks = (text: string): string[] =>
    [...SECRETS.flatMap((s) => [s, toHex(utf8(s))]), ...SESSION_KEYS].filter((needle) => text.includes(needle));

  for (const [name, flags] of modes) {
    void it(`${name}: Security 0 (passphrase in the clear on the wire), 1 and 2, success and failures`, async () => {
      const runs = [
        ['--sec_ver', '0', '--ssid', 'LabNet', '--passphrase', PASSPHRASE],
        ['--pop', POP, '--ssid', 'LabNet', '--passphrase', PASSPHRASE],
        ['--sec2_username', 'lab', '--sec2_pwd', PASSWORD, '--ssid', 'LabNet', '--passphrase', PASSPHRASE],
        ['--pop', POP, '--ssid', 'LabNet', '--passphrase', `${PASSPHRASE}x`], // wrong passphrase
        ['--pop', `${POP}x`, '--ssid', 'LabNet', '--passphrase', PASSPHRASE], // wrong PoP
      ];
      const securities = [{ version: 0 }, SEC1, SEC2, SEC1, SEC1] as SimSecurity[];
      for (const [i, extra] of runs.entries()) {
        const addr = await device(securities[i]!);
        const r = await cli(['--transport', 'softap', '--service_name', addr, ...extra, ...flags, ...FAST]);
        assert.deepEqual(leaks(r.stdout + r.stderr), [], `run ${i}: ${r.stdout}${r.stderr}`);
        if (flags.includes('-v')) assert.match(r.stdout + r.stderr, /prov-session/, 'traces were written');
        if (i > 0) assert.ok(SESSION_KEYS.size > 0, 'the devices derived session keys to look for');
      }
    });
  }

  void it('--show-secrets -v shows the SetConfig plaintext in full', async () => {
    const addr = await device({ version: 0 });
    const args = [
      '--transport',
      'softap',
      '--service_name',
      addr,
      '--ssid',
      'LabNet',
      '--passphrase',
      PASSPHRASE,
      '-v',
      ...FAST,
    ];
    const shown = await cli([...args, '--show-secrets']);
    assert.ok((shown.stdout + shown.stderr).includes(toHex(utf8(PASSPHRASE))));
    const addr2 = await device({ version: 0 });
    const hidden = await cli(['--transport', 'softap', '--service_name', addr2, ...args.slice(4)]);
    assert.match(hidden.stderr, /‹redacted 20 B›/);
  });
});

void describe('gen-cred', () => {
  const SALT = '036ee0c7bcb9eda84c9eac97d93decf4';
  const VERIFIER =
    '7c7c85476508946dd636af37d7e8914378cffd616c59d2f83908127238de9e24a470261cdfa903c2b270e7b13224da111d9718dc607208cc9ac90c4827e2ae89' +
    'aa1625b804d21a9b3a8f37f6e43a712ee127866eadce28ff5446601fb99687dc5740a7d46cc97754dc1682f0ed356ac470ad3d90b5819470d7bc65b2d518e02e' +
    'c3a5f968dd647bb8b73c9cfc00d8717eb79a7cb1b7c2c318342932433e0099e98294e3d82ab09629b7df0e5f08334076529132009f972c896c391ec828054417' +
    '3f68028a9f4461d1f5a17e5a70d2c72381cb3868e42c20bc40577617bd08b896bc26eb32466935058c1570d91be9becca938a667f0ad5013197264bf52c234e2' +
    '1b11797472bd345bb1e2fd6673fe716474d04ebc51241940870e9240e621e72d4e37762f2ee268c789e8321342068484534ab30c1b4c8d1c519719abae77ffdb' +
    'ecf0109534336bcb3e840fb9d85fb8a0b855533e70f718f5ce7b4ebf27cecea8b3be40c5c532293e71649ede8cf675a1e6f653c831a878de5040f762de36b2ba';

  /** Parses esp_prov's C arrays back into bytes, checking the layout line by line. */
  function parseC(text: string): { salt: string; verifier: string } {
    const lines = text.split('\n');
    assert.equal(lines[0], '==== Salt-verifier for security scheme 2 (SRP6a) ====');
    const arrays: Record<string, string> = {};
    let i = 1;
    for (const name of ['sec2_salt', 'sec2_verifier']) {
      assert.equal(lines[i++], `static const char ${name}[] = {`);
      let hex = '';
      for (;;) {
        const l = lines[i++]!;
        if (l === '};') break;
        assert.match(l, /^ {4}(0x[0-9a-f]{2}, ){0,15}0x[0-9a-f]{2},?$/);
        hex += [...l.matchAll(/0x([0-9a-f]{2})/g)].map((m) => m[1]).join('');
      }
      assert.equal(lines[i++], '', 'blank line after each array');
      arrays[name] = hex;
    }
    assert.equal(lines.slice(i).join(''), '');
    return { salt: arrays['sec2_salt']!, verifier: arrays['sec2_verifier']! };
  }

  /** v = g^x mod N with x = SHA-512(salt || SHA-512(user:pass)), computed here without the library's SRP code. */
  function verifierOf(saltHex: string, user: string, pass: string): string {
    const inner = createHash('sha512').update(`${user}:${pass}`).digest();
    const x = BigInt('0x' + createHash('sha512').update(Buffer.from(saltHex, 'hex')).update(inner).digest('hex'));
    let r = 1n;
    let b = 5n;
    for (let e = x; e > 0n; e >>= 1n, b = (b * b) % N) if (e & 1n) r = (r * b) % N;
    return r.toString(16).padStart(768, '0');
  }

  void it('reproduces the ESP-IDF example arrays for wifiprov/abcd1234 with its salt (byte-exact layout)', async () => {
    const r = await cli(['gen-cred', '--sec2_username', 'wifiprov', '--sec2_pwd', 'abcd1234', '--salt', SALT]);
    assert.equal(r.code, 0);
    assert.deepEqual(parseC(r.stdout), { salt: SALT, verifier: VERIFIER });
    assert.match(r.stdout, /^static const char sec2_salt\[\] = \{\n {4}0x03, 0x6e, 0xe0, 0xc7, 0xbc, 0xb9, 0xed, 0xa8, 0x4c, 0x9e, 0xac, 0x97, 0xd9, 0x3d, 0xec, 0xf4\n\};\n\n/m);
    assert.match(r.stdout, /\n {4}0x7c, 0x7c, 0x85, 0x47, 0x65, 0x08, 0x94, 0x6d, 0xd6, 0x36, 0xaf, 0x37, 0xd7, 0xe8, 0x91, 0x43,\n/);
    assert.ok(r.stdout.endsWith('0xe6, 0xf6, 0x53, 0xc8, 0x31, 0xa8, 0x78, 0xde, 0x50, 0x40, 0xf7, 0x62, 0xde, 0x36, 0xb2, 0xba\n};\n\n'));
  }); // prettier-ignore

  void it('esp_prov spelling --sec_ver 2 --sec2_gen_cred with a random salt: the verifier checks out', async () => {
    const r = await cli('--transport softap --sec_ver 2 --sec2_gen_cred --sec2_username wifiprov --sec2_pwd abcd1234 --sec2_salt_len 20'.split(' '));
    assert.equal(r.code, 0, r.stderr);
    const { salt, verifier } = parseC(r.stdout);
    assert.equal(salt.length, 40);
    assert.notEqual(salt.slice(0, 2), '00');
    assert.equal(verifier, verifierOf(salt, 'wifiprov', 'abcd1234'));
  }); // prettier-ignore

  void it('--format json / hex, password from the environment; missing password → MISSING_INPUT', async () => {
    const env = { ESP_PROV_SEC2_PASSWORD: 'abcd1234' };
    const j = await cli(['gen-cred', '--sec2-username', 'wifiprov', '--salt', SALT, '--json'], { env });
    assert.deepEqual(j.last, { ok: true, username: 'wifiprov', salt: SALT, verifier: VERIFIER });
    const h = await cli(['gen-cred', '--sec2-username', 'wifiprov', '--salt', SALT, '--format', 'hex'], { env });
    assert.equal(h.stdout, `salt=${SALT}\nverifier=${VERIFIER}\n`);
    const m = await cli(['gen-cred', '--sec2-username', 'wifiprov']);
    assert.equal(m.code, 2);
    assert.match(m.stderr, /--sec2_pwd, or --sec2-pwd-file, or the ESP_PROV_SEC2_PASSWORD/);
  });
});

void describe('qr', () => {
  const payload = '{"ver":"v1","name":"PROV_EA69FC","pop":"abcd1234","transport":"ble"}';
  void it('draws the payload as a QR code and names what it holds; the PoP stays redacted', async () => {
    const r = await cli(['qr', payload]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /[▀▄█]{20}/);
    assert.match(r.stdout, /name PROV_EA69FC · ble · Security 1 \(PoP\)/);
    assert.ok(!r.stdout.includes('abcd1234'));
    const j = await cli(['qr', '--json', `https://espressif.github.io/esp-jumpstart/qrcode.html?data=${payload}`]);
    assert.equal(j.last['payload'], payload.replace('abcd1234', '‹redacted›'));
    assert.equal(j.last['pop'], '‹redacted›');
    const s = await cli(['qr', '--json', '--show-secrets', '-'], { stdin: `${payload}\n` });
    assert.equal(s.last['pop'], 'abcd1234');
    const bad = await cli(['qr', 'not a payload']);
    assert.equal(bad.code, 2);
  });
});

void describe('demo', () => {
  void it('provisions the built-in simulator end to end (wrong passphrase first, then the right one)', async () => {
    // The demo's simulator is its own, on the CLI's clock (CliIo.clock) like the client's waits.
    const r = await cli(['demo', '--json', '-v']);
    assert.equal(r.code, 0, r.stdout);
    assert.equal(r.last['ok'], true);
    assert.equal(r.last['ssid'], 'HomeNetwork');
    assert.ok(r.lines.some((l) => l['event'] === 'retry'));
    assert.ok(!r.stdout.includes('correct-horse-battery') && !r.stdout.includes(toHex(utf8('correct-horse-battery'))));
  });
});
