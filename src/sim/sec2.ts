/**
 * Security 2 on the device (PROTOCOL.md §4.3): SRP-6a from the stored salt and verifier (srp.ts, shared with
 * the client), then AES-256-GCM (gcm.ts) with the IV scheme of the build's patch level (§4.3.5):
 *   patch 0: device_nonce = 16 hardware-random bytes, one IV for the whole session;
 *   patch 1: device_nonce = 8-byte session id from a freshly seeded CTR_DRBG || counter 00000001.
 * The device also refuses A ≡ 0 (mod N) and u = 0, as IDF@HEAD does (39b56cbdbad); older firmware did not check.
 */
import { Sec2MsgType, type SessionData } from '../gen/proto.js';
import { concatBytes, equalBytes } from '../bytes.js';
import { GcmChannel, type PatchLevel } from '../security/gcm.js';
import type { RandomSource } from '../security/scheme.js';
import {
  L,
  N,
  computeHAMK,
  computeM,
  computeU,
  g,
  k,
  minimalBytes,
  modPow,
  sessionKey,
  toBigInt,
} from '../security/srp.js';
import { CtrDrbg } from './ctr-drbg.js';
import { DeviceFailure } from '../protocol/device.js';
import type { DeviceSecurity, HandshakePhase } from './security.js';

const CLIENT_PROOF_LEN = 64;
const SECRET_LEN = 32;
const SESSION_ID_LEN = 8;
const PATCH0_IV_LEN = 16;

type State =
  | { step: 'idle' }
  | { step: 'cmd0-done'; username: Uint8Array; A: Uint8Array; B: Uint8Array; K: Uint8Array }
  | { step: 'established'; channel: GcmChannel; key: Uint8Array };

export class DeviceSec2 implements DeviceSecurity {
  readonly version = 2 as const;

  /** The AES-256-GCM key: the first 32 bytes of K (§4.3.4). */
  get sessionKey(): Uint8Array | undefined {
    const s = this.#state;
    if (s.step === 'established') return new Uint8Array(s.key);
    return s.step === 'cmd0-done' ? new Uint8Array(s.K.subarray(0, 32)) : undefined;
  }
  readonly #salt: Uint8Array;
  readonly #v: bigint;
  readonly #patchLevel: PatchLevel;
  readonly #hardware: RandomSource;
  #state: State = { step: 'idle' };

  constructor(salt: Uint8Array, verifier: Uint8Array, patchLevel: PatchLevel, hardware: RandomSource) {
    if (salt.length === 0) throw new RangeError('Security 2 salt must not be empty');
    if (verifier.length === 0 || verifier.length > L)
      throw new RangeError(`Security 2 verifier must be 1 to ${L} bytes`);
    this.#salt = new Uint8Array(salt);
    this.#v = toBigInt(verifier);
    this.#patchLevel = patchLevel;
    this.#hardware = hardware;
  }

  phaseOf(request: SessionData): HandshakePhase | undefined {
    if (request.proto !== 'sec2') return undefined;
    const msg = request.sec2?.msg ?? Sec2MsgType.S2Session_Command0;
    if (msg === Sec2MsgType.S2Session_Command0) return 'handshake0';
    if (msg === Sec2MsgType.S2Session_Command1) return 'handshake1';
    return undefined;
  }

  handshake(request: SessionData): SessionData.$Properties {
    if (Number(request.secVer ?? 0) !== 2)
      throw new DeviceFailure(`session request for security ${request.secVer ?? 0}`);
    const phase = this.phaseOf(request);
    if (phase === 'handshake0') return this.#command0(request);
    if (phase === 'handshake1') return this.#command1(request);
    throw new DeviceFailure('not a Security 2 session command');
  }

  #command0(request: SessionData): SessionData.$Properties {
    this.#state = { step: 'idle' }; // Command0 always restarts the handshake
    const sc0 = request.sec2?.payload === 'sc0' ? request.sec2.sc0 : undefined;
    if (!sc0) throw new DeviceFailure('Command0 without its sc0 payload');
    const A = sc0.clientPubkey ?? new Uint8Array(0);
    const username = sc0.clientUsername ?? new Uint8Array(0);
    if (A.length !== L) throw new DeviceFailure(`client public key is ${A.length} bytes, expected exactly ${L}`);
    if (username.length === 0 || username.length > 0xffff) {
      throw new DeviceFailure(`username length ${username.length} is out of range`);
    }
    const An = toBigInt(A);
    if (An % N === 0n) throw new DeviceFailure('client public key A is 0 mod N');
    const b = toBigInt(this.#hardware(SECRET_LEN));
    const B = minimalBytes((k * this.#v + modPow(g, b, N)) % N);
    const u = computeU(A, B);
    if (u === 0n) throw new DeviceFailure('u = 0');
    const S = modPow((An * modPow(this.#v, u, N)) % N, b, N);
    this.#state = { step: 'cmd0-done', username: new Uint8Array(username), A: new Uint8Array(A), B, K: sessionKey(S) };
    return {
      secVer: 2,
      sec2: { msg: Sec2MsgType.S2Session_Response0, sr0: { devicePubkey: B, deviceSalt: this.#salt } },
    };
  }

  #command1(request: SessionData): SessionData.$Properties {
    const state = this.#state;
    if (state.step !== 'cmd0-done') throw new DeviceFailure(`Command1 in handshake state ${state.step}`);
    const sc1 = request.sec2?.payload === 'sc1' ? request.sec2.sc1 : undefined;
    if (!sc1) throw new DeviceFailure('Command1 without its sc1 payload');
    const proof = sc1.clientProof ?? new Uint8Array(0);
    if (proof.length !== CLIENT_PROOF_LEN) throw new DeviceFailure(`client proof is ${proof.length} bytes`);
    const M = computeM(state.username, this.#salt, state.A, state.B, state.K);
    if (!equalBytes(proof, M)) throw new DeviceFailure('client proof mismatch (wrong username or password)');
    const nonce =
      this.#patchLevel === 0
        ? this.#hardware(PATCH0_IV_LEN)
        : concatBytes(new CtrDrbg(this.#hardware).generate(SESSION_ID_LEN), new Uint8Array([0, 0, 0, 1]));
    const key = state.K.subarray(0, 32);
    this.#state = { step: 'established', channel: new GcmChannel(key, nonce), key };
    return {
      secVer: 2,
      sec2: {
        msg: Sec2MsgType.S2Session_Response1,
        sr1: { deviceProof: computeHAMK(state.A, M, state.K), deviceNonce: nonce },
      },
    };
  }

  #channel(): GcmChannel {
    if (this.#state.step !== 'established') throw new DeviceFailure('secure session not established');
    return this.#state.channel;
  }

  decrypt(data: Uint8Array): Uint8Array {
    try {
      return this.#channel().decrypt(data);
    } catch (e) {
      if (e instanceof DeviceFailure) throw e;
      throw new DeviceFailure(`request did not decrypt: ${(e as Error).message}`);
    }
  }

  encrypt(data: Uint8Array): Uint8Array {
    try {
      return this.#channel().encrypt(data);
    } catch (e) {
      if (e instanceof DeviceFailure) throw e;
      throw new DeviceFailure(`response could not be encrypted: ${(e as Error).message}`);
    }
  }

  reset(): void {
    this.#state = { step: 'idle' };
  }
}
