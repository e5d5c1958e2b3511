/** Progress events of a provisioning run, for the CLI's progress lines and --json NDJSON. Never carry secrets. */
import type { AccessPoint } from '../endpoints/scan.js';
import type { WifiStatus } from '../endpoints/config.js';
import type { ThreadNetwork, ThreadStatus } from '../endpoints/thread.js';
import type { DeviceInfo, SecurityChoice } from '../session/version.js';

export type ProvisionEvent =
  | { type: 'version'; info: DeviceInfo }
  | { type: 'security'; choice: SecurityChoice }
  | { type: 'handshake-start'; security: number }
  | { type: 'session-established'; security: number; patchLevel?: number }
  | { type: 'custom-data'; endpoint: string; response: Uint8Array }
  /** `alreadyReset`: the device refused a reset because it had reset itself (the normal case, §9 item 33). */
  | { type: 'ctrl'; command: string; alreadyReset?: boolean }
  | { type: 'scan-start'; network: 'wifi' | 'thread' }
  | { type: 'scan-results'; accessPoints: AccessPoint[] }
  | { type: 'thread-scan-results'; networks: ThreadNetwork[] }
  | { type: 'config-sent'; network: 'wifi' | 'thread'; ssid?: Uint8Array }
  | { type: 'config-applied'; network: 'wifi' | 'thread' }
  | { type: 'wifi-status'; status: WifiStatus }
  | { type: 'thread-status'; status: ThreadStatus }
  | { type: 'reconnect'; reason: string }
  | { type: 'warning'; message: string };

export type EventSink = (event: ProvisionEvent) => void;
