/**
 * prov-scan on the device (PROTOCOL.md §3.5, §3.9, §5.1, §5.9). Status lives in the envelope here.
 *
 * Result requests beyond the list: IDF@6590cf9 sets InternalError and then crashes serialising the NULL
 * entries it left; network_provisioning fails the handler when start_index ≥ MAX or count > MAX − start_index
 * (MAX = scan max entries) and otherwise answers InternalError with the entries it found. The simulator
 * follows network_provisioning for netprov flavours; for wifi_prov it answers the crash-free version of what
 * the firmware meant — InternalError plus the entries that exist — instead of crashing.
 *
 * Scans run only while the manager is in "started" (§5.1, §9 item 27). On real firmware a scan after
 * ApplyConfig either fails to start (station busy) or never finishes; the simulator reports the failure to
 * start (InternalError) rather than hanging the client.
 */
import { netprov } from '../gen/proto.js';
import { DeviceFailure } from '../protocol/device.js';
import { SCAN_ENDPOINT } from '../protocol/endpoints.js';
import { ScanMsg, Status } from '../protocol/status.js';
import { commandPayload, isNetprov, unknownMessage, type EndpointContext } from './endpoint-rules.js';

type Payload = netprov.NetworkScanPayload;
type Response = netprov.NetworkScanPayload.$Properties;

const ENDPOINT = SCAN_ENDPOINT;

export function decodeScan(data: Uint8Array): Payload {
  return netprov.NetworkScanPayload.decode(data);
}

export function encodeScan(message: Response): Uint8Array {
  return netprov.NetworkScanPayload.encode(message).finish();
}

/** Indices to read for a result request, or a DeviceFailure under network_provisioning's bounds check. */
function resultRange(ctx: EndpointContext, start: number, count: number): { start: number; count: number } {
  const max = ctx.scanMaxEntries;
  if (isNetprov(ctx.flavour) && (start >= max || count > max - start)) {
    throw new DeviceFailure(`scan result request ${start}+${count} outside 0..${max}`);
  }
  return { start, count };
}

function collect<T, E>(range: { start: number; count: number }, get: (i: number) => T | undefined, map: (t: T) => E) {
  const entries: E[] = [];
  let status: Status = Status.Success;
  for (let i = 0; i < range.count; i++) {
    const item = get(range.start + i);
    if (item === undefined) {
      status = Status.InternalError;
      break;
    }
    entries.push(map(item));
  }
  return { status, entries };
}

export async function handleScan(ctx: EndpointContext, req: Payload): Promise<Response> {
  const msg = Number(req.msg ?? 0);
  if (!isNetprov(ctx.flavour) && msg > ScanMsg.TypeRespScanWifiResult) throw unknownMessage(ENDPOINT, msg);
  const m = ctx.manager;
  const wifi = m.scanner;
  const thread = m.thread;
  switch (msg) {
    case ScanMsg.TypeCmdScanWifiStart: {
      const cmd = commandPayload(ctx, req, 'cmdScanWifiStart', req.cmdScanWifiStart, true)!;
      if (!wifi) return { msg: ScanMsg.TypeRespScanWifiStart, status: Status.InvalidArgument, respScanWifiStart: {} };
      if (m.state !== 'started')
        return { msg: ScanMsg.TypeRespScanWifiStart, status: Status.InternalError, respScanWifiStart: {} };
      const started = wifi.start({ groupChannels: cmd.groupChannels ?? 0, passive: cmd.passive ?? false });
      if (started && cmd.blocking) await wifi.waitFinished(ctx.signal);
      return { msg: ScanMsg.TypeRespScanWifiStart, respScanWifiStart: {} };
    }
    case ScanMsg.TypeCmdScanWifiStatus:
      commandPayload(ctx, req, 'cmdScanWifiStatus', req.cmdScanWifiStatus, false);
      if (!wifi) return { msg: ScanMsg.TypeRespScanWifiStatus, status: Status.InvalidArgument, respScanWifiStatus: {} };
      return {
        msg: ScanMsg.TypeRespScanWifiStatus,
        respScanWifiStatus: { scanFinished: wifi.finished, resultCount: wifi.resultCount },
      };
    case ScanMsg.TypeCmdScanWifiResult: {
      const cmd = commandPayload(ctx, req, 'cmdScanWifiResult', req.cmdScanWifiResult, true)!;
      if (!wifi) return { msg: ScanMsg.TypeRespScanWifiResult, status: Status.InvalidArgument, respScanWifiResult: {} };
      const range = resultRange(ctx, cmd.startIndex ?? 0, cmd.count ?? 0);
      const { status, entries } = collect(
        range,
        (i) => wifi.result(i),
        (ap) => ({
          ssid: ap.ssid,
          channel: ap.channel,
          rssi: ap.rssi,
          bssid: ap.bssid,
          auth: ap.auth,
        }),
      );
      return { msg: ScanMsg.TypeRespScanWifiResult, status, respScanWifiResult: { entries } };
    }
    case ScanMsg.TypeCmdScanThreadStart: {
      const cmd = commandPayload(ctx, req, 'cmdScanThreadStart', req.cmdScanThreadStart, true)!;
      if (!thread)
        return { msg: ScanMsg.TypeRespScanThreadStart, status: Status.InvalidArgument, respScanThreadStart: {} };
      if (m.state !== 'started')
        return { msg: ScanMsg.TypeRespScanThreadStart, status: Status.InternalError, respScanThreadStart: {} };
      const started = thread.startScan(cmd.channelMask ?? 0);
      if (started && cmd.blocking) await thread.waitScanFinished(ctx.signal);
      return { msg: ScanMsg.TypeRespScanThreadStart, respScanThreadStart: {} };
    }
    case ScanMsg.TypeCmdScanThreadStatus:
      commandPayload(ctx, req, 'cmdScanThreadStatus', req.cmdScanThreadStatus, false);
      if (!thread)
        return { msg: ScanMsg.TypeRespScanThreadStatus, status: Status.InvalidArgument, respScanThreadStatus: {} };
      return {
        msg: ScanMsg.TypeRespScanThreadStatus,
        respScanThreadStatus: { scanFinished: thread.scanFinished, resultCount: thread.resultCount },
      };
    case ScanMsg.TypeCmdScanThreadResult: {
      const cmd = commandPayload(ctx, req, 'cmdScanThreadResult', req.cmdScanThreadResult, true)!;
      if (!thread)
        return { msg: ScanMsg.TypeRespScanThreadResult, status: Status.InvalidArgument, respScanThreadResult: {} };
      const range = resultRange(ctx, cmd.startIndex ?? 0, cmd.count ?? 0);
      const { status, entries } = collect(
        range,
        (i) => thread.result(i),
        (n) => ({
          panId: n.panId,
          channel: n.channel,
          rssi: n.rssi,
          lqi: n.lqi,
          extAddr: n.extAddr,
          networkName: n.name,
          extPanId: n.extPanId,
        }),
      );
      return { msg: ScanMsg.TypeRespScanThreadResult, status, respScanThreadResult: { entries } };
    }
    default:
      throw unknownMessage(ENDPOINT, msg);
  }
}

/** Fault 'unknown-enum': auth 42 in every Wi-Fi result entry, otherwise envelope status 99. */
export function scanUnknownEnums(resp: Response): void {
  const entries = resp.respScanWifiResult?.entries;
  if (entries && entries.length > 0) for (const e of entries) e.auth = 42 as number;
  else resp.status = 99 as number;
}
