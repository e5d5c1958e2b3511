/**
 * The simulator's GATT model at the ATT level (PROTOCOL.md §2.2.1–§2.2.7): raw PDUs in, PDUs and link events
 * out, for the behaviours a client library hides (zero-length writes, prepare buffers, static read state).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { concatBytes } from '../src/bytes.js';
import { BleGattModel, type BleGattLink, type SimBleStack } from '../src/sim/ble-gatt-model.js';
import { ATT } from '../src/sim/ble-att-server.js';
import { le16 } from '../src/sim/ble-att-table.js';
import { FakeDevice, echo, failing, type Handler } from './ble-fixtures.js';
import { until } from './helpers/settle.js';

type Event = { pdu: Uint8Array } | { disconnect: number };

/** Sends one PDU and waits for the answer or the end of the link. */
function exchange(link: BleGattLink, pdu: Uint8Array): Promise<Event> {
  return new Promise((resolve) => {
    const onPdu = (p: Uint8Array): void => {
      link.removeListener('disconnect', onDown);
      resolve({ pdu: p });
    };
    const onDown = (reason: number): void => {
      link.removeListener('pdu', onPdu);
      resolve({ disconnect: reason });
    };
    link.once('pdu', onPdu);
    link.once('disconnect', onDown);
    link.send(pdu);
  });
}

function setup(
  stack: SimBleStack,
  handler: Handler = echo,
  extra: Partial<ConstructorParameters<typeof BleGattModel>[0]> = {},
) {
  const device = new FakeDevice(handler, ['proto-ver', 'prov-session', 'custom-data']);
  const m = new BleGattModel({ device, stack, ...extra });
  const handleOf = (e: string): number => m.attributes.find((a) => a.kind === 'value' && a.endpoint === e)!.handle;
  return { device, m, handleOf };
}

const write = (h: number, data: Uint8Array) => concatBytes(Uint8Array.of(ATT.WRITE_REQ, ...le16(h)), data);
const read = (h: number) => Uint8Array.of(ATT.READ_REQ, ...le16(h));
const blob = (h: number, offset: number) => Uint8Array.of(ATT.READ_BLOB_REQ, ...le16(h), ...le16(offset));
const prepare = (h: number, offset: number, data: Uint8Array) =>
  concatBytes(Uint8Array.of(ATT.PREPARE_WRITE_REQ, ...le16(h), ...le16(offset)), data);
const execute = (commit: boolean) => Uint8Array.of(ATT.EXECUTE_WRITE_REQ, commit ? 1 : 0);
const mtu = (n: number) => Uint8Array.of(ATT.MTU_REQ, ...le16(n));
const pduOf = (e: Event): Uint8Array => {
  assert.ok('pdu' in e, `expected a PDU, got ${JSON.stringify(e)}`);
  return e.pdu;
};
const errorCode = (e: Event): number | undefined => {
  const p = pduOf(e);
  return p[0] === ATT.ERROR ? p[4] : undefined;
};

void describe('BLE GATT model', () => {
  void test('layout: service, then per endpoint declaration, value and 0x2901 name, in the §1.2 order', () => {
    const { m } = setup('nimble');
    const chars = m.attributes.filter((a) => a.kind === 'value').map((a) => a.endpoint);
    assert.deepEqual(chars, ['prov-session', 'proto-ver', 'custom-data']);
    assert.equal(m.characteristicUuids.get('prov-session'), '021aff5103824aeabff46b3f1c5adfb4');
    assert.equal(m.characteristicUuids.get('custom-data'), '021aff5403824aeabff46b3f1c5adfb4');
    const names = m.attributes.filter((a) => a.kind === 'description').map((a) => Buffer.from(a.value!).toString());
    assert.deepEqual(names, ['prov-session', 'proto-ver', 'custom-data']);
    assert.equal(
      setup('nimble', echo, { userDescriptions: false }).m.attributes.some((a) => a.kind === 'description'),
      false,
    );
  });

  void test('MTU: the server offers its own, the link uses the smaller', async () => {
    for (const [stack, offered] of [
      ['nimble', 256],
      ['bluedroid', 500],
    ] as const) {
      const { m } = setup(stack);
      const link = m.connect();
      const r = pduOf(await exchange(link, mtu(517)));
      assert.equal(r[1]! | (r[2]! << 8), offered);
      assert.equal(link.mtu, offered);
      link.close();
    }
  });

  void test('never written reads empty; values persist per characteristic across connections', async () => {
    const { m, handleOf } = setup('nimble');
    const a = m.connect();
    assert.deepEqual(pduOf(await exchange(a, read(handleOf('custom-data')))), Uint8Array.of(ATT.READ_RSP));
    assert.deepEqual(
      pduOf(await exchange(a, write(handleOf('custom-data'), Buffer.from('x')))),
      Uint8Array.of(ATT.WRITE_RSP),
    );
    a.close();
    const b = m.connect();
    const r = pduOf(await exchange(b, read(handleOf('custom-data'))));
    assert.equal(Buffer.from(r.subarray(1)).toString(), 'custom-data:x');
    b.close();
  });

  void test('zero-length writes: NimBLE acknowledges without protocomm, Bluedroid passes them on', async () => {
    const nim = setup('nimble');
    const l1 = nim.m.connect();
    assert.deepEqual(
      pduOf(await exchange(l1, write(nim.handleOf('proto-ver'), new Uint8Array()))),
      Uint8Array.of(ATT.WRITE_RSP),
    );
    assert.equal(nim.device.calls.length, 0);
    const bd = setup('bluedroid');
    const l2 = bd.m.connect();
    await exchange(l2, write(bd.handleOf('proto-ver'), new Uint8Array()));
    assert.equal(bd.device.calls.length, 1);
  });

  void test('failure: NimBLE answers ATT error 0x04 and keeps the link; Bluedroid drops it', async () => {
    const nim = setup('nimble', failing);
    const l1 = nim.m.connect();
    assert.equal(errorCode(await exchange(l1, write(nim.handleOf('prov-session'), Uint8Array.of(1)))), 0x04);
    assert.equal(l1.connected, true);
    const bd = setup('bluedroid', failing);
    const l2 = bd.m.connect();
    assert.deepEqual(await exchange(l2, write(bd.handleOf('prov-session'), Uint8Array.of(1))), { disconnect: 0x13 });
    assert.deepEqual(bd.device.closed, [l2.sessionId]);
  });

  void test('Bluedroid: failure on Execute Write gets no response either, only the disconnect', async () => {
    // protocomm_ble.c closes the link, then queues the Execute Write response, which L2CAP never sends.
    const bd = setup('bluedroid', failing);
    const link = bd.m.connect();
    const h = bd.handleOf('prov-session');
    assert.equal(pduOf(await exchange(link, prepare(h, 0, Uint8Array.of(1, 2))))[0], ATT.PREPARE_WRITE_RSP);
    assert.deepEqual(await exchange(link, execute(true)), { disconnect: 0x13 });
    assert.deepEqual(bd.device.closed, [link.sessionId]);
  });

  void test('Bluedroid: a plain write longer than 481 bytes reaches protocomm whole', async () => {
    // CHAR_VAL_LEN_MAX bounds only the prepare buffer; the host checks no length on a 128-bit value.
    const bd = setup('bluedroid');
    const link = bd.m.connect();
    await exchange(link, mtu(517));
    const h = bd.handleOf('custom-data');
    assert.deepEqual(pduOf(await exchange(link, write(h, new Uint8Array(497).fill(7)))), Uint8Array.of(ATT.WRITE_RSP));
    assert.equal(bd.device.calls.length, 1);
    assert.equal(bd.device.calls[0]!.data.length, 497);
  });

  void test('advertised TX power: Bluedroid +3 dBm (ESP32 default level), NimBLE none', () => {
    assert.equal(setup('bluedroid').m.advertisement().txPowerLevel, 3);
    assert.equal(setup('bluedroid-nosec2').m.advertisement().txPowerLevel, 3);
    assert.equal(setup('nimble').m.advertisement().txPowerLevel, undefined);
  });

  void test('Bluedroid prepare buffer: 481 bytes at most; offset past it 0x07, overflow 0x0D', async () => {
    const bd = setup('bluedroid');
    const link = bd.m.connect();
    await exchange(link, mtu(517));
    const h = bd.handleOf('custom-data');
    assert.equal(errorCode(await exchange(link, prepare(h, 482, Uint8Array.of(1)))), 0x07);
    assert.equal(errorCode(await exchange(link, prepare(h, 400, new Uint8Array(82)))), 0x0d);
    assert.equal(errorCode(await exchange(link, prepare(h, 0, new Uint8Array(240)))), undefined);
    assert.equal(errorCode(await exchange(link, prepare(h, 240, new Uint8Array(241)))), undefined);
    await exchange(link, execute(true));
    assert.equal(bd.device.calls[0]!.data.length, 481);
  });

  void test('NimBLE reassembles prepared writes per link and refuses gaps', async () => {
    const nim = setup('nimble');
    const link = nim.m.connect();
    const h = nim.handleOf('custom-data');
    await exchange(link, prepare(h, 0, Uint8Array.of(1, 2)));
    await exchange(link, prepare(h, 2, Uint8Array.of(3)));
    assert.deepEqual(pduOf(await exchange(link, execute(true))), Uint8Array.of(ATT.EXECUTE_WRITE_RSP));
    assert.deepEqual(nim.device.calls[0]!.data, Uint8Array.of(1, 2, 3));
    await exchange(link, prepare(h, 5, Uint8Array.of(1)));
    assert.equal(errorCode(await exchange(link, execute(true))), 0x07);
    await exchange(link, prepare(h, 0, Uint8Array.of(9)));
    assert.deepEqual(pduOf(await exchange(link, execute(false))), Uint8Array.of(ATT.EXECUTE_WRITE_RSP));
    assert.equal(nim.device.calls.length, 1, 'cancelled writes never reach protocomm');
  });

  void test('Bluedroid cannot store a response over 481 bytes: the read returns the previous one', async () => {
    let size = 5;
    const bd = setup('bluedroid', () => new Uint8Array(size).fill(size & 0xff));
    const link = bd.m.connect();
    await exchange(link, mtu(517));
    const h = bd.handleOf('custom-data');
    await exchange(link, write(h, Uint8Array.of(1)));
    size = 482;
    assert.deepEqual(pduOf(await exchange(link, write(h, Uint8Array.of(2)))), Uint8Array.of(ATT.WRITE_RSP));
    assert.deepEqual(pduOf(await exchange(link, read(h))).subarray(1), new Uint8Array(5).fill(5));
    size = 481;
    await exchange(link, write(h, Uint8Array.of(3)));
    assert.equal(pduOf(await exchange(link, read(h))).length, 482);
  });

  void test('long reads: MTU-1 bytes per response, continued with read blob', async () => {
    const bd = setup('nimble', () => new Uint8Array(300).map((_, i) => i & 0xff));
    const link = bd.m.connect();
    await exchange(link, mtu(256));
    const h = bd.handleOf('custom-data');
    await exchange(link, write(h, Uint8Array.of(1)));
    const first = pduOf(await exchange(link, read(h)));
    assert.equal(first.length, 256);
    const rest = pduOf(await exchange(link, blob(h, 255)));
    assert.deepEqual(
      rest.subarray(1),
      new Uint8Array(45).map((_, i) => (255 + i) & 0xff),
    );
    assert.equal(errorCode(await exchange(link, blob(h, 301))), 0x07);
  });

  void test('Bluedroid: one long-read state for every attribute (an unfinished read bleeds into the next)', async () => {
    const bd = setup('bluedroid', (endpoint) => new Uint8Array(300).fill(endpoint === 'custom-data' ? 0xcc : 0x55));
    const link = bd.m.connect();
    await exchange(link, mtu(256));
    await exchange(link, write(bd.handleOf('custom-data'), Uint8Array.of(1)));
    await exchange(link, write(bd.handleOf('prov-session'), Uint8Array.of(1)));
    assert.equal(pduOf(await exchange(link, read(bd.handleOf('custom-data'))))[1], 0xcc);
    // The read of custom-data was left unfinished: reading prov-session continues it instead (§2.2.3).
    const next = pduOf(await exchange(link, read(bd.handleOf('prov-session'))));
    assert.equal(next[1], 0xcc);
  });

  void test('a PDU longer than the MTU is refused with 0x04', async () => {
    const { m, handleOf } = setup('nimble');
    const link = m.connect();
    assert.equal(errorCode(await exchange(link, write(handleOf('custom-data'), new Uint8Array(30)))), 0x04);
  });

  void test('a dropped link abandons the request in flight and closes the session', async () => {
    const pending: Handler = (_e, _d, _s, signal) =>
      new Promise((_r, reject) => signal?.addEventListener('abort', () => reject(new Error('aborted'))));
    const { m, handleOf, device } = setup('nimble', pending);
    const link = m.connect();
    const outcome = exchange(link, write(handleOf('custom-data'), Uint8Array.of(1)));
    await until(() => device.calls.length > 0, 'the device has the request');
    m.disconnectAll();
    assert.deepEqual(await outcome, { disconnect: 0x08 });
    assert.deepEqual(device.closed, device.opened);
  });
});
