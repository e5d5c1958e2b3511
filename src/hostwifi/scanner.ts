/**
 * SoftAP boards found by their access points' names: the host's Wi-Fi scan (HostWifi.scan) repeated at an
 * interval, as a discovery's scanner (batch/discovery.ts's DeviceScanner, matched by shape so that this layer
 * does not import the batch). Each scan's access points are reported; the discovery keeps each new SSID once.
 * A board that powers up between two scans is found by the next one, so the interval bounds how long a board
 * waits on the bench; a shorter one gains little, as a scan itself takes seconds (the radio visits every
 * channel). Scans and joins take turns on the interface (join.ts's queue).
 */
import { holdInterface } from './join.js';
import { realClock, sleep, type Clock } from '../timers.js';
import type { HostWifi } from './types.js';

/** Pause between the end of one scan and the start of the next, ms. */
export const ACCESS_POINT_SCAN_INTERVAL_MS = 3_000;
/** Deadline of one scan (nmcli's rescan waits for the radio), ms. */
export const ACCESS_POINT_SCAN_TIMEOUT_MS = 30_000;

export interface AccessPointScannerOptions {
  intervalMs?: number;
  timeoutMs?: number;
  /** The interval's clock (tests move a ManualClock); the scan's own deadline is the tool call's. */
  clock?: Clock;
}

export interface ScannedName {
  name: string;
}

export function accessPointScanner(
  wifi: HostWifi,
  o: AccessPointScannerOptions = {},
): { scan(signal: AbortSignal): AsyncIterable<ScannedName> } {
  const intervalMs = o.intervalMs ?? ACCESS_POINT_SCAN_INTERVAL_MS;
  const timeoutMs = o.timeoutMs ?? ACCESS_POINT_SCAN_TIMEOUT_MS;
  const clock = o.clock ?? realClock;
  return {
    async *scan(signal) {
      while (!signal.aborted) {
        try {
          // Not while a board's access point is joined (the computer is on its channel), nor a join meanwhile.
          const release = await holdInterface(wifi.key, signal);
          const aps = await wifi.scan({ signal, timeoutMs }).finally(release);
          // No BSSID or dBm here: the discovery dedupes by name, which is all a SoftAP board is known by.
          for (const ap of aps) yield { name: ap.ssid };
          await sleep(intervalMs, signal, clock);
        } catch (e) {
          // Stopped (count reached, Ctrl-C): the stream just ends. A failing tool is the discovery's failure.
          if (signal.aborted) return;
          throw e;
        }
      }
    },
  };
}
