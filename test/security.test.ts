/**
 * Security schemes against PROTOCOL.md §8 (vectors with stated provenance) and hostile inputs: forged
 * device proofs, tampered ciphertext, counter skew, wrong lengths, invalid SRP values.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { fromHex, toHex, utf8, xorBytes } from '../src/bytes.js';
import type { ErrorCode } from '../src/errors.js';
import { generateSec2Credentials } from '../src/security/credentials.js';
import { CtrStream } from '../src/security/ctr-stream.js';
import { GcmChannel } from '../src/security/gcm.js';
import { Sec0Client } from '../src/security/sec0.js';
import { Sec1Client, sec1SessionKey } from '../src/security/sec1.js';
import { Sec2Client } from '../src/security/sec2.js';
import {
  N_HEX,
  computeX,
  N,
  k,
  minimalBytes,
  modPow,
  modPowBigInt,
  padBytes,
  sha256,
  sha512,
  toBigInt,
  verifierFor,
} from '../src/security/srp.js';
import {
  SALT_THREADPROV,
  SALT_WIFIPROV,
  SEC1,
  SEC2,
  VERIFIER_THREADPROV,
  VERIFIER_WIFIPROV,
  sec2Resp0,
} from './helpers/spec-vectors.js';
import { isCode } from './helpers/rejects.js';

const ones = () => new Uint8Array(32).fill(1);

function sec2(patchLevel?: 0 | 1, password = 'abcd1234', username = 'wifiprov') {
  return new Sec2Client({
    username: utf8(username),
    password: utf8(password),
    random: ones,
    ...(patchLevel !== undefined ? { patchLevel } : {}),
  });
}

describe('Security 0 (§4.1)', () => {
  test('request and response images', () => {
    const c = new Sec0Client();
    assert.equal(toHex(c.start()), '5203a20100');
    assert.equal(c.next(fromHex('520508 01aa0100'.replace(/ /g, ''))), null);
    assert.equal(c.established, true);
    assert.equal(toHex(c.encrypt(fromHex('5200'))), '5200');
  });
  test('a Security 1 answer is refused', () => {
    const c = new Sec0Client();
    c.start();
    assert.throws(() => c.next(fromHex(SEC1.resp0)), isCode('DECODE_FAILED'));
  });
});

describe('Security 1 (§4.2, §8.7)', () => {
  const start = () => {
    const c = new Sec1Client({ pop: utf8('abcd1234'), random: () => fromHex(SEC1.clientPriv) });
    assert.equal(toHex(c.start()), SEC1.cmd0);
    return c;
  };

  test('session key = shared XOR SHA-256(PoP); no PoP = shared', () => {
    assert.equal(toHex(sha256(utf8('abcd1234'))), 'e9cee71ab932fde863338d08be4de9dfe39ea049bdafb342ce659ec5450b69ae');
    assert.equal(toHex(sec1SessionKey(fromHex(SEC1.shared), utf8('abcd1234'))), SEC1.key);
    assert.equal(toHex(sec1SessionKey(fromHex(SEC1.shared), undefined)), SEC1.shared);
    assert.equal(toHex(sec1SessionKey(fromHex(SEC1.shared), new Uint8Array(0))), SEC1.shared);
  });

  test('full exchange, then the stream continues at byte 64 in both directions', () => {
    const c = start();
    assert.equal(toHex(c.next(fromHex(SEC1.resp0))!), SEC1.cmd1);
    assert.equal(c.next(fromHex(SEC1.resp1)), null);
    const ks = fromHex(SEC1.keystream0to79);
    // Request of 2 bytes uses keystream 64–65; its 6-byte response 66–71; the next request starts at 72.
    assert.equal(toHex(c.encrypt(fromHex('5200'))), '51c4');
    assert.equal(toHex(c.decrypt(fromHex('ac48196642f9'))), '08015a021001');
    assert.equal(toHex(c.encrypt(fromHex('0000000000000000'))), toHex(ks.subarray(72, 80)));
  });

  test('the CTR counter is a 128-bit big-endian integer that wraps (§8.7 D)', () => {
    const s = new CtrStream(fromHex(SEC1.key), new Uint8Array(16).fill(0xff));
    assert.equal(toHex(s.apply(new Uint8Array(32))), SEC1.wrapKeystream);
  });

  test('byte-exact continuation across odd message sizes', () => {
    const whole = new CtrStream(fromHex(SEC1.key), fromHex(SEC1.deviceRandom)).apply(new Uint8Array(80));
    const parts = new CtrStream(fromHex(SEC1.key), fromHex(SEC1.deviceRandom));
    const got = [1, 15, 17, 3, 44].map((n) => toHex(parts.apply(new Uint8Array(n)))).join('');
    assert.equal(got, toHex(whole));
    assert.equal(toHex(whole), SEC1.keystream0to79);
  });

  test('a forged device_verify_data is refused before any data is sent', () => {
    const c = start();
    c.next(fromHex(SEC1.resp0));
    const forged = fromHex(SEC1.resp1);
    forged[forged.length - 1]! ^= 1;
    assert.throws(() => c.next(forged), isCode('DEVICE_AUTH_FAILED'));
    assert.equal(c.established, false);
    assert.throws(() => c.encrypt(utf8('secret')), isCode('INTERNAL'));
  });

  test('wrong PoP gives other verify data (the device would refuse it)', () => {
    const c = new Sec1Client({ pop: utf8('wrong pop'), random: () => fromHex(SEC1.clientPriv) });
    c.start();
    assert.notEqual(toHex(c.next(fromHex(SEC1.resp0))!), SEC1.cmd1);
  });

  test('hostile Response0: wrong key/random lengths, low-order point, wrong scheme, status', () => {
    const cases: [string, ErrorCode][] = [
      // device_pubkey 31 bytes
      ['10015a380801aa01331220' + '58'.repeat(31) + '1a10' + SEC1.deviceRandom, 'DECODE_FAILED'],
      // device_random 15 bytes
      ['10015a380801aa0133122058' + '69'.repeat(31) + '1a0f' + SEC1.deviceRandom.slice(2), 'DECODE_FAILED'],
      // all-zero public key (low-order point) → unusable shared secret
      ['10015a390801aa01341220' + '00'.repeat(32) + '1a10' + SEC1.deviceRandom, 'HANDSHAKE_FAILED'],
      // sec_ver 2 in the reply
      [SEC1.resp0.replace(/^1001/, '1002'), 'DECODE_FAILED'],
      // status InternalError (sr0.status = 5)
      [
        '10015a3b0801aa0136080512205869aff450549732cbaaed5e5df9b30a6da31cb0e5742bad5ad4a1a768f1a67b1a10' +
          SEC1.deviceRandom,
        'DEVICE_STATUS',
      ],
      // Response1 in place of Response0
      [SEC1.resp1, 'DECODE_FAILED'],
      ['', 'DECODE_FAILED'],
    ];
    for (const [hex, code] of cases) {
      const c = start();
      assert.throws(() => c.next(fromHex(hex)), isCode(code), hex);
    }
  });
});

describe('SRP-6a as the device computes it (§4.3, §8.1–§8.6)', () => {
  test('group and k', () => {
    assert.equal(padBytes(toBigInt(fromHex(N_HEX))).length, 384);
    assert.equal(k.toString(16), SEC2.k);
  });
  test('x and the published verifiers (wifiprov, threadprov)', () => {
    const x = computeX(fromHex(SALT_WIFIPROV), utf8('wifiprov'), utf8('abcd1234'));
    assert.equal(x.toString(16), SEC2.x);
    assert.equal(toHex(padBytes(verifierFor(x))), VERIFIER_WIFIPROV);
    const x2 = computeX(fromHex(SALT_THREADPROV), utf8('threadprov'), utf8('abcd1234'));
    assert.equal(toHex(padBytes(verifierFor(x2))), VERIFIER_THREADPROV);
  });
  test('credential generator reproduces the example salt/verifier and never emits a leading-zero salt', () => {
    const c = generateSec2Credentials(utf8('wifiprov'), utf8('abcd1234'), { salt: fromHex(SALT_WIFIPROV) });
    assert.equal(toHex(c.verifier), VERIFIER_WIFIPROV);
    const draws = [new Uint8Array(16), fromHex('00' + 'aa'.repeat(15)), fromHex('01' + 'bb'.repeat(15))];
    const g = generateSec2Credentials(utf8('u'), utf8('p'), { random: () => draws.shift()! });
    assert.equal(toHex(g.salt), '01' + 'bb'.repeat(15));
    assert.equal(g.verifier.length, 384);
  });
  test("esp_prov's stripped inner digest differs exactly when H(I:p) starts with 0x00 (§9 item 5)", () => {
    let pw = '';
    for (let i = 0; i < 5000; i++) {
      if (sha512(utf8(`u:pw${i}`))[0] === 0) {
        pw = `pw${i}`;
        break;
      }
    }
    assert.ok(pw, 'found a password whose inner digest starts with 0x00');
    const salt = fromHex(SALT_WIFIPROV);
    assert.notEqual(computeX(salt, utf8('u'), utf8(pw), 'full'), computeX(salt, utf8('u'), utf8(pw), 'stripped'));
    assert.equal(
      computeX(salt, utf8('wifiprov'), utf8('abcd1234'), 'full'),
      computeX(salt, utf8('wifiprov'), utf8('abcd1234'), 'stripped'),
    );
  });
  test('minimal and padded encodings', () => {
    assert.equal(toHex(minimalBytes(0x00ffn)), 'ff');
    assert.equal(minimalBytes(0n).length, 0);
    assert.equal(toHex(padBytes(5n, 4)), '00000005');
    assert.throws(() => padBytes(fromHex('0102'), 1));
  });
});

describe('modPow: OpenSSL over N agrees with plain BigInt arithmetic', () => {
  test('random bases and exponents of every size the handshake uses, and the edge values', () => {
    const rand = (bytes: number): bigint => toBigInt(randomBytes(bytes));
    const cases: [bigint, bigint][] = [];
    for (const e of [1, 32, 64, 128, 130, 384]) for (let i = 0; i < 8; i++) cases.push([rand(384) % N, rand(e)]);
    for (const b of [0n, 1n, 2n, N - 2n, N - 1n, N, N + 3n, -5n])
      for (const e of [0n, 1n, 2n, rand(64)]) cases.push([b, e]);
    cases.push([5n, N + 17n]); // an exponent longer than N
    for (const [b, e] of cases) assert.equal(modPow(b, e, N), modPowBigInt(b, e, N), `base ${b}, exp ${e}`);
    // Another modulus never takes the N-only path.
    assert.equal(modPow(3n, 1000n, 1_000_003n), modPowBigInt(3n, 1000n, 1_000_003n));
  });
});

describe('Security 2 handshake (§4.3.3, §8.6)', () => {
  test('Command0 is 406 bytes with A padded to 384', () => {
    const c = sec2();
    const cmd0 = c.start();
    assert.equal(cmd0.length, 406);
    assert.equal(toHex(cmd0.subarray(0, 22)), '1002629103a2018d030a087769666970726f76128003');
    assert.equal(toHex(cmd0.subarray(22, 54)), SEC2.A_prefix);
  });

  test('A is padded even when g^a is short (esp_prov fails 1 in 256 here)', () => {
    // a = 1 → A = 5: one significant byte, still sent as 384 bytes.
    const c = new Sec2Client({
      username: utf8('wifiprov'),
      password: utf8('x'),
      random: () => fromHex('00'.repeat(31) + '01'),
    });
    const cmd0 = c.start();
    assert.equal(cmd0.length, 406);
    assert.equal(toHex(cmd0.subarray(cmd0.length - 2)), '0005');
  });

  for (const [patch, resp1, req, resp] of [
    [1, SEC2.resp1Patch1, SEC2.patch1Request, SEC2.patch1Response],
    [0, SEC2.resp1Patch0, SEC2.patch0Request, SEC2.patch0Response],
  ] as const) {
    test(`patch ${patch}: M, device proof, and the first encrypted exchange`, () => {
      const c = sec2(patch);
      c.start();
      assert.equal(toHex(c.next(fromHex(sec2Resp0()))!), SEC2.cmd1);
      assert.equal(c.next(fromHex(resp1)), null);
      assert.equal(c.patchLevel, patch);
      assert.deepEqual(c.warnings, []);
      assert.equal(toHex(c.encrypt(fromHex('5200'))), req);
      assert.equal(toHex(c.decrypt(fromHex(resp))), '08015a021001');
    });
  }

  test('a proto-ver patch level contradicted by the nonce length is noted, the nonce wins', () => {
    const c = sec2(0);
    c.start();
    c.next(fromHex(sec2Resp0()));
    c.next(fromHex(SEC2.resp1Patch1));
    assert.equal(c.patchLevel, 1);
    assert.equal(c.warnings.length, 1);
  });

  test('forged device proof is refused', () => {
    const c = sec2(1);
    c.start();
    c.next(fromHex(sec2Resp0()));
    const forged = SEC2.resp1Patch1.replace('3b390e47', '3b390e48');
    assert.throws(() => c.next(fromHex(forged)), isCode('DEVICE_AUTH_FAILED'));
    assert.equal(c.established, false);
    assert.throws(() => c.encrypt(utf8('passphrase')), isCode('INTERNAL'));
  });

  test('wrong password or username: the proof the device checks differs', () => {
    for (const c of [sec2(1, 'wrong-password'), sec2(1, 'abcd1234', 'mallory')]) {
      c.start();
      assert.notEqual(toHex(c.next(fromHex(sec2Resp0()))!), SEC2.cmd1);
    }
  });

  test('B ≡ 0 mod N, empty B, oversized B, empty salt and bad nonce lengths are refused', () => {
    const cases: [string, ErrorCode][] = [
      [sec2Resp0(N_HEX), 'DEVICE_AUTH_FAILED'],
      [sec2Resp0('00'.repeat(384)), 'DEVICE_AUTH_FAILED'],
      [sec2Resp0('01' + SEC2.B), 'DECODE_FAILED'],
      ['100262170801aa0112' + '1a10' + SALT_WIFIPROV, 'DECODE_FAILED'],
    ];
    for (const [hex, code] of cases) {
      const c = sec2();
      c.start();
      assert.throws(() => c.next(fromHex(hex)), isCode(code), hex.slice(0, 40));
    }
    const c = sec2();
    c.start();
    c.next(fromHex(sec2Resp0()));
    // 13-byte nonce: neither patch level.
    const bad = SEC2.resp1Patch1
      .replace('1a0ca1a2a3a4a5a6a7a800000001', '1a0da1a2a3a4a5a6a7a80000000100')
      .replace('10026255', '10026256')
      .replace('ba0150', 'ba0151');
    assert.throws(() => c.next(fromHex(bad)), isCode('DECODE_FAILED'));
  });
});

describe('AES-GCM channel (§4.3.4, §4.3.5)', () => {
  const key = fromHex(SEC2.K).subarray(0, 32);

  test('patch 1: counter advances after every operation, both directions', () => {
    const device = new GcmChannel(key, fromHex('a1a2a3a4a5a6a7a800000001'));
    const client = new GcmChannel(key, fromHex('a1a2a3a4a5a6a7a800000001'));
    for (let j = 1; j <= 20; j++) {
      assert.equal(client.counter, 2 * j - 1);
      const req = client.encrypt(utf8(`request ${j}`));
      assert.equal(toHex(device.decrypt(req)), toHex(utf8(`request ${j}`)));
      const resp = device.encrypt(utf8(`response ${j}`));
      assert.equal(toHex(client.decrypt(resp)), toHex(utf8(`response ${j}`)));
    }
  });

  test('patch 1: a skewed counter fails authentication and does not advance', () => {
    const client = new GcmChannel(key, fromHex('a1a2a3a4a5a6a7a800000001'));
    // The response was made with counter 2; decrypting it first (counter 1) must fail.
    assert.throws(() => client.decrypt(fromHex(SEC2.patch1Response)), isCode('DECRYPT_FAILED'));
    assert.equal(client.counter, 1);
    client.encrypt(fromHex('5200'));
    assert.equal(toHex(client.decrypt(fromHex(SEC2.patch1Response))), '08015a021001');
  });

  test('patch 0: one IV for everything', () => {
    const c = new GcmChannel(key, fromHex('101112131415161718191a1b1c1d1e1f'));
    assert.equal(toHex(c.encrypt(fromHex('5200'))), SEC2.patch0Request);
    assert.equal(toHex(c.encrypt(fromHex('5200'))), SEC2.patch0Request);
    assert.equal(c.counter, undefined);
  });

  test('tampered ciphertext, tag or truncation is refused', () => {
    for (const mutate of [
      (b: Uint8Array) => ((b[0]! ^= 1), b),
      (b: Uint8Array) => ((b[b.length - 1]! ^= 0x80), b),
      (b: Uint8Array) => b.subarray(0, 15),
      (b: Uint8Array) => b.subarray(1),
    ]) {
      const c = new GcmChannel(key, fromHex('101112131415161718191a1b1c1d1e1f'));
      assert.throws(() => c.decrypt(mutate(fromHex(SEC2.patch0Response))), isCode('DECRYPT_FAILED'));
    }
  });

  test('counter exhaustion is refused (device refuses counter 0)', () => {
    const c = new GcmChannel(key, fromHex('a1a2a3a4a5a6a7a8ffffffff'));
    c.encrypt(utf8('last'));
    assert.equal(c.counter, 0);
    assert.throws(() => c.encrypt(utf8('one more')), isCode('DECRYPT_FAILED'));
  });

  test('IV length decides the patch level', () => {
    assert.equal(new GcmChannel(key, new Uint8Array(12)).patchLevel, 1);
    assert.equal(new GcmChannel(key, new Uint8Array(16)).patchLevel, 0);
    assert.throws(() => new GcmChannel(key, new Uint8Array(8)));
  });
});

test('xor helper refuses unequal lengths', () => {
  assert.throws(() => xorBytes(new Uint8Array(1), new Uint8Array(2)));
});
