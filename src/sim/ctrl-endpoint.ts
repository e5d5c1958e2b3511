/**
 * prov-ctrl on the device (PROTOCOL.md §3.6, §3.10, §5.5): reset (only from the failed state, or also from
 * "started" on network_provisioning ≥ 1.2.1) and reprov (only when auto-stop is disabled). Status lives in the
 * envelope; the response carries the empty resp_ctrl_* message. Thread commands exist only in
 * network_provisioning, and a build answers InvalidArgument for the network type it was not built for.
 */
import { netprov } from '../gen/proto.js';
import { CTRL_ENDPOINT } from '../protocol/endpoints.js';
import { CtrlMsg, Status } from '../protocol/status.js';
import { commandPayload, isNetprov, unknownMessage, type EndpointContext } from './endpoint-rules.js';

type Payload = netprov.NetworkCtrlPayload;
type Response = netprov.NetworkCtrlPayload.$Properties;

const ENDPOINT = CTRL_ENDPOINT;

export function decodeCtrl(data: Uint8Array): Payload {
  return netprov.NetworkCtrlPayload.decode(data);
}

export function encodeCtrl(message: Response): Uint8Array {
  return netprov.NetworkCtrlPayload.encode(message).finish();
}

export function handleCtrl(ctx: EndpointContext, req: Payload): Response {
  const msg = Number(req.msg ?? 0);
  if (!isNetprov(ctx.flavour) && msg > CtrlMsg.TypeRespCtrlWifiReprov) throw unknownMessage(ENDPOINT, msg);
  const m = ctx.manager;
  const thread = ctx.flavour === 'netprov-thread';
  switch (msg) {
    case CtrlMsg.TypeCmdCtrlWifiReset:
      commandPayload(ctx, req, 'cmdCtrlWifiReset', req.cmdCtrlWifiReset, false);
      return {
        msg: CtrlMsg.TypeRespCtrlWifiReset,
        status: thread ? Status.InvalidArgument : m.ctrlReset(),
        respCtrlWifiReset: {},
      };
    case CtrlMsg.TypeCmdCtrlWifiReprov:
      commandPayload(ctx, req, 'cmdCtrlWifiReprov', req.cmdCtrlWifiReprov, false);
      return {
        msg: CtrlMsg.TypeRespCtrlWifiReprov,
        status: thread ? Status.InvalidArgument : m.ctrlReprov(),
        respCtrlWifiReprov: {},
      };
    case CtrlMsg.TypeCmdCtrlThreadReset:
      commandPayload(ctx, req, 'cmdCtrlThreadReset', req.cmdCtrlThreadReset, false);
      return {
        msg: CtrlMsg.TypeRespCtrlThreadReset,
        status: thread ? m.ctrlReset() : Status.InvalidArgument,
        respCtrlThreadReset: {},
      };
    case CtrlMsg.TypeCmdCtrlThreadReprov:
      commandPayload(ctx, req, 'cmdCtrlThreadReprov', req.cmdCtrlThreadReprov, false);
      return {
        msg: CtrlMsg.TypeRespCtrlThreadReprov,
        status: thread ? m.ctrlReprov() : Status.InvalidArgument,
        respCtrlThreadReprov: {},
      };
    default:
      // TypeCtrlReserved (0), responses and anything newer.
      throw unknownMessage(ENDPOINT, msg);
  }
}

/** Fault 'unknown-enum': envelope status 99. */
export function ctrlUnknownEnums(resp: Response): void {
  resp.status = 99 as number;
}
