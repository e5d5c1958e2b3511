/**
 * The whole provisioning run as one library call (what `esp-prov` does by default):
 * version → handshake → [ctrl] → [custom data] → Wi-Fi (scan if no SSID → set → apply → wait) or Thread.
 * Interaction (pickers, prompts) is injected as callbacks; without them a missing value is MISSING_INPUT.
 */
import { EspProvError, toEspProvError } from '../errors.js';
import type { WifiCredentials } from '../endpoints/config.js';
import { sendCtrl, type CtrlCommand } from '../endpoints/ctrl.js';
import { callCustomEndpoint } from '../endpoints/custom.js';
import type { AccessPoint, ScanOptions } from '../endpoints/scan.js';
import type { ThreadNetwork } from '../endpoints/thread.js';
import { buildThreadDataset } from '../endpoints/thread-dataset.js';
import { authNeedsPassphrase } from '../endpoints/wifi-auth.js';
import { hasCapability } from '../session/version.js';
import { connect, type Connection, type ConnectOptions } from './connect.js';
import { provisionThread, scanThreadNetworks, type ThreadAttached } from './thread.js';
import { provisionWifi, retryWifi, scanAccessPoints, type WifiConnected } from './wifi.js';

/** A picked network; `bssid`/`channel` when the user chose one access point of several with that SSID. */
export type AccessPointChoice = { ssid: Uint8Array; auth?: number; bssid?: Uint8Array; channel?: number } | 'rescan';
export type ThreadChoice = { network: ThreadNetwork } | 'rescan';

export interface ProvisionOptions extends ConnectOptions {
  wifi?: {
    ssid?: Uint8Array | undefined;
    passphrase?: Uint8Array | undefined;
    bssid?: Uint8Array | undefined;
    channel?: number | undefined;
  };
  thread?: { dataset?: Uint8Array | undefined; networkKey?: Uint8Array | undefined };
  /** Requests to application endpoints after the handshake (esp_prov --custom_data → custom-data). */
  custom?: { endpoint: string; data: Uint8Array }[];
  /**
   * Send a prov-ctrl command after the handshake and stop (esp_prov --reset / --reprov). 'reset' / 'reprov'
   * pick the Wi-Fi or Thread variant the way `network` picks the network.
   */
  ctrl?: CtrlCommand | 'reset' | 'reprov' | undefined;
  /**
   * Provision Wi-Fi or Thread (default: Thread when the device has only `thread_prov`), or 'none' to stop
   * after the handshake and the custom requests.
   */
  network?: 'wifi' | 'thread' | 'none' | undefined;
  scan?: ScanOptions;
  connectTimeoutMs?: number | undefined;
  /** Status polling: first delay after Apply and the cap of the growing interval, ms (defaults in wifi.ts). */
  statusPoll?: { firstMs?: number; maxMs?: number } | undefined;
  selectAccessPoint?: ((aps: AccessPoint[]) => Promise<AccessPointChoice>) | undefined;
  askPassphrase?: ((ssid: Uint8Array) => Promise<Uint8Array>) | undefined;
  selectThreadNetwork?: ((networks: ThreadNetwork[]) => Promise<ThreadChoice>) | undefined;
  askNetworkKey?: ((network: ThreadNetwork) => Promise<Uint8Array>) | undefined;
  /** After a Wi-Fi failure: new credentials to retry with (after a ctrl reset), or undefined to give up. */
  onWifiFailure?: ((error: EspProvError, last: WifiCredentials) => Promise<WifiCredentials | undefined>) | undefined;
}

export type ProvisionResult =
  | { network: 'wifi'; connected: WifiConnected; connection: Connection }
  | { network: 'thread'; attached: ThreadAttached; connection: Connection }
  | { network: 'none'; connection: Connection; custom: { endpoint: string; response: Uint8Array }[] };

const MAX_RESCANS = 10;

async function pickWifi(conn: Connection, o: ProvisionOptions): Promise<WifiCredentials> {
  let ssid = o.wifi?.ssid;
  let auth: number | undefined;
  let bssid = o.wifi?.bssid;
  let channel = o.wifi?.channel;
  if (!ssid || ssid.length === 0) {
    if (!hasCapability(conn.info, 'wifi_scan') && conn.info.manager) {
      throw new EspProvError(
        'MISSING_INPUT',
        'no network given, and the device cannot scan for networks (no wifi_scan capability)',
        { details: { missing: 'ssid' } },
      );
    }
    if (!o.selectAccessPoint)
      throw new EspProvError('MISSING_INPUT', 'no network given and none can be picked here', {
        details: { missing: 'ssid', askable: true },
      });
    for (let n = 0; ; n++) {
      if (n > MAX_RESCANS) throw new EspProvError('CANCELLED', 'too many rescans');
      const aps = await scanAccessPoints(conn, {
        groupChannels: conn.session.transport.linkUsesDeviceWifi ? 5 : 0,
        ...o.scan,
        ...(o.signal ? { signal: o.signal } : {}),
        ...(o.clock ? { clock: o.clock } : {}),
        onEvent: o.onEvent,
      });
      const choice = await o.selectAccessPoint(aps);
      if (choice === 'rescan') continue;
      ssid = choice.ssid;
      auth = choice.auth;
      if (choice.bssid) bssid = choice.bssid;
      if (choice.channel) channel = choice.channel;
      break;
    }
  }
  let passphrase = o.wifi?.passphrase;
  if (passphrase === undefined && (auth === undefined || authNeedsPassphrase(auth))) {
    if (!o.askPassphrase)
      throw new EspProvError('MISSING_INPUT', 'no passphrase given (an open network takes an empty one)', {
        details: { missing: 'passphrase', askable: true },
      });
    passphrase = await o.askPassphrase(ssid);
  }
  return { ssid, passphrase, bssid, channel };
}

async function pickThread(conn: Connection, o: ProvisionOptions): Promise<Uint8Array> {
  if (o.thread?.dataset) return o.thread.dataset;
  if (!o.selectThreadNetwork)
    throw new EspProvError('MISSING_INPUT', 'no Thread dataset given and no network can be picked here', {
      details: { missing: 'dataset', askable: true },
    });
  for (let n = 0; ; n++) {
    if (n > MAX_RESCANS) throw new EspProvError('CANCELLED', 'too many rescans');
    const networks = await scanThreadNetworks(conn, {
      ...(o.signal ? { signal: o.signal } : {}),
      clock: o.clock,
      onEvent: o.onEvent,
    });
    const choice = await o.selectThreadNetwork(networks);
    if (choice === 'rescan') continue;
    const key = o.thread?.networkKey ?? (o.askNetworkKey ? await o.askNetworkKey(choice.network) : undefined);
    if (!key) throw new EspProvError('MISSING_INPUT', 'no Thread network key given');
    const net = choice.network;
    // The Network Name TLV is optional for attaching, but without it the device reports an empty name once
    // attached (it echoes the dataset's), so include the one the scan saw.
    return buildThreadDataset({
      channel: net.channel,
      panId: net.panId,
      extPanId: net.extPanId,
      networkKey: key,
      ...(net.networkName ? { networkName: net.networkName } : {}),
    });
  }
}

function isThread(conn: Connection, network: ProvisionOptions['network']): boolean {
  return (
    network === 'thread' ||
    (network === undefined && hasCapability(conn.info, 'thread_prov') && !hasCapability(conn.info, 'wifi_prov'))
  );
}

export async function provision(o: ProvisionOptions): Promise<ProvisionResult> {
  const conn = await connect(o);
  const req = o.signal ? { signal: o.signal } : {};
  if (o.ctrl) {
    const command: CtrlCommand =
      o.ctrl === 'reset' || o.ctrl === 'reprov' ? `${isThread(conn, o.network) ? 'thread' : 'wifi'}-${o.ctrl}` : o.ctrl;
    await sendCtrl(conn.session, command, req);
    o.onEvent?.({ type: 'ctrl', command });
    return { network: 'none', connection: conn, custom: [] };
  }
  const thread = isThread(conn, o.network);
  if (thread && conn.info.manager && !hasCapability(conn.info, 'thread_prov')) {
    // Checked before anything is sent: a Wi-Fi-only manager would fail the Thread messages by closing the link.
    throw new EspProvError(
      'UNSUPPORTED',
      'the device does not provision Thread networks (it reports no thread_prov capability)',
      {
        details: { capabilities: conn.info.capabilities, missingCapability: 'thread_prov' },
      },
    );
  }
  const custom: { endpoint: string; response: Uint8Array }[] = [];
  for (const c of o.custom ?? []) {
    const response = await callCustomEndpoint(conn.session, c.endpoint, c.data, req);
    o.onEvent?.({ type: 'custom-data', endpoint: c.endpoint, response });
    custom.push({ endpoint: c.endpoint, response });
  }
  const wait = {
    ...req,
    onEvent: o.onEvent,
    clock: o.clock,
    ...(o.connectTimeoutMs ? { timeoutMs: o.connectTimeoutMs } : {}),
    ...(o.statusPoll?.firstMs !== undefined ? { firstPollMs: o.statusPoll.firstMs } : {}),
    ...(o.statusPoll?.maxMs !== undefined ? { maxPollMs: o.statusPoll.maxMs } : {}),
  };
  if (thread) {
    const dataset = await pickThread(conn, o);
    return { network: 'thread', attached: await provisionThread(conn, dataset, wait), connection: conn };
  }
  if (o.network === 'none') return { network: 'none', connection: conn, custom };
  let creds = await pickWifi(conn, o);
  let first = true;
  for (;;) {
    try {
      const connected = first ? await provisionWifi(conn, creds, wait) : await retryWifi(conn, creds, wait);
      return { network: 'wifi', connected, connection: conn };
    } catch (e) {
      const err = toEspProvError(e);
      const retryable = err.code === 'WIFI_AUTH_FAILED' || err.code === 'WIFI_NOT_FOUND' || err.code === 'WIFI_FAILED';
      const next = retryable && o.onWifiFailure ? await o.onWifiFailure(err, creds) : undefined;
      if (!next) throw err;
      creds = next;
      first = false;
    }
  }
}
