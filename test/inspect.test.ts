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
import { MemoryTransport } from '../src/transport/memory.js';
import { QUICK, RIG_KINDS, rig, SEC } from './helpers/e2e.js';

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
  assert.equal(report.protoVer.info.secVer, 2);
  assert.equal(report.protoVer.info.secPatchVer, 1);
  assert.match(report.protoVer.raw, /"sec_ver"/);
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

describe('over every in-process transport and scheme', () => {
  for (const kind of RIG_KINDS) {
    for (const [name, sec] of Object.entries(SEC)) {
      test(`${kind} ${name}`, async () => {
        const r = await rig(kind, { ...sec.device, extraEndpoints: ['diag'] });
        const seen: string[] = [];
        r.device.on('request', (e) => seen.push(e.endpoint));
        try {
          const report = await inspectDevice({ transport: r.transport, security: sec.client });
          assert.equal(report.protoVer.info.secVer, sec.device.security.version);
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
