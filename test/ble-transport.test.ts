/**
 * The BLE transport against the GATT model through noble's own classes on fake bindings. Every behaviour runs
 * with both GATT clients: noble's raw-HCI client (Linux) and the 'direct' one that reports ATT errors as
 * errors (D-Bus/macOS/Windows bindings).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { openBleTransport, BLE_STACK_LIMITS, type BleTransport } from '../src/transport/ble.js';
import { DeviceFailure } from '../src/protocol/device.js';
import type { BleGattModel } from '../src/sim/ble-gatt-model.js';
import { ATT } from '../src/sim/ble-att-server.js';
import { FakeDevice, echo, failing, hanging, model, rig, type Handler } from './ble-fixtures.js';
import { isCode } from './helpers/rejects.js';
import { turns, until } from './helpers/settle.js';

const bytes = (n: number, seed = 1) => Uint8Array.from({ length: n }, (_, i) => (i * 7 + seed) & 0xff);
const text = (b: Uint8Array) => Buffer.from(b).toString();

/** Waits until the device has received `n` requests. */
function untilCalls(device: FakeDevice, n: number): Promise<void> {
  return until(() => device.calls.length >= n, `the device has ${n} request(s)`);
}

for (const gattClient of ['noble-hci', 'direct'] as const) {
  const open = async (
    m: BleGattModel,
    options: Parameters<typeof openBleTransport>[0] extends infer O ? Partial<O> : never = {},
  ): Promise<{ t: BleTransport; r: ReturnType<typeof rig> }> => {
    const r = rig([m], { gattClient }, { serviceName: m.name, ...options });
    return { t: await openBleTransport(r.options), r };
  };

  void describe(`BLE transport (${gattClient})`, () => {
    void test('maps endpoints from the 0x2901 names, application endpoints included', async () => {
      const device = new FakeDevice(echo, ['proto-ver', 'prov-session', 'prov-config', 'my-endpoint']);
      const { t } = await open(model(device));
      assert.deepEqual(t.endpoints.sort(), ['my-endpoint', 'proto-ver', 'prov-config', 'prov-session']);
      assert.ok([...t.endpointSources.values()].every((s) => s === 'descriptor'));
      assert.equal(text(await t.request('my-endpoint', Buffer.from('hi'))), 'my-endpoint:hi');
      await t.close();
    });

    void test('without descriptors, finds the standard endpoints by the UUID rule', async () => {
      const device = new FakeDevice(echo, [
        'proto-ver',
        'prov-session',
        'prov-config',
        'prov-scan',
        'prov-ctrl',
        'custom-data',
        'extra',
      ]);
      const { t } = await open(model(device, { userDescriptions: false, advertiseServiceUuid: false }));
      for (const e of ['proto-ver', 'prov-session', 'prov-config', 'prov-scan', 'prov-ctrl', 'custom-data']) {
        assert.equal(t.endpointSources.get(e), 'uuid-rule', e);
        // The echo names the endpoint the device received it on: the right characteristic was used.
        assert.equal(text(await t.request(e, Buffer.from('x'))), `${e}:x`);
      }
      await assert.rejects(t.request('extra', Buffer.from('x')), isCode('UNSUPPORTED', /it has: .*prov-session/));
      await t.close();
    });

    void test('legacy 0000ffff layout with 16-bit UUIDs on the wire and nothing advertised', async () => {
      const device = new FakeDevice();
      const m = model(device, { legacyUuids: true, userDescriptions: false, advertiseServiceUuid: false });
      const { t } = await open(m);
      assert.equal(t.serviceUuid, '0000ffff-0000-1000-8000-00805f9b34fb');
      assert.equal(text(await t.request('prov-session', Buffer.from('s'))), 'prov-session:s');
      await t.close();
    });

    void test('a missing endpoint is UNSUPPORTED and names the ones that exist', async () => {
      const { t } = await open(model(new FakeDevice(echo, ['proto-ver', 'prov-session'])));
      await assert.rejects(
        t.request('prov-scan', Buffer.from('x')),
        isCode('UNSUPPORTED', { endpoint: 'prov-scan', message: /prov-session, proto-ver|proto-ver, prov-session/ }),
      );
      await t.close();
    });

    for (const stack of ['nimble', 'bluedroid'] as const) {
      void test(`${stack}: a 406-byte request and a 416-byte response arrive whole`, async () => {
        const response = bytes(416, 3);
        const device = new FakeDevice((_e, data) => (data.length === 406 ? response : new Uint8Array([0])));
        const m = model(device, { stack });
        const { t } = await open(m, { stack });
        const request = bytes(406);
        const got = await t.request('prov-session', request);
        assert.deepEqual(device.calls[0]!.data, request);
        assert.deepEqual(got, response);
        if (t.mtu !== null && t.mtu < 410) {
          // Larger than MTU-3: noble must have used prepare/execute, and read blob for the response.
          assert.ok((m.opcodeCounts.get(ATT.PREPARE_WRITE_REQ) ?? 0) >= 2, 'prepare writes');
          assert.equal(m.opcodeCounts.get(ATT.EXECUTE_WRITE_REQ), 1, 'one execute write');
          assert.ok((m.opcodeCounts.get(ATT.READ_BLOB_REQ) ?? 0) >= 1, 'read blob');
        }
        await t.close();
      });
    }

    void test('limits follow the stack option, else the advertised stack', async () => {
      const m = model(new FakeDevice());
      const a = await open(m);
      assert.deepEqual(a.t.limits, BLE_STACK_LIMITS.nimble, 'no TX power advertised: NimBLE');
      await a.t.close();
      for (const stack of ['nimble', 'bluedroid', 'bluedroid-nosec2'] as const) {
        const b = await open(model(new FakeDevice()), { stack });
        assert.deepEqual(b.t.limits, BLE_STACK_LIMITS[stack]);
        await b.t.close();
      }
    });

    void test('refuses empty and oversize requests without writing', async () => {
      const device = new FakeDevice();
      const { t } = await open(model(device));
      const max = t.limits.maxRequestBytes;
      await assert.rejects(t.request('custom-data', new Uint8Array()), isCode('INTERNAL'));
      await assert.rejects(t.request('custom-data', bytes(max + 1)), isCode('UNSUPPORTED'));
      assert.equal(device.calls.length, 0);
      const reply = await t.request('custom-data', bytes(max - 'custom-data:'.length).fill(65));
      assert.equal(text(reply).length, max);
      await t.close();
    });

    void test('Bluedroid: an oversize response is not stored; the repeat is refused on prov-session', async () => {
      let size = 10;
      const device = new FakeDevice(() => bytes(size));
      const m = model(device, { stack: 'bluedroid' });
      const warnings: string[] = [];
      const { t } = await open(m, { logger: { warn: (s) => warnings.push(s) } });
      assert.equal((await t.request('prov-session', Buffer.from('a'))).length, 10);
      size = 500;
      await assert.rejects(
        t.request('prov-session', Buffer.from('b')),
        isCode('UNSUPPORTED', { details: { staleResponse: true } }),
      );
      // Elsewhere too: the answer to a different request cannot be byte-identical to the previous one unless
      // the device could not store it. A stale answer is an error with its reason, never an answer.
      size = 10;
      await t.request('custom-data', Buffer.from('a'));
      size = 500;
      await assert.rejects(t.request('custom-data', Buffer.from('b')), isCode('UNSUPPORTED', /481 bytes/));
      assert.deepEqual(warnings, []);
      await t.close();
    });

    void test('Bluedroid: the same request answered with the same bytes is genuine (a repeated status poll)', async () => {
      const m = model(new FakeDevice(() => bytes(10)), { stack: 'bluedroid' });
      const warnings: string[] = [];
      const { t } = await open(m, { logger: { warn: (s) => warnings.push(s), debug: (s) => warnings.push(s) } });
      for (let i = 0; i < 3; i++) assert.equal((await t.request('prov-config', Buffer.from('same'))).length, 10);
      assert.deepEqual(
        warnings.filter((w) => /previous/.test(w)),
        [],
        'no note about a previous answer',
      );
      await t.close();
    });

    void test('the device stack is read from the advertisement: Bluedroid advertises its TX power', async () => {
      const blue = await open(model(new FakeDevice(), { stack: 'bluedroid' }));
      assert.equal(blue.t.stack, 'bluedroid');
      assert.equal(blue.t.limits.maxRequestBytes, 481);
      await blue.t.close();
      const nimble = await open(model(new FakeDevice(), { stack: 'nimble' }));
      assert.equal(nimble.t.stack, 'nimble');
      assert.equal(nimble.t.limits.maxResponseBytes, 512);
      await nimble.t.close();
      const told = await open(model(new FakeDevice(), { stack: 'nimble' }), { stack: 'bluedroid' });
      assert.equal(told.t.stack, 'bluedroid', 'an explicit stack wins');
      await told.t.close();
    });

    void test('Bluedroid: rejectRepeatedResponses refuses stale values on every endpoint', async () => {
      let size = 10;
      const m = model(new FakeDevice(() => bytes(size)), { stack: 'bluedroid' });
      const { t } = await open(m, { rejectRepeatedResponses: true });
      await t.request('prov-config', Buffer.from('a'));
      size = 600;
      await assert.rejects(t.request('prov-config', Buffer.from('b')), isCode('UNSUPPORTED'));
      await t.close();
    });

    void test('NimBLE stores large responses, so nothing is flagged with stack nimble', async () => {
      let size = 10;
      const m = model(new FakeDevice(() => bytes(size)), { stack: 'nimble' });
      const { t } = await open(m, { stack: 'nimble' });
      await t.request('prov-session', Buffer.from('a'));
      size = 500;
      assert.equal((await t.request('prov-session', Buffer.from('b'))).length, 500);
      await t.close();
    });

    void test('NimBLE failure: ATT error 0x04 names the endpoint and the link stays up', async () => {
      const device = new FakeDevice(failing);
      const m = model(device, { stack: 'nimble' });
      const { t } = await open(m, { stack: 'nimble' });
      await assert.rejects(
        t.request('prov-session', Buffer.from('bad')),
        isCode('CONNECTION_LOST', {
          endpoint: 'prov-session',
          details: { attError: 0x04 },
          message: /wrong PoP or password/,
        }),
      );
      // The same for a long (prepare/execute) write.
      await assert.rejects(
        t.request('prov-session', bytes(406)),
        isCode('CONNECTION_LOST', { details: { attError: 0x04 } }),
      );
      device.handler = echo;
      assert.equal(text(await t.request('proto-ver', Buffer.from('v'))), 'proto-ver:v');
      assert.deepEqual(device.closed, []);
      await t.close();
      assert.deepEqual(device.closed, device.opened);
    });

    for (const size of [3, 406]) {
      void test(`Bluedroid failure (${size}-byte request): the device drops the link, CONNECTION_LOST`, async () => {
        const device = new FakeDevice(failing);
        const m = model(device, { stack: 'bluedroid' });
        const { t } = await open(m);
        await assert.rejects(
          t.request('prov-session', bytes(size)),
          isCode('CONNECTION_LOST', { details: { attError: undefined } }),
        );
        assert.deepEqual(device.closed, device.opened, 'the device closed its session');
        device.handler = echo;
        // The device's session died with the link: an encrypted request cannot continue it...
        await assert.rejects(t.request('prov-config', Buffer.from('x')), isCode('CONNECTION_LOST'));
        // ...but proto-ver and a new handshake reconnect, which is a new device session (§2.2.6).
        const sessions = device.opened.length;
        assert.equal(Buffer.from(await t.request('proto-ver', Buffer.from('v'))).toString(), 'proto-ver:v');
        assert.equal(device.opened.length, sessions + 1);
        await t.close();
      });
    }

    void test(
      'a link lost mid-request fails that request at once, not at its deadline',
      { timeout: 10_000 },
      async () => {
        const device = new FakeDevice(hanging);
        const m = model(device);
        const { t } = await open(m);
        const pending = t.request('prov-config', Buffer.from('x'), { timeoutMs: 60_000 });
        await untilCalls(device, 1);
        m.disconnectAll(0x08);
        await assert.rejects(pending, isCode('CONNECTION_LOST', /out of range/));
        await t.close();
      },
    );

    void test('a deadline gives TIMEOUT and drops the link, whose session cannot be trusted', async () => {
      const device = new FakeDevice(hanging);
      const { t } = await open(model(device));
      await assert.rejects(t.request('prov-config', Buffer.from('x'), { timeoutMs: 30 }), isCode('TIMEOUT'));
      // Session data cannot go over a new link: the keys belonged to the dropped one.
      await assert.rejects(t.request('prov-config', Buffer.from('y')), isCode('CONNECTION_LOST'));
      // A new session can: proto-ver reconnects (and this device hangs again).
      await assert.rejects(t.request('proto-ver', Buffer.from('v'), { timeoutMs: 30 }), isCode('TIMEOUT'));
      assert.equal(device.opened.length, 2, 'proto-ver went over a second connection');
      await t.close();
      assert.deepEqual(device.closed, device.opened);
    });

    void test('a per-request abort gives CANCELLED', async () => {
      const device = new FakeDevice(hanging);
      const { t } = await open(model(device));
      const ac = new AbortController();
      const pending = t.request('prov-config', Buffer.from('x'), { signal: ac.signal });
      await untilCalls(device, 1);
      ac.abort();
      await assert.rejects(pending, isCode('CANCELLED'));
      await t.close();
    });

    void test('aborting the transport signal (Ctrl-C) disconnects and stops noble', async () => {
      const device = new FakeDevice(hanging);
      const ac = new AbortController();
      const { t, r } = await open(model(device), { signal: ac.signal });
      const pending = t.request('prov-config', Buffer.from('x'));
      await untilCalls(device, 1);
      ac.abort();
      await assert.rejects(pending, isCode('CANCELLED'));
      await until(() => r.loader.bindings[0]!.stopped, 'noble is stopped');
      assert.deepEqual(device.closed, device.opened);
    });

    void test('requests are serialised: one write-then-read at a time, answers not mixed up', async () => {
      let inFlight = 0;
      let maxInFlight = 0;
      const slow: Handler = async (endpoint, data) => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await turns(5); // a slow device: a second request sent meanwhile would overlap this one
        inFlight--;
        return echo(endpoint, data, 0);
      };
      const { t } = await open(model(new FakeDevice(slow)));
      const answers = await Promise.all(['a', 'b', 'c'].map((s) => t.request('custom-data', Buffer.from(s))));
      assert.deepEqual(answers.map(text), ['custom-data:a', 'custom-data:b', 'custom-data:c']);
      assert.equal(maxInFlight, 1);
      await t.close();
    });

    void test('each connection is a new device session; close() ends it and stops noble', async () => {
      const device = new FakeDevice();
      const m = model(device);
      const a = await open(m);
      await a.t.close();
      await a.t.close();
      const b = await open(m);
      assert.equal(device.opened.length, 2);
      assert.notEqual(device.opened[0], device.opened[1]);
      await b.t.close();
      assert.deepEqual(device.closed, device.opened);
      assert.ok(a.r.loader.bindings.every((x) => x.stopped) && b.r.loader.bindings.every((x) => x.stopped));
      // The caller closed it: the same CANCELLED as on every transport (the gate's rule).
      await assert.rejects(b.t.request('proto-ver', Buffer.from('v')), isCode('CANCELLED'));
    });

    void test('the provisioning service is found among others when the advertisement names it', async () => {
      const m = model(new FakeDevice(), { serviceUuid: '6e400001-b5a3-f393-e0a9-e50e24dcca9e' });
      const { t } = await open(m);
      assert.equal(t.serviceUuid, '6e400001-b5a3-f393-e0a9-e50e24dcca9e');
      await t.close();
    });

    void test('a device failure on DeviceFailure subclasses too', async () => {
      class Custom extends DeviceFailure {}
      const m = model(
        new FakeDevice(() => {
          throw new Custom('x');
        }),
        { stack: 'nimble' },
      );
      const { t } = await open(m, { stack: 'nimble' });
      await assert.rejects(t.request('prov-ctrl', Buffer.from('x')), isCode('CONNECTION_LOST'));
      await t.close();
    });
  });
}
