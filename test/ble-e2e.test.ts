/**
 * End to end over BLE without a radio: the real simulator (SimDevice) served as a GATT peripheral by the BLE
 * model, noble's own classes on fake bindings, the BLE transport, and the real session/provisioning layers on
 * top. Security 2 with the example credentials: the 406-byte SessionCmd0 and 416-byte SessionResp0 cross as
 * long writes/reads on NimBLE (MTU 256), and the failure signals of both hosts become HANDSHAKE_FAILED.
 *
 * The device sends SRP's B in minimal form (PROTOCOL.md §8: 383 bytes or fewer when it has leading zero bytes,
 * about 1 handshake in 256), so Resp0 is 416 bytes only usually. The devices here draw from seeded randomness:
 * one seed gives the usual 416 bytes, another a 415-byte Resp0, so both wire sizes are crossed on every run.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { utf8 } from '../src/bytes.js';
import { provision } from '../src/provision/flow.js';
import { Sec2Client } from '../src/security/sec2.js';
import { Session } from '../src/session/session.js';
import { SimDevice } from '../src/sim/device.js';
import { BleGattModel } from '../src/sim/ble-gatt-model.js';
import { ATT } from '../src/sim/ble-att-server.js';
import { openBleTransport, type BleTransport } from '../src/transport/ble.js';
import { rig } from './ble-fixtures.js';
import { isCode } from './helpers/rejects.js';
import { counterRandom } from './sim-harness.js';

const FAST = { applyDelayMs: 10, connectDelayMs: 10, scanDurationMs: 10, cleanupDelayMs: 100 };

async function bleTo(
  device: SimDevice,
  stack: 'nimble' | 'bluedroid',
  gattClient: 'noble-hci' | 'direct',
): Promise<{ t: BleTransport; m: BleGattModel }> {
  const m = new BleGattModel({ device, name: 'PROV_E2E', stack });
  const r = rig([m], { gattClient }, { serviceName: 'PROV_E2E', stack, requestTimeoutMs: 10_000 });
  return { t: await openBleTransport(r.options), m };
}

for (const stack of ['nimble', 'bluedroid'] as const) {
  for (const gattClient of ['noble-hci', 'direct'] as const) {
    void describe(`end to end over BLE: ${stack}, ${gattClient}`, { timeout: 30_000 }, () => {
      // Seeds found by drawing device randomness as these tests do: 1 gives a 384-byte B, 109 a 383-byte one.
      for (const [seed, resp0] of [
        [1, 416],
        [109, 415],
      ] as const) {
        void test(`Security 2 handshake (${resp0}-byte Resp0) and an encrypted custom-data request`, async () => {
          const device = new SimDevice({ ...FAST, random: counterRandom(seed) });
          const sizes: [string, number, number][] = [];
          device.on('request', (e) => sizes.push([e.endpoint, e.requestBytes.length, e.responseBytes?.length ?? -1]));
          const { t, m } = await bleTo(device, stack, gattClient);
          const session = new Session({
            transport: t,
            security: new Sec2Client({ username: utf8('wifiprov'), password: utf8('abcd1234') }),
          });
          await session.establish();
          assert.deepEqual(sizes[0], ['prov-session', 406, resp0], `seed ${seed} no longer yields this B size`);
          const reply = await session.call('custom-data', utf8('hello over BLE'));
          assert.ok(reply.length > 0);
          assert.equal(sizes.at(-1)![0], 'custom-data');
          if (stack === 'nimble') {
            assert.ok((m.opcodeCounts.get(ATT.EXECUTE_WRITE_REQ) ?? 0) >= 1, 'Cmd0 went as a long write');
            assert.ok((m.opcodeCounts.get(ATT.READ_BLOB_REQ) ?? 0) >= 1, 'Resp0 came as a long read');
          }
          await session.close();
        });
      }

      void test('provision(): scan, Wi-Fi credentials, connected', async () => {
        const device = new SimDevice(FAST);
        const { t } = await bleTo(device, stack, gattClient);
        let listed = 0;
        const result = await provision({
          transport: t,
          security: { username: 'wifiprov', password: 'abcd1234' },
          selectAccessPoint: (aps) => {
            listed = aps.length;
            return Promise.resolve({ ssid: utf8('HomeNetwork') });
          },
          wifi: { passphrase: utf8('correct-horse-battery') },
        });
        assert.ok(listed > 1, 'the scan results came back in BLE-sized pages');
        assert.equal(result.network, 'wifi');
        assert.equal(result.network === 'wifi' && result.connected.ip, '192.168.1.100');
        await result.connection.session.close();
      });

      void test('a wrong password → HANDSHAKE_FAILED from the host’s failure signal', async () => {
        const device = new SimDevice(FAST);
        const { t } = await bleTo(device, stack, gattClient);
        await assert.rejects(
          provision({ transport: t, security: { username: 'wifiprov', password: 'wrong' }, network: 'none' }),
          isCode('HANDSHAKE_FAILED', {
            // NimBLE answers ATT error 0x04; Bluedroid drops the link.
            cause: isCode('CONNECTION_LOST', { details: { attError: stack === 'nimble' ? 4 : undefined } }),
          }),
        );
        await t.close();
      });
    });
  }
}
