/**
 * The renderer contract: what a command may say (Output) and what a renderer is built from (OutputOptions).
 * Its own module so that output.ts (which picks a renderer) and the renderers (which implement it) do not
 * import each other.
 */
import type pc from 'picocolors';
import type { EspProvError } from '../errors.js';
import type { ProvisionEvent } from '../provision/events.js';
import type { TraceEvent } from '../session/session.js';
import type { Clock } from '../timers.js';
import type { Redactor, Writer } from './redact.js';

export type Colors = ReturnType<typeof pc.createColors>;

export interface OutputOptions {
  stdout: Writer;
  stderr: Writer;
  redactor: Redactor;
  json: boolean;
  verbose: boolean;
  /** Colours on stderr (progress, prompts, errors). */
  color: boolean;
  /** Colours on stdout (the result line); decided separately: stdout is often redirected alone. */
  colorStdout?: boolean;
  /** Clock for "still waiting" lines, spinner frames and the final line's times (tests pin it). */
  clock?: Clock;
  /** Animate waits on stderr (spinner.ts): the caller decides (stderr is a terminal, not --json, not TERM=dumb). */
  spinner?: boolean;
  /** --json writes only the final {"ok":…} line: a command whose result is one object (inspect). */
  finalOnly?: boolean;
}

export type Fields = Record<string, unknown>;

export interface Output {
  readonly json: boolean;
  readonly colors: Colors;
  /** A step: human line `› text` on stderr; JSON event `{event: name, message, ...fields}`. */
  step(name: string, text: string, fields?: Fields): void;
  /** Something to heed that does not stop the run: human `! text`; JSON `{event: "warning", message, ...fields}`. */
  warn(text: string, fields?: Fields): void;
  /** A failure the run recovers from (a retry follows): human `✖ text [code]`; JSON `{event: name, code, message}`. */
  failed(name: string, code: string, text: string): void;
  /**
   * Facts about the run for the final JSON line (transport, device address or name); merged, later wins.
   * The human form ignores them.
   */
  context(fields: Fields): void;
  /** Ends any animation (before a prompt draws on the same terminal). */
  stopProgress(): void;
  event(e: ProvisionEvent): void;
  trace(t: TraceEvent): void;
  /** Verbose-only transport detail. */
  debug(line: string): void;
  /** Final success: human text on stdout; JSON `{"ok":true, ...fields}`. */
  success(text: string, fields: Fields): void;
  failure(err: EspProvError, hints: readonly string[]): void;
  /** Plain text on stdout (C arrays, QR codes); never used with --json. */
  print(text: string): void;
  /** Raw JSON line on stdout (sim's request log, gen-cred --format json). */
  line(value: Fields): void;
}
