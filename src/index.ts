/**
 * esp-prov as a library. Everything here is safe to import on any machine: the BLE stack (noble) and
 * serialport are loaded only when openBleTransport / openSerialTransport run. The simulator lives in
 * `esp-prov/testing`.
 */
export { EspProvError, ERROR_CODES, EXIT_CODES, isEspProvError, type ErrorCode } from './errors.js';
export { fromHex, toHex } from './bytes.js';

// Transports
export type { RequestOptions, Transport, TransportLimits } from './transport/transport.js';
export {
  DEFAULT_HTTP_TIMEOUT_MS,
  DEFAULT_SERVICE_ADDRESS,
  HttpTransport,
  parseServiceAddress,
  type HttpTransportOptions,
} from './transport/http.js';
export {
  BLE_STACK_LIMITS,
  BleTransport,
  discoverBleDevices,
  openBleTransport,
  type BleDeviceInfo,
  type BleStack,
  type BleTransportOptions,
} from './transport/ble.js';
export { BleScanner, type BleSeenDevice } from './transport/ble-scanner.js';
export { ConsoleTransport, createConsoleTransport, type ConsoleTransportOptions } from './transport/console.js';
export { ManualBleTransport, openManualBleTransport, type ManualBleOptions } from './transport/manual-ble.js';
export { SerialTransport, openSerialTransport, type SerialTransportOptions } from './transport/serial.js';

// Security
export type { ClientSecurity, RandomSource, SecurityVersion } from './security/scheme.js';
export { Sec0Client } from './security/sec0.js';
export { Sec1Client, type Sec1Options } from './security/sec1.js';
export { Sec2Client, type Sec2Options } from './security/sec2.js';
export { generateSec2Credentials, type Sec2Credentials } from './security/credentials.js';

// Session
export {
  Session,
  readDeviceInfo,
  type EndpointCaller,
  type SessionOptions,
  type TraceEvent,
} from './session/session.js';
export {
  chooseSecurity,
  hasCapability,
  parseDeviceInfo,
  versionMatches,
  type DeviceInfo,
  type SecurityChoice,
} from './session/version.js';

// Endpoints
export { scanWifi, scanPageSize, type AccessPoint, type ScanOptions } from './endpoints/scan.js';
export {
  applyWifiConfig,
  getWifiStatus,
  setWifiConfig,
  type WifiCredentials,
  type WifiStatus,
} from './endpoints/config.js';
export { sendCtrl, type CtrlCommand } from './endpoints/ctrl.js';
export { callCustomEndpoint } from './endpoints/custom.js';
export {
  applyThreadConfig,
  getThreadStatus,
  scanThread,
  setThreadDataset,
  type ThreadNetwork,
  type ThreadStatus,
} from './endpoints/thread.js';
export { buildThreadDataset, parseThreadDataset, type ThreadNetworkParams } from './endpoints/thread-dataset.js';
export { authModeName } from './endpoints/wifi-auth.js';

// The whole flow
export { connect, type Connection, type ConnectOptions, type SecurityInput } from './provision/connect.js';
export type { ProvisionEvent } from './provision/events.js';
export { provision, type ProvisionOptions, type ProvisionResult } from './provision/flow.js';
export { provisionWifi, retryWifi, waitForWifi, type WifiConnected } from './provision/wifi.js';
export { provisionThread, type ThreadAttached } from './provision/thread.js';

// Many boards at once
export { provisionMany, type BatchOptions } from './batch/run.js';
export {
  discoverBoards,
  type DeviceScanner,
  type DiscoverOptions,
  type Discovery,
  type DiscoveryEnd,
  type DiscoveryEvent,
  type SeenDevice,
} from './batch/discovery.js';
export type { BatchEvent, BatchSummary, Board, BoardOptions, BoardResult, Outcome, PhaseTimes } from './batch/types.js';
export { summarize } from './batch/types.js';
export { parseManifest, resolveCells, type ManifestRow } from './batch/manifest.js';
export { Journal, readJournal, provisionedBefore } from './batch/journal.js';
export { csvReport, jsonReport, junitReport } from './batch/report.js';
export { isRetryable } from './batch/retry.js';

// The host's own Wi-Fi (nmcli, networksetup, netsh): join a SoftAP board's access point, run, restore
export type {
  AccessPointToJoin,
  HostConnection,
  HostWifi,
  Joined,
  ScannedAccessPoint,
  ToolCallOptions,
} from './hostwifi/types.js';
export { withJoinedAccessPoint, type JoinOptions, type JoinStep } from './hostwifi/join.js';
export { hostWifi, type HostWifiOptions } from './hostwifi/select.js';
export { NmcliWifi } from './hostwifi/nmcli.js';
export { NetworksetupWifi } from './hostwifi/networksetup.js';
export { NetshWifi } from './hostwifi/netsh.js';
export { waitUntilReachable } from './hostwifi/reach.js';
