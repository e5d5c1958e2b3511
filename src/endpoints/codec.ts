/**
 * Decoding of endpoint responses with the checks esp_prov skips (PROTOCOL.md §9 item 42): the response's
 * msg must be the request's msg + 1 and its payload case must be the expected one. An empty body decodes as
 * an all-defaults message (sta_state absent = Connected!), so "decodes" is never enough.
 */
import { EspProvError } from '../errors.js';
import { Status } from '../gen/proto.js';

export interface Decodable<T> {
  decode(bytes: Uint8Array): T;
}

export function decodeOrThrow<T>(type: Decodable<T>, bytes: Uint8Array, endpoint: string): T {
  try {
    return type.decode(bytes);
  } catch (e) {
    throw new EspProvError(
      'DECODE_FAILED',
      `${endpoint}: malformed response from the device (${(e as Error).message})`,
      {
        cause: e,
        endpoint,
      },
    );
  }
}

/** Checks the envelope: msg type and oneof case. `msg` absent on the wire means 0. */
export function expectPayload(
  message: { msg?: number | null; payload?: string | undefined },
  endpoint: string,
  msg: number,
  payloadCase: string,
): void {
  if ((message.msg ?? 0) !== msg) {
    throw new EspProvError('DECODE_FAILED', `${endpoint}: expected response type ${msg}, got ${message.msg ?? 0}`, {
      endpoint,
    });
  }
  if (message.payload !== payloadCase) {
    throw new EspProvError(
      'DECODE_FAILED',
      `${endpoint}: expected a ${payloadCase} response, got ${message.payload ?? 'no payload'}`,
      { endpoint },
    );
  }
}

export function statusName(status: number): string {
  return Status[status] ?? `unknown status ${status}`;
}

/** A non-Success status from the device: the device said no (as opposed to a transport failure). */
export function expectSuccess(status: number | null | undefined, endpoint: string, what: string): void {
  const s = status ?? 0;
  if (s !== 0) {
    throw new EspProvError('DEVICE_STATUS', `${endpoint}: the device refused ${what} (${statusName(s)})`, {
      endpoint,
      details: { status: s, statusName: statusName(s) },
    });
  }
}
