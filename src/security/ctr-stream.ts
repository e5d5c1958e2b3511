/**
 * The Security 1 cipher: ONE AES-256-CTR keystream shared by both directions, continued byte-exactly across
 * message boundaries, counter = 128-bit big-endian increment of device_random (PROTOCOL.md §4.2, §9 item 10).
 * A node:crypto CTR cipher fed through update() is exactly such a stream.
 */
import { createCipheriv, type Cipher } from 'node:crypto';
import { EspProvError } from '../errors.js';

export class CtrStream {
  /** Held (not copied) so that wipe() zeroes the caller's key buffer too. */
  readonly #key: Uint8Array;
  #cipher: Cipher | undefined;
  #position = 0;

  constructor(key: Uint8Array, counterBlock: Uint8Array) {
    this.#key = key;
    this.#cipher = createCipheriv('aes-256-ctr', key, counterBlock);
  }

  /** Zeroes the key and drops the cipher; apply() throws afterwards. */
  wipe(): void {
    this.#key.fill(0);
    this.#cipher = undefined;
  }

  /** Bytes of keystream consumed so far (both directions together). */
  get position(): number {
    return this.#position;
  }

  /** XORs `data` with the next data.length keystream bytes. Encryption and decryption are the same. */
  apply(data: Uint8Array): Uint8Array {
    if (!this.#cipher) throw new EspProvError('INTERNAL', 'the Security 1 session was closed and its key wiped');
    this.#position += data.length;
    return new Uint8Array(this.#cipher.update(data));
  }
}
