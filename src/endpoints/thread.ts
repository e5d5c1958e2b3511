/**
 * Thread provisioning on network_provisioning devices (PROTOCOL.md §3.8–§3.10, §5.9): scan, dataset
 * set/apply, attach status. Message numbers differ from the Wi-Fi ones, so these use the netprov schema.
 */
import { EspProvError } from '../errors.js';
import { plain } from '../bytes.js';
import { netprov } from '../gen/proto.js';
import type { EndpointCaller } from '../session/session.js';
import type { RequestOptions } from '../transport/transport.js';
import { realClock, sleep, type Clock } from '../timers.js';
import { decodeOrThrow, expectPayload, expectSuccess } from './codec.js';
import { CONFIG_ENDPOINT } from './config.js';
import { SCAN_ENDPOINT } from './scan.js';

const S = netprov.NetworkScanMsgType;
const C = netprov.NetworkConfigMsgType;

export interface ThreadNetwork {
  panId: number;
  channel: number;
  rssi: number;
  lqi: number;
  extAddr: Uint8Array;
  networkName: string;
  extPanId: Uint8Array;
}

export type ThreadStatus =
  | { state: 'attached'; panId: number; extPanId: Uint8Array; channel: number; name: string }
  | { state: 'attaching' }
  | { state: 'detached' }
  | { state: 'failed'; reason: 'dataset-invalid' | 'not-found' | 'unknown'; reasonCode: number };

// ThreadScanResult: pan_id 1+3, channel 1+3, rssi 1+10, lqi 1+2, ext_addr 2+8, name 2+16, ext_pan_id 2+8, framing 3.
const MAX_THREAD_ENTRY_BYTES = 64;

async function scanCall(
  caller: EndpointCaller,
  req: netprov.NetworkScanPayload.$Properties,
  msg: number,
  kase: string,
  what: string,
  o?: RequestOptions,
) {
  const reply = await caller.call(SCAN_ENDPOINT, netprov.NetworkScanPayload.encode(req).finish(), o);
  const m = decodeOrThrow(netprov.NetworkScanPayload, reply, SCAN_ENDPOINT);
  expectPayload(m, SCAN_ENDPOINT, msg, kase);
  expectSuccess(m.status, SCAN_ENDPOINT, what);
  return m;
}

async function configCall(
  caller: EndpointCaller,
  req: netprov.NetworkConfigPayload.$Properties,
  msg: number,
  kase: string,
  o?: RequestOptions,
) {
  const reply = await caller.call(CONFIG_ENDPOINT, netprov.NetworkConfigPayload.encode(req).finish(), o);
  const m = decodeOrThrow(netprov.NetworkConfigPayload, reply, CONFIG_ENDPOINT);
  expectPayload(m, CONFIG_ENDPOINT, msg, kase);
  return m;
}

export interface ThreadScanOptions extends RequestOptions {
  /** Bit mask of 802.15.4 channels; 0 = all. */
  channelMask?: number;
  pageSize?: number;
  scanTimeoutMs?: number;
  /** Time source for the scan's deadline and polls. Default: the wall clock. */
  clock?: Clock | undefined;
}

export async function scanThread(caller: EndpointCaller, o: ThreadScanOptions = {}): Promise<ThreadNetwork[]> {
  await scanCall(
    caller,
    { msg: S.TypeCmdScanThreadStart, cmdScanThreadStart: { blocking: true, channelMask: o.channelMask ?? 0 } },
    S.TypeRespScanThreadStart,
    'respScanThreadStart',
    'to start a Thread scan',
    o,
  );
  const clock = o.clock ?? realClock;
  const deadline = clock.now() + (o.scanTimeoutMs ?? 30_000);
  let count: number;
  for (;;) {
    const m = await scanCall(
      caller,
      { msg: S.TypeCmdScanThreadStatus },
      S.TypeRespScanThreadStatus,
      'respScanThreadStatus',
      'the Thread scan status',
      o,
    );
    count = m.respScanThreadStatus?.resultCount ?? 0;
    if (m.respScanThreadStatus?.scanFinished) break;
    if (clock.now() >= deadline) {
      throw new EspProvError('TIMEOUT', 'the device did not finish its Thread scan in time', {
        endpoint: SCAN_ENDPOINT,
      });
    }
    await sleep(500, o.signal, clock);
  }
  const room = caller.limits.maxResponseBytes - caller.overheadBytes - 8;
  const page = Math.max(1, o.pageSize ?? Math.min(255, Math.floor(room / MAX_THREAD_ENTRY_BYTES)));
  const out: ThreadNetwork[] = [];
  for (let start = 0; start < count; start += page) {
    const n = Math.min(page, count - start);
    const m = await scanCall(
      caller,
      { msg: S.TypeCmdScanThreadResult, cmdScanThreadResult: { startIndex: start, count: n } },
      S.TypeRespScanThreadResult,
      'respScanThreadResult',
      'Thread scan results',
      o,
    );
    const entries = m.respScanThreadResult?.entries ?? [];
    if (entries.length !== n) {
      throw new EspProvError(
        'DECODE_FAILED',
        `${SCAN_ENDPOINT}: asked for ${n} Thread results, got ${entries.length}`,
        { endpoint: SCAN_ENDPOINT },
      );
    }
    for (const e of entries) {
      out.push({
        panId: e.panId ?? 0,
        channel: e.channel ?? 0,
        rssi: e.rssi ?? 0,
        lqi: e.lqi ?? 0,
        extAddr: plain(e.extAddr ?? new Uint8Array(0)),
        networkName: e.networkName ?? '',
        extPanId: plain(e.extPanId ?? new Uint8Array(0)),
      });
    }
  }
  return out;
}

/** Largest dataset the device accepts (§5.9). */
export const MAX_DATASET_BYTES = 254;

export async function setThreadDataset(caller: EndpointCaller, dataset: Uint8Array, o?: RequestOptions): Promise<void> {
  if (dataset.length === 0 || dataset.length > MAX_DATASET_BYTES) {
    throw new EspProvError('USAGE', `Thread dataset must be 1 to ${MAX_DATASET_BYTES} bytes, got ${dataset.length}`);
  }
  const m = await configCall(
    caller,
    { msg: C.TypeCmdSetThreadConfig, cmdSetThreadConfig: { dataset } },
    C.TypeRespSetThreadConfig,
    'respSetThreadConfig',
    o,
  );
  expectSuccess(m.respSetThreadConfig?.status, CONFIG_ENDPOINT, 'the Thread dataset');
}

export async function applyThreadConfig(caller: EndpointCaller, o?: RequestOptions): Promise<void> {
  const m = await configCall(
    caller,
    { msg: C.TypeCmdApplyThreadConfig },
    C.TypeRespApplyThreadConfig,
    'respApplyThreadConfig',
    o,
  );
  const status = m.respApplyThreadConfig?.status ?? 0;
  if (status !== 0) {
    // The device answers InternalError when otDatasetParseTlvs fails (§5.9) — or when applied twice.
    throw new EspProvError(
      'THREAD_DATASET_INVALID',
      'the device refused to apply the Thread dataset (it could not parse it, or a dataset was already applied in this cycle)',
      {
        endpoint: CONFIG_ENDPOINT,
        details: { status },
      },
    );
  }
}

export async function getThreadStatus(caller: EndpointCaller, o?: RequestOptions): Promise<ThreadStatus> {
  const m = await configCall(
    caller,
    { msg: C.TypeCmdGetThreadStatus, cmdGetThreadStatus: {} },
    C.TypeRespGetThreadStatus,
    'respGetThreadStatus',
    o,
  );
  const r = m.respGetThreadStatus;
  if (!r)
    throw new EspProvError('DECODE_FAILED', `${CONFIG_ENDPOINT}: empty Thread status response`, {
      endpoint: CONFIG_ENDPOINT,
    });
  expectSuccess(r.status, CONFIG_ENDPOINT, 'to report the Thread status');
  const T = netprov.ThreadNetworkState;
  switch (r.threadState ?? 0) {
    case T.Attached: {
      const a = r.threadAttached;
      if (r.state !== 'threadAttached' || !a) {
        throw new EspProvError(
          'DECODE_FAILED',
          `${CONFIG_ENDPOINT}: device reported Attached without network details`,
          {
            endpoint: CONFIG_ENDPOINT,
          },
        );
      }
      return {
        state: 'attached',
        panId: a.panId ?? 0,
        extPanId: plain(a.extPanId ?? new Uint8Array(0)),
        channel: a.channel ?? 0,
        name: a.name ?? '',
      };
    }
    case T.Attaching:
      return { state: 'attaching' };
    case T.Dettached:
      return { state: 'detached' };
    case T.AttachingFailed: {
      const code = r.state === 'threadFailReason' ? (r.threadFailReason ?? 0) : -1;
      const R = netprov.ThreadAttachFailedReason;
      return {
        state: 'failed',
        reason:
          code === R.DatasetInvalid ? 'dataset-invalid' : code === R.ThreadNetworkNotFound ? 'not-found' : 'unknown',
        reasonCode: code,
      };
    }
    default:
      throw new EspProvError('DECODE_FAILED', `prov-config: device reported an unknown Thread state ${r.threadState}`, {
        endpoint: CONFIG_ENDPOINT,
      });
  }
}
