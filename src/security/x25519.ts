/** X25519 on node:crypto with raw 32-byte keys in RFC 7748 byte order (PROTOCOL.md §9 item 11). */
import { createPrivateKey, createPublicKey, diffieHellman, type KeyObject } from 'node:crypto';

// DER prefixes of a PKCS#8 private key and an SPKI public key for the X25519 OID 1.3.101.110.
const PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b656e032100', 'hex');

export interface X25519KeyPair {
  privateKey: KeyObject;
  publicKey: Uint8Array;
}

/** Key pair from a raw 32-byte scalar (clamping is part of X25519 itself). */
export function x25519KeyPair(scalar: Uint8Array): X25519KeyPair {
  if (scalar.length !== 32) throw new RangeError('X25519 private key must be 32 bytes');
  const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, scalar]), format: 'der', type: 'pkcs8' });
  const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  return { privateKey, publicKey: new Uint8Array(spki.subarray(spki.length - 32)) };
}

/**
 * Shared secret with a peer's raw public key. Throws when OpenSSL rejects the result (an all-zero secret
 * from a low-order point), as the device's mbedtls/PSA code does (PROTOCOL.md §4.2 step 2).
 */
export function x25519Shared(privateKey: KeyObject, peerPublic: Uint8Array): Uint8Array {
  if (peerPublic.length !== 32) throw new RangeError('X25519 public key must be 32 bytes');
  const publicKey = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, peerPublic]), format: 'der', type: 'spki' });
  const shared = new Uint8Array(diffieHellman({ privateKey, publicKey }));
  if (shared.every((b) => b === 0)) throw new RangeError('X25519 shared secret is all zero (low-order point)');
  return shared;
}
