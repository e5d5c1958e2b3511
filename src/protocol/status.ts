/**
 * Names for the numbers on the wire: the status codes and message types of PROTOCOL.md §3, taken from the
 * generated protobuf code so that the client and the simulator say `Status.InvalidArgument` and
 * `ConfigMsg.TypeRespSetWifiConfig` instead of 4 and 3. The network_provisioning enums (netprov) are
 * wire-identical to wifi_provisioning's for Wi-Fi (§3.10) and add the Thread messages.
 */
import { netprov } from '../gen/proto.js';

export {
  Status,
  Sec0MsgType,
  Sec1MsgType,
  Sec2MsgType,
  SecSchemeVersion,
  WiFiConfigMsgType,
  WiFiCtrlMsgType,
  WiFiScanMsgType,
} from '../gen/proto.js';

/** prov-config message types (network_provisioning numbering; msg < 6 is Wi-Fi and wifi_provisioning's too). */
export const ConfigMsg = netprov.NetworkConfigMsgType;
/** prov-scan message types. */
export const ScanMsg = netprov.NetworkScanMsgType;
/** prov-ctrl message types. */
export const CtrlMsg = netprov.NetworkCtrlMsgType;
/** GetWifiStatus's station state. */
export const WifiState = netprov.WifiStationState;
/** GetThreadStatus's network state. */
export const ThreadState = netprov.ThreadNetworkState;
