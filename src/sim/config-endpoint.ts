/**
 * prov-config on the device (PROTOCOL.md §3.4, §3.8, §5.2, §5.9). One codec for both components: the
 * network_provisioning messages are wire-identical to wifi_provisioning's for Wi-Fi (§3.10), and a
 * wifi_provisioning build simply does not know msg ≥ 6. A build without the network type a command is for
 * answers InvalidArgument (network_provisioning only has such builds).
 */
import { netprov } from '../gen/proto.js';
import { commandPayload, isNetprov, unknownMessage, type EndpointContext } from './endpoint-rules.js';
import { STATUS } from './manager.js';
import type { FaultPhase } from './faults.js';

type Payload = netprov.NetworkConfigPayload;
type Response = netprov.NetworkConfigPayload.$Properties;

const ENDPOINT = 'prov-config';
const EMPTY = new Uint8Array(0);

export function decodeConfig(data: Uint8Array): Payload {
  return netprov.NetworkConfigPayload.decode(data);
}

export function encodeConfig(message: Response): Uint8Array {
  return netprov.NetworkConfigPayload.encode(message).finish();
}

export function configPhase(request: Payload): FaultPhase | undefined {
  switch (Number(request.msg ?? 0)) {
    case 0:
    case 6:
      return 'status';
    case 2:
    case 8:
      return 'set';
    case 4:
    case 10:
      return 'apply';
    default:
      return undefined;
  }
}

function wifiStatus(ctx: EndpointContext): netprov.RespGetWifiStatus.$Properties {
  const state = ctx.manager.wifiStatus();
  if (!state) return { status: STATUS.InvalidArgument };
  switch (state.kind) {
    case 'connecting':
      return { wifiStaState: 1 };
    case 'attempt-failed':
      return { wifiStaState: 1, attemptFailed: { attemptsRemaining: state.attemptsRemaining } };
    case 'connected':
      return {
        wifiStaState: 0,
        wifiConnected: {
          ip4Addr: state.ip,
          authMode: state.ap.auth,
          ssid: state.ssid,
          bssid: state.ap.bssid,
          channel: state.ap.channel,
        },
      };
    case 'failed':
      return { wifiStaState: 3, wifiFailReason: state.reason };
  }
}

function threadStatus(ctx: EndpointContext): netprov.RespGetThreadStatus.$Properties {
  const state = ctx.manager.threadStatus();
  if (!state) return { status: STATUS.InvalidArgument };
  switch (state.kind) {
    case 'attaching':
      return { threadState: 1 };
    case 'attached':
      return {
        threadState: 0,
        threadAttached: { panId: state.panId, extPanId: state.extPanId, channel: state.channel, name: state.name },
      };
    case 'failed':
      return { threadState: 3, threadFailReason: state.reason };
  }
}

export function handleConfig(ctx: EndpointContext, req: Payload): Response {
  const msg = Number(req.msg ?? 0);
  if (!isNetprov(ctx.flavour) && msg > 5) throw unknownMessage(ENDPOINT, msg);
  const m = ctx.manager;
  const thread = ctx.flavour === 'netprov-thread';
  switch (msg) {
    case 0:
      commandPayload(ctx, req, 'cmdGetWifiStatus', req.cmdGetWifiStatus, false);
      return { msg: 1, respGetWifiStatus: wifiStatus(ctx) };
    case 2: {
      const cmd = commandPayload(ctx, req, 'cmdSetWifiConfig', req.cmdSetWifiConfig, true)!;
      const status = thread
        ? STATUS.InvalidArgument
        : m.setWifiConfig(cmd.ssid ?? EMPTY, cmd.passphrase ?? EMPTY, cmd.bssid ?? EMPTY);
      return { msg: 3, respSetWifiConfig: { status } };
    }
    case 4:
      commandPayload(ctx, req, 'cmdApplyWifiConfig', req.cmdApplyWifiConfig, false);
      return { msg: 5, respApplyWifiConfig: { status: thread ? STATUS.InvalidArgument : m.applyWifiConfig() } };
    case 6:
      commandPayload(ctx, req, 'cmdGetThreadStatus', req.cmdGetThreadStatus, false);
      return { msg: 7, respGetThreadStatus: threadStatus(ctx) };
    case 8: {
      const cmd = commandPayload(ctx, req, 'cmdSetThreadConfig', req.cmdSetThreadConfig, true)!;
      const status = thread ? m.setThreadDataset(cmd.dataset ?? EMPTY) : STATUS.InvalidArgument;
      return { msg: 9, respSetThreadConfig: { status } };
    }
    case 10:
      commandPayload(ctx, req, 'cmdApplyThreadConfig', req.cmdApplyThreadConfig, false);
      return { msg: 11, respApplyThreadConfig: { status: thread ? m.applyThreadDataset() : STATUS.InvalidArgument } };
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
