/**
 * A fake `nmcli` for --join tests: a small node script written to a temporary directory (put first on PATH,
 * or run by path) that answers the calls src/hostwifi/nmcli.ts makes from a JSON state file, changes that
 * state as nmcli would (join, connection up, disconnect, delete), and appends each call's argv and stdin to a
 * log. Access points may appear over time (FakeAp.fromScan), as boards power up on a bench. It never
 * touches the real network.
 */
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface FakeAp {
  ssid: string;
  signal: number;
  /** Absent: open. */
  psk?: string;
  /** Listed from this `device wifi list` call on (1 = the first); before, the board is not powered up yet. */
  fromScan?: number;
}

export interface FakeState {
  iface: string;
  /** UUID of the active profile on iface, or null. */
  active: string | null;
  profiles: { uuid: string; name: string; ssid: string }[];
  aps: FakeAp[];
  /** `device wifi connect` never returns (until killed). */
  hangJoin?: boolean;
  /** `connection up` fails (exit 4). */
  failUp?: boolean;
  /** `device wifi list --rescan yes` is refused (exit 1), as NetworkManager does right after another scan. */
  refuseRescan?: boolean;
  /** `device wifi list` calls so far (the fake counts them). */
  scans?: number;
}

export interface FakeCall {
  argv: string[];
  stdin: string;
}

const SCRIPT = String.raw`#!/usr/bin/env node
const fs = require('node:fs');
const [stateFile, logFile] = [process.env.FAKE_NMCLI_STATE, process.env.FAKE_NMCLI_LOG];
const argv = process.argv.slice(2);
const state = JSON.parse(fs.readFileSync(stateFile, 'utf8'));
const esc = (v) => String(v).replace(/\\/g, '\\\\').replace(/:/g, '\\:');
const row = (...f) => process.stdout.write(f.map(esc).join(':') + '\n');
const save = () => fs.writeFileSync(stateFile, JSON.stringify(state));
const fail = (code, text) => { process.stderr.write(text + '\n'); process.exit(code); };
let i = 0; let ask = false;
while (argv[i] && argv[i].startsWith('-')) {
  if (argv[i] === '-a') ask = true;
  if (argv[i] === '-f' || argv[i] === '-w') i++;
  i++;
}
const cmd = argv.slice(i);
const is = (...w) => w.every((x, k) => cmd[k] === x);
let stdin = '';
function finish() {
  fs.appendFileSync(logFile, JSON.stringify({ argv, stdin }) + '\n');
  const active = state.profiles.find((p) => p.uuid === state.active);
  if (is('device', 'status')) {
    row(state.iface, 'wifi', active ? 'connected' : 'disconnected', active ? active.name : '');
    row('lo', 'loopback', 'unmanaged', '');
  } else if (is('connection', 'show')) {
    for (const p of state.profiles) row(p.uuid, p.uuid === state.active ? state.iface : '');
  } else if (is('device', 'wifi', 'connect')) {
    if (state.hangJoin) return setInterval(() => {}, 1000);
    const ap = state.aps.find((a) => a.ssid === cmd[3]);
    if (!ap) fail(10, "Error: No network with SSID '" + cmd[3] + "' found.");
    const given = stdin.replace(/\n$/, '');
    if (ap.psk !== undefined && (!ask || given !== ap.psk))
      fail(4, 'Error: Connection activation failed: Secrets were required, but not provided.');
    let p = state.profiles.find((x) => x.ssid === ap.ssid);
    if (!p) { p = { uuid: 'uuid-' + ap.ssid, name: ap.ssid, ssid: ap.ssid }; state.profiles.push(p); }
    state.active = p.uuid; save();
    process.stdout.write("Device '" + state.iface + "' successfully activated.\n");
  } else if (is('connection', 'up', 'uuid')) {
    if (state.failUp) fail(4, 'Error: Connection activation failed: The base network connection was interrupted.');
    if (!state.profiles.some((p) => p.uuid === cmd[3])) fail(10, 'Error: unknown connection');
    state.active = cmd[3]; save();
  } else if (is('device', 'disconnect')) {
    state.active = null; save();
  } else if (is('connection', 'delete', 'uuid')) {
    state.profiles = state.profiles.filter((p) => p.uuid !== cmd[3]);
    if (state.active === cmd[3]) state.active = null;
    save();
  } else if (is('device', 'wifi', 'list')) {
    if (state.refuseRescan && argv.includes('--rescan'))
      fail(1, 'Error: Scanning not allowed immediately following previous scan.');
    state.scans = (state.scans || 0) + 1; save();
    for (const a of state.aps) if ((a.fromScan || 1) <= state.scans) row(a.ssid, a.signal);
  } else fail(2, 'Error: fake nmcli does not know ' + cmd.join(' '));
}
if (ask) { process.stdin.on('data', (d) => (stdin += d)); process.stdin.on('end', finish); } else finish();
`;

export class FakeNmcli {
  private constructor(
    readonly dir: string,
    readonly file: string,
    readonly env: NodeJS.ProcessEnv,
  ) {}

  static async create(state: FakeState): Promise<FakeNmcli> {
    const dir = await mkdtemp(join(tmpdir(), 'fake-nmcli-'));
    const file = join(dir, 'nmcli');
    await writeFile(file, SCRIPT);
    await chmod(file, 0o755);
    await writeFile(join(dir, 'state.json'), JSON.stringify(state));
    await writeFile(join(dir, 'calls.ndjson'), '');
    const env = {
      PATH: `${dir}:${process.env['PATH'] ?? ''}`,
      FAKE_NMCLI_STATE: join(dir, 'state.json'),
      FAKE_NMCLI_LOG: join(dir, 'calls.ndjson'),
    };
    return new FakeNmcli(dir, file, env);
  }

  async state(): Promise<FakeState> {
    return JSON.parse(await readFile(join(this.dir, 'state.json'), 'utf8')) as FakeState;
  }

  async calls(): Promise<FakeCall[]> {
    const text = await readFile(join(this.dir, 'calls.ndjson'), 'utf8');
    return text
      .split('\n')
      .filter((l) => l.length > 0)
      .map((l) => JSON.parse(l) as FakeCall);
  }

  /** The calls' subcommands, options left out: ["device status", "device wifi connect PROV_1 ifname wlan0", …]. */
  async commands(): Promise<string[]> {
    return (await this.calls()).map((c) => {
      const a = [...c.argv];
      while (a[0]?.startsWith('-')) a.splice(0, a[0] === '-f' || a[0] === '-w' ? 2 : 1);
      return a.join(' ');
    });
  }

  async remove(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}
