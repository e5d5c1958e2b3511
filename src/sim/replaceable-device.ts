/**
 * A ProtocommDevice that forwards to a target which can be swapped: what lets `esp-prov sim` keep serving after
 * a device has been provisioned. A provisioned device stops its provisioning service (PROTOCOL.md §5.4); a real
 * board is then reset into provisioning mode, which the simulator mimics by putting a fresh device behind the
 * same HTTP server or console. Like a reboot, the swap carries no transport session over: the next client's
 * first request opens one on the new device.
 */
import type { ProtocommDevice } from '../protocol/device.js';

export class ReplaceableDevice implements ProtocommDevice {
  #target: ProtocommDevice;

  constructor(target: ProtocommDevice) {
    this.#target = target;
  }

  get target(): ProtocommDevice {
    return this.#target;
  }

  /** Later requests go to `next`; one in flight finishes on the device it started on. */
  replace(next: ProtocommDevice): void {
    this.#target = next;
  }

  endpoints(): readonly string[] {
    return this.#target.endpoints();
  }

  openSession(sessionId: number): void {
    this.#target.openSession(sessionId);
  }

  closeSession(sessionId: number): void {
    this.#target.closeSession(sessionId);
  }

  handle(endpoint: string, sessionId: number, data: Uint8Array, signal?: AbortSignal): Promise<Uint8Array> {
    return this.#target.handle(endpoint, sessionId, data, signal);
  }
}
