/**
 * What every client-side security scheme looks like to the session layer: a pure handshake state machine
 * plus encrypt/decrypt. No I/O here: the session sends what `start`/`next` return and feeds back the answers,
 * which is what lets recorded sessions replay byte for byte (STYLE.md §3).
 */
import { randomBytes } from 'node:crypto';
import type { PatchLevel } from './gcm.js';

export type SecurityVersion = 0 | 1 | 2;

/** Source of random bytes; injected so that tests can pin the client's randomness. */
export type RandomSource = (length: number) => Uint8Array;

export const cryptoRandom: RandomSource = (length) => new Uint8Array(randomBytes(length));

export interface ClientSecurity {
  readonly version: SecurityVersion;
  /**
   * Bytes encryption adds to every request and response payload, so that callers can size pages without
   * knowing the scheme: Security 2's GCM tag; none for Security 1's CTR stream or Security 0's plaintext.
   */
  readonly overheadBytes: number;
  /** The patch level the established session runs at (Security 2, §4.3.5); undefined for schemes without one. */
  readonly patchLevel: PatchLevel | undefined;
  /** True once the device has proven it holds the same secret. Application data is refused before. */
  readonly established: boolean;
  /** The first handshake request (Command0). Calling it again restarts the handshake. */
  start(): Uint8Array;
  /** Checks a handshake response; returns the next request, or null once the session is verified. */
  next(response: Uint8Array): Uint8Array | null;
  /** Encrypts one request payload for a Request endpoint. */
  encrypt(plaintext: Uint8Array): Uint8Array;
  /** Decrypts one response payload. Throws DECRYPT_FAILED when it does not authenticate. */
  decrypt(ciphertext: Uint8Array): Uint8Array;
  /** Non-fatal observations for logs (e.g. sec_patch_ver disagreeing with the nonce length). */
  readonly warnings: readonly string[];
  /**
   * Ends the session for good (Session.close calls it): fills the key buffers this scheme holds with zeros, and
   * later start/next/encrypt/decrypt throw INTERNAL. BigInt intermediates and the copies node:crypto keeps in
   * its cipher contexts cannot be zeroed from JavaScript; they are only dropped.
   */
  dispose(): void;
}
