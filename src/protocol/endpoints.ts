/**
 * Endpoint names of the provisioning managers (PROTOCOL.md §1.2), shared by the client and the simulator.
 * Thread provisioning (network_provisioning) uses the same endpoints as Wi-Fi: its messages travel on
 * prov-scan, prov-config and prov-ctrl.
 */

export const CTRL_ENDPOINT = 'prov-ctrl';
export const SCAN_ENDPOINT = 'prov-scan';
export const SESSION_ENDPOINT = 'prov-session';
export const CONFIG_ENDPOINT = 'prov-config';
export const VERSION_ENDPOINT = 'proto-ver';
/** The example application's endpoint (§5.7); an application may register others. */
export const CUSTOM_DATA_ENDPOINT = 'custom-data';

/** The manager's endpoints in registration order: this order gives the BLE ids 0xFF4F, 0xFF50, … */
export const MANAGER_ENDPOINTS = [
  CTRL_ENDPOINT,
  SCAN_ENDPOINT,
  SESSION_ENDPOINT,
  CONFIG_ENDPOINT,
  VERSION_ENDPOINT,
] as const;

/** The manager's endpoints and the example's custom-data: what a device usually registers. */
export const KNOWN_ENDPOINTS: readonly string[] = [...MANAGER_ENDPOINTS, CUSTOM_DATA_ENDPOINT];

/** 16-bit BLE characteristic ids the managers assign (§1.2); application endpoints count on from 0xFF54. */
export const BLE_ENDPOINT_IDS: Readonly<Record<string, number>> = {
  [CTRL_ENDPOINT]: 0xff4f,
  [SCAN_ENDPOINT]: 0xff50,
  [SESSION_ENDPOINT]: 0xff51,
  [CONFIG_ENDPOINT]: 0xff52,
  [VERSION_ENDPOINT]: 0xff53,
  [CUSTOM_DATA_ENDPOINT]: 0xff54,
};

/** The first 16-bit id an application endpoint gets. */
export const FIRST_APP_BLE_ID = 0xff54;
