/**
 * The random bit generator the device's security code actually uses, so that the simulator turns the same
 * hardware randomness (esp_fill_random) into the same keys as the firmware and recorded sessions replay byte
 * for byte (test/sim-replay.test.ts).
 *
 * Sec1 (every release) and the Sec2 patch-1 session id (IDF v5.5.1, NP on it) come from an mbedtls CTR_DRBG
 * (AES-256, derivation function, 48 bytes of entropy, no nonce, no personalisation) that the handler seeds
 * afresh for each use from mbedtls' entropy pool. On ESP-IDF the pool has one strong source, the hardware RNG,
 * polled once for MBEDTLS_ENTROPY_MAX_GATHER = 128 bytes; the pool condenses it with SHA-512 twice. These
 * facts (and the parameters) were confirmed against the recordings' rng_draws.
 */
import { createCipheriv, createHash } from 'node:crypto';
import type { RandomSource } from '../security/scheme.js';

/** Bytes the entropy pool asks the hardware source for in one poll (MBEDTLS_ENTROPY_MAX_GATHER). */
export const ENTROPY_POLL_BYTES = 128;
const SEED_LEN = 48; // MBEDTLS_CTR_DRBG_SEEDLEN = key 32 + block 16
const ENTROPY_LEN = 48; // MBEDTLS_CTR_DRBG_ENTROPY_LEN with SHA-512 entropy
const BLOCK = 16;

function aesEcb(key: Uint8Array, block: Uint8Array): Uint8Array {
  const c = createCipheriv('aes-256-ecb', key, null);
  c.setAutoPadding(false);
  return new Uint8Array(Buffer.concat([c.update(block), c.final()]));
}

function sha512(data: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha512').update(data).digest());
}

/** mbedtls_entropy_func with the hardware source only: `len` (≤ 64) bytes from one 128-byte poll. */
export function entropyFromHardware(random: RandomSource, len: number): Uint8Array {
  const gathered = random(ENTROPY_POLL_BYTES);
  // entropy_update hashes inputs longer than a SHA-512 block first, then adds a (source id, length) header.
  const digest = gathered.length > 64 ? sha512(gathered) : gathered;
  const pool = sha512(new Uint8Array([0, digest.length, ...digest]));
  return sha512(pool).subarray(0, len);
}

/** CTR_DRBG derivation function: BCC (CBC-MAC) with a fixed key, then AES-CTR-like expansion (SP 800-90A). */
function blockCipherDf(data: Uint8Array): Uint8Array {
  const bufLen = BLOCK + 8 + data.length + 1;
  const buf = new Uint8Array(Math.ceil(bufLen / BLOCK) * BLOCK);
  new DataView(buf.buffer).setUint32(BLOCK, data.length);
  buf[BLOCK + 7] = SEED_LEN;
  buf.set(data, BLOCK + 8);
  buf[BLOCK + 8 + data.length] = 0x80;
  const key = Uint8Array.from({ length: 32 }, (_, i) => i);
  const tmp = new Uint8Array(SEED_LEN);
  for (let j = 0; j < SEED_LEN; j += BLOCK) {
    let chain: Uint8Array = new Uint8Array(BLOCK);
    for (let p = 0; p < bufLen; p += BLOCK) {
      for (let i = 0; i < BLOCK; i++) chain[i]! ^= buf[p + i]!;
      chain = aesEcb(key, chain);
    }
    tmp.set(chain, j);
    buf[3]!++;
  }
  const out = new Uint8Array(SEED_LEN);
  let iv: Uint8Array = tmp.subarray(32);
  for (let j = 0; j < SEED_LEN; j += BLOCK) {
    iv = aesEcb(tmp.subarray(0, 32), iv);
    out.set(iv, j);
  }
  return out;
}

function increment(counter: Uint8Array): void {
  for (let i = BLOCK - 1; i >= 0; i--) {
    counter[i] = (counter[i]! + 1) & 0xff;
    if (counter[i] !== 0) break;
  }
}

export class CtrDrbg {
  #key: Uint8Array = new Uint8Array(32);
  #counter: Uint8Array = new Uint8Array(BLOCK);

  /** mbedtls_ctr_drbg_seed(ctx, mbedtls_entropy_func, entropy, NULL, 0): draws one 128-byte hardware poll. */
  constructor(hardware: RandomSource) {
    this.#update(blockCipherDf(entropyFromHardware(hardware, ENTROPY_LEN)));
  }

  #update(data: Uint8Array): void {
    const tmp = new Uint8Array(SEED_LEN);
    for (let j = 0; j < SEED_LEN; j += BLOCK) {
      increment(this.#counter);
      tmp.set(aesEcb(this.#key, this.#counter), j);
    }
    for (let i = 0; i < SEED_LEN; i++) tmp[i]! ^= data[i]!;
    this.#key = tmp.slice(0, 32);
    this.#counter = tmp.slice(32);
  }

  /** mbedtls_ctr_drbg_random: `length` bytes (≤ 1024), then the state update every call ends with. */
  generate(length: number): Uint8Array {
    if (length > 1024) throw new RangeError('CTR_DRBG request larger than 1024 bytes');
    const out = new Uint8Array(length);
    for (let off = 0; off < length; off += BLOCK) {
      increment(this.#counter);
      out.set(aesEcb(this.#key, this.#counter).subarray(0, Math.min(BLOCK, length - off)), off);
    }
    this.#update(new Uint8Array(SEED_LEN));
    return out;
  }
}
