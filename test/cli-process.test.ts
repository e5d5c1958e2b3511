/**
 * The CLI as a real process (`node <bundle of src/cli/main.ts>`, test/helpers/cli-bin.ts): `esp-prov sim` serving a second esp-prov
 * process over loopback HTTP, exit statuses as the shell sees them, SIGINT → clean stop (exit 130 for a run,
 * 0 for the simulator), --help / --version.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { toAccessPoint } from '../src/sim/access-points.js';
import { SimDevice } from '../src/sim/device.js';
import { startHttpServer } from '../src/sim/http-server.js';
import { CLI_ENTRY } from './helpers/cli-bin.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DEADLINE_MS = 20_000;
const HAVE_PTY =
  spawnSync('python3', ['-c', 'import os, tty']).status === 0 && existsSync(join(ROOT, 'node_modules/serialport'));

interface Proc {
  child: ChildProcessWithoutNullStreams;
  lines: string[];
  stderr: () => string;
  /** Resolves with the first stdout line matching. */
  waitLine(re: RegExp): Promise<string>;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function esp(args: string[]): Proc {
  const child = spawn(process.execPath, [CLI_ENTRY, ...args], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: '1' },
  });
  const lines: string[] = [];
  const waiters: { re: RegExp; resolve: (l: string) => void }[] = [];
  createInterface({ input: child.stdout }).on('line', (line) => {
    lines.push(line);
    for (const w of [...waiters]) {
      if (w.re.test(line)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(line);
      }
    }
  });
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal })),
  );
  const timer = setTimeout(() => child.kill('SIGKILL'), DEADLINE_MS);
  void exit.then(() => clearTimeout(timer));
  return {
    child,
    lines,
    stderr: () => err,
    exit,
    waitLine(re) {
      const found = lines.find((l) => re.test(l));
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        waiters.push({ re, resolve });
        void exit.then(() => reject(new Error(`exited before a line matching ${re}: ${lines.join('\n')}\n${err}`)));
      });
    },
  };
}

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanups) await c();
});

// Each test starts its own processes and devices (ports and pseudo-terminals the OS chose): side by side,
// their start-ups and device delays overlap.
void describe('esp-prov as a process', { concurrency: true }, () => {
  void it('--help and --version exit 0', async () => {
    const h = esp(['--help']);
    assert.equal((await h.exit).code, 0);
    assert.match(h.lines.join('\n'), /Usage: esp-prov/);
    const v = esp(['--version']);
    assert.equal((await v.exit).code, 0);
    assert.match(v.lines[0] ?? '', /^\d+\.\d+\.\d+/);
  });

  void it('provisions `esp-prov sim --json` from another process; wrong passphrase exits 11; SIGINT stops the sim with 0', async () => {
    const sim = esp(['sim', '--transport', 'softap', '--listen', '127.0.0.1:0', '--sec', '2', '--fast', '--json']);
    const ready = JSON.parse(await sim.waitLine(/"event":"ready"/)) as { port: number; host: string };
    assert.equal(sim.lines[0], JSON.stringify({ event: 'ready', transport: 'softap', host: '127.0.0.1', port: ready.port, security: 2, patchLevel: 1 }));
    const base = ['--transport', 'softap', '--service_name', `127.0.0.1:${ready.port}`, '--sec2_username', 'wifiprov', '--sec2_pwd', 'abcd1234', '--ssid', 'HomeNetwork', '--json'];
    const bad = esp([...base, '--passphrase', 'wrong-horse-battery']);
    assert.equal((await bad.exit).code, 11, bad.lines.join('\n') + bad.stderr());
    assert.equal(JSON.parse(bad.lines.at(-1)!).error.code, 'WIFI_AUTH_FAILED');
    // The example device resets itself after a failed attempt; a new session can provision it.
    const good = esp([...base, '--passphrase', 'correct-horse-battery']);
    assert.equal((await good.exit).code, 0, good.lines.join('\n') + good.stderr());
    for (const l of good.lines) JSON.parse(l);
    const { schemaVersion, transport, device, startedAt, finishedAt, durationMs, ...result } = JSON.parse(good.lines.at(-1)!) as Record<string, unknown>;
    assert.equal(schemaVersion, 1);
    assert.equal(transport, 'softap');
    assert.equal((device as { address: string }).address, `127.0.0.1:${ready.port}`);
    assert.ok(typeof startedAt === 'string' && typeof finishedAt === 'string' && typeof durationMs === 'number');
    assert.deepEqual(result, { ok: true, network: 'wifi', ssid: 'HomeNetwork', ssidHex: '486f6d654e6574776f726b', ip: '192.168.1.100', bssid: '02:11:22:33:44:10', channel: 6, authMode: 'WPA2_PSK', security: 2 });
    await sim.waitLine(/"phase":"status"/);
    for (const l of sim.lines) JSON.parse(l);
    sim.child.kill('SIGINT');
    const e = await sim.exit;
    assert.equal(e.code, 0);
    assert.equal(sim.lines.at(-1), '{"event":"exit"}');
  }); // prettier-ignore

  void it('`esp-prov sim --fault` injects faults for users\' CI: a refused handshake exits 7, then a network_provisioning device provisions', async () => {
    const sim = esp(['sim', '--listen', '127.0.0.1:0', '--sec', '1', '--flavour', 'netprov-wifi', '--fault', 'close:handshake1', '--fast', '--json']);
    const ready = JSON.parse(await sim.waitLine(/"event":"ready"/)) as { port: number };
    const base = ['--transport', 'softap', '--service_name', `127.0.0.1:${ready.port}`, '--pop', 'abcd1234', '--ssid', 'HomeNetwork', '--passphrase', 'correct-horse-battery', '--json'];
    const first = esp(base);
    assert.equal((await first.exit).code, 7, first.lines.join('\n') + first.stderr());
    assert.equal(JSON.parse(first.lines.at(-1)!).error.code, 'HANDSHAKE_FAILED');
    const second = esp(base); // the fault fired once
    assert.equal((await second.exit).code, 0, second.lines.join('\n') + second.stderr());
    assert.ok(second.lines.some((l) => l.includes('netprov-v1.2')), 'the device answered as network_provisioning');
    sim.child.kill('SIGINT');
    assert.equal((await sim.exit).code, 0);
    const bad = esp(['sim', '--listen', '127.0.0.1:0', '--fault', 'wrong-proof:scan']);
    assert.equal((await bad.exit).code, 2, 'an inapplicable fault is a usage error');
  }); // prettier-ignore

  void it('serial: provisions `esp-prov sim --transport console` through its pseudo-terminal', { skip: HAVE_PTY ? false : 'needs python3 and serialport' }, async () => {
    const sim = esp(['sim', '--transport', 'console', '--sec', '1', '--fast', '--json']);
    const ready = JSON.parse(await sim.waitLine(/"event":"ready"/)) as { path: string };
    const p = esp(['--transport', 'serial', '--service_name', ready.path, '--pop', 'abcd1234', '--ssid', 'HomeNetwork', '--passphrase', 'correct-horse-battery', '--json']);
    assert.equal((await p.exit).code, 0, p.lines.join('\n') + p.stderr());
    assert.equal(JSON.parse(p.lines.at(-1)!).ip, '192.168.1.100');
    sim.child.kill('SIGINT');
    assert.equal((await sim.exit).code, 0);
  }); // prettier-ignore

  void it('Ctrl-C while waiting for the device to join: clean stop, exit 130, final {"ok":false} line', async () => {
    const device = new SimDevice({
      security: { version: 0 },
      accessPoints: [toAccessPoint({ ssid: 'Slow', bssid: '02:00:00:00:00:09', channel: 1, rssi: -50, auth: 'OPEN' }, 'slow')],
      connectDelayMs: 600_000,
    });
    const server = await startHttpServer(device, { tagSockets: false });
    cleanups.push(async () => {
      await server.close();
      device.stop();
    });
    const p = esp(['--transport', 'softap', '--service_name', `127.0.0.1:${server.port}`, '--ssid', 'Slow', '--passphrase', '', '--json']);
    await p.waitLine(/"event":"wifi-status"/);
    p.child.kill('SIGINT');
    const e = await p.exit;
    assert.equal(e.code, 130, p.stderr());
    assert.deepEqual(JSON.parse(p.lines.at(-1)!).error.code, 'CANCELLED');
  }); // prettier-ignore
});
