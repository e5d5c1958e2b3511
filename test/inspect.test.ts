/**
 * inspectDevice against the simulator over the in-memory transport, in each scheme: the report's fields, the
 * findings for common trouble, and that it never sends a configuration or control request (counted on the
 * device side).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { utf8 } from '../src/bytes.js';
import { inspectDevice, type InspectOptions } from '../src/diagnose/inspect.js';
import { SimDevice } from '../src/sim/device.js';
import type { SimDeviceOptions } from '../src/sim/options.js';
import { BleGattModel, type BleGattModelOptions } from '../src/sim/ble-gatt-model.js';
import { fakeNobleLoader } from '../src/testing/ble-fake-bindings.js';
import { openBleTransport } from '../src/transport/ble.js';
import { MemoryTransport } from '../src/transport/memory.js';
import type { ProtocommDevice } from '../src/protocol/device.js';
import { ManualClock } from '../src/timers.js';
import { QUICK, RIG_KINDS, rig, SEC } from './helpers/e2e.js';
import { settle } from './helpers/settle.js';

async function inspect(device: SimDeviceOptions, security?: InspectOptions['security']) {
  const sim = new SimDevice({ ...QUICK, ...device });
  const seen: string[] = [];
  sim.on('request', (e) => seen.push(e.endpoint));
  const transport = new MemoryTransport(sim);
  try {
    const report = await inspectDevice({ transport, ...(security ? { security } : {}) });
    return { report, seen };
  } finally {
    await transport.close();
    sim.stop();
  }
}

const ids = (r: { findings: { id: string }[] }) => r.findings.map((f) => f.id).sort();

test('Security 2 with credentials: handshake and scan, no configuration sent', async () => {
  const { report, seen } = await inspect(
    { security: { version: 2, username: utf8('u'), password: utf8('p4ss') }, patchLevel: 1 },
    { username: 'u', password: 'p4ss' },
  );
  assert.equal(report.protoVer?.info.secVer, 2);
  assert.equal(report.protoVer?.info.secPatchVer, 1);
  assert.match(report.protoVer?.raw ?? '', /"sec_ver"/);
  assert.equal(report.security?.version, 2);
  assert.deepEqual(report.handshake, { ok: true, security: 2, patchLevel: 1 });
  assert.ok(report.accessPoints && report.accessPoints.length > 0);
  assert.deepEqual(ids(report), []);
  assert.ok(!seen.includes('prov-config') && !seen.includes('prov-ctrl'), seen.join(' '));
});

test('Security 2 with a wrong password: the handshake failure is a finding', async () => {
  const { report, seen } = await inspect(
    { security: { version: 2, username: utf8('u'), password: utf8('p4ss') } },
    { username: 'u', password: 'wrong' },
  );
  assert.equal(report.handshake?.ok, false);
  assert.deepEqual(ids(report), ['handshake-failed']);
  assert.equal(report.accessPoints, undefined);
  assert.ok(!seen.includes('prov-config'));
});

test('without credentials only proto-ver is read', async () => {
  const { report, seen } = await inspect({ security: { version: 1, pop: utf8('abcd1234') } });
  assert.equal(report.handshake, undefined);
  assert.equal(report.security?.popRequired, true);
  assert.deepEqual(seen, ['proto-ver']);
});

test('Security 1 without PoP, Security 0, an unexpected scheme, an old proto-ver', async () => {
  const nopop = await inspect({ security: { version: 1 } });
  assert.deepEqual(ids(nopop.report), ['no-pop']);
  assert.equal(nopop.report.handshake?.ok, true);

  const sec0 = await inspect({ security: { version: 0 } }, { version: 1, pop: 'x' });
  assert.ok(ids(sec0.report).includes('unexpected-scheme'));

  const open = await inspect({ security: { version: 0 } });
  assert.deepEqual(ids(open.report), ['security-0']);
  assert.ok(!open.seen.includes('prov-config'));

  const old = await inspect({ security: { version: 1, pop: utf8('abcd1234') }, versionStyle: 'json-no-secver' });
  assert.ok(ids(old.report).includes('no-sec-ver'));
});

test('flavours: network_provisioning for Thread has no Wi-Fi scan; Security 2 patch level 0 is told', async () => {
  const thread = await inspect({ security: { version: 1 }, flavour: 'netprov-thread' });
  assert.match(thread.report.protoVer?.raw ?? '', /netprov/);
  assert.equal(thread.report.handshake?.ok, true);
  assert.equal(thread.report.accessPoints, undefined);
  assert.deepEqual(ids(thread.report), ['no-pop', 'no-scan']);

  const old = await inspect(
    { security: { version: 2, username: utf8('u'), password: utf8('p4ss') }, patchLevel: 0 },
    { username: 'u', password: 'p4ss' },
  );
  assert.deepEqual(ids(old.report), ['sec2-patch-0']);
  assert.deepEqual(old.report.handshake, { ok: true, security: 2, patchLevel: 0 });
  assert.ok(!old.seen.includes('prov-config') && !thread.seen.includes('prov-config'));
});

// Each test has its own rig (device and transport): side by side, their wall-clock device delays overlap.
describe('over every in-process transport and scheme', { concurrency: true }, () => {
  for (const kind of RIG_KINDS) {
    for (const [name, sec] of Object.entries(SEC)) {
      test(`${kind} ${name}`, async () => {
        const r = await rig(kind, { ...sec.device, extraEndpoints: ['diag'] });
        const seen: string[] = [];
        r.device.on('request', (e) => seen.push(e.endpoint));
        try {
          const report = await inspectDevice({ transport: r.transport, security: sec.client });
          assert.equal(report.protoVer?.info.secVer, sec.device.security.version);
          assert.equal(report.handshake?.ok, true, JSON.stringify(report.handshake));
          assert.ok(report.accessPoints && report.accessPoints.length > 0);
          assert.deepEqual(
            seen.filter((e) => e === 'prov-config' || e === 'prov-ctrl'),
            [],
          );
          if (kind.startsWith('ble')) {
            assert.equal(report.link.ble?.name, 'PROV_E2E');
            assert.ok(report.link.endpoints?.some((e) => e.name === 'diag'));
            assert.ok(report.link.endpoints?.some((e) => e.name === 'prov-config'));
            assert.equal(report.link.ble?.stack, kind === 'ble-nimble' ? 'nimble' : 'bluedroid');
          } else assert.equal(report.link.endpoints, undefined);
        } finally {
          await r.close();
        }
      });
    }
  }

  test('BLE: a device without custom-data is told', async () => {
    const r = await rig('ble-nimble', { ...SEC.sec0.device, customData: false });
    try {
      const report = await inspectDevice({ transport: r.transport });
      assert.ok(report.findings.some((f) => f.id === 'no-custom-data'));
    } finally {
      await r.close();
    }
  });
});

describe('BLE findings', () => {
  /** A Security 0 device behind the simulated GATT server (noble's HCI client over fake bindings). */
  async function bleInspect(
    model: Partial<BleGattModelOptions>,
    o: {
      expect?: InspectOptions['expect'];
      endpoints?: (all: readonly string[]) => string[];
      gattClient?: 'noble-hci' | 'direct';
      /** Device time for every deadline (the transport's and inspect's); moved on while inspect waits. */
      clock?: ManualClock;
    } = {},
  ) {
    const sim = new SimDevice({ ...QUICK, ...SEC.sec0.device });
    const seen: string[] = [];
    sim.on('request', (e) => seen.push(e.endpoint));
    // The device side as the GATT server sees it; `endpoints` changes the table it builds (a changed firmware).
    const device: ProtocommDevice = {
      endpoints: () => (o.endpoints ? o.endpoints(sim.endpoints()) : sim.endpoints()),
      openSession: (id) => sim.openSession(id),
      closeSession: (id) => sim.closeSession(id),
      handle: (e, id, d, signal) => sim.handle(e, id, d, signal),
    };
    const gatt = new BleGattModel({ device, name: 'PROV_B1', stack: 'nimble', ...model });
    const { loader } = fakeNobleLoader({ peripherals: [gatt], gattClient: o.gattClient ?? 'noble-hci' });
    const transport = await openBleTransport({
      loader,
      serviceName: gatt.name,
      stack: 'nimble',
      scanTimeoutMs: 1000,
      powerOnTimeoutMs: 1000,
      connectTimeoutMs: 3000,
      requestTimeoutMs: 5000,
      ...(o.clock ? { clock: o.clock } : {}),
    });
    const wait = <T>(p: Promise<T>): Promise<T> => (o.clock ? settle(o.clock, p, 100) : p);
    try {
      const pending = inspectDevice({
        transport,
        ...(o.expect ? { expect: o.expect } : {}),
        ...(o.clock ? { clock: o.clock } : {}),
      });
      const report = await wait(pending);
      return { report, seen };
    } finally {
      await wait(transport.close());
      sim.stop();
    }
  }

  test('a healthy device: the GATT table with 0x2901 names and properties, no BLE finding', async () => {
    const { report } = await bleInspect({});
    const b = report.link.ble!;
    assert.equal(b.pairingRequired, false);
    const session = b.characteristics.find((c) => c.name === 'prov-session');
    assert.ok(session, JSON.stringify(b.characteristics));
    assert.deepEqual([...session.properties].sort(), ['read', 'write']);
    assert.deepEqual(ids(report), ['security-0']);
  });

  test('pairing required: reported from the ATT error, nothing else is sent', async () => {
    // As BlueZ/CoreBluetooth report it (noble's own HCI client tries to pair by itself instead).
    const { report, seen } = await bleInspect({ requireEncryption: true }, { gattClient: 'direct' });
    assert.equal(report.link.ble?.pairingRequired, true);
    assert.equal(report.protoVer, undefined);
    assert.deepEqual(ids(report), ['ble-pairing-required']);
    assert.deepEqual(seen, []);
  });

  test("pairing required over noble's Linux HCI client: the stalled first write is reported as likely pairing", async () => {
    // noble's HCI client answers the ATT authentication error by trying to pair, which fails here, and the
    // write waits until the request deadline (5 s of device time). The GATT table was read all the same.
    const clock = new ManualClock();
    const { report, seen } = await bleInspect({ requireEncryption: true }, { gattClient: 'noble-hci', clock });
    const b = report.link.ble!;
    assert.equal(b.pairingRequired, false);
    assert.ok(
      b.characteristics.some((c) => c.name === 'proto-ver'),
      JSON.stringify(b.characteristics),
    );
    assert.equal(report.protoVer, undefined);
    assert.deepEqual(ids(report), ['ble-pairing-suspected']);
    const text = report.findings[0]!.text;
    assert.match(text, /did not answer the first write/);
    assert.match(text, new RegExp(`bluetoothctl pair ${b.address}.*bluetoothctl trust ${b.address}`));
    assert.ok(clock.now() >= 5000, `inspect waited for the deadline (${clock.now()} ms)`);
    assert.deepEqual(seen, []);
  });

  test('no 0x2901 names: endpoints found by UUID, the cache may be stale', async () => {
    const { report } = await bleInspect({ userDescriptions: false });
    assert.ok(report.link.ble!.characteristics.every((c) => c.name === null));
    assert.ok(ids(report).includes('ble-no-descriptions'), ids(report).join());
    assert.ok(!ids(report).includes('ble-gatt-stale'));
  });

  test('an expected endpoint missing from the GATT table: likely a stale cache', async () => {
    const { report } = await bleInspect({}, { endpoints: (all) => all.filter((e) => e !== 'prov-config') });
    const stale = report.findings.find((f) => f.id === 'ble-gatt-stale');
    assert.match(stale?.text ?? '', /no prov-config.*forget the device/);
  });

  test('another advertised name or service than expected', async () => {
    const { report } = await bleInspect(
      {},
      { expect: { name: 'PROV_OTHER', serviceUuid: '1775244d-6b43-439b-877c-060f2d9bed07' } },
    );
    assert.ok(ids(report).includes('ble-name-mismatch'));
    assert.ok(ids(report).includes('ble-service-mismatch'));
    for (const f of report.findings) assert.match(f.text, /^[^\n]+$/);
  });
});
