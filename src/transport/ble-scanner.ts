/**
 * A BLE scan that runs for a whole discovery (`esp-prov batch --discover`), on one noble instance that the
 * boards' links share: loading noble per board, as a manifest batch does, would stop and restart the adapter
 * between boards and lose what the scan has seen.
 *
 * Scanning pauses while a link is being opened (connect and GATT discovery) and resumes once it is up. Some
 * controllers refuse to start a connection while they scan (LE Create Connection during scanning is optional
 * in the Core spec), and noble's HCI binding does not arbitrate; scanning while a link is up is universally
 * supported, so a board being provisioned does not stop the discovery of the next. Advertisements missed in a
 * pause come back: a provisioning device advertises continuously.
 */
import { EspProvError, toEspProvError } from '../errors.js';
import { realClock, withDeadline, type Clock } from '../timers.js';
import { deviceInfo, stopScanning, type BleDeviceInfo, type ScanHit } from './ble-discovery.js';
import { loadNoble, type BleLoadOptions, type NobleHandle } from './ble-load.js';
import type { NoblePeripheral } from './ble-noble.js';
import { BleTransport, type BleTransportOptions } from './ble-transport.js';

/** A device the scan saw: what discovery dedupes on (name, address) and what connecting needs (hit). */
export interface BleSeenDevice {
  name: string;
  /** The address, or noble's id where the platform hides addresses (macOS). */
  address: string;
  rssi: number;
  info: BleDeviceInfo;
  hit: ScanHit;
}

/** How long the adapter may take to confirm that a scan started, in ms. */
export const BLE_SCAN_START_TIMEOUT_MS = 5000;

export class BleScanner {
  readonly #handle: NobleHandle;
  readonly #clock: Clock;
  #scanning = false;
  #wanted = false;
  #pauses = 0;
  /** Start/stop requests, one after the other: noble's scan state machine takes one at a time. */
  #chain: Promise<void> = Promise.resolve();
  #failure: ((e: EspProvError) => void) | undefined;
  #closed = false;

  private constructor(handle: NobleHandle, clock: Clock) {
    this.#handle = handle;
    this.#clock = clock;
  }

  /** Loads noble and waits for the adapter: TRANSPORT_UNAVAILABLE at once if BLE cannot work here. */
  static async open(options: BleLoadOptions = {}): Promise<BleScanner> {
    return new BleScanner(await loadNoble(options), options.clock ?? realClock);
  }

  /**
   * Every named device as it advertises, once per (id, name) pair (duplicates are on for the scan: the name
   * often comes in a later scan response), until `signal` aborts. Throws when the scan cannot start or the
   * adapter goes away.
   */
  async *scan(signal: AbortSignal): AsyncIterable<BleSeenDevice> {
    if (this.#wanted) throw new EspProvError('USAGE', 'this BLE scanner is already scanning');
    const noble = this.#handle.noble;
    const queue: BleSeenDevice[] = [];
    const reported = new Set<string>();
    let wake: (() => void) | undefined;
    let failed: EspProvError | undefined;
    const onDiscover = (p: NoblePeripheral): void => {
      const info = deviceInfo(p);
      const key = `${p.id}\u0000${info.name}`;
      if (info.name === '' || reported.has(key)) return;
      reported.add(key);
      queue.push({
        name: info.name,
        address: info.address || info.id,
        rssi: info.rssi,
        info,
        hit: { info, peripheral: p },
      });
      wake?.();
    };
    const onState = (state: string): void => {
      if (state !== 'poweredOn') fail(new EspProvError('TRANSPORT_UNAVAILABLE', `the BLE adapter went ${state}`));
    };
    const fail = (e: EspProvError): void => {
      failed ??= e;
      wake?.();
    };
    const onAbort = (): void => wake?.();
    noble.on('discover', onDiscover);
    noble.on('stateChange', onState);
    signal.addEventListener('abort', onAbort, { once: true });
    this.#failure = fail;
    this.#wanted = true;
    this.#apply();
    try {
      while (!signal.aborted) {
        if (failed) throw failed;
        const next = queue.shift();
        if (next) {
          yield next;
          continue;
        }
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
      noble.removeListener('discover', onDiscover);
      noble.removeListener('stateChange', onState);
      this.#wanted = false;
      this.#failure = undefined;
      this.#apply();
      await this.#chain;
    }
  }

  /**
   * Opens the provisioning link to a device the scan reported, on the shared noble (the transport's close
   * drops the link, not noble), with scanning paused meanwhile.
   */
  async connect(device: BleSeenDevice, options: Omit<BleTransportOptions, 'loader'>): Promise<BleTransport> {
    if (this.#closed) throw new EspProvError('CANCELLED', 'the BLE scanner is closed');
    this.#pauses++;
    this.#apply();
    try {
      await this.#chain;
      const shared: NobleHandle = { noble: this.#handle.noble, release: () => undefined };
      return await BleTransport.connect(shared, device.hit, { ...options, clock: options.clock ?? this.#clock });
    } finally {
      this.#pauses--;
      this.#apply();
    }
  }

  /** Stops scanning and noble (every link with it). Idempotent. */
  close(): void {
    this.#closed = true;
    this.#handle.release();
  }

  /** Brings the adapter's scan state to what is wanted now; queued behind the previous change. */
  #apply(): void {
    this.#chain = this.#chain.then(async () => {
      const want = this.#wanted && this.#pauses === 0 && !this.#closed;
      if (want === this.#scanning) return;
      const noble = this.#handle.noble;
      if (want) {
        try {
          await withDeadline(
            noble.startScanningAsync([], true),
            BLE_SCAN_START_TIMEOUT_MS,
            () => new EspProvError('TRANSPORT_UNAVAILABLE', 'the BLE scan did not start'),
            { clock: this.#clock },
          );
          this.#scanning = true;
        } catch (e) {
          const err = toEspProvError(e);
          this.#failure?.(
            err.code === 'TRANSPORT_UNAVAILABLE'
              ? err
              : new EspProvError('TRANSPORT_UNAVAILABLE', `could not start the BLE scan: ${err.message}`, { cause: e }),
          );
        }
      } else {
        this.#scanning = false;
        await stopScanning(noble, this.#clock);
      }
    });
  }
}
