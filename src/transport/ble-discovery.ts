/**
 * Finding the device: a scan with a deadline (esp_prov scans 5 s, PROTOCOL.md §2.2.8). A device is chosen by
 * its exact advertised name (the service name, e.g. PROV_XXYYZZ, §2.2.4) and/or its address; without either,
 * every device whose name starts with a prefix is listed, strongest signal first. Devices that share a name
 * are all kept: two boards advertising the same name must stay distinguishable by address.
 */
import { EspProvError } from '../errors.js';
import { realClock, type Clock } from '../timers.js';
import { dashedUuid } from './ble-gatt.js';
import type { BleLogger, NobleLike, NoblePeripheral } from './ble-noble.js';

export const DEFAULT_SCAN_TIMEOUT_MS = 5000;
export const DEFAULT_NAME_PREFIX = 'PROV_';

export interface BleDeviceInfo {
  /** Advertised local name ('' when the device sent none). */
  name: string;
  /** Bluetooth address as noble reports it (macOS hides addresses: there it is empty and `id` identifies). */
  address: string;
  /** noble's peripheral id (the address without colons on Linux, a CoreBluetooth UUID on macOS). */
  id: string;
  /** Signal strength in dBm at the last advertisement seen. */
  rssi: number;
  connectable: boolean;
  /** Advertised service UUIDs, dashed. */
  serviceUuids: string[];
  manufacturerData?: Uint8Array;
  /** Advertised TX power level (dBm). Bluedroid's provisioning advertisement carries it, NimBLE's does not. */
  txPowerLevel?: number;
}

export interface BleScanOptions {
  /** Exact advertised name to select; the scan ends as soon as it is seen. */
  serviceName?: string;
  /** Address (any case, with or without ':'/'-') or noble id to select; the scan ends when it is seen. */
  address?: string;
  /** Without serviceName/address: list devices whose name starts with this. Default DEFAULT_NAME_PREFIX. */
  namePrefix?: string;
  /** Scan duration / deadline in ms. Default DEFAULT_SCAN_TIMEOUT_MS. */
  scanTimeoutMs?: number;
  signal?: AbortSignal;
  logger?: BleLogger;
  /** Time source for the scan window and every set-up deadline (a test's ManualClock). Default: the wall clock. */
  clock?: Clock;
}

export interface ScanHit {
  info: BleDeviceInfo;
  peripheral: NoblePeripheral;
}

const compactAddress = (a: string): string => a.toLowerCase().replace(/[:-]/g, '');

export function deviceInfo(p: NoblePeripheral): BleDeviceInfo {
  const adv = p.advertisement ?? {};
  const info: BleDeviceInfo = {
    name: adv.localName ?? '',
    address: p.address && p.address !== 'unknown' ? p.address : '',
    id: p.id,
    rssi: p.rssi,
    connectable: p.connectable !== false,
    serviceUuids: (adv.serviceUuids ?? []).map((u) => {
      try {
        return dashedUuid(u);
      } catch {
        return u;
      }
    }),
  };
  if (adv.manufacturerData && adv.manufacturerData.length > 0) {
    info.manufacturerData = new Uint8Array(adv.manufacturerData);
  }
  if (typeof adv.txPowerLevel === 'number') info.txPowerLevel = adv.txPowerLevel;
  return info;
}

/** Strongest first; equal signals by name then address so that the order is stable. */
export function byStrength(a: BleDeviceInfo, b: BleDeviceInfo): number {
  return (
    b.rssi - a.rssi || a.name.localeCompare(b.name) || a.address.localeCompare(b.address) || a.id.localeCompare(b.id)
  );
}

/**
 * Scans until the selected device appears (serviceName/address) or the deadline passes (listing). Rejects
 * with DEVICE_NOT_FOUND when nothing matched, naming what was seen, and CANCELLED on abort.
 */
export async function scanForDevices(noble: NobleLike, options: BleScanOptions = {}): Promise<ScanHit[]> {
  const timeoutMs = options.scanTimeoutMs ?? DEFAULT_SCAN_TIMEOUT_MS;
  const clock = options.clock ?? realClock;
  const selecting = options.serviceName !== undefined || options.address !== undefined;
  const prefix = options.namePrefix ?? DEFAULT_NAME_PREFIX;
  const wanted = options.address === undefined ? undefined : compactAddress(options.address);
  const matches = (p: NoblePeripheral): boolean => {
    const name = p.advertisement?.localName ?? '';
    if (selecting) {
      if (options.serviceName !== undefined && name !== options.serviceName) return false;
      return wanted === undefined || compactAddress(p.address ?? '') === wanted || compactAddress(p.id) === wanted;
    }
    return prefix === '' || (name !== '' && name.startsWith(prefix));
  };

  if (options.signal?.aborted) throw new EspProvError('CANCELLED', 'cancelled before the BLE scan');
  const seen = new Map<string, NoblePeripheral>();
  let chosen: NoblePeripheral | undefined;
  await new Promise<void>((resolve, reject) => {
    let settled = false;
    const finish = (err?: EspProvError): void => {
      if (settled) return;
      settled = true;
      cancelTimer();
      noble.removeListener('discover', onDiscover);
      options.signal?.removeEventListener('abort', onAbort);
      if (err === undefined) resolve();
      else reject(err);
    };
    const onDiscover = (p: NoblePeripheral): void => {
      seen.set(p.id, p);
      if (selecting && matches(p)) {
        chosen = p;
        finish();
      }
    };
    const onAbort = (): void => finish(new EspProvError('CANCELLED', 'BLE scan cancelled'));
    const cancelTimer = clock.setTimer(() => finish(), timeoutMs, true);
    noble.on('discover', onDiscover);
    options.signal?.addEventListener('abort', onAbort, { once: true });
    // Duplicates on: the name often arrives in a later scan response, and RSSI keeps changing.
    noble
      .startScanningAsync([], true)
      .catch((e: unknown) =>
        finish(new EspProvError('TRANSPORT_UNAVAILABLE', `could not start the BLE scan: ${String(e)}`, { cause: e })),
      );
  });
  await stopScanning(noble, clock, options.logger);

  if (chosen) return [{ info: deviceInfo(chosen), peripheral: chosen }];
  const hits = [...seen.values()]
    .filter((p) => !selecting && matches(p))
    .map((peripheral) => ({ info: deviceInfo(peripheral), peripheral }))
    .sort((a, b) => byStrength(a.info, b.info));
  if (hits.length > 0) return hits;
  throw notFound(options, prefix, timeoutMs, [...seen.values()].map(deviceInfo));
}

/** Stops a scan, giving up on the confirmation after 1 s (shared with ble-scanner.ts). */
export async function stopScanning(noble: NobleLike, clock: Clock, logger?: BleLogger): Promise<void> {
  let cancelTimer = (): void => undefined;
  try {
    // A broken adapter may never confirm the stop; the scan is abandoned either way.
    await Promise.race([
      noble.stopScanningAsync(),
      new Promise<void>((resolve) => {
        cancelTimer = clock.setTimer(resolve, 1000, true);
      }),
    ]);
  } catch (e) {
    logger?.debug?.(`stopping the BLE scan failed: ${e instanceof Error ? e.message : String(e)}`);
  } finally {
    cancelTimer();
  }
}

function notFound(options: BleScanOptions, prefix: string, timeoutMs: number, seen: BleDeviceInfo[]): EspProvError {
  const what =
    options.serviceName !== undefined && options.address !== undefined
      ? `no BLE device named ${JSON.stringify(options.serviceName)} at ${options.address}`
      : options.serviceName !== undefined
        ? `no BLE device named ${JSON.stringify(options.serviceName)}`
        : options.address !== undefined
          ? `no BLE device with address ${options.address}`
          : `no BLE device whose name starts with ${JSON.stringify(prefix)}`;
  const named = seen.filter((d) => d.name !== '').sort(byStrength);
  const list = named
    .slice(0, 10)
    .map((d) => `${d.name} (${d.address || d.id}, ${d.rssi} dBm)`)
    .join(', ');
  const tail = named.length > 0 ? ` Seen: ${list}${named.length > 10 ? ', ...' : ''}.` : '';
  return new EspProvError(
    'DEVICE_NOT_FOUND',
    `${what} advertised within ${timeoutMs} ms. Is the device in provisioning mode and in range?${tail}`,
    { details: { seen: named.map((d) => ({ name: d.name, address: d.address, id: d.id, rssi: d.rssi })) } },
  );
}
