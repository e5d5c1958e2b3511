/** Security 0 on the device (PROTOCOL.md §4.1): one plaintext round trip, then plaintext traffic. */
import { Sec0MsgType, type SessionData } from '../gen/proto.js';
import { DeviceFailure } from '../protocol/device.js';
import type { DeviceSecurity, HandshakePhase } from './security.js';

export class DeviceSec0 implements DeviceSecurity {
  readonly version = 0 as const;
  readonly sessionKey = undefined;

  phaseOf(request: SessionData): HandshakePhase | undefined {
    return request.proto === 'sec0' &&
      (request.sec0?.msg ?? Sec0MsgType.S0_Session_Command) === Sec0MsgType.S0_Session_Command
      ? 'handshake0'
      : undefined;
  }

  handshake(request: SessionData): SessionData.$Properties {
    if (Number(request.secVer ?? 0) !== 0) throw new DeviceFailure(`session request for security ${request.secVer}`);
    if (this.phaseOf(request) === undefined) throw new DeviceFailure('not a Security 0 session command');
    // The device copies sec_ver (0, not serialised) and answers 52 05 08 01 aa 01 00.
    return { secVer: request.secVer, sec0: { msg: Sec0MsgType.S0_Session_Response, sr: {} } };
  }

  // Security 0 has no cipher: protocomm passes Request-endpoint data through, with or without a handshake.
  decrypt(data: Uint8Array): Uint8Array {
    return data;
  }

  encrypt(data: Uint8Array): Uint8Array {
    return data;
  }

  reset(): void {}
}
