/**
 * The CLI in-process: run() from src/cli/main.ts with stdout and stderr captured, a given stdin and
 * environment (empty unless given: a test states what the CLI sees), and optionally on a ManualClock that is
 * moved while the run is pending, so that the CLI's deadlines and polls cost no wall time. Process-level
 * behaviour (exit codes of a real process, signals, closed pipes) is tested with helpers/cli-bin.ts instead.
 */
import { Readable } from 'node:stream';
import { run, type CliIo } from '../../src/cli/main.js';
import type { ManualClock } from '../../src/timers.js';
import { settle } from './settle.js';

export interface CliRunOptions {
  /** The environment the CLI sees. Default: none at all. */
  env?: Record<string, string>;
  /** stdin: text or chunks (then ended), or a stream of the test's own. Default: empty and ended. */
  stdin?: string | readonly (string | Buffer)[] | CliIo['stdin'];
  signal?: AbortSignal;
  /**
   * Time for the run (CliIo.clock), moved `stepMs` per event-loop turn while the run is pending: 1 ms a turn
   * leaves a request hundreds of turns of real I/O (loopback HTTP) before its deadline.
   */
  clock?: ManualClock;
  stepMs?: number;
  /** Any other part of CliIo (a terminal's streams, a BLE loader); a stream given here is not captured. */
  io?: Partial<CliIo>;
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  /**
   * stdout's lines parsed as JSON. A --json run's are parsed as it ends, so that a line that is not JSON fails
   * the run's test even when it does not read them; other runs' on demand.
   */
  readonly lines: Record<string, unknown>[];
  /** The last of `lines` ({} when there is none). */
  readonly last: Record<string, unknown>;
}

/** stdout's non-empty lines as JSON objects; throws naming the first line that is not JSON. */
export function jsonLines(stdout: string): Record<string, unknown>[] {
  return stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      try {
        return JSON.parse(l) as Record<string, unknown>;
      } catch {
        throw new Error(`a stdout line that is not JSON: ${l}\n--- stdout\n${stdout}`);
      }
    });
}

function stdinOf(given: CliRunOptions['stdin']): CliIo['stdin'] {
  if (given === undefined) return Readable.from([]);
  if (typeof given === 'string') return Readable.from([given]);
  if (Array.isArray(given)) return Readable.from(given as (string | Buffer)[]);
  return given as CliIo['stdin'];
}

/** Runs `esp-prov argv…` in-process; resolves once run() has returned its exit code. */
export async function runCli(argv: readonly string[], o: CliRunOptions = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    stdin: stdinOf(o.stdin),
    env: o.env ?? {},
    ...(o.clock ? { clock: o.clock } : {}),
    ...o.io,
  };
  const running = run(argv, io, o.signal ?? new AbortController().signal);
  const code = await (o.clock ? settle(o.clock, running, o.stepMs ?? 1) : running);
  const parsed = argv.includes('--json') ? jsonLines(stdout) : undefined;
  const lines = (): Record<string, unknown>[] => parsed ?? jsonLines(stdout);
  return {
    code,
    stdout,
    stderr,
    get lines() {
      return lines();
    },
    get last() {
      return lines().at(-1) ?? {};
    },
  };
}
