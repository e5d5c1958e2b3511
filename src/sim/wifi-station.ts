/**
 * The station side of Wi-Fi provisioning after ApplyConfig (PROTOCOL.md §5.2, §5.4, §3.11): a 1-second timer,
 * then connection attempts against the simulated access points, with the manager's retry and reason rules:
 *   - disconnect reasons 14, 15, 202, 204 → AuthError; 201 (no AP found) → NetworkNotFound; others "other";
 *   - connAttempts n > 0: every failed attempt counts; while attempts remain the state is Connecting +
 *     attempt_failed{remaining} and the device retries at once; the n-th failure is final (an "other" reason
 *     then keeps the previously stored reason, initially AuthError);
 *   - connAttempts 0 (legacy): auth / not-found failures are final at once, "other" reasons retry forever.
 */
import { equalBytes } from '../bytes.js';
import type { SimAccessPoint } from './access-points.js';
import type { Clock } from '../timers.js';

export const DEFAULT_APPLY_DELAY_MS = 1000;
export const DEFAULT_CONNECT_DELAY_MS = 2500;
export const DEFAULT_ATTEMPT_FAIL_MS = 1500;
export const DEFAULT_CONN_ATTEMPTS = 5;
export const DEFAULT_DHCP_IP = '192.168.1.100';

/** ESP disconnect reasons the simulation produces. */
export const REASON = { MIC_FAILURE: 14, HANDSHAKE_TIMEOUT: 15, NO_AP_FOUND: 201, AUTH_FAIL: 202 } as const;

/** WifiConnectFailedReason: AuthError 0, NetworkNotFound 1. */
export type FailReason = 0 | 1;

export type StationState =
  | { kind: 'connecting' }
  | { kind: 'attempt-failed'; attemptsRemaining: number }
  | { kind: 'connected'; ap: SimAccessPoint; ip: string; ssid: Uint8Array }
  | { kind: 'failed'; reason: FailReason };

export interface StationOptions {
  applyDelayMs: number;
  connectDelayMs: number;
  attemptFailMs: number;
  connAttempts: number;
  /** Forces the address reported on success; otherwise the AP's own `ip`, else DEFAULT_DHCP_IP. */
  dhcpIp: string | undefined;
}

export interface StationHooks {
  onChange(state: StationState): void;
  /** Got an IP. */
  onConnected(): void;
  /** Attempts exhausted (WIFI_PROV_CRED_FAIL). */
  onFailed(): void;
}

export interface WifiCredentials {
  ssid: Uint8Array;
  passphrase: Uint8Array;
}

function mapReason(reason: number): FailReason | 'other' {
  if (reason === 14 || reason === 15 || reason === 202 || reason === 204) return 0;
  if (reason === 201) return 1;
  return 'other';
}

/** Whether `passphrase` opens `ap`. Open and OWE networks take anything; enterprise ones no PSK at all. */
function credentialsFit(ap: SimAccessPoint, passphrase: Uint8Array): boolean {
  if (ap.auth === 0 || ap.auth === 9) return true;
  if (ap.auth === 5 || ap.auth === 10 || ap.auth === 14 || ap.auth === 15) return false;
  return ap.passphrase !== undefined && equalBytes(ap.passphrase, passphrase);
}

export class WifiStation {
  readonly #aps: readonly SimAccessPoint[];
  readonly #clock: Clock;
  readonly #options: StationOptions;
  readonly #hooks: StationHooks;
  #state: StationState = { kind: 'connecting' };
  #attemptsDone = 0;
  #lastReason: FailReason = 0;
  #cancel: (() => void) | undefined;

  constructor(aps: readonly SimAccessPoint[], clock: Clock, options: StationOptions, hooks: StationHooks) {
    this.#aps = aps;
    this.#clock = clock;
    this.#options = options;
    this.#hooks = hooks;
  }

  get state(): StationState {
    return this.#state;
  }

  /** Starts connecting with `creds` after the firmware's apply timer. */
  connect(creds: WifiCredentials): void {
    this.#stopTimer();
    this.#set({ kind: 'connecting' });
    this.#cancel = this.#clock.setTimer(() => this.#attempt(creds), this.#options.applyDelayMs);
  }

  /** NP ≥ 1.2.2 clears the attempt counter on apply and on ctrl reset; IDF never does (§9 item 34). */
  resetAttempts(): void {
    this.#attemptsDone = 0;
  }

  /** esp_wifi_disconnect + cleared config (reprov): no connection in progress, state back to its initial value. */
  disconnect(): void {
    this.#stopTimer();
    this.#set({ kind: 'connecting' });
  }

  /** Stops pending work (provisioning stopped); the reported state stays as it is. */
  halt(): void {
    this.#stopTimer();
  }

  #stopTimer(): void {
    this.#cancel?.();
    this.#cancel = undefined;
  }

  #set(state: StationState): void {
    this.#state = state;
    this.#hooks.onChange(state);
  }

  #attempt(creds: WifiCredentials): void {
    // The station picks the strongest AP carrying the SSID (bssid and channel of SetConfig are not used).
    const ap = this.#aps.filter((a) => equalBytes(a.ssid, creds.ssid)).sort((a, b) => b.rssi - a.rssi)[0];
    let reason: number | undefined;
    if (!ap) reason = REASON.NO_AP_FOUND;
    else if (ap.disconnectReason !== undefined) reason = ap.disconnectReason;
    else if (!credentialsFit(ap, creds.passphrase))
      reason = ap.auth === 1 ? REASON.AUTH_FAIL : REASON.HANDSHAKE_TIMEOUT;
    if (reason === undefined && ap) {
      this.#cancel = this.#clock.setTimer(() => {
        this.#cancel = undefined;
        const ssidEnd = creds.ssid.indexOf(0); // reported with strlen()
        const ssid = ssidEnd >= 0 ? creds.ssid.subarray(0, ssidEnd) : creds.ssid;
        this.#set({ kind: 'connected', ap, ip: this.#options.dhcpIp ?? ap.ip ?? DEFAULT_DHCP_IP, ssid });
        this.#hooks.onConnected();
      }, this.#options.connectDelayMs);
      return;
    }
    const failed = reason ?? REASON.NO_AP_FOUND;
    // At least 1 ms per attempt: endless legacy retries must not spin at a single instant of device time.
    const ms = Math.max(1, this.#options.attemptFailMs);
    this.#cancel = this.#clock.setTimer(() => this.#disconnected(creds, failed), ms);
  }

  #disconnected(creds: WifiCredentials, reason: number): void {
    this.#cancel = undefined;
    const mapped = mapReason(reason);
    const n = this.#options.connAttempts;
    if (n === 0) {
      if (mapped === 'other') {
        this.#set({ kind: 'connecting' });
        this.#attempt(creds);
        return;
      }
      this.#lastReason = mapped;
      this.#set({ kind: 'failed', reason: mapped });
      this.#hooks.onFailed();
      return;
    }
    this.#attemptsDone++;
    if (this.#attemptsDone < n) {
      this.#set({ kind: 'attempt-failed', attemptsRemaining: n - this.#attemptsDone });
      this.#attempt(creds);
      return;
    }
    if (mapped !== 'other') this.#lastReason = mapped;
    this.#set({ kind: 'failed', reason: this.#lastReason });
    this.#hooks.onFailed();
  }
}
