/**
 * Security 2 credential generation (salt + verifier), matching the device's own generator
 * (esp_srp_gen_salt_verifier: full 64-byte inner digest) and without esp_prov's leading-zero losses:
 * the salt never starts with 0x00 (so bytes(salt) == salt and every tool reads it the same way), and the
 * verifier is emitted as 384 bytes. PROTOCOL.md §4.3.2, §9 items 4 and 5.
 */
import { computeX, padBytes, verifierFor, type XVariant } from './srp.js';
import { cryptoRandom, type RandomSource } from './scheme.js';

export interface Sec2Credentials {
  salt: Uint8Array;
  verifier: Uint8Array;
}

export const DEFAULT_SALT_LENGTH = 16;

export function generateSec2Credentials(
  username: Uint8Array,
  password: Uint8Array,
  options: { saltLength?: number; salt?: Uint8Array; random?: RandomSource; xVariant?: XVariant } = {},
): Sec2Credentials {
  const saltLength = options.saltLength ?? DEFAULT_SALT_LENGTH;
  if (!Number.isInteger(saltLength) || saltLength < 1 || saltLength > 64) {
    throw new RangeError('salt length must be 1 to 64 bytes');
  }
  let salt = options.salt;
  if (!salt) {
    const random = options.random ?? cryptoRandom;
    do salt = random(saltLength);
    while (salt[0] === 0);
  }
  const v = verifierFor(computeX(salt, username, password, options.xVariant ?? 'full'));
  return { salt, verifier: padBytes(v) };
}
