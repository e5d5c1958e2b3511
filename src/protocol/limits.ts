/**
 * Size limits the firmware imposes, shared by the client's transports and the simulator's device side.
 */

/** protocomm_httpd's MAX_REQ_BODY_LEN: the largest request body the SoftAP device reads (PROTOCOL.md §2.1). */
export const HTTP_MAX_REQUEST_BODY = 4096;

export type BleHost = 'nimble' | 'bluedroid' | 'bluedroid-nosec2';

export interface BleHostLimits {
  /** The MTU the device's host offers in its Exchange MTU response (§2.2.3). */
  serverMtu: number;
  /**
   * Largest characteristic value the host keeps: the longest response it can store, and on Bluedroid the
   * size of protocomm's prepare-write buffer (CHAR_VAL_LEN_MAX = 480 + 1 with Security 2 support, 256 + 1
   * without, protocomm_ble.c).
   */
  maxValue: number;
}

/** Per ESP-IDF BLE host (§2.2.2–§2.2.3). */
export const BLE_HOST_LIMITS: Readonly<Record<BleHost, BleHostLimits>> = {
  nimble: { serverMtu: 256, maxValue: 512 },
  bluedroid: { serverMtu: 500, maxValue: 481 },
  'bluedroid-nosec2': { serverMtu: 500, maxValue: 257 },
};
