/**
 * Security 2 client: SRP-6a (srp.ts) then AES-256-GCM (gcm.ts). PROTOCOL.md §4.3.
 * A is always sent as 384 bytes; B is used as received in M and padded in u; the device proof (HAMK) is
 * verified before the session counts as established, so no credential is ever sent to an unverified device.
 */
import { Sec2MsgType } from '../gen/proto.js';
import { equalBytes } from '../bytes.js';
import { EspProvError } from '../errors.js';
import { SESSION_ENDPOINT } from '../protocol/endpoints.js';
import { GCM_TAG_LENGTH, GcmChannel, type PatchLevel } from './gcm.js';
import {
  decodeSessionData,
  encodeSessionData,
  expectLength,
  expectSecVer,
  expectStatus,
  handshakeError,
} from './handshake.js';
import { cryptoRandom, type ClientSecurity, type RandomSource } from './scheme.js';
import {
  L,
  N,
  computeHAMK,
  computeM,
  computeU,
  computeX,
  g,
  k,
  modPow,
  padBytes,
  sessionKey,
  toBigInt,
  type XVariant,
} from './srp.js';

export interface Sec2Options {
  username: Uint8Array;
  password: Uint8Array;
  /** sec_patch_ver from proto-ver, when the device reported one. Cross-checked with the nonce length. */
  patchLevel?: PatchLevel | undefined;
  /** How H(I:p) enters x; 'full' matches the device's generator (default). See srp.ts. */
  xVariant?: XVariant;
  random?: RandomSource;
}

type State =
  | { step: 'idle' }
  | { step: 'sent0'; a: bigint; A: Uint8Array }
  | { step: 'sent1'; A: Uint8Array; M: Uint8Array; K: Uint8Array }
  | { step: 'established'; channel: GcmChannel; K: Uint8Array }
  | { step: 'closed' };

export class Sec2Client implements ClientSecurity {
  readonly version = 2 as const;
  /** The GCM tag appended to every message (§4.3.4). */
  readonly overheadBytes = GCM_TAG_LENGTH;
  readonly warnings: string[] = [];
  readonly #username: Uint8Array;
  readonly #password: Uint8Array;
  readonly #patchLevel: PatchLevel | undefined;
  readonly #xVariant: XVariant;
  readonly #random: RandomSource;
  #state: State = { step: 'idle' };

  constructor(options: Sec2Options) {
    if (options.username.length === 0) throw new EspProvError('MISSING_INPUT', 'Security 2 needs a username');
    this.#username = options.username;
    this.#password = options.password;
    this.#patchLevel = options.patchLevel;
    this.#xVariant = options.xVariant ?? 'full';
    this.#random = options.random ?? cryptoRandom;
  }

  get established(): boolean {
    return this.#state.step === 'established';
  }

  /** Patch level in use once established (decided by the nonce length). */
  get patchLevel(): PatchLevel | undefined {
    return this.#state.step === 'established' ? this.#state.channel.patchLevel : undefined;
  }

  start(): Uint8Array {
    if (this.#state.step === 'closed') throw closedError();
    // 256-bit secret. Any value works: A is padded to 384 bytes whatever its magnitude (§9 item 1).
    let a = toBigInt(this.#random(32));
    if (a === 0n) a = 1n;
    const A = padBytes(modPow(g, a, N), L);
    this.#state = { step: 'sent0', a, A };
    return encodeSessionData({ secVer: 2, sec2: { sc0: { clientUsername: this.#username, clientPubkey: A } } });
  }

  next(response: Uint8Array): Uint8Array | null {
    const state = this.#state;
    if (state.step === 'closed') throw closedError();
    const data = decodeSessionData(response);
    expectSecVer(data, 2);
    const p = data.proto === 'sec2' ? data.sec2 : undefined;
    if (state.step === 'sent0') {
      if (!p || (p.msg ?? 0) !== Sec2MsgType.S2Session_Response0 || !p.sr0) {
        throw handshakeError('device did not answer Command0 with a Security 2 Response0');
      }
      expectStatus(p.sr0.status, 'Security 2 Response0');
      const B = p.sr0.devicePubkey ?? new Uint8Array(0);
      const salt = p.sr0.deviceSalt ?? new Uint8Array(0);
      if (B.length === 0 || B.length > L) throw handshakeError(`device public key B is ${B.length} bytes`);
      if (salt.length === 0) throw handshakeError('device sent an empty salt');
      const Bn = toBigInt(B);
      // A device (or attacker) sending B ≡ 0 (mod N) would force S = 0; u = 0 makes the password irrelevant.
      if (Bn % N === 0n) {
        throw new EspProvError('DEVICE_AUTH_FAILED', 'device sent an invalid SRP public key (B mod N = 0)');
      }
      const u = computeU(state.A, B);
      if (u === 0n) throw new EspProvError('DEVICE_AUTH_FAILED', 'device sent an SRP public key that gives u = 0');
      const x = computeX(salt, this.#username, this.#password, this.#xVariant);
      const base = (((Bn - k * modPow(g, x, N)) % N) + N) % N;
      const S = modPow(base, state.a + u * x, N);
      const K = sessionKey(S);
      const M = computeM(this.#username, salt, state.A, B, K);
      this.#state = { step: 'sent1', A: state.A, M, K };
      return encodeSessionData({ secVer: 2, sec2: { msg: Sec2MsgType.S2Session_Command1, sc1: { clientProof: M } } });
    }
    if (state.step === 'sent1') {
      if (!p || (p.msg ?? 0) !== Sec2MsgType.S2Session_Response1 || !p.sr1) {
        throw handshakeError('device did not answer Command1 with a Security 2 Response1');
      }
      expectStatus(p.sr1.status, 'Security 2 Response1');
      const proof = expectLength(p.sr1.deviceProof, [64], 'device proof');
      const nonce = expectLength(p.sr1.deviceNonce, [12, 16], 'device nonce');
      if (!equalBytes(proof, computeHAMK(state.A, state.M, state.K))) {
        this.#state = { step: 'idle' };
        throw new EspProvError(
          'DEVICE_AUTH_FAILED',
          'the device proof did not verify: this device does not hold the verifier for these credentials',
          { endpoint: SESSION_ENDPOINT },
        );
      }
      const channel = new GcmChannel(state.K.subarray(0, 32), nonce);
      if (this.#patchLevel !== undefined && this.#patchLevel !== channel.patchLevel) {
        // The nonce length is what the device's code actually does; a proto-ver that disagrees is only noted.
        this.warnings.push(
          `proto-ver says sec_patch_ver ${this.#patchLevel} but the device sent a ${nonce.length}-byte nonce; using patch level ${channel.patchLevel}`,
        );
      }
      this.#state = { step: 'established', channel, K: state.K };
      return null;
    }
    throw handshakeError(`unexpected handshake response in state ${state.step}`);
  }

  #channel(): GcmChannel {
    if (this.#state.step === 'closed') throw closedError();
    if (this.#state.step !== 'established') throw new EspProvError('INTERNAL', 'Security 2 session is not established');
    return this.#state.channel;
  }

  encrypt(plaintext: Uint8Array): Uint8Array {
    return this.#channel().encrypt(plaintext);
  }

  decrypt(ciphertext: Uint8Array): Uint8Array {
    return this.#channel().decrypt(ciphertext);
  }

  /** Zeroes K (whose first half is the AES key) and the IV; the SRP secrets a, x, S are BigInts: dropped. */
  dispose(): void {
    const state = this.#state;
    if (state.step === 'established') state.channel.wipe();
    if (state.step === 'sent1' || state.step === 'established') state.K.fill(0);
    this.#state = { step: 'closed' };
  }
}

function closedError(): EspProvError {
  return new EspProvError('INTERNAL', 'the Security 2 session was closed and its key wiped');
}
