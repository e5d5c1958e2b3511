/**
 * Wi-Fi scan on prov-scan (PROTOCOL.md §3.5, §5.1): ScanStart → ScanStatus (until finished) → ScanResult in
 * pages. Status lives in the envelope. Never asks beyond result_count (IDF@6590cf9 crashes, §9 item 26), and
 * sizes pages from what the transport can carry rather than from the transport's name.
 */
import { EspProvError } from '../errors.js';
import { WiFiScanMsgType, WiFiScanPayload } from '../gen/proto.js';
import { plain } from '../bytes.js';
import { realClock, sleep, type Clock } from '../timers.js';
import type { EndpointCaller } from '../session/session.js';
import type { RequestOptions } from '../transport/transport.js';
import { decodeOrThrow, expectPayload, expectSuccess } from './codec.js';
import { SCAN_ENDPOINT } from '../protocol/endpoints.js';

export { SCAN_ENDPOINT } from '../protocol/endpoints.js';

export interface AccessPoint {
  /** Raw SSID bytes as the device reported them: send these back, never a re-encoding. */
  ssid: Uint8Array;
  channel: number;
  rssi: number;
  bssid: Uint8Array;
  /** wifi_auth_mode_t value; may be above 7 (see wifi-auth.ts). */
  auth: number;
}

export interface ScanStartOptions {
  blocking?: boolean;
  passive?: boolean;
  /** 0 = all channels at once; N = hop in groups so a SoftAP link survives (esp_prov uses 5 on SoftAP). */
  groupChannels?: number;
  /** Dwell time per channel in ms (ignored by BLE firmware). */
  periodMs?: number;
}

export interface ScanOptions extends ScanStartOptions, RequestOptions {
  /** Entries per ScanResult request; derived from the transport's response limit when absent. */
  pageSize?: number;
  /** Overall deadline for a non-blocking scan to finish, ms. */
  scanTimeoutMs?: number;
  /** Interval between ScanStatus polls of a non-blocking scan, ms. */
  pollIntervalMs?: number;
  /** Time source for the scan's deadline and polls. Default: the wall clock. */
  clock?: Clock | undefined;
}

export const DEFAULT_SCAN_PERIOD_MS = 120;
export const DEFAULT_SCAN_TIMEOUT_MS = 15_000;

// Largest encoding of one WiFiScanResult: ssid 2+32, channel 2, rssi 1+10 (negative int32), bssid 2+6,
// auth 1+2, plus the repeated-field tag and length (3). Envelope: msg, payload tag/length, entries tag.
const MAX_ENTRY_BYTES = 61;
const ENVELOPE_BYTES = 8;

/** How many entries fit in one response on this caller's transport (at least 1). */
export function scanPageSize(caller: Pick<EndpointCaller, 'limits' | 'overheadBytes'>): number {
  const room = caller.limits.maxResponseBytes - caller.overheadBytes - ENVELOPE_BYTES;
  return Math.max(1, Math.min(255, Math.floor(room / MAX_ENTRY_BYTES)));
}

async function exchange(
  caller: EndpointCaller,
  request: WiFiScanPayload.$Properties,
  expectMsg: number,
  expectCase: string,
  what: string,
  options?: RequestOptions,
): Promise<WiFiScanPayload> {
  const reply = await caller.call(SCAN_ENDPOINT, WiFiScanPayload.encode(request).finish(), options);
  const message = decodeOrThrow(WiFiScanPayload, reply, SCAN_ENDPOINT);
  expectPayload(message, SCAN_ENDPOINT, expectMsg, expectCase);
  expectSuccess(message.status, SCAN_ENDPOINT, what);
  return message;
}

export async function startScan(caller: EndpointCaller, o: ScanStartOptions & RequestOptions = {}): Promise<void> {
  await exchange(
    caller,
    {
      msg: WiFiScanMsgType.TypeCmdScanStart,
      cmdScanStart: {
        blocking: o.blocking ?? true,
        passive: o.passive ?? false,
        groupChannels: o.groupChannels ?? 0,
        periodMs: o.periodMs ?? DEFAULT_SCAN_PERIOD_MS,
      },
    },
    WiFiScanMsgType.TypeRespScanStart,
    'respScanStart',
    'to start a scan',
    o,
  );
}

export async function scanStatus(
  caller: EndpointCaller,
  options?: RequestOptions,
): Promise<{ finished: boolean; resultCount: number }> {
  // No sub-message, as esp_prov sends it (08 02): the device keys on msg alone.
  const m = await exchange(
    caller,
    { msg: WiFiScanMsgType.TypeCmdScanStatus },
    WiFiScanMsgType.TypeRespScanStatus,
    'respScanStatus',
    'the scan status',
    options,
  );
  return { finished: m.respScanStatus?.scanFinished ?? false, resultCount: m.respScanStatus?.resultCount ?? 0 };
}

export async function scanResults(
  caller: EndpointCaller,
  startIndex: number,
  count: number,
  options?: RequestOptions,
): Promise<AccessPoint[]> {
  const m = await exchange(
    caller,
    { msg: WiFiScanMsgType.TypeCmdScanResult, cmdScanResult: { startIndex, count } },
    WiFiScanMsgType.TypeRespScanResult,
    'respScanResult',
    `scan results ${startIndex}..${startIndex + count - 1}`,
    options,
  );
  const entries = m.respScanResult?.entries ?? [];
  if (entries.length !== count) {
    throw new EspProvError('DECODE_FAILED', `${SCAN_ENDPOINT}: asked for ${count} results, got ${entries.length}`, {
      endpoint: SCAN_ENDPOINT,
    });
  }
  return entries.map((e) => ({
    ssid: plain(e.ssid ?? new Uint8Array(0)),
    channel: e.channel ?? 0,
    rssi: e.rssi ?? 0,
    bssid: plain(e.bssid ?? new Uint8Array(0)),
    auth: e.auth ?? 0,
  }));
}

/** The whole scan: start, wait for it to finish, read every result page. */
export async function scanWifi(caller: EndpointCaller, options: ScanOptions = {}): Promise<AccessPoint[]> {
  await startScan(caller, options);
  const clock = options.clock ?? realClock;
  const deadline = clock.now() + (options.scanTimeoutMs ?? DEFAULT_SCAN_TIMEOUT_MS);
  let status = await scanStatus(caller, options);
  while (!status.finished) {
    if (clock.now() >= deadline) {
      throw new EspProvError('TIMEOUT', 'the device did not finish its Wi-Fi scan in time', {
        endpoint: SCAN_ENDPOINT,
      });
    }
    await sleep(options.pollIntervalMs ?? 250, options.signal, clock);
    status = await scanStatus(caller, options);
  }
  const page = Math.max(1, options.pageSize ?? scanPageSize(caller));
  const all: AccessPoint[] = [];
  for (let start = 0; start < status.resultCount; start += page) {
    all.push(...(await scanResults(caller, start, Math.min(page, status.resultCount - start), options)));
  }
  return all;
}
