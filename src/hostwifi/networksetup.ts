/**
 * macOS: networksetup. It has no machine-readable mode, so its few English lines are parsed:
 * `-listallhardwareports` (the "Wi-Fi" port's device), `-getairportnetwork DEV` ("Current Wi-Fi Network: NAME").
 * `-setairportnetwork DEV SSID [PASSWORD]` takes the password only on argv (visible to local users in the
 * process list while it runs; documented in docs/cli.md) and reports failure in its output with exit status 0,
 * so any output from it counts as a failure. Restore rejoins the previous SSID with the password the keychain
 * holds. networksetup cannot list networks: scan() is UNSUPPORTED.
 */
import { EspProvError } from '../errors.js';
import { runTool } from './exec.js';
import type {
  AccessPointToJoin,
  HostConnection,
  HostWifi,
  Joined,
  ScannedAccessPoint,
  ToolCallOptions,
  WifiToolOptions,
} from './types.js';

/** The device of the "Wi-Fi" (older systems: "AirPort") hardware port. */
export function parseHardwarePorts(stdout: string): string | undefined {
  const blocks = stdout.split(/\r?\n\s*\r?\n/);
  for (const b of blocks) {
    const port = /^Hardware Port:\s*(.+)$/m.exec(b)?.[1]?.trim();
    const device = /^Device:\s*(.+)$/m.exec(b)?.[1]?.trim();
    if (port !== undefined && device !== undefined && /^(Wi-Fi|AirPort)$/i.test(port)) return device;
  }
  return undefined;
}

/** The SSID in `-getairportnetwork` output, undefined when not associated. */
export function parseAirportNetwork(stdout: string): string | undefined {
  const m = /^Current (?:Wi-Fi|AirPort) Network:\s?(.*)$/m.exec(stdout);
  return m?.[1] !== undefined && m[1].length > 0 ? m[1].replace(/\r$/, '') : undefined;
}

export class NetworksetupWifi implements HostWifi {
  readonly tool = 'networksetup';
  readonly key: string;
  readonly #file: string;
  readonly #env: NodeJS.ProcessEnv | undefined;
  #iface: string | undefined;

  constructor(o: WifiToolOptions = {}) {
    this.#file = o.file ?? 'networksetup';
    this.#env = o.env;
    this.#iface = o.iface;
    this.key = `networksetup:${o.iface ?? '*'}`;
  }

  async #device(o: ToolCallOptions): Promise<string> {
    if (this.#iface !== undefined) return this.#iface;
    const r = await runTool({
      file: this.#file,
      args: ['-listallhardwareports'],
      what: '-listallhardwareports',
      env: this.#env,
      ...o,
    });
    const dev = parseHardwarePorts(r.stdout);
    if (dev === undefined)
      throw new EspProvError(
        'TRANSPORT_UNAVAILABLE',
        'this Mac has no Wi-Fi hardware port: joining an access point needs one',
      );
    this.#iface = dev;
    return dev;
  }

  async current(o: ToolCallOptions): Promise<HostConnection> {
    const iface = await this.#device(o);
    const r = await runTool({
      file: this.#file,
      args: ['-getairportnetwork', iface],
      what: '-getairportnetwork',
      env: this.#env,
      ...o,
    });
    const ssid = parseAirportNetwork(r.stdout);
    return ssid === undefined ? { iface } : { iface, ssid };
  }

  async #set(iface: string, ssid: string, passphrase: string | undefined, o: ToolCallOptions): Promise<void> {
    const args = ['-setairportnetwork', iface, ssid, ...(passphrase ? [passphrase] : [])];
    const secrets = passphrase ? [passphrase] : [];
    const r = await runTool({ file: this.#file, args, what: '-setairportnetwork', env: this.#env, secrets, ...o });
    const said = `${r.stdout}${r.stderr}`.trim();
    if (said.length > 0) {
      const text = passphrase ? said.split(passphrase).join('***') : said;
      throw new EspProvError('CONNECTION_LOST', `could not join "${ssid}": networksetup said: ${text.slice(0, 300)}`, {
        details: { join: ssid, tool: this.tool },
      });
    }
  }

  async join(ap: AccessPointToJoin, o: ToolCallOptions): Promise<Joined> {
    const iface = await this.#device(o);
    await this.#set(iface, ap.ssid, ap.passphrase, o);
    return { iface };
  }

  async restore(previous: HostConnection, _joined: Joined | undefined, o: ToolCallOptions): Promise<void> {
    if (previous.ssid !== undefined) await this.#set(previous.iface, previous.ssid, undefined, o);
    else {
      // Not associated before: turn the radio off and on, which drops the board's network.
      for (const state of ['off', 'on']) {
        await runTool({
          file: this.#file,
          args: ['-setairportpower', previous.iface, state],
          what: '-setairportpower',
          env: this.#env,
          ...o,
        });
      }
    }
  }

  scan(): Promise<ScannedAccessPoint[]> {
    return Promise.reject(
      new EspProvError(
        'UNSUPPORTED',
        "macOS's networksetup cannot list Wi-Fi networks, so boards cannot be discovered by their access points on this computer: name each board's access point instead (a manifest row whose device is the access point's name)",
      ),
    );
  }
}
