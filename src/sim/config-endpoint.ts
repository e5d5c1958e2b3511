/**
 * prov-config on the device (PROTOCOL.md §3.4, §3.8, §5.2, §5.9). One codec for both components: the
 * network_provisioning messages are wire-identical to wifi_provisioning's for Wi-Fi (§3.10), and a
 * wifi_provisioning build simply does not know msg ≥ 6. A build without the network type a command is for
 * answers InvalidArgument (network_provisioning only has such builds).
 */
import { netprov } from '../gen/proto.js';
import { CONFIG_ENDPOINT } from '../protocol/endpoints.js';
import { ConfigMsg, Status, ThreadState, WifiState } from '../protocol/status.js';
import { commandPayload, isNetprov, unknownMessage, type EndpointContext } from './endpoint-rules.js';
import type { FaultPhase } from './faults.js';

type Payload = netprov.NetworkConfigPayload;
type Response = netprov.NetworkConfigPayload.$Properties;

const ENDPOINT = CONFIG_ENDPOINT;
const EMPTY = new Uint8Array(0);

export function decodeConfig(data: Uint8Array): Payload {
  return netprov.NetworkConfigPayload.decode(data);
}

export function encodeConfig(message: Response): Uint8Array {
  return netprov.NetworkConfigPayload.encode(message).finish();
}

export function configPhase(request: Payload): FaultPhase | undefined {
  switch (Number(request.msg ?? 0)) {
    case ConfigMsg.TypeCmdGetWifiStatus:
    case ConfigMsg.TypeCmdGetThreadStatus:
      return 'status';
    case ConfigMsg.TypeCmdSetWifiConfig:
    case ConfigMsg.TypeCmdSetThreadConfig:
      return 'set';
    case ConfigMsg.TypeCmdApplyWifiConfig:
    case ConfigMsg.TypeCmdApplyThreadConfig:
      return 'apply';
    default:
      return undefined;
  }
}

function wifiStatus(ctx: EndpointContext): netprov.RespGetWifiStatus.$Properties {
  const state = ctx.manager.wifiStatus();
  if (!state) return { status: Status.InvalidArgument };
  switch (state.kind) {
    case 'connecting':
      return { wifiStaState: WifiState.Connecting };
    case 'attempt-failed':
      return { wifiStaState: WifiState.Connecting, attemptFailed: { attemptsRemaining: state.attemptsRemaining } };
    case 'connected':
      return {
        wifiStaState: WifiState.Connected,
        wifiConnected: {
          ip4Addr: state.ip,
          authMode: state.ap.auth,
          ssid: state.ssid,
          bssid: state.ap.bssid,
          channel: state.ap.channel,
        },
      };
    case 'failed':
      return { wifiStaState: WifiState.ConnectionFailed, wifiFailReason: state.reason };
  }
}

function threadStatus(ctx: EndpointContext): netprov.RespGetThreadStatus.$Properties {
  const state = ctx.manager.threadStatus();
  if (!state) return { status: Status.InvalidArgument };
  switch (state.kind) {
    case 'attaching':
      return { threadState: ThreadState.Attaching };
    case 'attached':
      return {
        threadState: ThreadState.Attached,
        threadAttached: { panId: state.panId, extPanId: state.extPanId, channel: state.channel, name: state.name },
      };
    case 'failed':
      return { threadState: ThreadState.AttachingFailed, threadFailReason: state.reason };
  }
}

export function handleConfig(ctx: EndpointContext, req: Payload): Response {
  const msg = Number(req.msg ?? 0);
  if (!isNetprov(ctx.flavour) && msg > ConfigMsg.TypeRespApplyWifiConfig) throw unknownMessage(ENDPOINT, msg);
  const m = ctx.manager;
  const thread = ctx.flavour === 'netprov-thread';
  switch (msg) {
    case ConfigMsg.TypeCmdGetWifiStatus:
      commandPayload(ctx, req, 'cmdGetWifiStatus', req.cmdGetWifiStatus, false);
      return { msg: ConfigMsg.TypeRespGetWifiStatus, respGetWifiStatus: wifiStatus(ctx) };
    case ConfigMsg.TypeCmdSetWifiConfig: {
      const cmd = commandPayload(ctx, req, 'cmdSetWifiConfig', req.cmdSetWifiConfig, true)!;
      const status = thread
        ? Status.InvalidArgument
        : m.setWifiConfig(cmd.ssid ?? EMPTY, cmd.passphrase ?? EMPTY, cmd.bssid ?? EMPTY);
      return { msg: ConfigMsg.TypeRespSetWifiConfig, respSetWifiConfig: { status } };
    }
    case ConfigMsg.TypeCmdApplyWifiConfig:
      commandPayload(ctx, req, 'cmdApplyWifiConfig', req.cmdApplyWifiConfig, false);
      return {
        msg: ConfigMsg.TypeRespApplyWifiConfig,
        respApplyWifiConfig: { status: thread ? Status.InvalidArgument : m.applyWifiConfig() },
      };
    case ConfigMsg.TypeCmdGetThreadStatus:
      commandPayload(ctx, req, 'cmdGetThreadStatus', req.cmdGetThreadStatus, false);
      return { msg: ConfigMsg.TypeRespGetThreadStatus, respGetThreadStatus: threadStatus(ctx) };
    case ConfigMsg.TypeCmdSetThreadConfig: {
      const cmd = commandPayload(ctx, req, 'cmdSetThreadConfig', req.cmdSetThreadConfig, true)!;
      const status = thread ? m.setThreadDataset(cmd.dataset ?? EMPTY) : Status.InvalidArgument;
      return { msg: ConfigMsg.TypeRespSetThreadConfig, respSetThreadConfig: { status } };
    }
    case ConfigMsg.TypeCmdApplyThreadConfig:
      commandPayload(ctx, req, 'cmdApplyThreadConfig', req.cmdApplyThreadConfig, false);
      return {
        msg: ConfigMsg.TypeRespApplyThreadConfig,
        respApplyThreadConfig: { status: thread ? m.applyThreadDataset() : Status.InvalidArgument },
      };
    default:
      throw unknownMessage(ENDPOINT, msg);
  }
}

/** Fault 'unknown-enum': values no release defines, where the response has an enum. */
export function configUnknownEnums(resp: Response): void {
  if (resp.respGetWifiStatus) resp.respGetWifiStatus.wifiStaState = 9 as number;
  if (resp.respGetWifiStatus?.wifiConnected) resp.respGetWifiStatus.wifiConnected.authMode = 42 as number;
  if (resp.respGetThreadStatus) resp.respGetThreadStatus.threadState = 9 as number;
  for (const r of [
    resp.respSetWifiConfig,
    resp.respApplyWifiConfig,
    resp.respSetThreadConfig,
    resp.respApplyThreadConfig,
  ]) {
    if (r) r.status = 99 as number;
  }
}
