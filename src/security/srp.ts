/**
 * SRP-6a exactly as ESP-IDF's esp_srp.c computes it (PROTOCOL.md §4.3): RFC 5054 3072-bit group, g = 5,
 * SHA-512 everywhere. Pure functions on BigInt and bytes; used by the client (sec2.ts), the credential
 * generator and the simulator's device side, so both ends share one description of the math.
 *
 * Byte forms matter more than the integers: the device hashes the raw bytes it received or stored,
 * so "padded" (PAD, 384 bytes) and "minimal" (bytes()) encodings are chosen per term, as the comments say.
 */
import { createDiffieHellman, createHash, type DiffieHellman } from 'node:crypto';
import { fromHex, toHex, xorBytes } from '../bytes.js';

/** RFC 5054 Appendix A, 3072-bit group (PROTOCOL.md §8.1). */
export const N_HEX =
  'ffffffffffffffffc90fdaa22168c234c4c6628b80dc1cd129024e088a67cc74020bbea63b139b22514a08798e3404ddef9519b3cd3a431b302b0a6df25f1437' +
  '4fe1356d6d51c245e485b576625e7ec6f44c42e9a637ed6b0bff5cb6f406b7edee386bfb5a899fa5ae9f24117c4b1fe649286651ece45b3dc2007cb8a163bf05' +
  '98da48361c55d39a69163fa8fd24cf5f83655d23dca3ad961c62f356208552bb9ed529077096966d670c354e4abc9804f1746c08ca18217c32905e462e36ce3b' +
  'e39e772c180e86039b2783a2ec07a28fb5c55df06f4c52c9de2bcbf6955817183995497cea956ae515d2261898fa051015728e5a8aaac42dad33170d04507a33' +
  'a85521abdf1cba64ecfb850458dbef0a8aea71575d060c7db3970f85a6e1e4c7abf5ae8cdb0933d71e8c94e04a25619dcee3d2261ad2ee6bf12ffa06d98a0864' +
  'd87602733ec86a64521f2b18177b200cbbe117577a615d6c770988c0bad946e208e24fa074e5ab3143db5bfce0fd108e4b82d120a93ad2caffffffffffffffff';

export const N = BigInt('0x' + N_HEX);
export const g = 5n;
/** Byte length of N: the width of PAD(). */
export const L = 384;

export function sha512(...parts: Uint8Array[]): Uint8Array {
  const h = createHash('sha512');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}

export function sha256(...parts: Uint8Array[]): Uint8Array {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}

/** Unsigned big-endian bytes → integer (empty = 0). */
export function toBigInt(bytes: Uint8Array): bigint {
  return bytes.length === 0 ? 0n : BigInt('0x' + toHex(bytes));
}

/** bytes(x): minimal big-endian encoding, no leading zero bytes (mbedtls_mpi_size / long_to_bytes). 0 → empty. */
export function minimalBytes(x: bigint): Uint8Array {
  if (x < 0n) throw new RangeError('negative');
  if (x === 0n) return new Uint8Array(0);
  let hex = x.toString(16);
  if (hex.length % 2) hex = '0' + hex;
  return fromHex(hex);
}

/** PAD(x): big-endian, left-padded with zeros to `width` (default L = 384) bytes. */
export function padBytes(x: bigint | Uint8Array, width = L): Uint8Array {
  const b = typeof x === 'bigint' ? minimalBytes(x) : x;
  if (b.length > width) throw new RangeError(`value longer than ${width} bytes`);
  const out = new Uint8Array(width);
  out.set(b, width - b.length);
  return out;
}

/** Square-and-multiply on BigInt: any modulus, any base; the reference the fast path is tested against. */
export function modPowBigInt(base: bigint, exp: bigint, mod: bigint): bigint {
  let result = 1n;
  let b = ((base % mod) + mod) % mod;
  let e = exp;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % mod;
    e >>= 1n;
    if (e > 0n) b = (b * b) % mod;
  }
  return result;
}

/**
 * Node has no modular exponentiation on BigInt, but a Diffie-Hellman object over N computes
 * `other ^ privateKey mod N` in OpenSSL (Montgomery, constant time in the exponent): about 7x faster than
 * modPowBigInt for the 3072-bit group, which is most of a Security 2 handshake's CPU on both ends (a rack of
 * boards handshakes at once). The generator plays no part in computeSecret. Created once, on first use.
 */
let dhOverN: DiffieHellman | undefined;

export function modPow(base: bigint, exp: bigint, mod: bigint): bigint {
  const b = ((base % mod) + mod) % mod;
  // OpenSSL refuses "public keys" outside 2..N-2 (and an empty private key): those rare values take the slow path.
  if (mod !== N || exp <= 0n || b < 2n || b > N - 2n) return modPowBigInt(b, exp, mod);
  // Generator 2, not the group's 5: with (N, 2) OpenSSL recognises RFC 3526's MODP group 15 (the same prime) and
  // skips its parameter check; with 5 it runs a full primality test of N, 2.6 s on each process's first use.
  dhOverN ??= createDiffieHellman(N_BYTES, Uint8Array.of(2));
  dhOverN.setPrivateKey(minimalBytes(exp));
  const out = toBigInt(dhOverN.computeSecret(minimalBytes(b)));
  // The exponent is key material (a + u·x, or the device's b): it does not stay in the shared object.
  dhOverN.setPrivateKey(Uint8Array.of(1));
  return out;
}

const N_BYTES = padBytes(N);
const PAD_G = padBytes(g);

/** k = H(N || PAD(g)) as a full 512-bit integer (not reduced mod N). */
export const k = toBigInt(sha512(N_BYTES, PAD_G));

/** H(N) XOR H(PAD(g)): the first term of M. g is padded here too (PROTOCOL.md §9 item 6). */
const HN_XOR_HG = xorBytes(sha512(N_BYTES), sha512(PAD_G));

/**
 * How the inner digest H(I ":" p) enters x.
 * - 'full': all 64 bytes, as the device's own generator (esp_srp_gen_salt_verifier) and RFC 5054 do;
 * - 'stripped': leading zero bytes dropped, as esp_prov's generator does (differs 1 time in 256).
 */
export type XVariant = 'full' | 'stripped';

/** x = H(s || H(I ":" p)) (PROTOCOL.md §4.3.2). The salt is used exactly as stored/received. */
export function computeX(
  salt: Uint8Array,
  username: Uint8Array,
  password: Uint8Array,
  variant: XVariant = 'full',
): bigint {
  let inner = sha512(username, new Uint8Array([0x3a]), password);
  if (variant === 'stripped') inner = minimalBytes(toBigInt(inner));
  return toBigInt(sha512(salt, inner));
}

/** u = H(PAD(A) || PAD(B)). */
export function computeU(paddedA: Uint8Array, B: Uint8Array): bigint {
  return toBigInt(sha512(padBytes(paddedA), padBytes(B)));
}

/**
 * M = H(H(N) XOR H(PAD(g)) || H(I) || s || A || B || K), with A as sent (384 bytes), B exactly as received
 * (minimal form, not padded), s as received and K = H(bytes(S)).
 */
export function computeM(
  username: Uint8Array,
  salt: Uint8Array,
  A: Uint8Array,
  B: Uint8Array,
  K: Uint8Array,
): Uint8Array {
  return sha512(HN_XOR_HG, sha512(username), salt, A, B, K);
}

/** HAMK = H(A || M || K): the device's proof. */
export function computeHAMK(A: Uint8Array, M: Uint8Array, K: Uint8Array): Uint8Array {
  return sha512(A, M, K);
}

/** K = H(bytes(S)) with S in minimal form (PROTOCOL.md §9 item 3). */
export function sessionKey(S: bigint): Uint8Array {
  return sha512(minimalBytes(S));
}

/** v = g^x mod N. */
export function verifierFor(x: bigint): bigint {
  return modPow(g, x, N);
}
