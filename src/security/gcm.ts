/**
 * The Security 2 cipher: AES-256-GCM, no AAD, 16-byte tag appended (PROTOCOL.md §4.3.4), with the two IV
 * schemes of §4.3.5:
 *   patch 0: one 16-byte IV reused for every message in both directions;
 *   patch 1: 12-byte IV = 8 random bytes || big-endian uint32 counter, starting at 1 and advanced after every
 *            successful GCM operation on either side (request j uses 2j-1, its response 2j).
 * Used by the client and by the simulator's device side alike.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { concatBytes } from '../bytes.js';
import { EspProvError } from '../errors.js';

export const GCM_TAG_LENGTH = 16;

export type PatchLevel = 0 | 1;

export class GcmChannel {
  readonly patchLevel: PatchLevel;
  /** Held (not copied) so that wipe() zeroes the caller's key buffer too. */
  readonly #key: Uint8Array;
  readonly #iv: Uint8Array;
  #wiped = false;

  /** `nonce` is the device_nonce of Response1: 16 bytes at patch 0, 12 bytes at patch 1. */
  constructor(key: Uint8Array, nonce: Uint8Array) {
    if (key.length !== 32) throw new RangeError('AES-256-GCM key must be 32 bytes');
    if (nonce.length === 16) this.patchLevel = 0;
    else if (nonce.length === 12) this.patchLevel = 1;
    else throw new RangeError(`GCM nonce must be 12 or 16 bytes, got ${nonce.length}`);
    this.#key = key;
    this.#iv = new Uint8Array(nonce);
  }

  /** The IV the next operation will use (a copy). */
  get iv(): Uint8Array {
    return new Uint8Array(this.#iv);
  }

  /** The patch-1 counter (last 4 bytes, big-endian); undefined at patch 0. */
  get counter(): number | undefined {
    return this.patchLevel === 1 ? new DataView(this.#iv.buffer).getUint32(8) : undefined;
  }

  /** Zeroes the key and IV; encrypt/decrypt throw afterwards. */
  wipe(): void {
    this.#key.fill(0);
    this.#iv.fill(0);
    this.#wiped = true;
  }

  #checkCounter(): void {
    if (this.#wiped) throw new EspProvError('INTERNAL', 'the Security 2 session was closed and its key wiped');
    // The device refuses to use counter 0 (it wrapped after 2^32 operations): a new handshake is needed.
    if (this.patchLevel === 1 && this.counter === 0) {
      throw new EspProvError('DECRYPT_FAILED', 'GCM nonce counter exhausted; start a new session');
    }
  }

  #advance(): void {
    if (this.patchLevel === 0) return;
    const view = new DataView(this.#iv.buffer);
    view.setUint32(8, (view.getUint32(8) + 1) >>> 0);
  }

  encrypt(plaintext: Uint8Array): Uint8Array {
    this.#checkCounter();
    const cipher = createCipheriv('aes-256-gcm', this.#key, this.#iv, { authTagLength: GCM_TAG_LENGTH });
    const out = concatBytes(cipher.update(plaintext), cipher.final(), cipher.getAuthTag());
    this.#advance();
    return out;
  }

  /** Throws DECRYPT_FAILED (and does not advance the counter) when the data does not authenticate. */
  decrypt(data: Uint8Array): Uint8Array {
    this.#checkCounter();
    if (data.length < GCM_TAG_LENGTH) {
      throw new EspProvError('DECRYPT_FAILED', `encrypted message of ${data.length} bytes is shorter than its tag`);
    }
    const decipher = createDecipheriv('aes-256-gcm', this.#key, this.#iv, { authTagLength: GCM_TAG_LENGTH });
    decipher.setAuthTag(data.subarray(data.length - GCM_TAG_LENGTH));
    let out: Uint8Array;
    try {
      out = concatBytes(decipher.update(data.subarray(0, data.length - GCM_TAG_LENGTH)), decipher.final());
    } catch (e) {
      throw new EspProvError('DECRYPT_FAILED', 'message did not authenticate (AES-GCM tag mismatch)', { cause: e });
    }
    this.#advance();
    return out;
  }
}
