/**
 * Security 1 on the device (PROTOCOL.md §4.2): X25519 with a fresh key pair per Command0, optional PoP,
 * one AES-256-CTR stream for both directions. The key pair and device_random come from a CTR_DRBG seeded per
 * handshake from the hardware RNG, in the firmware's order, so recorded handshakes replay exactly (ctr-drbg.ts).
 */
import { Sec1MsgType, type SessionData } from '../gen/proto.js';
import { equalBytes } from '../bytes.js';
import { CtrStream } from '../security/ctr-stream.js';
import type { RandomSource } from '../security/scheme.js';
import { sec1SessionKey } from '../security/sec1.js';
import { x25519KeyPair, x25519Shared } from '../security/x25519.js';
import { CtrDrbg } from './ctr-drbg.js';
import { DeviceFailure } from '../protocol/device.js';
import type { DeviceSecurity, HandshakePhase } from './security.js';

const PUBLIC_KEY_LEN = 32;
const DEVICE_RANDOM_LEN = 16;
/**
 * Draws mbedtls makes between the private key and device_random: the two X25519 scalar multiplications
 * (public key, shared secret) each spend two 32-byte draws on coordinate randomisation. Measured against the
 * recordings; rejection sampling in between (probability ~2^-250) is not modelled.
 */
const BLINDING_DRAWS = 4;

/** mbedtls_ecp_gen_privkey for Curve25519 from 32 DRBG bytes, as an RFC 7748 little-endian scalar. */
function curve25519PrivateKey(drbgBytes: Uint8Array): Uint8Array {
  let d = BigInt('0x' + Buffer.from(drbgBytes).toString('hex')) >> 1n;
  d = (d | (1n << 254n)) & ~7n;
  return new Uint8Array(Buffer.from(d.toString(16).padStart(64, '0'), 'hex').reverse());
}

type State =
  | { step: 'idle' }
  | { step: 'cmd0-done'; devicePub: Uint8Array; clientPub: Uint8Array; key: Uint8Array; deviceRandom: Uint8Array }
  | { step: 'established'; stream: CtrStream; key: Uint8Array }
  | { step: 'failed' };

export class DeviceSec1 implements DeviceSecurity {
  readonly version = 1 as const;
  readonly #pop: Uint8Array | undefined;
  readonly #hardware: RandomSource;
  #state: State = { step: 'idle' };

  get sessionKey(): Uint8Array | undefined {
    const s = this.#state;
    return s.step === 'established' || s.step === 'cmd0-done' ? new Uint8Array(s.key) : undefined;
  }

  /** `pop` as the application passed it; the device reads it as a C string (strlen). */
  constructor(pop: Uint8Array | undefined, hardware: RandomSource) {
    const nul = pop ? pop.indexOf(0) : -1;
    const trimmed = pop && nul >= 0 ? pop.subarray(0, nul) : pop;
    this.#pop = trimmed && trimmed.length > 0 ? trimmed : undefined;
    this.#hardware = hardware;
  }

  phaseOf(request: SessionData): HandshakePhase | undefined {
    if (request.proto !== 'sec1') return undefined;
    const msg = request.sec1?.msg ?? Sec1MsgType.Session_Command0;
    if (msg === Sec1MsgType.Session_Command0) return 'handshake0';
    if (msg === Sec1MsgType.Session_Command1) return 'handshake1';
    return undefined;
  }

  handshake(request: SessionData): SessionData.$Properties {
    if (Number(request.secVer ?? 0) !== 1)
      throw new DeviceFailure(`session request for security ${request.secVer ?? 0}`);
    const phase = this.phaseOf(request);
    if (phase === 'handshake0') return this.#command0(request);
    if (phase === 'handshake1') return this.#command1(request);
    throw new DeviceFailure('not a Security 1 session command');
  }

  #command0(request: SessionData): SessionData.$Properties {
    this.#state = { step: 'idle' }; // Command0 always restarts the handshake
    const clientPub = request.sec1?.sc0?.clientPubkey;
    if (!clientPub || clientPub.length !== PUBLIC_KEY_LEN) {
      throw new DeviceFailure(`client public key is ${clientPub?.length ?? 0} bytes, expected ${PUBLIC_KEY_LEN}`);
    }
    const drbg = new CtrDrbg(this.#hardware);
    const keys = x25519KeyPair(curve25519PrivateKey(drbg.generate(32)));
    for (let i = 0; i < BLINDING_DRAWS; i++) drbg.generate(32);
    let shared: Uint8Array;
    try {
      shared = x25519Shared(keys.privateKey, clientPub);
    } catch (e) {
      throw new DeviceFailure(`key agreement rejected: ${(e as Error).message}`);
    }
    const deviceRandom = drbg.generate(DEVICE_RANDOM_LEN);
    this.#state = {
      step: 'cmd0-done',
      devicePub: keys.publicKey,
      clientPub: new Uint8Array(clientPub),
      key: sec1SessionKey(shared, this.#pop),
      deviceRandom,
    };
    return {
      secVer: 1,
      sec1: { msg: Sec1MsgType.Session_Response0, sr0: { devicePubkey: keys.publicKey, deviceRandom } },
    };
  }

  #command1(request: SessionData): SessionData.$Properties {
    const state = this.#state;
    if (state.step !== 'cmd0-done') throw new DeviceFailure(`Command1 in handshake state ${state.step}`);
    const verify = request.sec1?.sc1?.clientVerifyData;
    if (!verify || verify.length !== PUBLIC_KEY_LEN) {
      throw new DeviceFailure(`client verify data is ${verify?.length ?? 0} bytes, expected ${PUBLIC_KEY_LEN}`);
    }
    const stream = new CtrStream(state.key, state.deviceRandom);
    if (!equalBytes(stream.apply(verify), state.devicePub)) {
      // The firmware has already advanced its counter in place: only a new Command0 can recover.
      this.#state = { step: 'failed' };
      throw new DeviceFailure('client verify data mismatch (wrong PoP?)');
    }
    const deviceVerifyData = stream.apply(state.clientPub);
    this.#state = { step: 'established', stream, key: state.key };
    return { secVer: 1, sec1: { msg: Sec1MsgType.Session_Response1, sr1: { deviceVerifyData } } };
  }

  #stream(): CtrStream {
    if (this.#state.step !== 'established') throw new DeviceFailure('secure session not established');
    return this.#state.stream;
  }

  decrypt(data: Uint8Array): Uint8Array {
    return this.#stream().apply(data);
  }

  encrypt(data: Uint8Array): Uint8Array {
    return this.#stream().apply(data);
  }

  reset(): void {
    this.#state = { step: 'idle' };
  }
}
