/**
 * Wi-Fi provisioning on an established connection: scan, send credentials, apply, wait for the outcome
 * (polling as poll.ts describes).
 */
import { EspProvError, toEspProvError } from '../errors.js';
import { equalBytes, fromUtf8 } from '../bytes.js';
import { afterApply, applyAnswerLost } from './applied.js';
import {
  applyWifiConfig,
  getWifiStatus,
  setWifiConfig,
  type WifiCredentials,
  type WifiStatus,
} from '../endpoints/config.js';
import { sendCtrl } from '../endpoints/ctrl.js';
import { scanWifi, type AccessPoint, type ScanOptions } from '../endpoints/scan.js';
import type { Clock } from '../timers.js';
import type { Connection } from './connect.js';
import type { EventSink } from './events.js';
import { MAX_TRANSIENT_FAILURES, pollStatus, seconds, STATUS_POLL_INTERVAL_MS } from './poll.js';

export { MAX_TRANSIENT_FAILURES } from './poll.js';

export const DEFAULT_CONNECT_TIMEOUT_MS = 60_000;
/** A steady interval from the first poll on (poll.ts says why). */
export const FIRST_POLL_DELAY_MS = STATUS_POLL_INTERVAL_MS;
export const MAX_POLL_INTERVAL_MS = STATUS_POLL_INTERVAL_MS;

export interface WaitOptions {
  /** Overall deadline for the device to report Connected or a final failure, ms. */
  timeoutMs?: number;
  signal?: AbortSignal | undefined;
  onEvent?: EventSink | undefined;
  /** First poll delay and cap of the interval, ms (default: steady, FIRST_POLL_DELAY_MS; tests use small values). */
  firstPollMs?: number;
  maxPollMs?: number;
  /** Time source for the deadline and the poll intervals. Default: the wall clock. */
  clock?: Clock | undefined;
}

export type WifiConnected = Extract<WifiStatus, { state: 'connected' }>;

export function wifiFailure(s: Extract<WifiStatus, { state: 'failed' }>, ssid: Uint8Array): EspProvError {
  const name = JSON.stringify(fromUtf8(ssid));
  if (s.reason === 'auth') {
    return new EspProvError(
      'WIFI_AUTH_FAILED',
      `the device could not join ${name}: wrong passphrase (authentication failed)`,
      {
        details: { reason: 'auth' },
      },
    );
  }
  if (s.reason === 'not-found') {
    return new EspProvError(
      'WIFI_NOT_FOUND',
      `the device could not find the network ${name} (out of range, 5 GHz only, or a typo in the SSID)`,
      {
        details: { reason: 'not-found' },
      },
    );
  }
  return new EspProvError('WIFI_FAILED', `the device could not join ${name} (reason code ${s.reasonCode})`, {
    details: { reason: 'unknown', reasonCode: s.reasonCode },
  });
}

/** The SSID as the device stores it: cut at the first 0x00 (strnlen, §5.2), trailing NULs of a report dropped. */
function storedSsid(ssid: Uint8Array): Uint8Array {
  const nul = ssid.indexOf(0);
  return nul < 0 ? ssid : ssid.subarray(0, nul);
}

/**
 * Polls GetStatus until Connected (resolves) or a final failure (rejects with WIFI_*). A Connected status that
 * names another network is not ours (a status left from an earlier provisioning): keep waiting for ours.
 */
export async function waitForWifi(conn: Connection, ssid: Uint8Array, o: WaitOptions = {}): Promise<WifiConnected> {
  let disconnected = 0;
  let elsewhere: Uint8Array | undefined;
  const timeoutMs = o.timeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const wanted = storedSsid(ssid);
  const elsewhereNote = (): string =>
    `the device reports a connection to ${JSON.stringify(fromUtf8(elsewhere!))}, not to ${JSON.stringify(fromUtf8(wanted))} (a status left from an earlier provisioning?)`;
  const polled = pollStatus(
    conn,
    () => getWifiStatus(conn.session, o.signal ? { signal: o.signal } : {}),
    (status): WifiConnected | undefined => {
      o.onEvent?.({ type: 'wifi-status', status });
      if (status.state === 'connected') {
        const reported = storedSsid(status.ssid);
        if (reported.length === 0 || equalBytes(reported, wanted)) return status;
        elsewhere = reported;
        return undefined;
      }
      if (status.state === 'failed') throw wifiFailure(status, ssid);
      // Disconnected (2) is never sent by the manager (§9 item 28); if a device does, give it a few polls.
      if (status.state === 'disconnected' && ++disconnected > MAX_TRANSIENT_FAILURES) {
        throw new EspProvError('WIFI_FAILED', 'the device keeps reporting Disconnected');
      }
      return undefined;
    },
    {
      timeoutMs,
      firstPollMs: o.firstPollMs ?? FIRST_POLL_DELAY_MS,
      maxPollMs: o.maxPollMs ?? MAX_POLL_INTERVAL_MS,
      signal: o.signal,
      onEvent: o.onEvent,
      clock: o.clock,
      timeoutMessage: () =>
        elsewhere
          ? `after ${seconds(timeoutMs)} ${elsewhereNote()}`
          : `the device did not report a Wi-Fi connection within ${seconds(timeoutMs)}`,
    },
  );
  // Whatever ends the wait, a Connected status for another network is worth saying.
  return polled.catch((e: unknown) => {
    const err = toEspProvError(e);
    if (!elsewhere || err.code === 'TIMEOUT') throw err;
    throw new EspProvError(err.code, err.message, {
      cause: err.cause ?? err,
      ...(err.endpoint === undefined ? {} : { endpoint: err.endpoint }),
      details: { ...err.details, note: elsewhereNote() },
    });
  });
}

export interface ProvisionWifiOptions extends WaitOptions {
  requestTimeoutMs?: number;
}

/** SetConfig → ApplyConfig → wait. */
export async function provisionWifi(
  conn: Connection,
  creds: WifiCredentials,
  o: ProvisionWifiOptions = {},
): Promise<WifiConnected> {
  const req = o.signal ? { signal: o.signal } : {};
  await setWifiConfig(conn.session, creds, req);
  o.onEvent?.({ type: 'config-sent', network: 'wifi', ssid: creds.ssid });
  const network = JSON.stringify(fromUtf8(creds.ssid));
  await applyWifiConfig(conn.session, req).catch((e: unknown) => {
    throw applyAnswerLost(e, network);
  });
  o.onEvent?.({ type: 'config-applied', network: 'wifi' });
  try {
    return await waitForWifi(conn, creds.ssid, o);
  } catch (e) {
    throw afterApply(e, network);
  }
}

/**
 * After a failed attempt: reset the device's state machine and try other credentials without a new
 * handshake. IDF@6590cf9 refuses the reset when the application already reset itself (the example does,
 * §5.4, §9 item 33): that refusal means "already reset", so it is not an error here.
 */
export async function retryWifi(
  conn: Connection,
  creds: WifiCredentials,
  o: ProvisionWifiOptions = {},
): Promise<WifiConnected> {
  try {
    await sendCtrl(conn.session, 'wifi-reset', o.signal ? { signal: o.signal } : {});
    o.onEvent?.({ type: 'ctrl', command: 'wifi-reset' });
  } catch (e) {
    const err = toEspProvError(e);
    if (err.code !== 'DEVICE_STATUS') throw err;
    // The example firmware resets itself after a failed attempt, so this refusal is the normal case: a fact to
    // report, not a warning.
    o.onEvent?.({ type: 'ctrl', command: 'wifi-reset', alreadyReset: true });
  }
  return provisionWifi(conn, creds, o);
}

export async function scanAccessPoints(
  conn: Connection,
  o: ScanOptions & { onEvent?: EventSink | undefined } = {},
): Promise<AccessPoint[]> {
  o.onEvent?.({ type: 'scan-start', network: 'wifi' });
  const aps = await scanWifi(conn.session, o);
  o.onEvent?.({ type: 'scan-results', accessPoints: aps });
  return aps;
}
