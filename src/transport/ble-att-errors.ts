/**
 * ATT error responses as coded errors. A provisioning device has no error message of its own: a NimBLE device
 * answers a failed request with ATT error 0x04 and keeps the link (PROTOCOL.md §2.2.7), so 0x04 on a write is
 * the device saying "no" — a wrong PoP/password during the handshake, a handler error otherwise. It maps to
 * CONNECTION_LOST like every other transport's "no response" signal (§6.2), which the session layer turns
 * into HANDSHAKE_FAILED during the handshake.
 */
import { EspProvError } from '../errors.js';
import { deviceRefused } from './transport.js';

export const ATT_ERROR_NAMES: Readonly<Record<number, string>> = {
  0x01: 'Invalid Handle',
  0x02: 'Read Not Permitted',
  0x03: 'Write Not Permitted',
  0x04: 'Invalid PDU',
  0x05: 'Insufficient Authentication',
  0x06: 'Request Not Supported',
  0x07: 'Invalid Offset',
  0x08: 'Insufficient Authorization',
  0x09: 'Prepare Queue Full',
  0x0a: 'Attribute Not Found',
  0x0b: 'Attribute Not Long',
  0x0c: 'Insufficient Encryption Key Size',
  0x0d: 'Invalid Attribute Value Length',
  0x0e: 'Unlikely Error',
  0x0f: 'Insufficient Encryption',
  0x11: 'Insufficient Resources',
};

export const ATT_INVALID_PDU = 0x04;

/**
 * The ATT error code carried by a binding's error: a numeric `attErrorCode` (fake bindings), or BlueZ's
 * "Operation failed with ATT error: 0x04" text (noble's D-Bus binding passes BlueZ messages through).
 */
export function attErrorCodeOf(e: unknown): number | undefined {
  const prop = (e as { attErrorCode?: unknown } | null)?.attErrorCode;
  if (typeof prop === 'number') return prop;
  const message = e instanceof Error ? e.message : typeof e === 'string' ? e : '';
  const m = /ATT error:?\s*0x([0-9a-f]{1,2})/i.exec(message);
  return m ? parseInt(m[1]!, 16) : undefined;
}

export function attErrorLabel(code: number): string {
  return `ATT error 0x${code.toString(16).padStart(2, '0')} ${ATT_ERROR_NAMES[code] ?? 'Unknown'}`;
}

export function attFailure(endpoint: string, code: number, operation: 'write' | 'read', cause?: unknown): EspProvError {
  const label = attErrorLabel(code);
  const options = { endpoint, cause, details: { attError: code, operation } };
  if (code === ATT_INVALID_PDU && operation === 'write') {
    return deviceRefused(
      endpoint,
      `${endpoint}: the device rejected the request (${label}): during the handshake this means a wrong PoP or password; otherwise the device's handler failed`,
      { cause, details: options.details },
    );
  }
  if (code === 0x05 || code === 0x08 || code === 0x0c || code === 0x0f) {
    return new EspProvError(
      'TRANSPORT_UNAVAILABLE',
      `${endpoint}: the device requires an encrypted, paired link (${label}); it was built with BLE forced encryption: pair it with the operating system first`,
      options,
    );
  }
  if (code === 0x07 || code === 0x09 || code === 0x0d) {
    return new EspProvError(
      'UNSUPPORTED',
      `${endpoint}: the device refused the size of the ${operation} (${label})`,
      options,
    );
  }
  return new EspProvError('CONNECTION_LOST', `${endpoint}: ${operation} failed with ${label}`, options);
}
