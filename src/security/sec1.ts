/**
 * Security 1 client: X25519 key agreement, optional proof of possession, AES-256-CTR (PROTOCOL.md §4.2).
 *   key = shared XOR SHA-256(PoP)   (shared alone when there is no PoP)
 *   client_verify_data = device_pubkey XOR keystream[0..31]; device_verify_data decrypts to our public key.
 * Sec1 has no integrity protection: a lost message desynchronises the stream for good (redo the handshake).
 */
import { Sec1MsgType } from '../gen/proto.js';
import { equalBytes, xorBytes } from '../bytes.js';
import { EspProvError } from '../errors.js';
import { SESSION_ENDPOINT } from '../protocol/endpoints.js';
import { CtrStream } from './ctr-stream.js';
import {
  decodeSessionData,
  encodeSessionData,
  expectLength,
  expectSecVer,
  expectStatus,
  handshakeError,
} from './handshake.js';
import { cryptoRandom, type ClientSecurity, type RandomSource } from './scheme.js';
import { sha256 } from './srp.js';
import { x25519KeyPair, x25519Shared, type X25519KeyPair } from './x25519.js';

export interface Sec1Options {
  /** Proof of possession bytes (UTF-8 of what the device was given). Empty or absent = no PoP. */
  pop?: Uint8Array | undefined;
  random?: RandomSource;
}

/** The session key both sides derive: shared secret, XORed with SHA-256(PoP) when a PoP is set. */
export function sec1SessionKey(shared: Uint8Array, pop: Uint8Array | undefined): Uint8Array {
  return pop && pop.length > 0 ? xorBytes(shared, sha256(pop)) : shared;
}

type State =
  | { step: 'idle' }
  | { step: 'sent0'; keys: X25519KeyPair }
  | { step: 'sent1'; keys: X25519KeyPair; stream: CtrStream }
  | { step: 'established'; stream: CtrStream }
  | { step: 'closed' };

export class Sec1Client implements ClientSecurity {
  readonly version = 1 as const;
  /** AES-CTR keeps the length. */
  readonly overheadBytes = 0;
  readonly patchLevel = undefined;
  readonly warnings: string[] = [];
  readonly #pop: Uint8Array | undefined;
  readonly #random: RandomSource;
  #state: State = { step: 'idle' };

  constructor(options: Sec1Options = {}) {
    this.#pop = options.pop;
    this.#random = options.random ?? cryptoRandom;
  }

  get established(): boolean {
    return this.#state.step === 'established';
  }

  start(): Uint8Array {
    if (this.#state.step === 'closed') throw closedError();
    const keys = x25519KeyPair(this.#random(32));
    this.#state = { step: 'sent0', keys };
    return encodeSessionData({ secVer: 1, sec1: { sc0: { clientPubkey: keys.publicKey } } });
  }

  next(response: Uint8Array): Uint8Array | null {
    const state = this.#state;
    if (state.step === 'closed') throw closedError();
    const data = decodeSessionData(response);
    expectSecVer(data, 1);
    const p = data.proto === 'sec1' ? data.sec1 : undefined;
    if (state.step === 'sent0') {
      if (!p || (p.msg ?? 0) !== Sec1MsgType.Session_Response0 || !p.sr0) {
        throw handshakeError('device did not answer Command0 with a Security 1 Response0');
      }
      expectStatus(p.sr0.status, 'Security 1 Response0');
      const devicePub = expectLength(p.sr0.devicePubkey, [32], 'device public key');
      const deviceRandom = expectLength(p.sr0.deviceRandom, [16], 'device random');
      let shared: Uint8Array;
      try {
        shared = x25519Shared(state.keys.privateKey, devicePub);
      } catch (e) {
        throw new EspProvError('HANDSHAKE_FAILED', 'device sent an unusable X25519 public key', {
          cause: e,
          endpoint: SESSION_ENDPOINT,
        });
      }
      const stream = new CtrStream(sec1SessionKey(shared, this.#pop), deviceRandom);
      const verify = stream.apply(devicePub);
      this.#state = { step: 'sent1', keys: state.keys, stream };
      return encodeSessionData({
        secVer: 1,
        sec1: { msg: Sec1MsgType.Session_Command1, sc1: { clientVerifyData: verify } },
      });
    }
    if (state.step === 'sent1') {
      if (!p || (p.msg ?? 0) !== Sec1MsgType.Session_Response1 || !p.sr1) {
        throw handshakeError('device did not answer Command1 with a Security 1 Response1');
      }
      expectStatus(p.sr1.status, 'Security 1 Response1');
      const deviceVerify = expectLength(p.sr1.deviceVerifyData, [32], 'device verify data');
      if (!equalBytes(state.stream.apply(deviceVerify), state.keys.publicKey)) {
        this.#state = { step: 'idle' };
        throw new EspProvError(
          'DEVICE_AUTH_FAILED',
          'the device could not prove it holds the same session key (device verify data mismatch)',
          { endpoint: SESSION_ENDPOINT },
        );
      }
      this.#state = { step: 'established', stream: state.stream };
      return null;
    }
    throw handshakeError(`unexpected handshake response in state ${state.step}`);
  }

  #stream(): CtrStream {
    if (this.#state.step === 'closed') throw closedError();
    if (this.#state.step !== 'established') {
      throw new EspProvError('INTERNAL', 'Security 1 session is not established');
    }
    return this.#state.stream;
  }

  encrypt(plaintext: Uint8Array): Uint8Array {
    return this.#stream().apply(plaintext);
  }

  decrypt(ciphertext: Uint8Array): Uint8Array {
    return this.#stream().apply(ciphertext);
  }

  /** Zeroes the session key (the X25519 private key is an OpenSSL KeyObject: dropped, not zeroable). */
  dispose(): void {
    const state = this.#state;
    if (state.step === 'sent1' || state.step === 'established') state.stream.wipe();
    this.#state = { step: 'closed' };
  }
}

function closedError(): EspProvError {
  return new EspProvError('INTERNAL', 'the Security 1 session was closed and its key wiped');
}
