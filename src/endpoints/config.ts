/**
 * Wi-Fi configuration on prov-config (PROTOCOL.md §3.4, §5.2): SetConfig, ApplyConfig, GetStatus.
 * Status lives inside each response sub-message here. GetStatus is decoded into a union that cannot be
 * mistaken for success: "Connected" needs the connected details the device always sends with it.
 */
import { EspProvError } from '../errors.js';
import { plain } from '../bytes.js';
import { WiFiConfigMsgType, WiFiConfigPayload, WifiConnectFailedReason, WifiStationState } from '../gen/proto.js';
import type { EndpointCaller } from '../session/session.js';
import type { RequestOptions } from '../transport/transport.js';
import { decodeOrThrow, expectPayload, expectSuccess } from './codec.js';
import { CONFIG_ENDPOINT } from '../protocol/endpoints.js';

export { CONFIG_ENDPOINT } from '../protocol/endpoints.js';

export interface WifiCredentials {
  /** Raw SSID bytes (from a scan result, or UTF-8 of what the user typed), at most 32. */
  ssid: Uint8Array;
  /** Passphrase bytes, at most 63 (64 for a hex PSK); empty or absent for an open network. */
  passphrase?: Uint8Array | undefined;
  /** Optional BSSID (6 bytes) and channel; the manager validates but ignores them (§5.2). */
  bssid?: Uint8Array | undefined;
  channel?: number | undefined;
}

export type WifiStatus =
  | { state: 'connected'; ip: string; authMode: number; ssid: Uint8Array; bssid: Uint8Array; channel: number }
  /** `attemptsRemaining` is set when the device reported a failed attempt with retries left (§3.11). */
  | { state: 'connecting'; attemptsRemaining?: number }
  | { state: 'disconnected' }
  | { state: 'failed'; reason: 'auth' | 'not-found' | 'unknown'; reasonCode: number };

export function validateCredentials(c: WifiCredentials): void {
  if (c.ssid.length === 0 || c.ssid.length > 32) {
    throw new EspProvError('USAGE', `SSID must be 1 to 32 bytes, got ${c.ssid.length}`);
  }
  const p = c.passphrase?.length ?? 0;
  // The device refuses ≥ 64 bytes (§5.2); 8..63 for WPA, or exactly 64 hex digits, is the Wi-Fi rule,
  // but the device accepts shorter ones (e.g. WEP), so only the device's own limit is enforced here.
  if (p >= 64) throw new EspProvError('USAGE', `passphrase must be at most 63 bytes, got ${p}`);
  if (c.bssid && c.bssid.length !== 0 && c.bssid.length !== 6) {
    throw new EspProvError('USAGE', `BSSID must be 6 bytes, got ${c.bssid.length}`);
  }
}

async function exchange(
  caller: EndpointCaller,
  request: WiFiConfigPayload.$Properties,
  expectMsg: number,
  expectCase: string,
  options?: RequestOptions,
): Promise<WiFiConfigPayload> {
  const reply = await caller.call(CONFIG_ENDPOINT, WiFiConfigPayload.encode(request).finish(), options);
  const message = decodeOrThrow(WiFiConfigPayload, reply, CONFIG_ENDPOINT);
  expectPayload(message, CONFIG_ENDPOINT, expectMsg, expectCase);
  return message;
}

export async function setWifiConfig(
  caller: EndpointCaller,
  c: WifiCredentials,
  options?: RequestOptions,
): Promise<void> {
  validateCredentials(c);
  const cmd: WiFiConfigPayload.$Properties['cmdSetConfig'] = { ssid: c.ssid };
  if (c.passphrase && c.passphrase.length > 0) cmd.passphrase = c.passphrase;
  if (c.bssid && c.bssid.length > 0) cmd.bssid = c.bssid;
  if (c.channel) cmd.channel = c.channel;
  const m = await exchange(
    caller,
    { msg: WiFiConfigMsgType.TypeCmdSetConfig, cmdSetConfig: cmd },
    WiFiConfigMsgType.TypeRespSetConfig,
    'respSetConfig',
    options,
  );
  expectSuccess(m.respSetConfig?.status, CONFIG_ENDPOINT, 'the Wi-Fi credentials');
}

export async function applyWifiConfig(caller: EndpointCaller, options?: RequestOptions): Promise<void> {
  // esp_prov sends ApplyConfig without its empty sub-message (08 04); the device keys on msg alone.
  const m = await exchange(
    caller,
    { msg: WiFiConfigMsgType.TypeCmdApplyConfig },
    WiFiConfigMsgType.TypeRespApplyConfig,
    'respApplyConfig',
    options,
  );
  expectSuccess(
    m.respApplyConfig?.status,
    CONFIG_ENDPOINT,
    'to apply the Wi-Fi configuration (it can be applied once per provisioning cycle; after a failure, reset first)',
  );
}

export async function getWifiStatus(caller: EndpointCaller, options?: RequestOptions): Promise<WifiStatus> {
  // GetStatus must carry its empty sub-message (52 00): msg 0 alone would encode to zero bytes (§3.12).
  const m = await exchange(caller, { cmdGetStatus: {} }, WiFiConfigMsgType.TypeRespGetStatus, 'respGetStatus', options);
  const r = m.respGetStatus;
  if (!r)
    throw new EspProvError('DECODE_FAILED', `${CONFIG_ENDPOINT}: empty status response`, { endpoint: CONFIG_ENDPOINT });
  expectSuccess(r.status, CONFIG_ENDPOINT, 'to report the Wi-Fi status');
  return decodeWifiStatus(r.staState ?? 0, r.state, {
    failReason: r.failReason ?? 0,
    connected: r.connected ?? undefined,
    attemptsRemaining: r.attemptFailed?.attemptsRemaining ?? 0,
  });
}

/** Shared by wifi_provisioning and network_provisioning (wire-identical, §3.8). */
export function decodeWifiStatus(
  staState: number,
  oneof: string | undefined,
  v: {
    failReason: number;
    connected:
      | {
          ip4Addr?: string | null;
          authMode?: number | null;
          ssid?: Uint8Array | null;
          bssid?: Uint8Array | null;
          channel?: number | null;
        }
      | undefined;
    attemptsRemaining: number;
  },
): WifiStatus {
  switch (staState) {
    case WifiStationState.Connected: {
      if (oneof !== 'connected' || !v.connected) {
        // IDF@6590cf9 answers all-defaults (= Connected) when its manager is not running (§9 item 31).
        throw new EspProvError(
          'DECODE_FAILED',
          `${CONFIG_ENDPOINT}: device reported Connected without connection details`,
          {
            endpoint: CONFIG_ENDPOINT,
          },
        );
      }
      const c = v.connected;
      return {
        state: 'connected',
        ip: c.ip4Addr ?? '',
        authMode: c.authMode ?? 0,
        ssid: plain(c.ssid ?? new Uint8Array(0)),
        bssid: plain(c.bssid ?? new Uint8Array(0)),
        channel: c.channel ?? 0,
      };
    }
    case WifiStationState.Connecting:
      return oneof === 'attemptFailed'
        ? { state: 'connecting', attemptsRemaining: v.attemptsRemaining }
        : { state: 'connecting' };
    case WifiStationState.Disconnected:
      return { state: 'disconnected' };
    case WifiStationState.ConnectionFailed: {
      const code = oneof === 'failReason' ? v.failReason : -1;
      const reason =
        code === WifiConnectFailedReason.AuthError
          ? 'auth'
          : code === WifiConnectFailedReason.NetworkNotFound
            ? 'not-found'
            : 'unknown';
      return { state: 'failed', reason, reasonCode: code };
    }
    default:
      throw new EspProvError('DECODE_FAILED', `prov-config: device reported an unknown station state ${staState}`, {
        endpoint: CONFIG_ENDPOINT,
      });
  }
}
