/**
 * The provisioning manager's state machine (PROTOCOL.md §5.4–§5.6, §5.9):
 *   started → credentials received (Apply) → success (got IP / attached) or failed (attempts exhausted);
 *   failed → started via ctrl reset or the example's automatic reset; success → started via ctrl reprov
 *   (only with auto-stop disabled). After Connected/Attached has been reported, provisioning stops
 *   `cleanupDelayMs` later (and `autoStopTimeoutMs` after the IP regardless), unless auto-stop is disabled.
 */
import type { Clock } from '../timers.js';
import { Status } from '../protocol/status.js';
import { MAX_DATASET_LENGTH } from '../protocol/thread-tlv.js';
import { parseDataset } from './thread-dataset.js';
import type { ThreadNode, ThreadState } from './thread-node.js';
import type { WifiScanner } from './wifi-scan.js';
import type { StationState, WifiCredentials, WifiStation } from './wifi-station.js';

export type ManagerState = 'started' | 'credentials-received' | 'success' | 'failed' | 'stopped';

export const DEFAULT_CLEANUP_DELAY_MS = 1000;
export const DEFAULT_AUTO_STOP_TIMEOUT_MS = 30000;

/** Status values the manager produces (Success, InvalidArgument, InternalError). */
export type StatusValue = Status.Success | Status.InvalidArgument | Status.InternalError;

export interface ManagerOptions {
  autoStop: boolean;
  cleanupDelayMs: number;
  autoStopTimeoutMs: number;
  autoResetOnFailure: boolean;
  resetWhenStarted: boolean;
  resetAttemptCounter: boolean;
}

export type StopReason = 'provisioned' | 'auto-stop-timeout' | 'stopped';

export interface SimStopInfo {
  reason: StopReason;
  /** Clock time (ms) of the stop. */
  at: number;
}

export type SimStateEvent =
  | { kind: 'manager'; state: ManagerState }
  | { kind: 'wifi'; state: StationState }
  | { kind: 'thread'; state: ThreadState };

export interface ManagerHooks {
  onState(event: SimStateEvent): void;
  onStopped(info: SimStopInfo): void;
}

export class ProvManager {
  readonly #clock: Clock;
  readonly #options: ManagerOptions;
  readonly #hooks: ManagerHooks;
  #state: ManagerState = 'started';
  #wifiConfig: WifiCredentials | undefined;
  #dataset: Uint8Array | undefined;
  #timers: (() => void)[] = [];
  #doneScheduled = false;
  station: WifiStation | undefined;
  scanner: WifiScanner | undefined;
  thread: ThreadNode | undefined;

  constructor(clock: Clock, options: ManagerOptions, hooks: ManagerHooks) {
    this.#clock = clock;
    this.#options = options;
    this.#hooks = hooks;
  }

  get state(): ManagerState {
    return this.#state;
  }

  get stopped(): boolean {
    return this.#state === 'stopped';
  }

  #set(state: ManagerState): void {
    if (this.#state === 'stopped') return;
    this.#state = state;
    this.#hooks.onState({ kind: 'manager', state });
  }

  #after(ms: number, fn: () => void, keepAlive = false): void {
    this.#timers.push(this.#clock.setTimer(fn, ms, keepAlive));
  }

  // ---- called by the station / Thread node ------------------------------------------------------------

  onNetworkState(event: SimStateEvent): void {
    this.#hooks.onState(event);
  }

  networkUp(): void {
    this.#set('success');
    if (this.#options.autoStop) this.#after(this.#options.autoStopTimeoutMs, () => this.stop('auto-stop-timeout'));
  }

  networkFailed(): void {
    this.#set('failed');
    // The example's WIFI_PROV_CRED_FAIL handler resets the state machine at once (its Kconfig default).
    if (this.#options.autoResetOnFailure) this.#resetToStarted();
  }

  /** wifi_prov_mgr_done(): the client has seen Connected/Attached. */
  done(): void {
    if (!this.#options.autoStop || this.#doneScheduled) return;
    this.#doneScheduled = true;
    this.#after(this.#options.cleanupDelayMs, () => this.stop('provisioned'), true);
  }

  stop(reason: StopReason): void {
    if (this.#state === 'stopped') return;
    for (const cancel of this.#timers) cancel();
    this.#timers = [];
    this.station?.halt();
    this.scanner?.cancel();
    this.thread?.halt();
    this.#set('stopped');
    this.#state = 'stopped';
    this.#hooks.onStopped({ reason, at: this.#clock.now() });
  }

  #resetToStarted(): void {
    this.#wifiConfig = undefined;
    this.#dataset = undefined;
    this.#set('started');
  }

  // ---- Wi-Fi ------------------------------------------------------------------------------------------

  setWifiConfig(ssid: Uint8Array, passphrase: Uint8Array, bssid: Uint8Array): StatusValue {
    if (bssid.length !== 0 && bssid.length !== 6) return Status.InvalidArgument;
    if (ssid.length >= 33 || passphrase.length >= 64) return Status.InvalidArgument;
    // The passphrase is copied as a C string; bssid and channel are validated but not used (§5.2).
    const nul = passphrase.indexOf(0);
    this.#wifiConfig = {
      ssid: new Uint8Array(ssid),
      passphrase: new Uint8Array(nul >= 0 ? passphrase.subarray(0, nul) : passphrase),
    };
    return Status.Success;
  }

  applyWifiConfig(): StatusValue {
    if (!this.station || this.#state !== 'started' || !this.#wifiConfig) return Status.InternalError;
    if (this.#options.resetAttemptCounter) this.station.resetAttempts();
    this.#set('credentials-received');
    this.station.connect(this.#wifiConfig);
    return Status.Success;
  }

  wifiStatus(): StationState | undefined {
    const state = this.station?.state;
    if (state?.kind === 'connected') this.done();
    return state;
  }

  ctrlReset(): StatusValue {
    const allowed = this.#state === 'failed' || (this.#options.resetWhenStarted && this.#state === 'started');
    if (!allowed) return Status.InternalError;
    if (this.#options.resetAttemptCounter) this.station?.resetAttempts();
    this.#resetToStarted();
    return Status.Success;
  }

  ctrlReprov(): StatusValue {
    if (this.#options.autoStop) return Status.InternalError;
    for (const cancel of this.#timers) cancel();
    this.#timers = [];
    this.#doneScheduled = false;
    this.station?.disconnect();
    this.thread?.detach();
    this.#resetToStarted();
    return Status.Success;
  }

  // ---- Thread -----------------------------------------------------------------------------------------

  setThreadDataset(dataset: Uint8Array): StatusValue {
    if (dataset.length > MAX_DATASET_LENGTH) return Status.InvalidArgument;
    this.#dataset = new Uint8Array(dataset); // stored only; parsed on apply
    return Status.Success;
  }

  applyThreadDataset(): StatusValue {
    if (!this.thread || this.#state !== 'started' || !this.#dataset) return Status.InternalError;
    const parsed = parseDataset(this.#dataset);
    if (!parsed.ok) {
      this.thread.rejectDataset();
      return Status.InternalError;
    }
    this.#set('credentials-received');
    this.thread.attach(parsed.dataset);
    return Status.Success;
  }

  threadStatus(): ThreadState | undefined {
    const state = this.thread?.state;
    if (state?.kind === 'attached') this.done();
    return state;
  }
}
