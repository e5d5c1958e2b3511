/**
 * Device-side replay of every recorded session in ../shared/vectors: a SimDevice configured from the vector's
 * inputs, fed the firmware's own hardware randomness (device.rng_draws) and run on a ManualClock set to the
 * recorded times, must answer every recorded request with the recorded response, byte for byte — proto-ver,
 * the handshake, and every encrypted request/response (so its plaintext, GCM nonces and CTR stream positions
 * all agree with the real firmware). Requests the firmware failed (no response) must fail too.
 *
 * Randomness routing: 4-byte draws are esp_random() calls of the HTTP layer (session cookies), which this
 * in-memory replay has no use for; every other draw must be requested by the simulated device, in order and
 * with exactly the recorded length (16-byte salt of a device-generated Sec2 verifier, 32-byte SRP secret b,
 * 16-byte patch-0 nonce, 128-byte entropy polls that seed the mbedtls CTR_DRBG of Sec1 and of the patch-1
 * session id). All draws must be used.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fromHex, toHex, utf8 } from '../src/bytes.js';
import type { RandomSource } from '../src/security/scheme.js';
import { ManualClock } from '../src/timers.js';
import { SimDevice } from '../src/sim/device.js';
import type { SimDeviceOptions, SimSecurity } from '../src/sim/options.js';
import { DeviceFailure } from '../src/protocol/device.js';
import { loadVectors, type Vector } from './helpers/vectors.js';
import { settle } from './helpers/settle.js';

const SESSION = 7;

interface Draw {
  len: number;
  hex: string;
}

function recordedRandom(vector: Vector): { random: RandomSource; unused: () => Draw[] } {
  const draws: Draw[] = vector.device.rng_draws.filter((d) => d.len !== 4);
  let next = 0;
  return {
    random: (length) => {
      const d = draws[next++];
      assert.ok(d, `device asked for ${length} random bytes after the recorded draws ran out`);
      assert.equal(length, d.len, `draw #${next - 1}: device asked for ${length} bytes, firmware drew ${d.len}`);
      return fromHex(d.hex);
    },
    unused: () => draws.slice(next),
  };
}

function arg(vector: Vector, name: string): string | undefined {
  const args = String((vector as unknown as { meta: { device_args: string } }).meta.device_args).split(/\s+/);
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

function configure(vector: Vector, random: RandomSource, clock: ManualClock): SimDeviceOptions {
  const folder = vector.file.includes('/') ? vector.file.split('/')[0] : '';
  const thread = /--thread\b/.test(String((vector as unknown as { meta: { device_args: string } }).meta.device_args));
  const input = vector.inputs as Record<string, unknown>;
  const sec = Number(input['device_sec']);
  let security: SimSecurity;
  if (sec === 0) security = { version: 0 };
  else if (sec === 1) {
    const pop = input['device_pop'];
    security = typeof pop === 'string' ? { version: 1, pop: utf8(pop) } : { version: 1 };
  } else if (typeof input['device_sec2_user'] === 'string') {
    security = {
      version: 2,
      username: utf8(input['device_sec2_user']),
      password: utf8(String(input['device_sec2_pass'])),
    };
  } else if (typeof input['device_sec2_verifier_hex'] === 'string') {
    security = {
      version: 2,
      salt: fromHex(String(input['device_sec2_salt_hex'])),
      verifier: fromHex(input['device_sec2_verifier_hex']),
    };
  } else {
    // The Thread recordings ran the example's dev-mode wifiprov/abcd1234 salt and verifier (their inputs say so).
    assert.match(String(input['device_sec2_credentials']), /wifiprov/);
    security = { version: 2, ...wifiExampleSalt() };
  }
  const connect = arg(vector, '--connect-ms');
  const attach = arg(vector, '--attach-ms');
  return {
    // Top folder: IDF@6590cf9 (patch 0, no sec_patch_ver); the other two are patched builds.
    flavour: folder === 'network_provisioning-1.2.4' ? (thread ? 'netprov-thread' : 'netprov-wifi') : 'wifi_prov',
    patchLevel: folder === '' ? 0 : 1,
    security,
    random,
    clock,
    ...(connect ? { connectDelayMs: Number(connect) } : {}),
    ...(attach ? { attachDelayMs: Number(attach) } : {}),
  };
}

function wifiExampleSalt(): { salt: Uint8Array; verifier: Uint8Array } {
  const v = loadVectors().find((x) => x.name === 'sec2_success')!;
  return { salt: fromHex(v.inputs.device_sec2_salt_hex!), verifier: fromHex(v.inputs.device_sec2_verifier_hex!) };
}

const vectors = loadVectors();

void describe('SimDevice replays every recorded firmware session byte for byte', () => {
  assert.ok(vectors.length >= 29, `expected the 29 recorded sessions, found ${vectors.length}`);
  for (const vector of vectors) {
    void it(vector.name, async () => {
      const clock = new ManualClock();
      const { random, unused } = recordedRandom(vector);
      const device = new SimDevice(configure(vector, random, clock));
      device.openSession(SESSION);
      const t0 = (vector.exchanges[0] as unknown as { t: number }).t;
      for (const [i, ex] of vector.exchanges.entries()) {
        clock.advanceTo(Math.round(((ex as unknown as { t: number }).t - t0) * 1000));
        const where = `exchange #${i} (${ex.endpoint} ${ex.request_plain_hex ?? ex.request_hex})`;
        const pending = device.handle(ex.endpoint, SESSION, fromHex(ex.request_hex));
        if (ex.response_hex === null || ex.response_hex === undefined) {
          await assert.rejects(settle(clock, pending, 10), DeviceFailure, `${where}: the firmware sent no response`);
          continue;
        }
        const response = await settle(clock, pending, 10);
        assert.equal(toHex(response), ex.response_hex, `${where}: response differs from the firmware's`);
      }
      assert.deepEqual(unused(), [], 'the firmware drew randomness the simulator never asked for');
      device.stop();
    });
  }
});
