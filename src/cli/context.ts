/** What every command gets: the process's streams (injected, so tests run the CLI in-process), output, redactor. */
import type { Clock } from '../timers.js';
import type { NobleLoader } from '../transport/ble-load.js';
import type { Output } from './output.js';
import type { Prompter } from './prompts.js';
import type { Redactor } from './redact.js';
import type { StdinOnce } from './secrets.js';

export interface CliStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface CliIo {
  stdout: CliStream;
  stderr: CliStream;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  env: Readonly<Record<string, string | undefined>>;
  /** Creates the noble instance for --transport ble (default: @stoprocent/noble). For tests and embedding. */
  bleLoader?: NobleLoader;
  /**
   * Time for provisioning's waits (request deadlines, status polls) over SoftAP, and for the built-in
   * simulator of `demo` and `--transport sim` (default: the wall clock). For tests: the CLI and an in-process
   * simulator on one ManualClock, so a device delay costs no wall time.
   */
  clock?: Clock;
}

export interface CommandContext {
  io: CliIo;
  out: Output;
  redactor: Redactor;
  /** Aborted on SIGINT/SIGTERM. */
  signal: AbortSignal;
  /** True when prompting is allowed: stdin and stderr are terminals and --no-input was not given. */
  interactive: boolean;
  stdin: StdinOnce;
  /** The prompter (interactive only). */
  prompter(): Prompter;
  /** The transport the run resolved (from --transport or a QR payload), for the failure's hints. */
  transport?: string | undefined;
}
