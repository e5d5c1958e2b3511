/** prov-session framing on the device: SessionData in and out, plus the faults that tamper with a response. */
import { SessionData } from '../gen/proto.js';
import { DeviceFailure } from '../protocol/device.js';

export function decodeSession(data: Uint8Array): SessionData {
  try {
    return SessionData.decode(data);
  } catch (e) {
    throw new DeviceFailure(`session request does not parse: ${(e as Error).message}`);
  }
}

export function encodeSession(message: SessionData.$Properties): Uint8Array {
  return SessionData.encode(message).finish();
}

function flipAll(bytes: Uint8Array | null | undefined): Uint8Array | undefined {
  return bytes ? bytes.map((b) => b ^ 0x5a) : undefined;
}

/** Fault 'wrong-proof': the proof in Response1 no longer verifies on the client. */
export function spoilProof(resp: SessionData.$Properties): void {
  const sr1 = resp.sec1?.sr1;
  if (sr1) sr1.deviceVerifyData = flipAll(sr1.deviceVerifyData) ?? null;
  const s2 = resp.sec2?.sr1;
  if (s2) s2.deviceProof = flipAll(s2.deviceProof) ?? null;
}

/** Fault 'unknown-enum': status 99 in the session response. */
export function sessionUnknownEnums(resp: SessionData.$Properties): void {
  const status = 99 as number;
  if (resp.sec0?.sr) resp.sec0.sr.status = status;
  if (resp.sec1?.sr0) resp.sec1.sr0.status = status;
  if (resp.sec1?.sr1) resp.sec1.sr1.status = status;
  if (resp.sec2?.sr0) resp.sec2.sr0.status = status;
  if (resp.sec2?.sr1) resp.sec2.sr1.status = status;
}
