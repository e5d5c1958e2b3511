/**
 * Time, injected. Every wait in this project (request deadlines, status polls, scans, connection set-up, device
 * delays in the simulator) goes through a Clock, so tests run client and device on one ManualClock instead of
 * sleeping and the process never waits on a timer nobody can move. `realClock` is the wall clock.
 */
import { EspProvError } from './errors.js';

export interface Clock {
  /** Milliseconds on this clock's time line. */
  now(): number;
  /**
   * Runs `fn` once after `ms` milliseconds; returns a function that cancels it. `keepAlive` marks a wait
   * someone is blocked on (a request's deadline, a delayed response): on the wall clock only those keep the
   * process running; background timers never do.
   */
  setTimer(fn: () => void, ms: number, keepAlive?: boolean): () => void;
}

/** Node's timers hold at most 2^31−1 ms; a longer delay fires after 1 ms. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** Wall-clock time. Background timers are unref'd so that they never keep a process alive. */
export const realClock: Clock = {
  now: () => Date.now(),
  setTimer(fn, ms, keepAlive = false) {
    const t = setTimeout(fn, Math.min(MAX_TIMER_MS, Math.max(0, ms)));
    if (!keepAlive) t.unref();
    return () => clearTimeout(t);
  },
};

const MAX_TIMERS_PER_ADVANCE = 1_000_000;

interface PendingTimer {
  due: number;
  seq: number;
  fn: () => void;
}

/** A clock that only moves when told to. Timers fire in due order (ties in scheduling order) during advance. */
export class ManualClock implements Clock {
  #now: number;
  #seq = 0;
  #timers: PendingTimer[] = [];

  constructor(start = 0) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimer(fn: () => void, ms: number): () => void {
    const timer: PendingTimer = { due: this.#now + Math.max(0, ms), seq: this.#seq++, fn };
    this.#timers.push(timer);
    return () => {
      this.#timers = this.#timers.filter((t) => t !== timer);
    };
  }

  /** Number of timers not yet fired. */
  get pending(): number {
    return this.#timers.length;
  }

  /** When the earliest pending timer falls due (undefined when none is pending). */
  get nextDue(): number | undefined {
    let next: number | undefined;
    for (const t of this.#timers) if (next === undefined || t.due < next) next = t.due;
    return next;
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way (also ones scheduled meanwhile). */
  advance(ms: number): void {
    this.advanceTo(this.#now + ms);
  }

  advanceTo(time: number): void {
    for (let fired = 0; ; fired++) {
      if (fired > MAX_TIMERS_PER_ADVANCE) throw new RangeError('ManualClock: timers keep rescheduling at one instant');
      const next = this.#timers.filter((t) => t.due <= time).sort((a, b) => a.due - b.due || a.seq - b.seq)[0];
      if (!next) break;
      this.#timers = this.#timers.filter((t) => t !== next);
      this.#now = Math.max(this.#now, next.due);
      next.fn();
    }
    this.#now = Math.max(this.#now, time);
  }
}

/** Resolves after `ms` on `clock`; rejects with CANCELLED as soon as `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal, clock: Clock = realClock): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new EspProvError('CANCELLED', 'cancelled'));
    const onAbort = (): void => {
      cancel();
      reject(new EspProvError('CANCELLED', 'cancelled'));
    };
    const cancel = clock.setTimer(
      () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      },
      ms,
      true,
    );
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** A wait that whoever holds it can end from outside; see pendingWait. */
export interface PendingWait<T> {
  readonly promise: Promise<T>;
  /** True once the wait has ended (resolved, failed, timed out or aborted). */
  readonly ended: boolean;
  /** Resolves the wait; false when it had already ended. */
  resolve(value: T): boolean;
  /** Rejects the wait; false when it had already ended. */
  fail(error: Error): boolean;
}

/**
 * One wait with a deadline on `clock` (none when `timeoutMs` is absent: someone else owns it) that `signal`
 * ends with `onAbort(reason)`, and that its holder ends with resolve/fail (an answer arrived, the link went).
 * It ends once; `onEnd` runs then, before the promise settles, to let the holder forget it.
 */
export function pendingWait<T>(o: {
  clock?: Clock | undefined;
  timeoutMs?: number | undefined;
  onTimeout: () => Error;
  signal?: AbortSignal | undefined;
  onAbort: (reason: unknown) => Error;
  onEnd?: () => void;
}): PendingWait<T> {
  let settle!: { resolve: (v: T) => void; reject: (e: Error) => void };
  const promise = new Promise<T>((resolve, reject) => (settle = { resolve, reject }));
  let done = false;
  const end = (): boolean => {
    if (done) return false;
    done = true;
    cancelTimer();
    o.signal?.removeEventListener('abort', abort);
    o.onEnd?.();
    return true;
  };
  const wait: PendingWait<T> = {
    promise,
    get ended() {
      return done;
    },
    resolve: (value) => end() && (settle.resolve(value), true),
    fail: (error) => end() && (settle.reject(error), true),
  };
  const abort = (): void => void wait.fail(o.onAbort(o.signal?.reason));
  const cancelTimer =
    o.timeoutMs === undefined
      ? (): void => undefined
      : (o.clock ?? realClock).setTimer(() => void wait.fail(o.onTimeout()), o.timeoutMs, true);
  if (o.signal?.aborted) abort();
  else o.signal?.addEventListener('abort', abort, { once: true });
  return wait;
}

/**
 * Settles with `work`, or rejects with `onTimeout()` after `ms` / CANCELLED when `signal` aborts. `work` is not
 * cancelled (most I/O cannot be); `late` receives its value if it arrives after we gave up, to release it.
 */
export function withDeadline<T>(
  work: Promise<T>,
  ms: number,
  onTimeout: () => EspProvError,
  options: { signal?: AbortSignal | undefined; late?: (value: T) => void; clock?: Clock } = {},
): Promise<T> {
  const wait = pendingWait<T>({
    clock: options.clock,
    timeoutMs: ms,
    onTimeout,
    signal: options.signal,
    onAbort: () => new EspProvError('CANCELLED', 'cancelled'),
  });
  work.then(
    (v) => wait.resolve(v) || options.late?.(v),
    (e: unknown) => wait.fail(e instanceof Error ? e : new Error(String(e))),
  );
  return wait.promise;
}
