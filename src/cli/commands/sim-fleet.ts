/**
 * `esp-prov sim --count N`: a rack of simulated SoftAP devices in one process, each on its own port (from
 * --listen's port up; port 0 = any free ports) with its own credentials derived from --seed, and optionally
 * the batch manifest that provisions them (`--manifest-out`, CSV with each row's device and secrets, so the
 * file is a real example of a lab manifest). Runs until Ctrl-C / SIGTERM.
 */
import { untilInterrupted } from './sim-serve.js';
import { createHmac, randomBytes } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { rename, writeFile } from 'node:fs/promises';
import { fromUtf8 } from '../../bytes.js';
import type { SimAccessPoint } from '../../sim/access-points.js';
import type { CommandContext } from '../context.js';
import { startSimulator, type RunningSimulator } from '../simulator.js';
import type { SimArgs } from './sim-options.js';

export interface FleetDevice {
  id: string;
  host: string;
  port: number;
  pop?: string;
  username?: string;
  password?: string;
}

/** Per-device secret text from the seed: the same seed gives the same rack. */
function derive(seed: string, what: string, chars: number): string {
  return createHmac('sha256', seed).update(what).digest('hex').slice(0, chars);
}

function csvCell(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The manifest for the fleet: the first access point with a passphrase is the network every board joins. */
export function fleetManifest(devices: readonly FleetDevice[], sec: 0 | 1 | 2, ap: SimAccessPoint): string {
  const secrets = sec === 1 ? ['pop'] : sec === 2 ? ['sec2_username', 'sec2_password'] : [];
  const header = ['id', 'device', 'transport', ...secrets, 'ssid', 'passphrase'];
  const ssid = fromUtf8(ap.ssid);
  const pass = ap.passphrase ? fromUtf8(ap.passphrase) : 'raw:';
  const rows = devices.map((d) => {
    const cred = sec === 1 ? [d.pop!] : sec === 2 ? [d.username!, d.password!] : [];
    const host = d.host.includes(':') ? `[${d.host}]` : d.host;
    return [d.id, `${host}:${d.port}`, 'softap', ...cred, ssid, pass].map(csvCell).join(',');
  });
  return [header.join(','), ...rows].join('\n') + '\n';
}

export async function runSimFleet(a: SimArgs, ctx: CommandContext): Promise<number> {
  const out = ctx.out;
  const count = a.count ?? 1;
  const seed = a.seed ?? randomBytes(16).toString('hex');
  const width = String(count).length;
  const { DEFAULT_ACCESS_POINTS } = await import('../../sim/default-aps.js');
  let accessPoints: SimAccessPoint[] | undefined;
  if (a.aps !== undefined) {
    const { loadAccessPoints } = await import('../../sim/access-points.js');
    const { decodeUtf8Strict, readInputFile } = await import('../read-input.js');
    const bytes = await readInputFile(a.aps, { what: 'the --aps access points', kind: 'aps', signal: ctx.signal });
    accessPoints = loadAccessPoints(decodeUtf8Strict(bytes, 'the --aps access points'));
  }
  const aps = accessPoints ?? DEFAULT_ACCESS_POINTS;
  const ap = aps.find((x) => x.passphrase !== undefined && x.passphrase.length > 0) ?? aps[0]!;
  const running: RunningSimulator[] = [];
  const devices: FleetDevice[] = [];
  // Every device listens to the one stop signal for its whole life: sized for the fleet, so that Node does not
  // take a rack of more than ten devices for a listener leak.
  setMaxListeners(count + 16, ctx.signal);
  try {
    for (let i = 0; i < count; i++) {
      const id = `sim-${String(i + 1).padStart(width, '0')}`;
      const pop = a.sec === 1 ? derive(seed, `${id}/pop`, 12) : undefined;
      const username = a.sec === 2 ? `prov-${id}` : undefined;
      const password = a.sec === 2 ? derive(seed, `${id}/password`, 16) : undefined;
      for (const s of [pop, password]) ctx.redactor.add(s);
      const sim = await startSimulator({
        sec: a.sec,
        pop,
        username,
        password,
        secPatch: a.secPatch,
        accessPoints,
        fast: a.fast,
        host: a.listen.host,
        port: a.listen.port === 0 ? 0 : a.listen.port + i,
        signal: ctx.signal,
        device: {
          flavour: a.flavour,
          versionStyle: a.versionStyle,
          autoStop: a.autoStop,
          ...(a.connAttempts !== undefined ? { connAttempts: a.connAttempts } : {}),
        },
      });
      running.push(sim);
      devices.push({
        id,
        host: sim.host,
        port: sim.port,
        ...(pop !== undefined ? { pop } : {}),
        ...(username !== undefined ? { username, password: password! } : {}),
      });
    }
    if (a.manifestOut !== undefined) {
      // Written whole and renamed into place: a batch started alongside never reads half a manifest. The file
      // holds the devices' secrets, so only its owner may read it.
      const tmp = `${a.manifestOut}.${process.pid}.tmp`;
      await writeFile(tmp, fleetManifest(devices, a.sec, ap), { mode: 0o600 });
      await rename(tmp, a.manifestOut);
    }
    const addresses = devices.map((d) => ({ id: d.id, host: d.host, port: d.port }));
    if (out.json) out.line({ event: 'ready', transport: 'softap', count, security: a.sec, devices: addresses });
    else {
      const first = addresses[0]!;
      const last = addresses[addresses.length - 1]!;
      // Port 0 gives whatever ports were free: a range only when they are consecutive.
      const consecutive = addresses.every((d, k) => d.port === first.port + k);
      const ports = consecutive ? `ports ${first.port}–${last.port}` : `${count} free ports`;
      out.step('ready', `${count} simulated devices ready on ${first.host}, ${ports} (Security ${a.sec})`);
      if (a.manifestOut !== undefined) out.step('ready', `Provision them with:\n    esp-prov batch ${a.manifestOut}`);
      out.step('ready', 'Ctrl-C to stop.');
    }
    await untilInterrupted(ctx.signal);
  } finally {
    await Promise.all(running.map((s) => s.close()));
  }
  if (out.json) out.line({ event: 'exit' });
  else out.step('exit', 'Simulators stopped.');
  return 0;
}
