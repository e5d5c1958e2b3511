/** GATT layout rules (PROTOCOL.md §2.2.1): UUID normalisation, the replacement rule, service choice. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  BLE_ENDPOINT_IDS,
  characteristicUuidFor,
  dashedUuid,
  normalizeUuid,
  pickProvisioningService,
} from '../src/transport/ble-gatt.js';
import { isCode } from './helpers/rejects.js';

void describe('UUID normalisation', () => {
  const cases: [string, string][] = [
    ['2901', '0000290100001000800000805f9b34fb'],
    ['1', '0000000100001000800000805f9b34fb'], // noble drops leading zeros of 16-bit UUIDs
    ['ffff', '0000ffff00001000800000805f9b34fb'],
    ['0000FFFF-0000-1000-8000-00805F9B34FB', '0000ffff00001000800000805f9b34fb'],
    ['021a9004-0382-4aea-bff4-6b3f1c5adfb4', '021a900403824aeabff46b3f1c5adfb4'],
    ['021a900403824aeabff46b3f1c5adfb4', '021a900403824aeabff46b3f1c5adfb4'],
  ];
  for (const [input, expected] of cases) {
    void it(`${input} → ${expected}`, () => assert.equal(normalizeUuid(input), expected));
  }
  for (const bad of ['', 'xyz', '021a9004-0382', '0'.repeat(33)]) {
    void it(`refuses ${JSON.stringify(bad)}`, () => assert.throws(() => normalizeUuid(bad), isCode('USAGE')));
  }
  void it('dashes the canonical form', () =>
    assert.equal(dashedUuid('1775244D6B43439B877C060F2D9BED07'), '1775244d-6b43-439b-877c-060f2d9bed07'));
});

void describe('characteristic UUID rule (PROTOCOL.md §2.2.1 table)', () => {
  const table: [string, string, string][] = [
    ['prov-ctrl', '1775ff4f-6b43-439b-877c-060f2d9bed07', '021aff4f-0382-4aea-bff4-6b3f1c5adfb4'],
    ['prov-scan', '1775ff50-6b43-439b-877c-060f2d9bed07', '021aff50-0382-4aea-bff4-6b3f1c5adfb4'],
    ['prov-session', '1775ff51-6b43-439b-877c-060f2d9bed07', '021aff51-0382-4aea-bff4-6b3f1c5adfb4'],
    ['prov-config', '1775ff52-6b43-439b-877c-060f2d9bed07', '021aff52-0382-4aea-bff4-6b3f1c5adfb4'],
    ['proto-ver', '1775ff53-6b43-439b-877c-060f2d9bed07', '021aff53-0382-4aea-bff4-6b3f1c5adfb4'],
    ['custom-data', '1775ff54-6b43-439b-877c-060f2d9bed07', '021aff54-0382-4aea-bff4-6b3f1c5adfb4'],
  ];
  for (const [endpoint, manager, example] of table) {
    void it(endpoint, () => {
      const id = BLE_ENDPOINT_IDS[endpoint]!;
      assert.equal(dashedUuid(characteristicUuidFor('1775244d-6b43-439b-877c-060f2d9bed07', id)), manager);
      assert.equal(dashedUuid(characteristicUuidFor('021a9004-0382-4aea-bff4-6b3f1c5adfb4', id)), example);
    });
  }

  void it('legacy 0000ffff base gives 0000ff51-… (the fixed pre-v4.1 UUIDs)', () => {
    assert.equal(
      dashedUuid(characteristicUuidFor('0000ffff-0000-1000-8000-00805f9b34fb', 0xff51)),
      '0000ff51-0000-1000-8000-00805f9b34fb',
    );
  });

  void it('replaces, unlike esp_prov’s AND rule which maps every endpoint of 021a9004 to 021a9000', () => {
    const anded = (0x9004 & 0xff51).toString(16);
    assert.equal(anded, '9000');
    assert.equal(characteristicUuidFor('021a9004-0382-4aea-bff4-6b3f1c5adfb4', 0xff51).slice(4, 8), 'ff51');
  });

  void it('refuses ids that are not 16-bit', () => {
    assert.throws(() => characteristicUuidFor('021a9004-0382-4aea-bff4-6b3f1c5adfb4', 0x10000), RangeError);
  });
});

void describe('provisioning service choice', () => {
  const gap = { uuid: '1800' };
  const gatt = { uuid: '1801' };
  const example = { uuid: '021a900403824aeabff46b3f1c5adfb4' };
  const manager = { uuid: '1775244d6b43439b877c060f2d9bed07' };
  const legacy = { uuid: 'ffff' };
  const other = { uuid: '6e400001b5a3f393e0a9e50e24dcca9e' };

  void it('takes the advertised service first', () => {
    assert.equal(pickProvisioningService([gap, other, example], ['6e400001b5a3f393e0a9e50e24dcca9e']), other);
  });
  void it('then the known defaults in order', () => {
    assert.equal(pickProvisioningService([gap, gatt, manager, example], []), example);
    assert.equal(pickProvisioningService([gap, gatt, manager], []), manager);
    assert.equal(pickProvisioningService([gap, gatt, legacy], []), legacy);
  });
  void it('then the only custom 128-bit service', () => {
    assert.equal(pickProvisioningService([gap, gatt, other], []), other);
  });
  void it('refuses to guess between several custom services', () => {
    assert.throws(() => pickProvisioningService([gap, other, { uuid: 'aa'.repeat(16) }], []), isCode('UNSUPPORTED'));
  });
  void it('names the services when none fits', () => {
    assert.throws(() => pickProvisioningService([gap, gatt], []), /00001800-0000-1000-8000-00805f9b34fb/);
  });
  void it('honours an explicit service UUID, and refuses a missing one', () => {
    assert.equal(pickProvisioningService([example, other], [], '6E400001-B5A3-F393-E0A9-E50E24DCCA9E'), other);
    assert.throws(() => pickProvisioningService([example], [], manager.uuid), isCode('UNSUPPORTED'));
  });
});
