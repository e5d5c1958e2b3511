/**
 * BLE (PROTOCOL.md §2.2): finding a provisioning device, opening the transport to it (ble-transport.ts), and
 * what library users import. noble is loaded only when one of these runs.
 */
import { EspProvError } from '../errors.js';
import { scanForDevices, type BleDeviceInfo } from './ble-discovery.js';
import { loadNoble } from './ble-load.js';
import { BleTransport, type BleDiscoveryOptions, type BleTransportOptions } from './ble-transport.js';

export { DEFAULT_NAME_PREFIX, DEFAULT_SCAN_TIMEOUT_MS, type BleDeviceInfo } from './ble-discovery.js';
export { BLE_STACK_LIMITS, stackFromAdvertisement, type BleStack } from './ble-stack.js';
export {
  BleTransport,
  DEFAULT_BLE_CONNECT_TIMEOUT_MS,
  DEFAULT_BLE_REQUEST_TIMEOUT_MS,
  type BleDiscoveryOptions,
  type BleTransportOptions,
} from './ble-transport.js';

/** Scans and lists provisioning devices (for an interactive picker). Releases the adapter before returning. */
export async function discoverBleDevices(options: BleDiscoveryOptions = {}): Promise<BleDeviceInfo[]> {
  const handle = await loadNoble(options);
  try {
    return (await scanForDevices(handle.noble, options)).map((h) => h.info);
  } finally {
    handle.release();
  }
}

/** Finds the device (by serviceName and/or address), connects and maps its endpoints. */
export async function openBleTransport(options: BleTransportOptions): Promise<BleTransport> {
  if (options.serviceName === undefined && options.address === undefined) {
    throw new EspProvError(
      'USAGE',
      'name the BLE device (service name) or give its address; discoverBleDevices() lists them',
    );
  }
  const handle = await loadNoble(options);
  try {
    const [hit] = await scanForDevices(handle.noble, options);
    return await BleTransport.connect(handle, hit!, options);
  } catch (e) {
    handle.release();
    throw e;
  }
}
