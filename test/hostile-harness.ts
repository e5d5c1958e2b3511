/**
 * The hostile-input suite's harness: the CLI as a child process (helpers/cli-bin.ts, as the other process tests),
 * each run in its own empty working directory, under a deadline, optionally under /usr/bin/time for its peak
 * RSS; `esp-prov sim` children with a hostile device's answers; and the checks every row makes. For rows whose
 * point is not the process itself, the same pair in-process on one ManualClock (espOnClock, simInProcess), so that
 * the simulator's delays, request deadlines and status polls cost device time instead of wall time.
 */
import assert from 'node:assert/strict';
import { spawn, type StdioOptions } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { FAST_TIMINGS, simSecurity, type SimulatorOptions } from '../src/cli/simulator.js';
import { SimDevice } from '../src/sim/device.js';
import { startHttpServer } from '../src/sim/http-server.js';
import type { SimDeviceOptions } from '../src/sim/options.js';
import type { ManualClock } from '../src/timers.js';
import { CLI_ENTRY } from './helpers/cli-bin.js';
import { runCli } from './helpers/cli-run.js';
import { settle } from './helpers/settle.js';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const TIME = '/usr/bin/time';
export const HAVE_TIME = existsSync(TIME);

export interface RunOptions {
  env?: Record<string, string>;
  /** stdin: a file to read from, or 'ignore' (no stdin at all). */
  stdin?: string;
  /** Measure peak RSS with /usr/bin/time. */
  rss?: boolean;
  /** Shell redirections applied before exec, e.g. '1>&-' (closed stdout). */
  redirect?: string;
  /** Close our end of stdout after the first byte (`| head -c1`). */
  closeStdoutAfterFirstByte?: boolean;
  /** Extra raw bytes arguments (non-UTF-8), appended after `args` through the shell's printf. */
  rawArgs?: Buffer[];
  deadlineMs?: number;
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
  /** Peak RSS in KiB, with `rss`. */
  rssKb: number | undefined;
  /** Every file the run left in its working directory, with its content. */
  files: { name: string; text: string }[];
  killed: boolean;
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * Runs `esp-prov args…` in a fresh directory: directly (under /usr/bin/time with `rss`), or through /bin/sh
 * for redirections and raw-byte (non-UTF-8) arguments.
 */
export function esp(args: readonly string[], o: RunOptions = {}): Promise<RunResult> {
  const cwd = mkdtempSync(join(tmpdir(), 'esp-prov-hostile-'));
  const rssFile = `${cwd}.rss`;
  const env: Record<string, string> = { PATH: process.env['PATH'] ?? '', HOME: cwd, NO_COLOR: '1', ...o.env };
  const timed = o.rss && HAVE_TIME ? [TIME, '-f', '%M', '-o', rssFile] : [];
  const command = [...timed, process.execPath, CLI_ENTRY];
  let file: string;
  let argv: string[];
  if (o.redirect !== undefined || o.rawArgs !== undefined) {
    // Through the shell: small arguments only (they travel in the environment, then in argv).
    const refs = args.map((a, i) => {
      env[`ESP_ARG_${i}`] = a;
      return `"$ESP_ARG_${i}"`;
    });
    const raw = (o.rawArgs ?? []).map(
      (b) => `"$(printf '${[...b].map((x) => `\\${x.toString(8).padStart(3, '0')}`).join('')}')"`,
    );
    file = '/bin/sh';
    argv = ['-c', `exec ${o.redirect ?? ''} ${[...command.map(shellQuote), ...refs, ...raw].join(' ')}`];
  } else {
    [file, argv] = [command[0]!, [...command.slice(1), ...args]];
  }
  const stdinFd = o.stdin !== undefined && o.stdin !== 'ignore' ? openSync(o.stdin, 'r') : undefined;
  const stdio: StdioOptions = [stdinFd ?? (o.stdin === 'ignore' ? 'ignore' : 'pipe'), 'pipe', 'pipe'];
  const started = Date.now();
  const child = spawn(file, argv, { cwd, env, stdio });
  if (stdinFd !== undefined) closeSync(stdinFd);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => {
    stdout += d.toString('latin1');
    if (o.closeStdoutAfterFirstByte) child.stdout!.destroy();
  });
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString('latin1')));
  if (child.stdin) child.stdin.end();
  let killed = false;
  const timer = setTimeout(() => {
    killed = true;
    child.kill('SIGKILL');
  }, o.deadlineMs ?? 30_000);
  return new Promise((resolve) => {
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const ms = Date.now() - started;
      let rssKb: number | undefined;
      if (existsSync(rssFile)) {
        const last = readFileSync(rssFile, 'utf8').trim().split('\n').at(-1) ?? '';
        rssKb = /^\d+$/.test(last) ? Number(last) : undefined;
        rmSync(rssFile, { force: true });
      }
      const files = readdirSync(cwd, { recursive: true, encoding: 'utf8' })
        .filter((f) => statSync(join(cwd, f)).isFile())
        .map((name) => ({ name, text: readFileSync(join(cwd, name)).toString('latin1') }));
      rmSync(cwd, { recursive: true, force: true });
      // stdout/stderr were read as latin1 so that every byte is visible; decode for matching.
      const utf = (s: string): string => Buffer.from(s, 'latin1').toString('utf8');
      resolve({ code, signal, stdout: utf(stdout), stderr: utf(stderr), ms, rssKb, files, killed });
    });
  });
}

export interface Sim {
  port: number;
  address: string;
  /** stdout lines of the simulator (--json). */
  lines: string[];
  stop(): Promise<number | null>;
}

/** `esp-prov sim --listen 127.0.0.1:0 --fast --json …`; resolves once it is ready. */
export function sim(args: readonly string[]): Promise<Sim> {
  const child = spawn(process.execPath, [CLI_ENTRY, 'sim', '--listen', '127.0.0.1:0', '--fast', '--json', ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
  const exit = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  void exit.then(() => clearTimeout(timer));
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const lines: string[] = [];
  return new Promise((resolve, reject) => {
    void exit.then(() => reject(new Error(`the simulator exited early: ${lines.join('\n')}${stderr}`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      lines.push(line);
      const e = JSON.parse(line) as { event: string; port?: number };
      if (e.event === 'ready') {
        resolve({
          port: e.port!,
          address: `127.0.0.1:${e.port!}`,
          lines,
          stop: () => {
            child.kill('SIGINT');
            return exit;
          },
        });
      }
    });
  });
}

/**
 * Runs `esp-prov args…` in-process (helpers/cli-run.ts) on `clock`, as a RunResult whose `ms` is device time
 * (so that check's maxMs bounds device time). Nothing is written to a working directory in-process: no files.
 */
export async function espOnClock(args: readonly string[], clock: ManualClock): Promise<RunResult> {
  const started = clock.now();
  const r = await runCli(args, { env: { NO_COLOR: '1' }, clock });
  const ms = clock.now() - started;
  return {
    code: r.code,
    signal: null,
    stdout: r.stdout,
    stderr: r.stderr,
    ms,
    rssKb: undefined,
    files: [],
    killed: false,
  };
}

/** Device delays short enough for a device on the wall clock that a child-process CLI provisions. */
const SHORT_TIMINGS: Partial<SimDeviceOptions> = {
  scanDurationMs: 20,
  applyDelayMs: 5,
  connectDelayMs: 20,
  attemptFailMs: 10,
  cleanupDelayMs: 200,
};

/**
 * What `esp-prov sim --listen 127.0.0.1:0` serves with these security options and device behaviour (faults,
 * answers, access points: what its flags parse into), in-process over loopback HTTP. On `clock` with --fast's
 * timings (for espOnClock); without one, on the wall clock with shorter delays still, for a CLI child process
 * whose own handling (descriptors, pipes) is the point, so that no `esp-prov sim` child is started for it.
 */
export async function simInProcess(
  security: Pick<SimulatorOptions, 'sec' | 'password'>,
  behaviour: Partial<SimDeviceOptions>,
  clock?: ManualClock,
): Promise<{ address: string; device: SimDevice; stop(): Promise<void> }> {
  const timed = clock ? { ...FAST_TIMINGS, clock } : SHORT_TIMINGS;
  const device = new SimDevice({
    security: await simSecurity(security),
    patchLevel: 1, // sim's --sec-patch default
    ...timed,
    ...behaviour,
  });
  // Security 0 has no transport-session hooks (as startSimulator).
  const server = await startHttpServer(device, {
    host: '127.0.0.1',
    port: 0,
    tagSockets: security.sec !== 0,
    ...(clock ? { clock } : {}),
  });
  return {
    address: `127.0.0.1:${server.port}`,
    device,
    async stop() {
      await (clock ? settle(clock, server.close(), 1) : server.close());
      device.stop();
    },
  };
}

/** Runs `fn` over `items`, `width` at a time (2 cores, shared). */
export async function inBatches<T>(items: readonly T[], width: number, fn: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  const workers = Array.from({ length: width }, async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await fn(item);
  });
  await Promise.all(workers);
}

export interface Expect {
  /** Exit code (or codes) the run must end with. */
  exit: number | readonly number[];
  /** Values that must not appear, as text or hex, in stdout, stderr or any file written. */
  secrets?: readonly string[];
  /** Wall-clock bound. */
  maxMs: number;
  /** Peak RSS bound in KiB (with `rss`). */
  maxRssKb?: number;
  /** Every stdout line is JSON (--json). */
  json?: boolean;
  /** Raw control characters a device sent must not reach a terminal (human output). */
  noRawControls?: boolean;
}

/** A stack frame line ("    at fn (file.ts:12:5)") or Node's own warnings and crash texts. */
const STACK = /^\s+at .+(?:\(.*:\d+:\d+\)|:\d+:\d+)$/m;
const NODE_NOISE =
  /\bWarning:|Unhandled|UnhandledPromiseRejection|ERR_UNHANDLED|node:internal|triggerUncaughtException/;
/** C0 controls other than \t and \n, DEL, C1 controls, bidi overrides. */
// eslint-disable-next-line no-control-regex
const RAW_CONTROLS = /[\x00-\x08\x0b-\x1f\x7f\u0080-\u009f\u202a-\u202e\u2066-\u2069]/u;

export function check(name: string, r: RunResult, e: Expect): void {
  const where = `${name}\n--- exit ${r.code} in ${r.ms} ms${r.rssKb ? `, ${r.rssKb} KiB` : ''}\n--- stdout\n${r.stdout.slice(0, 3000)}\n--- stderr\n${r.stderr.slice(0, 3000)}`;
  assert.equal(r.killed, false, `killed at the deadline: ${where}`);
  const exits = typeof e.exit === 'number' ? [e.exit] : e.exit;
  assert.ok(exits.includes(r.code ?? -1), `exit ${r.code}, expected ${exits.join(' or ')}: ${where}`);
  assert.doesNotMatch(r.stdout + r.stderr, STACK, `a stack trace: ${where}`);
  assert.doesNotMatch(r.stdout + r.stderr, NODE_NOISE, `a Node warning or crash text: ${where}`);
  for (const s of e.secrets ?? []) {
    for (const needle of [s, Buffer.from(s).toString('hex')]) {
      assert.ok(!r.stdout.includes(needle), `secret on stdout: ${where}`);
      assert.ok(!r.stderr.includes(needle), `secret on stderr: ${where}`);
      for (const f of r.files) assert.ok(!f.text.includes(needle), `secret in ${f.name}: ${where}`);
    }
  }
  assert.ok(r.ms <= e.maxMs, `took ${r.ms} ms, bound ${e.maxMs} ms: ${where}`);
  if (e.maxRssKb !== undefined && HAVE_TIME) {
    assert.ok(r.rssKb !== undefined, `no RSS measured: ${where}`);
    assert.ok(r.rssKb <= e.maxRssKb, `peak RSS ${r.rssKb} KiB, bound ${e.maxRssKb} KiB: ${where}`);
  }
  if (e.json) {
    for (const line of r.stdout.split('\n').filter((l) => l !== '')) {
      assert.doesNotThrow(() => JSON.parse(line), `a --json line that does not parse: ${line}\n${where}`);
    }
  }
  if (e.noRawControls) {
    assert.doesNotMatch(r.stdout, RAW_CONTROLS, `a raw control character on stdout: ${where}`);
    assert.doesNotMatch(r.stderr, RAW_CONTROLS, `a raw control character on stderr: ${where}`);
  }
}

/** The last stdout line as JSON (--json runs). */
export function last(r: RunResult): Record<string, unknown> {
  const l = r.stdout.trim().split('\n').at(-1) ?? '';
  return JSON.parse(l) as Record<string, unknown>;
}
