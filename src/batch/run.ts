/**
 * provisionMany: one `provision()` run per board, at most `concurrency` at a time, each retried on retryable
 * failures (retry.ts) with backoff on the injected clock. One board's failure never stops the others. When
 * `signal` aborts, no new board (or retry) starts; boards in flight see the same signal and end CANCELLED
 * through the flow's own clean abort. Every board gets exactly one result, in manifest (or arrival) order.
 */
import { setMaxListeners } from 'node:events';
import { EspProvError, toEspProvError } from '../errors.js';
import { provision, type ProvisionResult } from '../provision/flow.js';
import { realClock, sleep, type Clock } from '../timers.js';
import type { Transport } from '../transport/transport.js';
import { deviceFacts, networkFacts, PhaseTimer } from './facts.js';
import { endQuietly, recorded, traceSink, type AttemptWatch } from './attempt.js';
import { backoffMs, isRetryable } from './retry.js';
import { fromArray, fromStream } from './source.js';
import type { BatchEvent, Board, BoardResult } from './types.js';

export interface BatchOptions {
  /** Boards in flight at once (default 1). */
  concurrency?: number;
  /**
   * Ceilings per `board.transport` below `concurrency`, e.g. `{ ble: 2 }`: BLE boards share one adapter, whose
   * stack handles few connections at once, while SoftAP addresses and serial ports are independent.
   */
  perTransport?: Readonly<Record<string, number>>;
  /** Extra attempts per board for retryable failures (default 0). */
  retries?: number;
  signal?: AbortSignal;
  onEvent?: (e: BatchEvent) => void;
  /**
   * Called with each board's result as it ends, before the next board of that slot starts (journal.ts). When
   * it fails, no further board starts (a resumed batch would provision again a board the journal does not
   * show), boards in flight finish, every board still gets its result and board-end event, and provisionMany
   * then rejects with JOURNAL_FAILED.
   */
  journal?: { record(result: BoardResult): Promise<void> };
  clock?: Clock;
  /** [0, 1) source for backoff jitter (tests pass a constant). */
  random?: () => number;
  /**
   * Called as each attempt of each board starts, before `around` and before the link opens: what it returns
   * watches that attempt alone (the CLI's `batch --record DIR` writes one transcript per attempt with it).
   * When it fails, the attempt fails with its error.
   */
  onAttempt?: (board: Board, attempt: number) => AttemptWatch | undefined | Promise<AttemptWatch | undefined>;
}

function iso(clock: Clock): string {
  return new Date(clock.now()).toISOString();
}

async function closeQuietly(t: Transport | undefined): Promise<void> {
  try {
    await t?.close();
  } catch {
    // The attempt's outcome is already decided; a link that fails to close changes nothing about it.
  }
}

async function runBoard(
  board: Board,
  o: Required<Pick<BatchOptions, 'retries'>> & BatchOptions & { clock: Clock; signal: AbortSignal },
): Promise<BoardResult> {
  const startedAt = iso(o.clock);
  const base = { id: board.id, device: board.device, transport: board.transport, startedAt };
  for (let attempt = 1; ; attempt++) {
    o.onEvent?.({ type: 'board-start', board: board.id, attempt });
    const timer = new PhaseTimer(o.clock, o.clock.now());
    let watch: AttemptWatch | undefined;
    // The link is closed inside the attempt, so that whatever `around` does after it (restore the host's
    // Wi-Fi) happens with the link already gone.
    const attemptOnce = async (): Promise<ProvisionResult> => {
      const transport = await board.connect({ signal: o.signal });
      watch?.transport?.(transport);
      const trace = traceSink(board.options?.onTrace, watch);
      try {
        return await provision({
          ...board.options,
          transport,
          signal: o.signal,
          clock: o.clock,
          ...(trace ? { onTrace: trace } : {}),
          onEvent: (event) => {
            timer.see(event);
            watch?.onEvent?.(event);
            o.onEvent?.({ type: 'board-progress', board: board.id, event });
          },
        });
      } finally {
        await closeQuietly(transport);
      }
    };
    try {
      watch = (await o.onAttempt?.(board, attempt)) ?? undefined;
      const result = await (board.around ? board.around(attemptOnce, { signal: o.signal }) : attemptOnce());
      timer.finish();
      await endQuietly(watch);
      return {
        ...base,
        outcome: 'provisioned',
        attempts: attempt,
        phases: timer.phases,
        ...networkFacts(result),
        ...deviceFacts(timer),
        ...recorded(watch),
        endedAt: iso(o.clock),
      };
    } catch (e) {
      let err = toEspProvError(e);
      if (o.signal.aborted && err.code !== 'CANCELLED')
        err = new EspProvError('CANCELLED', 'interrupted', { cause: err });
      timer.finish();
      await endQuietly(watch, err);
      const again = attempt <= o.retries && !o.signal.aborted && isRetryable(err, timer.applied);
      if (again) {
        const delayMs = backoffMs(attempt, o.random);
        o.onEvent?.({ type: 'board-retry', board: board.id, attempt, code: err.code, delayMs });
        try {
          await sleep(delayMs, o.signal, o.clock);
          continue;
        } catch (abort) {
          err = toEspProvError(abort);
        }
      }
      return {
        ...base,
        outcome: err.code === 'CANCELLED' ? 'cancelled' : 'failed',
        error: { code: err.code, message: err.message, exitCode: err.exitCode },
        attempts: attempt,
        phases: timer.phases,
        ...deviceFacts(timer),
        ...recorded(watch),
        endedAt: iso(o.clock),
      };
    }
  }
}

/** A counting semaphore: at most `limit` holders at once, the others wait in arrival order. */
class Gate {
  #free: number;
  #waiting: (() => void)[] = [];

  constructor(limit: number) {
    this.#free = limit;
  }

  enter(): Promise<void> {
    if (this.#free > 0) {
      this.#free--;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  leave(): void {
    const next = this.#waiting.shift();
    if (next) next();
    else this.#free++;
  }
}

/** A board that never started because the batch was stopped first. */
function notStarted(board: Board, clock: Clock, why = 'the batch was stopped'): BoardResult {
  const now = iso(clock);
  return {
    id: board.id,
    device: board.device,
    transport: board.transport,
    outcome: 'cancelled',
    error: { code: 'CANCELLED', message: `not started: ${why}`, exitCode: 130 },
    attempts: 0,
    phases: {},
    startedAt: now,
    endedAt: now,
  };
}

/** A board whose id an earlier board of the same stream already had: reported, never run. */
function duplicate(board: Board, clock: Clock): BoardResult {
  return {
    ...notStarted(board, clock),
    outcome: 'failed',
    error: { code: 'USAGE', message: `two boards share the id ${JSON.stringify(board.id)}`, exitCode: 2 },
  };
}

/**
 * `boards` is a manifest's array or an AsyncIterable of boards that arrive over time (a discovery): the same
 * scheduler runs both, and results come back in array / arrival order. A stream ends when it is done or when
 * the batch is stopped; if it throws, no new board starts, the boards in flight finish (their results went to
 * `journal` and `onEvent`), and provisionMany rejects with that error.
 */
export async function provisionMany(
  boards: readonly Board[] | AsyncIterable<Board>,
  options: BatchOptions = {},
): Promise<BoardResult[]> {
  const concurrency = options.concurrency ?? 1;
  const retries = options.retries ?? 0;
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw new EspProvError('USAGE', 'concurrency must be 1 or more');
  if (!Number.isInteger(retries) || retries < 0) throw new EspProvError('USAGE', 'retries must be 0 or more');
  const isArray = Array.isArray(boards);
  const ids = new Set<string>();
  if (isArray) {
    for (const b of boards as readonly Board[]) {
      if (ids.has(b.id)) throw new EspProvError('USAGE', `two boards share the id ${JSON.stringify(b.id)}`);
      ids.add(b.id);
    }
  }
  const clock = options.clock ?? realClock;
  // Every board in flight listens to the stop signal (its requests, its waits): one internal signal carries
  // them, sized for the batch, so the caller's signal gets one listener and Node no warning about a leak.
  const stop = new AbortController();
  setMaxListeners(16 * concurrency + 16, stop.signal);
  const outer = options.signal;
  const forward = (): void => stop.abort(outer?.reason);
  if (outer?.aborted) forward();
  else outer?.addEventListener('abort', forward, { once: true });
  const signal = stop.signal;
  const o = { ...options, retries, clock, signal };
  const results: BoardResult[] = [];
  let sourceError: { error: unknown } | undefined;
  // A stream stops being read when the batch stops, and also when the journal fails: a discovery then stops
  // scanning (its return() is called) instead of finding boards that would never be started.
  const sourceStop = new AbortController();
  signal.addEventListener('abort', () => sourceStop.abort(), { once: true });
  const pull = isArray
    ? fromArray(boards as readonly Board[])
    : fromStream(boards as AsyncIterable<Board>, sourceStop.signal, (error) => (sourceError = { error }));
  const gates = new Map<string, Gate>();
  for (const [transport, n] of Object.entries(options.perTransport ?? {})) {
    if (!Number.isInteger(n) || n < 1) throw new EspProvError('USAGE', `the ${transport} ceiling must be 1 or more`);
    gates.set(transport, new Gate(n));
  }
  let journalError: EspProvError | undefined;
  const record = async (result: BoardResult): Promise<void> => {
    try {
      await options.journal?.record(result);
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      journalError ??= new EspProvError(
        'JOURNAL_FAILED',
        `the journal could not record the outcome of ${JSON.stringify(result.id)} (${why}); no further board was started, so that a resumed batch cannot provision a board twice`,
        { cause: e, details: { board: result.id } },
      );
      sourceStop.abort();
    }
  };
  const worker = async (): Promise<void> => {
    for (;;) {
      const next = await pull();
      if (next === undefined) return;
      const { board, index } = next;
      let result: BoardResult;
      if (!isArray && ids.has(board.id)) result = duplicate(board, clock);
      else {
        ids.add(board.id);
        // Boards start in arrival order; one waiting for its transport's ceiling holds its slot meanwhile.
        const gate = gates.get(board.transport);
        await gate?.enter();
        try {
          result = signal.aborted
            ? notStarted(board, clock)
            : journalError
              ? notStarted(board, clock, 'the journal could not record')
              : await runBoard(board, o);
        } finally {
          gate?.leave();
        }
      }
      results[index] = result;
      await record(result);
      options.onEvent?.({ type: 'board-end', board: board.id, result });
    }
  };
  const workers = isArray ? Math.min(concurrency, (boards as readonly Board[]).length) : concurrency;
  try {
    await Promise.all(Array.from({ length: workers }, worker));
  } finally {
    outer?.removeEventListener('abort', forward);
  }
  if (sourceError !== undefined) throw sourceError.error;
  if (journalError) throw journalError;
  return results;
}
