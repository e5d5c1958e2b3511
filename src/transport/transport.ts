/**
 * A transport carries one request to a named endpoint and brings back exactly one response
 * (PROTOCOL.md §1.1). Its quirks (HTTP cookie, GATT descriptors, MTU, console framing) stay inside its file.
 * What the rest of the stack needs to know about a transport is declared here, not inferred from its name.
 */
import { HTTP_MAX_REQUEST_BODY } from '../protocol/limits.js';

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
