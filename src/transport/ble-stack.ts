/**
 * What the device's BLE host decides (PROTOCOL.md §2.2.3): how large a value it can take and store, and the
 * stale answer a Bluedroid device gives when it cannot store a new one.
 */
import { SESSION_ENDPOINT, VERSION_ENDPOINT } from '../protocol/endpoints.js';
import { EspProvError } from '../errors.js';
import { equalBytes } from '../bytes.js';
import { BLE_HOST_LIMITS } from '../protocol/limits.js';
import type { BleDeviceInfo } from './ble-discovery.js';
import type { TransportLimits } from './transport.js';

/** The device's BLE host; it sets how large a value the device can take and store (PROTOCOL.md §2.2.3). */
export type BleStack = 'nimble' | 'bluedroid' | 'bluedroid-nosec2';

export const BLE_STACK_LIMITS: Readonly<Record<BleStack, TransportLimits>> = {
  nimble: { maxRequestBytes: BLE_HOST_LIMITS.nimble.maxValue, maxResponseBytes: BLE_HOST_LIMITS.nimble.maxValue },
  bluedroid: {
    maxRequestBytes: BLE_HOST_LIMITS.bluedroid.maxValue,
    maxResponseBytes: BLE_HOST_LIMITS.bluedroid.maxValue,
  },
  'bluedroid-nosec2': {
    maxRequestBytes: BLE_HOST_LIMITS['bluedroid-nosec2'].maxValue,
    maxResponseBytes: BLE_HOST_LIMITS['bluedroid-nosec2'].maxValue,
  },
};

/**
 * The device's BLE host, read from its advertisement: protocomm's Bluedroid advertisement adds a TX power level
 * (and a connection interval range, which noble does not report); NimBLE's carries only flags, name and
 * service UUID (PROTOCOL.md §2.2, advertising data). An explicit `stack` option wins.
 */
export function stackFromAdvertisement(info: Pick<BleDeviceInfo, 'txPowerLevel'>): BleStack {
  return info.txPowerLevel === undefined ? 'nimble' : 'bluedroid';
}

/**
 * A Bluedroid device cannot store a response over its limit: the characteristic keeps its previous value and
 * the read returns that (PROTOCOL.md §2.2.3). Such a stale answer is an error, never an answer. It shows as
 * the previous response again: on prov-session and under schemes whose messages never repeat
 * (`rejectRepeated`) that is always stale; otherwise a repeat is genuine only for a repeated request
 * (Security 0, or Security 2 patch 0's fixed IV, asking the same status again gets the same bytes).
 */
export class StaleResponseCheck {
  /** The last exchange per characteristic. */
  readonly #last = new Map<string, { request: Uint8Array; response: Uint8Array }>();

  constructor(
    readonly stack: BleStack,
    readonly rejectRepeated: boolean,
  ) {}

  /** Forgets every exchange (a new link: the device's characteristics start empty). */
  clear(): void {
    this.#last.clear();
  }

  /** Records the exchange; throws UNSUPPORTED when `response` is the stale previous one. */
  check(endpoint: string, request: Uint8Array, response: Uint8Array): void {
    const previous = this.#last.get(endpoint);
    this.#last.set(endpoint, { request: new Uint8Array(request), response });
    if (!previous || this.stack === 'nimble' || endpoint === VERSION_ENDPOINT) return;
    if (!equalBytes(previous.response, response)) return;
    const alwaysStale = endpoint === SESSION_ENDPOINT || this.rejectRepeated;
    if (!alwaysStale && equalBytes(previous.request, request)) return;
    this.#last.delete(endpoint);
    const max = BLE_STACK_LIMITS[this.stack].maxResponseBytes;
    throw new EspProvError(
      'UNSUPPORTED',
      `${endpoint}: the device sent its previous answer again, which a Bluedroid device does when the new answer ` +
        `is larger than the ${max} bytes it can store; ask for less per request`,
      { endpoint, details: { staleResponse: true, maxResponseBytes: max } },
    );
  }
}
