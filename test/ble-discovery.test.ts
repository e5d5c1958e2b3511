/** Finding the device over fake bindings: exact name, prefix listing, address, nothing found, cancel. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { discoverBleDevices, openBleTransport } from '../src/transport/ble.js';
import { FakeDevice, model, rig } from './ble-fixtures.js';
import { isCode } from './helpers/rejects.js';

function field() {
  const device = new FakeDevice();
  return [
    model(device, { name: 'PROV_1', address: 'e4:65:b8:00:00:01', rssi: -70 }),
    model(device, { name: 'PROV_1', address: 'e4:65:b8:00:00:02', rssi: -40 }),
    model(device, { name: 'PROV_2', address: 'e4:65:b8:00:00:03', rssi: -55 }),
    model(device, { name: 'Headphones', address: 'e4:65:b8:00:00:04', rssi: -30 }),
  ];
}

void describe('BLE discovery', () => {
  void test('lists PROV_ devices strongest first, keeping devices that share a name', async () => {
    const r = rig(field());
    const list = await discoverBleDevices(r.options);
    assert.deepEqual(
      list.map((d) => [d.name, d.address, d.rssi]),
      [
        ['PROV_1', 'e4:65:b8:00:00:02', -40],
        ['PROV_2', 'e4:65:b8:00:00:03', -55],
        ['PROV_1', 'e4:65:b8:00:00:01', -70],
      ],
    );
    assert.deepEqual(list[0]!.serviceUuids, ['021a9004-0382-4aea-bff4-6b3f1c5adfb4']);
    assert.equal(r.loader.bindings[0]!.stopped, true, 'noble is stopped after listing');
  });

  void test('an empty prefix lists every device', async () => {
    const list = await discoverBleDevices({ ...rig(field()).options, namePrefix: '' });
    assert.deepEqual(
      list.map((d) => d.name),
      ['Headphones', 'PROV_1', 'PROV_2', 'PROV_1'],
    );
  });

  void test('selects by address in any spelling', async () => {
    const list = await discoverBleDevices({ ...rig(field()).options, address: 'E4-65-B8-00-00-03' });
    assert.deepEqual(
      list.map((d) => d.address),
      ['e4:65:b8:00:00:03'],
    );
  });

  void test('the service name must match exactly, not as a prefix', async () => {
    const r = rig(field());
    const t = await openBleTransport({ ...r.options, serviceName: 'PROV_2' });
    assert.equal(t.device.address, 'e4:65:b8:00:00:03');
    await t.close();
    await assert.rejects(
      openBleTransport({ ...rig(field()).options, serviceName: 'PROV_' }),
      isCode('DEVICE_NOT_FOUND'),
    );
  });

  void test('name and address together pick one of two same-named devices', async () => {
    const t = await openBleTransport({ ...rig(field()).options, serviceName: 'PROV_1', address: 'E4:65:B8:00:00:01' });
    assert.equal(t.device.rssi, -70);
    await t.close();
  });

  void test('nothing found ends with DEVICE_NOT_FOUND at the deadline, naming what was seen', async () => {
    const r = rig(field(), {}, { scanTimeoutMs: 50 });
    await assert.rejects(
      openBleTransport({ ...r.options, serviceName: 'PROV_9' }),
      isCode('DEVICE_NOT_FOUND', [/PROV_9/, /within 50 ms/, /PROV_1 \(e4:65:b8:00:00:02, -40 dBm\)/]),
    );
    assert.equal(r.loader.bindings[0]!.stopped, true);
    assert.equal(r.loader.bindings[0]!.scanning, false);
    await assert.rejects(
      discoverBleDevices({ ...rig([], {}, { scanTimeoutMs: 20 }).options }),
      isCode('DEVICE_NOT_FOUND'),
    );
  });

  void test('openBleTransport needs a name or an address', async () => {
    await assert.rejects(openBleTransport(rig(field()).options), isCode('USAGE'));
  });

  void test('an abort during the scan ends it with CANCELLED', async () => {
    const ac = new AbortController();
    const r = rig(field(), {}, { scanTimeoutMs: 10_000, signal: ac.signal });
    const pending = discoverBleDevices(r.options);
    setTimeout(() => ac.abort(), 20);
    await assert.rejects(pending, isCode('CANCELLED'));
    assert.equal(r.loader.bindings[0]!.stopped, true);
  });
});
