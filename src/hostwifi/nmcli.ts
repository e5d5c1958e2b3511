/**
 * Linux: NetworkManager's nmcli. Reads use terse mode (`-t -f FIELDS`: fields split by ':', with ':' and '\'
 * inside values escaped by '\'); `connection show` fills DEVICE only for active connections. Options are given
 * in their short forms (-w = --wait, -a = --ask). The join is `nmcli -a device wifi connect SSID ifname IF` with the
 * passphrase written to nmcli's stdin at its prompt, so it never appears in argv (where any local user could
 * read it in the process list). That join saves a profile; restore brings the previous connection up again by
 * UUID (or disconnects the interface when there was none) and deletes the profile the join created.
 */
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

/** One terse line → its fields, unescaping `\:` and `\\`. */
export function splitTerse(line: string): string[] {
  const fields: string[] = [];
  let cur = '';
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === '\\' && i + 1 < line.length) {
      cur += line[++i]!;
    } else if (c === ':') {
      fields.push(cur);
      cur = '';
    } else cur += c;
  }
  fields.push(cur);
  return fields;
}

export function terseRows(stdout: string): string[][] {
  return stdout
    .split('\n')
    .map((l) => l.replace(/\r$/, ''))
    .filter((l) => l.length > 0)
    .map(splitTerse);
}

export interface DeviceRow {
  device: string;
  type: string;
  state: string;
  connection: string;
}

/** `-t -f DEVICE,TYPE,STATE,CONNECTION device status`. */
export function parseDeviceStatus(stdout: string): DeviceRow[] {
  return terseRows(stdout).map(([device = '', type = '', state = '', connection = '']) => ({
    device,
    type,
    state,
    connection,
  }));
}

/** `-t -f SSID,SIGNAL device wifi list`: hidden networks (empty SSID) left out, each SSID once (its best signal). */
export function parseWifiList(stdout: string): ScannedAccessPoint[] {
  const best = new Map<string, ScannedAccessPoint>();
  for (const [ssid = '', signal = ''] of terseRows(stdout)) {
    if (ssid === '') continue;
    const n = Number.parseInt(signal, 10);
    const ap: ScannedAccessPoint = Number.isFinite(n) ? { ssid, signal: n } : { ssid };
    const seen = best.get(ssid);
    if (!seen || (ap.signal ?? -1) > (seen.signal ?? -1)) best.set(ssid, ap);
  }
  return [...best.values()];
}

/** nmcli's documented exit status for "connection, device, or access point does not exist". */
const NMCLI_NOT_FOUND = 10;

export class NmcliWifi implements HostWifi {
  readonly tool = 'nmcli';
  readonly key: string;
  readonly #file: string;
  readonly #env: NodeJS.ProcessEnv | undefined;
  #iface: string | undefined;

  constructor(o: WifiToolOptions = {}) {
    this.#file = o.file ?? 'nmcli';
    this.#env = o.env;
    this.#iface = o.iface;
    // Without a named interface every join goes through "the" Wi-Fi interface: one key for all.
    this.key = `nmcli:${o.iface ?? '*'}`;
  }

  #run(args: string[], what: string, o: ToolCallOptions, extra: { input?: string; secrets?: string[] } = {}) {
    return runTool({ file: this.#file, args, what, env: this.#env, ...o, ...extra });
  }

  async #device(o: ToolCallOptions): Promise<DeviceRow> {
    const r = await this.#run(['-t', '-f', 'DEVICE,TYPE,STATE,CONNECTION', 'device', 'status'], 'device status', o);
    const rows = parseDeviceStatus(r.stdout).filter((d) => d.type === 'wifi');
    const row = this.#iface === undefined ? rows[0] : rows.find((d) => d.device === this.#iface);
    if (!row) {
      throw new EspProvError(
        'TRANSPORT_UNAVAILABLE',
        this.#iface === undefined
          ? 'NetworkManager manages no Wi-Fi interface on this computer: joining an access point needs one'
          : `NetworkManager has no Wi-Fi interface ${this.#iface}`,
      );
    }
    this.#iface = row.device;
    return row;
  }

  async #activeUuid(iface: string, o: ToolCallOptions): Promise<string | undefined> {
    const r = await this.#run(['-t', '-f', 'UUID,DEVICE', 'connection', 'show'], 'connection show', o);
    return terseRows(r.stdout).find((f) => f[1] === iface)?.[0];
  }

  async current(o: ToolCallOptions): Promise<HostConnection> {
    const d = await this.#device(o);
    // STATE is translated into the user's language even in terse mode; CONNECTION (empty or "--" when there is
    // none) is not, so it alone decides.
    if (d.connection === '' || d.connection === '--') return { iface: d.device };
    const uuid = await this.#activeUuid(d.device, o);
    // NetworkManager names a profile after its SSID unless someone renamed it: good enough for messages.
    return { iface: d.device, ssid: d.connection, ...(uuid !== undefined ? { connection: uuid } : {}) };
  }

  async join(ap: AccessPointToJoin, o: ToolCallOptions): Promise<Joined> {
    const iface = (await this.#device(o)).device;
    const before = new Set(
      terseRows((await this.#run(['-t', '-f', 'UUID', 'connection', 'show'], 'connection show', o)).stdout).map(
        (f) => f[0],
      ),
    );
    const secret = ap.passphrase !== undefined && ap.passphrase !== '';
    // -w bounds nmcli's own wait for the association; our deadline (a little longer) bounds the process.
    const waitS = Math.max(1, Math.floor(o.timeoutMs / 1000) - 1);
    const args = [
      '-w',
      String(waitS),
      ...(secret ? ['-a'] : []),
      'device',
      'wifi',
      'connect',
      ap.ssid,
      'ifname',
      iface,
    ];
    try {
      await this.#run(
        args,
        'device wifi connect',
        o,
        secret ? { input: `${ap.passphrase}\n`, secrets: [ap.passphrase!] } : {},
      );
    } catch (e) {
      if (e instanceof ToolFailed) {
        throw new EspProvError(
          e.status === NMCLI_NOT_FOUND ? 'DEVICE_NOT_FOUND' : 'CONNECTION_LOST',
          `could not join the access point "${ap.ssid}": ${e.message}`,
          { cause: e, details: { join: ap.ssid, tool: this.tool } },
        );
      }
      throw e;
    }
    const uuid = await this.#activeUuid(iface, o);
    return { iface, ...(uuid !== undefined && !before.has(uuid) ? { created: uuid } : {}) };
  }

  async restore(previous: HostConnection, joined: Joined | undefined, o: ToolCallOptions): Promise<void> {
    const waitS = String(Math.max(1, Math.floor(o.timeoutMs / 1000) - 1));
    const problems: string[] = [];
    const attempt = async (args: string[], what: string): Promise<void> => {
      try {
        await this.#run(args, what, o);
      } catch (e) {
        if (!(e instanceof ToolFailed)) throw e;
        problems.push(e.message);
      }
    };
    if (previous.connection !== undefined) {
      await attempt(['-w', waitS, 'connection', 'up', 'uuid', previous.connection], 'connection up');
    } else {
      await attempt(['device', 'disconnect', previous.iface], 'device disconnect');
    }
    if (joined?.created !== undefined)
      await attempt(['connection', 'delete', 'uuid', joined.created], 'connection delete');
    if (problems.length > 0) throw new EspProvError('CONNECTION_LOST', problems.join('; '));
  }

  async scan(o: ToolCallOptions): Promise<ScannedAccessPoint[]> {
    const iface = (await this.#device(o)).device;
    const list = ['-t', '-f', 'SSID,SIGNAL', 'device', 'wifi', 'list', 'ifname', iface];
    try {
      // A fresh scan, not NetworkManager's cached list (up to a minute old: a board that just powered up
      // would not be in it).
      return parseWifiList((await this.#run([...list, '--rescan', 'yes'], 'device wifi list', o)).stdout);
    } catch (e) {
      // NetworkManager may refuse a scan right after another one: its own list is then recent enough.
      if (!(e instanceof ToolFailed)) throw e;
      return parseWifiList((await this.#run(list, 'device wifi list', o)).stdout);
    }
  }
}
