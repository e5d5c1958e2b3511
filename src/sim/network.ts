/** Builds the radio side of a SimDevice (Wi-Fi station + scanner, or Thread node) and wires it to the manager. */
import type { SimAccessPoint } from './access-points.js';
import type { Clock } from '../timers.js';
import type { ProvManager } from './manager.js';
import type { SimDeviceOptions } from './options.js';
import { DEFAULT_THREAD_NETWORKS } from './thread-networks.js';
import {
  DEFAULT_ATTACH_DELAY_MS,
  DEFAULT_ATTACH_TIMEOUT_MS,
  DEFAULT_THREAD_SCAN_DURATION_MS,
  ThreadNode,
} from './thread-node.js';
import type { SimFlavour } from './version.js';
import {
  DEFAULT_SCAN_DURATION_MS,
  DEFAULT_SCAN_GROUP_PAUSE_MS,
  DEFAULT_SCAN_MAX_ENTRIES,
  WifiScanner,
} from './wifi-scan.js';
import {
  DEFAULT_APPLY_DELAY_MS,
  DEFAULT_ATTEMPT_FAIL_MS,
  DEFAULT_CONN_ATTEMPTS,
  DEFAULT_CONNECT_DELAY_MS,
  WifiStation,
} from './wifi-station.js';

/** Attaches the network simulation for `flavour` to `manager`; returns the scan list bound (max entries). */
export function createNetwork(
  manager: ProvManager,
  flavour: SimFlavour,
  clock: Clock,
  o: SimDeviceOptions,
  defaultAps: readonly SimAccessPoint[],
): number {
  const maxEntries = o.scanMaxEntries ?? DEFAULT_SCAN_MAX_ENTRIES;
  if (flavour === 'netprov-thread') {
    manager.thread = new ThreadNode(
      o.threadNetworks ?? DEFAULT_THREAD_NETWORKS,
      clock,
      {
        scanDurationMs: o.threadScanDurationMs ?? DEFAULT_THREAD_SCAN_DURATION_MS,
        maxEntries,
        attachDelayMs: o.attachDelayMs ?? DEFAULT_ATTACH_DELAY_MS,
        attachTimeoutMs: o.attachTimeoutMs ?? DEFAULT_ATTACH_TIMEOUT_MS,
      },
      {
        onChange: (state) => manager.onNetworkState({ kind: 'thread', state }),
        onAttached: () => manager.networkUp(),
        onFailed: () => manager.networkFailed(),
      },
    );
    return maxEntries;
  }
  const aps = o.accessPoints ?? defaultAps;
  manager.scanner = new WifiScanner(aps, clock, {
    durationMs: o.scanDurationMs ?? DEFAULT_SCAN_DURATION_MS,
    groupPauseMs: o.scanGroupPauseMs ?? DEFAULT_SCAN_GROUP_PAUSE_MS,
    maxEntries,
  });
  manager.station = new WifiStation(
    aps,
    clock,
    {
      applyDelayMs: o.applyDelayMs ?? DEFAULT_APPLY_DELAY_MS,
      connectDelayMs: o.connectDelayMs ?? DEFAULT_CONNECT_DELAY_MS,
      attemptFailMs: o.attemptFailMs ?? DEFAULT_ATTEMPT_FAIL_MS,
      connAttempts: o.connAttempts ?? DEFAULT_CONN_ATTEMPTS,
      dhcpIp: o.answers?.ip ?? o.dhcpIp,
    },
    {
      onChange: (state) => manager.onNetworkState({ kind: 'wifi', state }),
      onConnected: () => manager.networkUp(),
      onFailed: () => manager.networkFailed(),
    },
  );
  return maxEntries;
}
