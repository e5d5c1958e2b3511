/**
 * Windows: `netsh wlan`. Reads parse the "Key : value" lines of `show interfaces` and `show networks`
 * (English key names; other display languages need the English ones, see docs/cli.md). netsh joins only
 * through a saved profile, so the join writes one (WPA2-Personal with the passphrase, or open) to a private
 * temporary file, `add profile`s it (the passphrase never reaches argv), deletes the file, and connects.
 * Restore connects the previous profile again (or disconnects) and deletes the profile the join added.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EspProvError } from '../errors.js';
import { runTool, ToolFailed } from './exec.js';
import type {
  AccessPointToJoin,
  HostConnection,
  HostWifi,
  Joined,
  ScannedAccessPoint,
  ToolCallOptions,
  WifiToolOptions,
} from './types.js';

type Fields = Map<string, string>;

/** "    Key       : value" lines, one map per block (blocks start at `startKey`). */
export function parseKeyValueBlocks(stdout: string, startKey: RegExp): Fields[] {
  const blocks: Fields[] = [];
  for (const raw of stdout.split(/\r?\n/)) {
    const m = /^\s*([^:]+?)\s*:\s?(.*)$/.exec(raw);
    if (!m) continue;
    const key = m[1]!.toLowerCase();
    if (startKey.test(key) || blocks.length === 0) blocks.push(new Map());
    blocks[blocks.length - 1]!.set(key, m[2]!.trim());
  }
  return blocks;
}

export interface NetshInterface {
  name: string;
  connected: boolean;
  ssid?: string;
  profile?: string;
}

export function parseInterfaces(stdout: string): NetshInterface[] {
  return parseKeyValueBlocks(stdout, /^name$/)
    .filter((b) => b.has('name'))
    .map((b) => {
      const ssid = b.get('ssid');
      const profile = b.get('profile');
      return {
        name: b.get('name')!,
        connected: b.get('state') === 'connected',
        ...(ssid ? { ssid } : {}),
        ...(profile ? { profile } : {}),
      };
    });
}

/** `show networks mode=bssid`: "SSID 1 : name" starts a network; its BSSIDs' "Signal : 80%" follow. */
export function parseNetworks(stdout: string): ScannedAccessPoint[] {
  const out: ScannedAccessPoint[] = [];
  for (const b of parseKeyValueBlocks(stdout, /^ssid \d+$/)) {
    const ssidKey = [...b.keys()].find((k) => /^ssid \d+$/.test(k));
    const ssid = ssidKey === undefined ? undefined : b.get(ssidKey);
    if (!ssid) continue;
    const signal = Number.parseInt(b.get('signal') ?? '', 10);
    out.push(Number.isFinite(signal) ? { ssid, signal } : { ssid });
  }
  return out;
}

function xml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A WLAN profile (Microsoft's WLANProfile v1 schema) for a manual, non-persistent join. */
export function profileXml(name: string, ap: AccessPointToJoin): string {
  const secured = ap.passphrase !== undefined && ap.passphrase !== '';
  const security = secured
    ? `<authEncryption><authentication>WPA2PSK</authentication><encryption>AES</encryption><useOneX>false</useOneX></authEncryption><sharedKey><keyType>passPhrase</keyType><protected>false</protected><keyMaterial>${xml(ap.passphrase!)}</keyMaterial></sharedKey>`
    : '<authEncryption><authentication>open</authentication><encryption>none</encryption><useOneX>false</useOneX></authEncryption>';
  return `<?xml version="1.0"?>
<WLANProfile xmlns="http://www.microsoft.com/networking/WLAN/profile/v1">
<name>${xml(name)}</name>
<SSIDConfig><SSID><name>${xml(ap.ssid)}</name></SSID></SSIDConfig>
<connectionType>ESS</connectionType>
<connectionMode>manual</connectionMode>
<MSM><security>${security}</security></MSM>
</WLANProfile>
`;
}

export class NetshWifi implements HostWifi {
  readonly tool = 'netsh';
  readonly key: string;
  readonly #file: string;
  readonly #env: NodeJS.ProcessEnv | undefined;
  readonly #iface: string | undefined;

  constructor(o: WifiToolOptions = {}) {
    this.#file = o.file ?? 'netsh';
    this.#env = o.env;
    this.#iface = o.iface;
    this.key = `netsh:${o.iface ?? '*'}`;
  }

  #run(args: string[], o: ToolCallOptions) {
    return runTool({
      file: this.#file,
      args: ['wlan', ...args],
      what: `wlan ${args[0]} ${args[1] ?? ''}`.trim(),
      env: this.#env,
      ...o,
    });
  }

  async current(o: ToolCallOptions): Promise<HostConnection> {
    const all = parseInterfaces((await this.#run(['show', 'interfaces'], o)).stdout);
    const i = this.#iface === undefined ? all[0] : all.find((x) => x.name === this.#iface);
    if (!i)
      throw new EspProvError(
        'TRANSPORT_UNAVAILABLE',
        'netsh lists no wireless interface: joining an access point needs one',
      );
    if (!i.connected) return { iface: i.name };
    return { iface: i.name, ...(i.ssid ? { ssid: i.ssid } : {}), ...(i.profile ? { connection: i.profile } : {}) };
  }

  async join(ap: AccessPointToJoin, o: ToolCallOptions): Promise<Joined> {
    const { iface } = await this.current(o);
    const name = `esp-prov-${ap.ssid}`;
    const dir = await mkdtemp(join(tmpdir(), 'esp-prov-'));
    try {
      const file = join(dir, 'profile.xml');
      await writeFile(file, profileXml(name, ap), { mode: 0o600 });
      await this.#run(['add', 'profile', `filename=${file}`, `interface=${iface}`, 'user=current'], o);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    try {
      await this.#run(['connect', `name=${name}`, `ssid=${ap.ssid}`, `interface=${iface}`], o);
    } catch (e) {
      if (e instanceof ToolFailed) {
        throw new EspProvError('CONNECTION_LOST', `could not join the access point "${ap.ssid}": ${e.message}`, {
          cause: e,
          details: { join: ap.ssid, tool: this.tool },
        });
      }
      throw e;
    }
    return { iface, created: name };
  }

  async restore(previous: HostConnection, joined: Joined | undefined, o: ToolCallOptions): Promise<void> {
    if (previous.connection !== undefined) {
      await this.#run(['connect', `name=${previous.connection}`, `interface=${previous.iface}`], o);
    } else await this.#run(['disconnect', `interface=${previous.iface}`], o);
    if (joined?.created !== undefined) {
      await this.#run(['delete', 'profile', `name=${joined.created}`, `interface=${previous.iface}`], o);
    }
  }

  async scan(o: ToolCallOptions): Promise<ScannedAccessPoint[]> {
    const iface = this.#iface === undefined ? [] : [`interface=${this.#iface}`];
    return parseNetworks((await this.#run(['show', 'networks', 'mode=bssid', ...iface], o)).stdout);
  }
}
