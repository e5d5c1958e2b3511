/**
 * The manager's Wi-Fi scan (PROTOCOL.md §5.1). group_channels = 0: one all-channel scan whose results appear
 * together when it ends. N > 0: channels 1…13 one at a time, with a pause before every channel that is a
 * multiple of N (the firmware lets the SoftAP send beacons), so result_count grows while the scan runs;
 * channel 14 is never scanned in this mode. The list keeps the `maxEntries` strongest APs, strongest first.
 * period_ms is accepted and not modelled: a whole scan takes `durationMs` of simulated time.
 */
import type { SimAccessPoint } from './access-points.js';
import { sleep, type Clock } from '../timers.js';

export const DEFAULT_SCAN_DURATION_MS = 150;
/** The firmware's pause before each channel group (lets SoftAP clients keep their link). */
export const DEFAULT_SCAN_GROUP_PAUSE_MS = 120;
/** CONFIG_WIFI_PROV_SCAN_MAX_ENTRIES default (range 1–255). */
export const DEFAULT_SCAN_MAX_ENTRIES = 16;
/** How often a blocking ScanStart checks whether the scan has finished. */
export const BLOCKING_SCAN_POLL_MS = 120;

export interface WifiScanOptions {
  durationMs: number;
  groupPauseMs: number;
  maxEntries: number;
}

export interface ScanRequest {
  groupChannels: number;
  passive: boolean;
}

export class WifiScanner {
  readonly #aps: readonly SimAccessPoint[];
  readonly #clock: Clock;
  readonly #options: WifiScanOptions;
  #scanning = false;
  #results: SimAccessPoint[] = [];
  #timers: (() => void)[] = [];

  constructor(aps: readonly SimAccessPoint[], clock: Clock, options: WifiScanOptions) {
    this.#aps = aps;
    this.#clock = clock;
    this.#options = options;
  }

  get finished(): boolean {
    return !this.#scanning;
  }

  get resultCount(): number {
    return this.#results.length;
  }

  result(index: number): SimAccessPoint | undefined {
    return this.#results[index];
  }

  /** Starts a scan; false when one is already running (the firmware then answers Success and does nothing). */
  start(request: ScanRequest): boolean {
    if (this.#scanning) return false;
    this.#scanning = true;
    this.#results = [];
    const group = request.groupChannels & 0xff; // the manager keeps it in a uint8_t
    if (group === 0) {
      this.#at(this.#options.durationMs, () => {
        this.#merge(this.#aps);
        this.#scanning = false;
      });
      return true;
    }
    const perChannel = this.#options.durationMs / 13;
    let t = 0;
    for (let channel = 1; channel <= 13; channel++) {
      if (channel % group === 0) t += this.#options.groupPauseMs;
      t += perChannel;
      const last = channel === 13;
      this.#at(t, () => {
        this.#merge(this.#aps.filter((ap) => ap.channel === channel));
        if (last) this.#scanning = false;
      });
    }
    return true;
  }

  /** Resolves once the scan is over, checking every 120 ms as the firmware's blocking ScanStart does. */
  async waitFinished(signal?: AbortSignal): Promise<void> {
    while (this.#scanning) await sleep(BLOCKING_SCAN_POLL_MS, signal, this.#clock);
  }

  /** Drops a running scan (provisioning stopped). */
  cancel(): void {
    for (const cancel of this.#timers) cancel();
    this.#timers = [];
    this.#scanning = false;
  }

  #at(ms: number, fn: () => void): void {
    this.#timers.push(this.#clock.setTimer(fn, ms));
  }

  #merge(found: readonly SimAccessPoint[]): void {
    // Stable sort: equal RSSI keeps discovery order, as the firmware's insertion does.
    this.#results = [...this.#results, ...found].sort((a, b) => b.rssi - a.rssi).slice(0, this.#options.maxEntries);
  }
}
