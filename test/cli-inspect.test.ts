/**
 * `esp-prov inspect` through the CLI (run() in-process) against the simulator over loopback HTTP: the report's
 * fields in --json and human output, no configuration request on the device side, secrets absent, exit 0.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, test } from 'node:test';
import Ajv from 'ajv';
import { utf8 } from '../src/bytes.js';
import { run, type CliIo } from '../src/cli/main.js';
import { SimDevice } from '../src/sim/device.js';
import { startHttpServer } from '../src/sim/http-server.js';
import type { SimDeviceOptions } from '../src/sim/options.js';
import { BleGattModel, type BleGattModelOptions } from '../src/sim/ble-gatt-model.js';
import { fakeNobleLoader } from '../src/testing/ble-fake-bindings.js';
import { QUICK } from './helpers/e2e.js';

const PASSWORD = 'insp-Password-8k2';
const SCHEMA = JSON.parse(readFileSync(new URL('../schema/inspect.schema.json', import.meta.url), 'utf8')) as object;
const validate = new Ajv({ allErrors: true }).compile(SCHEMA);
const dir = mkdtempSync(join(tmpdir(), 'esp-prov-inspect-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the CLI in-process with captured output. */
async function runCli(argv: string[], extra: Partial<CliIo> = {}) {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    stdin: Readable.from([]),
    env: {},
    ...extra,
  };
  const code = await run(argv, io, new AbortController().signal);
  return { code, stdout, stderr };
}

async function inspect(device: SimDeviceOptions, args: string[], transport = ['--transport', 'softap']) {
  const sim = new SimDevice({ ...QUICK, ...device });
  const endpoints: string[] = [];
  sim.on('request', (e) => endpoints.push(e.endpoint));
  const server = await startHttpServer(sim, { tagSockets: device.security?.version !== 0 });
  try {
    const argv = ['inspect', ...transport, '--service_name', `127.0.0.1:${server.port}`, ...args];
    return { ...(await runCli(argv)), endpoints };
  } finally {
    await server.close();
    sim.stop();
  }
}

/** The same over BLE: a simulated GATT server reached through noble's own classes on fake bindings. */
async function inspectBle(model: Partial<BleGattModelOptions>, gattClient: 'noble-hci' | 'direct' = 'noble-hci') {
  const sim = new SimDevice({ ...QUICK, security: { version: 0 } });
  const endpoints: string[] = [];
  sim.on('request', (e) => endpoints.push(e.endpoint));
  const gatt = new BleGattModel({ device: sim, name: 'PROV_CLI1', stack: 'nimble', ...model });
  const { loader } = fakeNobleLoader({ peripherals: [gatt], gattClient });
  try {
    const argv = ['inspect', '--transport', 'ble', '--service_name', gatt.name, '--json'];
    return { ...(await runCli(argv, { bleLoader: loader })), endpoints };
  } finally {
    sim.stop();
  }
}

const SEC2: SimDeviceOptions = { security: { version: 2, username: utf8('lab'), password: utf8(PASSWORD) } };

test('--json: exactly one object with proto-ver, security, handshake, scan list and the session cookie', async () => {
  const file = join(dir, 'inspect.json');
  const r = await inspect(SEC2, ['--sec2_username', 'lab', '--sec2_pwd', PASSWORD, '--json', '--record', file]);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  assert.equal(r.stdout.trim().split('\n').length, 1, r.stdout);
  const last = JSON.parse(r.stdout) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  assert.ok(validate(last), JSON.stringify(validate.errors));
  assert.equal(last['ok'], true);
  const i = last['inspect'];
  assert.equal(i.protoVer.secVer, 2);
  assert.equal(i.security.version, 2);
  assert.equal(i.handshake.ok, true);
  assert.ok(i.accessPoints.length > 0);
  assert.match(i.transport.cookie, /^session=\d+$/);
  assert.deepEqual(i.findings, []);
  assert.ok(!r.endpoints.includes('prov-config') && !r.endpoints.includes('prov-ctrl'), r.endpoints.join(' '));
  assert.ok(!r.stdout.includes(PASSWORD) && !r.stderr.includes(PASSWORD));
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.ok(!readFileSync(file, 'utf8').includes(PASSWORD));
});

test('human output: findings for a device without PoP; exit 0 though the handshake is not tried', async () => {
  const r = await inspect({ security: { version: 1 } }, []);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /Security 1, no PoP/);
  assert.match(r.stdout, /anyone in range can provision/);
  assert.deepEqual(
    r.endpoints.filter((e) => e === 'prov-config'),
    [],
  );
});

test('a wrong password is a finding, not a failure', async () => {
  const r = await inspect(SEC2, ['--sec2_username', 'lab', '--sec2_pwd', 'nope-wrong', '--json']);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  assert.match(r.stdout, /"id":"handshake-failed"/);
  assert.equal(r.stdout.trim().split('\n').length, 1, r.stdout);
  assert.ok(validate(JSON.parse(r.stdout)), JSON.stringify(validate.errors));
});

test('--qr: transport and Security 2 credentials from the payload; the password never shown', async () => {
  const qr = JSON.stringify({ ver: 'v1', name: 'PROV_LAB', username: 'lab', pop: PASSWORD, transport: 'softap' });
  const r = await inspect(SEC2, ['--qr', qr, '--json'], []);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  const i = (JSON.parse(r.stdout) as { inspect: any }).inspect; // eslint-disable-line @typescript-eslint/no-explicit-any
  assert.ok(validate(JSON.parse(r.stdout)), JSON.stringify(validate.errors));
  assert.equal(i.transport.kind, 'softap');
  assert.deepEqual(i.transport.qr, { name: 'PROV_LAB', transport: 'softap' });
  assert.deepEqual(i.handshake, { ok: true, security: 2, patchLevel: 1 });
  assert.ok(!r.stdout.includes(PASSWORD) && !r.stderr.includes(PASSWORD));
});

test('--qr implying another scheme than the device announces is a finding', async () => {
  const qr =
    'https://espressif.github.io/esp-jumpstart/qrcode.html?data={"ver":"v1","name":"PROV_1","pop":"abcd1234","transport":"softap"}';
  const r = await inspect(SEC2, ['--qr', qr, '--json'], []);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  assert.match(r.stdout, /"id":"unexpected-scheme"/);
});

test('--qr without a transport in it needs --transport', async () => {
  const r = await inspect(SEC2, ['--qr', '{"ver":"v1","name":"PROV_1"}'], []);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /names no transport/);
});

test('BLE --json: the GATT table, how each endpoint was found, and the findings, as the schema says', async () => {
  const r = await inspectBle({ userDescriptions: false });
  assert.equal(r.code, 0, r.stderr + r.stdout);
  assert.equal(r.stdout.trim().split('\n').length, 1, r.stdout);
  const out = JSON.parse(r.stdout) as { inspect: any }; // eslint-disable-line @typescript-eslint/no-explicit-any
  assert.ok(validate(out), JSON.stringify(validate.errors));
  const t = out.inspect.transport;
  assert.equal(t.kind, 'ble');
  assert.equal(t.ble.name, 'PROV_CLI1');
  assert.equal(t.ble.stack, 'nimble');
  assert.equal(t.ble.pairingRequired, false);
  assert.ok(t.ble.characteristics.length >= 4, JSON.stringify(t.ble.characteristics));
  for (const c of t.ble.characteristics) assert.equal(c.name, null);
  assert.ok((t.endpoints as { name: string }[]).some((e) => e.name === 'prov-session'));
  assert.equal(out.inspect.protoVer.secVer, 0);
  const ids = (out.inspect.findings as { id: string }[]).map((f) => f.id).sort();
  assert.deepEqual(ids, ['ble-no-descriptions', 'security-0']);
  assert.ok(!r.endpoints.includes('prov-config'));
});

test('BLE --json, pairing required: protoVer, security and handshake are null, exit 0, as the schema says', async () => {
  const r = await inspectBle({ requireEncryption: true }, 'direct');
  assert.equal(r.code, 0, r.stderr + r.stdout);
  const out = JSON.parse(r.stdout) as { inspect: any }; // eslint-disable-line @typescript-eslint/no-explicit-any
  assert.ok(validate(out), JSON.stringify(validate.errors));
  const i = out.inspect;
  assert.equal(i.protoVer, null);
  assert.equal(i.security, null);
  assert.equal(i.handshake, null);
  assert.equal(i.accessPoints, null);
  assert.equal(i.transport.ble.pairingRequired, true);
  assert.ok(i.transport.ble.characteristics.length > 0);
  assert.deepEqual(
    (i.findings as { id: string }[]).map((f) => f.id),
    ['ble-pairing-required'],
  );
  assert.deepEqual(r.endpoints, []);
});

test('the schema refuses a BLE report that strays from its shape', () => {
  const report = {
    ok: true,
    schemaVersion: 1,
    startedAt: 'x',
    finishedAt: 'x',
    durationMs: 1,
    inspect: {
      transport: {
        kind: 'ble',
        address: 'a',
        ble: {
          name: 'n',
          address: 'a',
          rssi: -40,
          serviceUuid: 'u',
          advertisedServices: [],
          mtu: null,
          stack: 'nimble',
          characteristics: [],
          pairingRequired: true,
        },
      },
      protoVer: null,
      security: null,
      handshake: null,
      accessPoints: null,
      findings: [],
    },
  };
  assert.ok(validate(report), JSON.stringify(validate.errors));
  const withBle = (ble: object) => ({
    ...report,
    inspect: { ...report.inspect, transport: { kind: 'ble', address: 'a', ble } },
  });
  const ble = report.inspect.transport.ble;
  assert.ok(!validate(withBle({ ...ble, pairingRequired: 'yes' })));
  assert.ok(!validate(withBle({ ...ble, characteristics: [{ uuid: 'u', name: 5, properties: [] }] })));
  assert.ok(!validate(withBle({ ...ble, extra: 1 })));
  const { characteristics: _, ...noTable } = ble;
  assert.ok(!validate(withBle(noTable)));
});
