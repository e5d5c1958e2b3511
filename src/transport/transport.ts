/**
 * A transport carries one request to a named endpoint and brings back exactly one response
 * (PROTOCOL.md §1.1). Its quirks (HTTP cookie, GATT descriptors, MTU, console framing) stay inside its file.
 * What the rest of the stack needs to know about a transport is declared here, not inferred from its name.
 */
import { HTTP_MAX_REQUEST_BODY } from '../protocol/limits.js';

import { EspProvError } from '../errors.js';

export interface RequestOptions {
  /** Aborts the request; the transport rejects with CANCELLED. */
  signal?: AbortSignal;
  /** Deadline for this one request, in milliseconds. Transports apply their default when absent. */
  timeoutMs?: number;
}

export interface TransportLimits {
  /** Largest request payload (bytes) the device side accepts on this transport. */
  maxRequestBytes: number;
  /** Largest response payload (bytes) the device side can deliver on this transport. */
  maxResponseBytes: number;
  /** Why maxRequestBytes is what it is, for the error refusing a larger request (the console's 256-byte lines). */
  requestLimitReason?: string;
}

export interface Transport {
  /** Short name for logs and errors: "softap", "ble", "console", "serial", "memory". */
  readonly kind: string;
  readonly limits: TransportLimits;
  /**
   * True when the link runs over the device's own Wi-Fi radio (SoftAP). A device-side Wi-Fi scan must then
   * hop channels in groups so that the access point keeps beaconing (esp_prov: group_channels 5, §5.1).
   */
  readonly linkUsesDeviceWifi?: boolean;
  /**
   * Sends `data` (never empty) to `endpoint` and resolves with the response bytes. Rejects with an
   * EspProvError: CONNECTION_LOST when the device closed without answering, TIMEOUT, CANCELLED, ...
   */
  request(endpoint: string, data: Uint8Array, options?: RequestOptions): Promise<Uint8Array>;
  /** Releases the link. Safe to call more than once. */
  close(): Promise<void>;
}

/** HTTP: MAX_REQ_BODY_LEN is 4096 and responses have no practical limit (PROTOCOL.md §2.1). */
export const HTTP_LIMITS: TransportLimits = { maxRequestBytes: HTTP_MAX_REQUEST_BODY, maxResponseBytes: 64 * 1024 };

/**
 * The device's own "no": protocomm has no error message, so a device refuses a request by answering nothing
 * (HTTP: closing the connection after reading the request; NimBLE: ATT error 0x04 on the write; Bluedroid:
 * dropping the link; console: no reply line before its prompt; PROTOCOL.md §6.2). Every transport reports that
 * as CONNECTION_LOST with `details.refused` set, so that the layers above can tell a device that refused a
 * step (a wrong PoP during the handshake) from a link that failed (refused connection, reset, other ATT errors).
 */
export function deviceRefused(
  endpoint: string,
  message: string,
  options: { cause?: unknown; details?: Record<string, unknown> } = {},
): EspProvError {
  return new EspProvError('CONNECTION_LOST', message, {
    endpoint,
    ...(options.cause === undefined ? {} : { cause: options.cause }),
    details: { ...options.details, refused: true },
  });
}

/** True for the device's own refusal signal (see deviceRefused). */
export function isDeviceRefusal(e: unknown): boolean {
  return e instanceof EspProvError && e.code === 'CONNECTION_LOST' && e.details?.['refused'] === true;
}
