/**
 * The contract between a transport and the device behind it: protocomm's view of a device (PROTOCOL.md §1.1).
 * The simulator implements it once (SimDevice); every simulated link (HTTP server, in-memory transport, BLE GATT
 * model, console) serves one ProtocommDevice and applies its own framing and failure signalling around it.
 * It lives at the bottom so that a client-side transport to the simulator (memory) needs nothing from sim/.
 */

/**
 * Thrown by `handle` when the device's handler fails. protocomm sends no error message in that case; each
 * transport signals it its own way (HTTP: close the connection without a response; NimBLE: ATT error 0x04;
 * Bluedroid: drop the link; console: no hex line). PROTOCOL.md §6.2.
 */
export class DeviceFailure extends Error {
  override readonly name = 'DeviceFailure';
}

export interface ProtocommDevice {
  /** Names of the registered endpoints, in the firmware's registration order (prov-ctrl, prov-scan, prov-session, ...). */
  endpoints(): readonly string[];
  /** A transport-level session starts; the device holds exactly one, so this replaces any other. */
  openSession(sessionId: number): void;
  /** The transport-level session ended (BLE disconnect, console id change). */
  closeSession(sessionId: number): void;
  /** Handles one request on `endpoint`. Resolves with the response, or rejects with DeviceFailure. */
  handle(endpoint: string, sessionId: number, data: Uint8Array, signal?: AbortSignal): Promise<Uint8Array>;
}
