/**
 * A small ProtocommDevice for the BLE tests (echo / fail / delay), and helpers to stand BleGattModel devices
 * in range of fake noble bindings. The real simulator device is used in the end-to-end test only.
 */
import { DeviceFailure, type ProtocommDevice } from '../src/protocol/device.js';
import { BleGattModel, type BleGattModelOptions } from '../src/sim/ble-gatt-model.js';
import { fakeNobleLoader, type FakeNobleBindingsOptions } from '../src/testing/ble-fake-bindings.js';
import type { BleTransportOptions } from '../src/transport/ble.js';

export const STANDARD_ENDPOINTS = ['proto-ver', 'prov-session', 'prov-config', 'prov-scan', 'prov-ctrl', 'custom-data'];

export type Handler = (
  endpoint: string,
  data: Uint8Array,
  session: number,
  signal?: AbortSignal,
) => Promise<Uint8Array> | Uint8Array;

/** Echo: the response is the endpoint name, ':', then the request. */
export const echo: Handler = (endpoint, data) => new Uint8Array([...Buffer.from(`${endpoint}:`), ...data]);

export class FakeDevice implements ProtocommDevice {
  readonly opened: number[] = [];
  readonly closed: number[] = [];
  readonly calls: { endpoint: string; session: number; data: Uint8Array }[] = [];
  handler: Handler;
  readonly #endpoints: string[];

  constructor(handler: Handler = echo, endpoints: string[] = STANDARD_ENDPOINTS) {
    this.handler = handler;
    this.#endpoints = endpoints;
  }
  endpoints(): readonly string[] {
    return this.#endpoints;
  }
  openSession(id: number): void {
    this.opened.push(id);
  }
  closeSession(id: number): void {
    this.closed.push(id);
  }
  async handle(endpoint: string, session: number, data: Uint8Array, signal?: AbortSignal): Promise<Uint8Array> {
    this.calls.push({ endpoint, session, data: data.slice() });
    return this.handler(endpoint, data, session, signal);
  }
}

/** Fails with DeviceFailure (what protocomm does on a bad request). */
export const failing: Handler = () => {
  throw new DeviceFailure('handler failed');
};

/** Never answers until the link is dropped. */
export const hanging: Handler = (_e, _d, _s, signal) =>
  new Promise((_resolve, reject) => {
    signal?.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
  });

export function model(device: ProtocommDevice, options: Partial<BleGattModelOptions> = {}): BleGattModel {
  return new BleGattModel({ device, ...options });
}

export interface Rig {
  loader: ReturnType<typeof fakeNobleLoader>;
  options: BleTransportOptions;
}

/** Transport options over fake bindings, with short deadlines. */
export function rig(
  peripherals: BleGattModel[],
  extra: Partial<FakeNobleBindingsOptions> = {},
  options: Partial<BleTransportOptions> = {},
): Rig {
  const loader = fakeNobleLoader({ peripherals, ...extra });
  return {
    loader,
    options: {
      loader: loader.loader,
      scanTimeoutMs: 200,
      powerOnTimeoutMs: 500,
      connectTimeoutMs: 2000,
      requestTimeoutMs: 5000,
      ...options,
    },
  };
}
