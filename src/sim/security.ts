/**
 * The device's side of the three security schemes (PROTOCOL.md §4), behind one small interface: protocomm
 * hands every prov-session request to `handshake` and wraps every Request-endpoint payload in
 * `decrypt`/`encrypt`. Any failure is a DeviceFailure: the device never answers a failed handshake with a
 * message (§4 common rules, §6.2). Exactly one session context exists; `reset` starts a new one.
 */
import type { SessionData } from '../gen/proto.js';

export type HandshakePhase = 'handshake0' | 'handshake1';

export interface DeviceSecurity {
  readonly version: 0 | 1 | 2;
  /**
   * The session key once the handshake has derived it (debug builds of the firmware log it too), so that
   * captures can be decrypted and tests can check that no output ever contains it. Undefined for Security 0.
   */
  readonly sessionKey: Uint8Array | undefined;
  /** Which step a (decoded) session request is, or undefined when it is neither Command0 nor Command1. */
  phaseOf(request: SessionData): HandshakePhase | undefined;
  /** Handles one session request; returns the response message. Throws DeviceFailure. */
  handshake(request: SessionData): SessionData.$Properties;
  /** Decrypts a Request-endpoint payload. Throws DeviceFailure before the handshake or on a bad tag. */
  decrypt(data: Uint8Array): Uint8Array;
  encrypt(data: Uint8Array): Uint8Array;
  /** Forgets the session (new transport session, or the old one closed). */
  reset(): void;
}

/**
 * The one transport session protocomm keeps (§4 common rules): opening a session starts a new security context,
 * closing the open one forgets it, and closing any other is ignored (a late close of an older connection).
 * Shared by the simulated device and the replay device, which keep sessions alike.
 */
export class SessionSlot {
  readonly #security: Pick<DeviceSecurity, 'reset'>;
  #id: number | undefined;

  constructor(security: Pick<DeviceSecurity, 'reset'>) {
    this.#security = security;
  }

  /** The open transport session, if any. */
  get id(): number | undefined {
    return this.#id;
  }

  open(sessionId: number): void {
    this.#security.reset();
    this.#id = sessionId;
  }

  close(sessionId: number): void {
    if (sessionId !== this.#id) return;
    this.#security.reset();
    this.#id = undefined;
  }
}
