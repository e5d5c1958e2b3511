/**
 * prov-ctrl (PROTOCOL.md §3.6, §5.5): reset after a failed attempt, reprovision after success.
 * Status is in the envelope; the oneof starts at field 11. Thread variants are network_provisioning-only.
 */
import { WiFiCtrlMsgType, WiFiCtrlPayload, netprov } from '../gen/proto.js';
import { CTRL_ENDPOINT } from '../protocol/endpoints.js';
import type { EndpointCaller } from '../session/session.js';
import type { RequestOptions } from '../transport/transport.js';
import { decodeOrThrow, expectPayload, expectSuccess } from './codec.js';

export { CTRL_ENDPOINT } from '../protocol/endpoints.js';

export type CtrlCommand = 'wifi-reset' | 'wifi-reprov' | 'thread-reset' | 'thread-reprov';

// [request msg, response msg, response oneof case]; the Wi-Fi values are shared by both components.
const COMMANDS: Record<CtrlCommand, [number, number, string, string]> = {
  'wifi-reset': [
    WiFiCtrlMsgType.TypeCmdCtrlReset,
    WiFiCtrlMsgType.TypeRespCtrlReset,
    'respCtrlReset',
    'a reset (it is only allowed after a failed attempt on older firmware)',
  ],
  'wifi-reprov': [
    WiFiCtrlMsgType.TypeCmdCtrlReprov,
    WiFiCtrlMsgType.TypeRespCtrlReprov,
    'respCtrlReprov',
    'to re-provision (the firmware must disable auto-stop)',
  ],
  'thread-reset': [
    netprov.NetworkCtrlMsgType.TypeCmdCtrlThreadReset,
    netprov.NetworkCtrlMsgType.TypeRespCtrlThreadReset,
    'respCtrlThreadReset',
    'a Thread reset',
  ],
  'thread-reprov': [
    netprov.NetworkCtrlMsgType.TypeCmdCtrlThreadReprov,
    netprov.NetworkCtrlMsgType.TypeRespCtrlThreadReprov,
    'respCtrlThreadReprov',
    'to re-provision Thread',
  ],
};

export async function sendCtrl(caller: EndpointCaller, command: CtrlCommand, options?: RequestOptions): Promise<void> {
  const [msg, respMsg, respCase, what] = COMMANDS[command];
  // esp_prov sends the command without its empty sub-message (08 01 / 08 03); the device keys on msg.
  const thread = command.startsWith('thread');
  const request = thread
    ? netprov.NetworkCtrlPayload.encode({ msg }).finish()
    : WiFiCtrlPayload.encode({ msg }).finish();
  const reply = await caller.call(CTRL_ENDPOINT, request, options);
  const m = thread
    ? decodeOrThrow(netprov.NetworkCtrlPayload, reply, CTRL_ENDPOINT)
    : decodeOrThrow(WiFiCtrlPayload, reply, CTRL_ENDPOINT);
  expectPayload(m, CTRL_ENDPOINT, respMsg, respCase);
  expectSuccess(m.status, CTRL_ENDPOINT, what);
}
