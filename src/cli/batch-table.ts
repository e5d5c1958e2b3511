/**
 * The live table `esp-prov batch` draws at a terminal: a counts line (done / failed / cancelled / remaining,
 * rate, ETA) and one line per board in flight (its phase and how long it has been at it), redrawn in place
 * under the permanent one-line-per-outcome log. Without a terminal (or with --json) nothing here runs.
 *
 * renderTable is a pure function of the state and the time, so the layout is tested without a terminal.
 * LiveTable owns the drawing: at most one frame per MIN_FRAME_MS (a rack of 100 boards emits hundreds of
 * events a second), the cursor hidden while the table is up and shown again when it ends or the process
 * exits (a second Ctrl-C), and the final frame left on the screen. Board ids are the manifest's and phases
 * our own words, but ids pass through forTerminal anyway: a manifest cell may come from a QR label.
 */
import type { BatchEvent } from '../batch/types.js';
import { realClock, type Clock } from '../timers.js';
import type { Writer } from './redact.js';
import type { Colors } from './renderer.js';
import { elapsedText } from './spinner.js';
import { forTerminal } from './terminal-text.js';

export const MIN_FRAME_MS = 100;
/** In-flight lines shown at most; the rest are counted ("… and 88 more"), so the frame fits a terminal. */
export const MAX_ROWS = 12;
const CURSOR_HIDE = '\u001b[?25l';
const CURSOR_SHOW = '\u001b[?25h';
/** Erase from the cursor to the end of the screen (ECMA-48 ED 0). */
const ERASE_DOWN = '\u001b[0J';

export interface InFlight {
  phase: string;
  /** Clock reading when the board (this attempt) started. */
  since: number;
  attempt: number;
}

export interface TableState {
  /** Boards expected; undefined while a discovery runs without --count. */
  total: number | undefined;
  provisioned: number;
  failed: number;
  cancelled: number;
  skipped: number;
  /** Boards in flight, in the order they started. */
  inFlight: Map<string, InFlight>;
  startedAt: number;
}

export function emptyState(total: number | undefined, now: number): TableState {
  return { total, provisioned: 0, failed: 0, cancelled: 0, skipped: 0, inFlight: new Map(), startedAt: now };
}

/** Our words for where a board is, from the flow's last event. */
function phaseOf(e: BatchEvent): string | undefined {
  if (e.type === 'board-start') return 'connecting';
  if (e.type === 'board-retry') return `retry in ${elapsedText(e.delayMs)} (${e.code})`;
  if (e.type !== 'board-progress') return undefined;
  switch (e.event.type) {
    case 'version':
      return 'connected';
    case 'handshake-start':
      return 'handshake';
    case 'session-established':
      return 'session';
    case 'scan-start':
      return 'scanning';
    case 'config-sent':
      return 'sending config';
    case 'config-applied':
      return 'joining';
    case 'reconnect':
      return 'reconnecting';
    default:
      return undefined;
  }
}

/** The state after one batch event (mutated in place: the table is the only reader). */
export function applyEvent(s: TableState, e: BatchEvent, now: number): void {
  if (e.type === 'board-end') {
    s.inFlight.delete(e.board);
    s[e.result.outcome]++;
    return;
  }
  const phase = phaseOf(e);
  if (phase === undefined) return;
  const was = s.inFlight.get(e.board);
  if (e.type === 'board-start') s.inFlight.set(e.board, { phase, since: now, attempt: e.attempt });
  else if (was) was.phase = phase;
}

function cut(line: string, width: number): string {
  // Lines longer than the terminal would wrap and throw off the cursor arithmetic of the redraw.
  const chars = [...line];
  return chars.length <= width ? line : chars.slice(0, Math.max(1, width - 1)).join('') + '…';
}

/** The frame as lines (no trailing newline), each at most `width` characters before colouring. */
export function renderTable(
  s: TableState,
  now: number,
  o: { colors: Colors; width?: number; final?: boolean },
): string[] {
  const c = o.colors;
  const width = Math.max(20, o.width ?? 80);
  const finished = s.provisioned + s.failed + s.cancelled;
  // A discovery without --count has no total: counts and boards in flight, no remaining or ETA.
  const remaining = s.total === undefined ? 0 : Math.max(0, s.total - finished - s.skipped);
  const elapsed = now - s.startedAt;
  const parts = [s.total === undefined ? `${s.provisioned} provisioned` : `${s.provisioned}/${s.total} provisioned`];
  if (s.failed) parts.push(`${s.failed} failed`);
  if (s.cancelled) parts.push(`${s.cancelled} cancelled`);
  if (s.skipped) parts.push(`${s.skipped} skipped`);
  if (remaining) parts.push(`${remaining} remaining (${s.inFlight.size} in flight)`);
  else if (s.total === undefined && s.inFlight.size) parts.push(`${s.inFlight.size} in flight`);
  // Rate over the boards that ran: skipped ones and those cancelled before starting took no time.
  const ran = s.provisioned + s.failed;
  if (ran > 0 && elapsed > 0) {
    const perSec = (ran * 1000) / elapsed;
    parts.push(`${perSec >= 10 ? perSec.toFixed(0) : perSec.toFixed(1)}/s`);
    if (remaining && !o.final) parts.push(`ETA ${elapsedText((remaining * 1000) / perSec)}`);
  }
  parts.push(elapsedText(elapsed));
  const head = cut(parts.join(' · '), width);
  const lines = [s.failed ? c.yellow(head) : head];
  if (o.final) return lines;
  const rows = [...s.inFlight].sort((a, b) => a[1].since - b[1].since);
  const idWidth = Math.min(24, Math.max(0, ...rows.map(([id]) => [...forTerminal(id)].length)));
  for (const [id, f] of rows.slice(0, MAX_ROWS)) {
    const safe = forTerminal(id);
    const name = [...safe].length > idWidth ? cut(safe, idWidth) : safe.padEnd(idWidth);
    const retry = f.attempt > 1 ? ` attempt ${f.attempt}` : '';
    const text = cut(`  ${name}  ${f.phase.padEnd(14)} ${elapsedText(now - f.since).padStart(6)}${retry}`, width);
    lines.push(c.dim(text));
  }
  if (rows.length > MAX_ROWS) lines.push(c.dim(`  … and ${rows.length - MAX_ROWS} more in flight`));
  return lines;
}

export interface LiveTableOptions {
  stream: Writer;
  colors: Colors;
  total: number | undefined;
  width?: number;
  clock?: Clock;
  /** Where the process-exit hook is installed (tests pass a stand-in; default `process`). */
  exitHook?: { on(event: 'exit', fn: () => void): unknown; off(event: 'exit', fn: () => void): unknown };
}

export class LiveTable {
  readonly #o: LiveTableOptions;
  readonly #clock: Clock;
  readonly state: TableState;
  /** Lines of the frame on the screen (the cursor sits on the line below it). */
  #drawn = 0;
  #lastDraw = -Infinity;
  #cancelTimer: (() => void) | undefined;
  /** When the pending frame is due. */
  #due = 0;
  #ended = false;
  readonly #onExit = (): void => {
    this.#o.stream.write(CURSOR_SHOW);
  };

  constructor(o: LiveTableOptions) {
    this.#o = o;
    this.#clock = o.clock ?? realClock;
    this.state = emptyState(o.total, this.#clock.now());
    (o.exitHook ?? process).on('exit', this.#onExit);
    o.stream.write(CURSOR_HIDE);
  }

  event(e: BatchEvent): void {
    if (this.#ended) return;
    applyEvent(this.state, e, this.#clock.now());
    this.#request();
  }

  /** Writes permanent text (ending in a newline) above the table; the table follows at the next frame. */
  above(write: () => void): void {
    this.#erase();
    write();
    if (!this.#ended) this.#request();
  }

  /** The last frame (counts only) stays on the screen; the cursor is shown again. */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#cancelTimer?.();
    this.#cancelTimer = undefined;
    this.#erase();
    const lines = renderTable(this.state, this.#clock.now(), { ...this.#opts(), final: true });
    this.#o.stream.write(lines.join('\n') + '\n' + CURSOR_SHOW);
    (this.#o.exitHook ?? process).off('exit', this.#onExit);
  }

  #opts(): { colors: Colors; width?: number } {
    return { colors: this.#o.colors, ...(this.#o.width !== undefined ? { width: this.#o.width } : {}) };
  }

  /** Draws as soon as the last frame is MIN_FRAME_MS old (one pending frame at most). */
  #request(): void {
    this.#schedule(Math.max(0, this.#lastDraw + MIN_FRAME_MS - this.#clock.now()));
  }

  #schedule(ms: number): void {
    const due = this.#clock.now() + ms;
    if (this.#cancelTimer && this.#due <= due) return;
    this.#cancelTimer?.();
    this.#due = due;
    this.#cancelTimer = this.#clock.setTimer(() => {
      this.#cancelTimer = undefined;
      this.#draw();
    }, ms);
  }

  #erase(): void {
    if (this.#drawn === 0) return;
    // Up to the frame's first line, column 0, then erase it and everything below.
    this.#o.stream.write(`\u001b[${this.#drawn}F${ERASE_DOWN}`);
    this.#drawn = 0;
  }

  #draw(): void {
    if (this.#ended) return;
    const lines = renderTable(this.state, this.#clock.now(), this.#opts());
    const up = this.#drawn > 0 ? `\u001b[${this.#drawn}F${ERASE_DOWN}` : '';
    // One write per frame: a terminal never shows half a frame.
    this.#o.stream.write(up + lines.join('\n') + '\n');
    this.#drawn = lines.length;
    this.#lastDraw = this.#clock.now();
    // Elapsed times keep moving while nothing happens: one frame a second at least.
    this.#schedule(1000);
  }
}
