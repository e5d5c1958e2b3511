/**
 * The one animated thing esp-prov draws: a spinner line with the elapsed time under the step a person is
 * waiting on (connecting, the handshake, the device's scan, the wait for it to join). It is purely additive:
 * the permanent progress line is written first, exactly as without a terminal, and the spinner only ever
 * occupies the line below it, which it clears again before anything else is written and when the wait ends.
 *
 * Only the human renderer creates one, and only when stderr is a terminal (not with --json, not TERM=dumb);
 * colour follows the renderer's colours (NO_COLOR). Nothing is drawn for waits shorter than SHOW_AFTER_MS, so
 * quick steps do not flicker. The timer never keeps the process alive, and the line is cleared when the
 * process exits, so an exit (a second Ctrl-C) never leaves a half-drawn frame behind.
 */
import { realClock, type Clock } from '../timers.js';
import type { Writer } from './redact.js';
import type { Colors } from './renderer.js';

/** Waits shorter than this draw nothing. */
export const SHOW_AFTER_MS = 300;
export const FRAME_MS = 80;
const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
/** Carriage return, then erase the whole line (ECMA-48 EL 2): the cursor stays at column 0 of the same line. */
const CLEAR_LINE = '\r\u001b[2K';

export interface SpinnerOptions {
  stream: Writer;
  colors: Colors;
  clock?: Clock;
  /** Where the process-exit hook is installed (tests pass a stand-in; default `process`). */
  exitHook?: { on(event: 'exit', fn: () => void): unknown; off(event: 'exit', fn: () => void): unknown };
}

/** "0.4 s", "12 s", "2 m 05 s". */
export function elapsedText(ms: number): string {
  if (ms < 10_000) return `${(Math.floor(ms / 100) / 10).toFixed(1)} s`;
  const s = Math.floor(ms / 1000);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} m ${String(s % 60).padStart(2, '0')} s`;
}

export class Spinner {
  readonly #o: SpinnerOptions;
  readonly #clock: Clock;
  #text = '';
  #since = 0;
  #frame = 0;
  /** A wait is in progress. */
  #active = false;
  /** A frame is on the screen (the cursor sits on the spinner's line). */
  #drawn = false;
  #cancelTimer: (() => void) | undefined;
  readonly #onExit = (): void => this.clear();

  constructor(o: SpinnerOptions) {
    this.#o = o;
    this.#clock = o.clock ?? realClock;
  }

  get active(): boolean {
    return this.#active;
  }

  /** Starts (or restarts) a wait; the first frame appears after SHOW_AFTER_MS. */
  start(text: string): void {
    this.stop();
    this.#text = text;
    this.#since = this.#clock.now();
    this.#frame = 0;
    this.#active = true;
    (this.#o.exitHook ?? process).on('exit', this.#onExit);
    this.#schedule(SHOW_AFTER_MS);
  }

  /** New text for the wait in progress (the elapsed time keeps counting). */
  update(text: string): void {
    if (!this.#active) return;
    this.#text = text;
    if (this.#drawn) this.#draw();
  }

  /** Takes the frame off the screen so that a permanent line can be written; the next tick redraws it. */
  clear(): void {
    if (!this.#drawn) return;
    this.#drawn = false;
    this.#o.stream.write(CLEAR_LINE);
  }

  /** Ends the wait: no frame left on the screen, no timer left running. */
  stop(): void {
    this.clear();
    this.#cancelTimer?.();
    this.#cancelTimer = undefined;
    if (this.#active) (this.#o.exitHook ?? process).off('exit', this.#onExit);
    this.#active = false;
  }

  #schedule(ms: number): void {
    this.#cancelTimer = this.#clock.setTimer(() => {
      this.#cancelTimer = undefined;
      if (!this.#active) return;
      this.#draw();
      this.#frame = (this.#frame + 1) % FRAMES.length;
      this.#schedule(FRAME_MS);
    }, ms);
  }

  #draw(): void {
    const c = this.#o.colors;
    const elapsed = elapsedText(this.#clock.now() - this.#since);
    // No newline: the next frame, or clear(), rewrites this same line.
    this.#o.stream.write(`${CLEAR_LINE}${c.cyan(FRAMES[this.#frame])} ${this.#text} ${c.dim(elapsed)}`);
    this.#drawn = true;
  }
}
