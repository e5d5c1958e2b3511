/** Decoding and checking of prov-session responses, shared by the three client schemes. */
import { SessionData, Status } from '../gen/proto.js';
import { EspProvError } from '../errors.js';
import { SESSION_ENDPOINT } from '../protocol/endpoints.js';

const ENDPOINT = SESSION_ENDPOINT;

export function decodeSessionData(bytes: Uint8Array): SessionData {
  try {
    return SessionData.decode(bytes);
  } catch (e) {
    throw new EspProvError('DECODE_FAILED', `device sent a malformed session response (${(e as Error).message})`, {
      cause: e,
      endpoint: ENDPOINT,
    });
  }
}

export function encodeSessionData(message: SessionData.$Properties): Uint8Array {
  return SessionData.encode(message).finish();
}

export function handshakeError(message: string): EspProvError {
  return new EspProvError('DECODE_FAILED', message, { endpoint: ENDPOINT });
}

/** The device copies sec_ver from the request; anything else means we are not talking to the scheme we chose. */
export function expectSecVer(data: SessionData, version: number): void {
  if ((data.secVer ?? 0) !== version) {
    throw handshakeError(`device answered with security ${data.secVer ?? 0}, expected ${version}`);
  }
}

export function expectStatus(status: number | null | undefined, step: string): void {
  if ((status ?? Status.Success) !== Status.Success) {
    throw new EspProvError('DEVICE_STATUS', `device reported status ${Status[status ?? 0] ?? status} in ${step}`, {
      endpoint: ENDPOINT,
      details: { status },
    });
  }
}

export function expectLength(value: Uint8Array | null | undefined, lengths: number[], what: string): Uint8Array {
  const v = value ?? new Uint8Array(0);
  if (!lengths.includes(v.length)) {
    throw handshakeError(`${what} is ${v.length} bytes, expected ${lengths.join(' or ')}`);
  }
  return v;
}
