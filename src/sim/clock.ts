/**
 * Time for the simulator. Every simulated delay (the 1-second apply timer, connection attempts, scans,
 * cleanup after provisioning) goes through a SimClock, so tests and the replay of recorded sessions can run
 * device time on a ManualClock instead of sleeping.
 */

export interface SimClock {
  /** Milliseconds on this clock's time line. */
  now(): number;
  /**
   * Runs `fn` once after `ms` milliseconds; returns a function that cancels it. `keepAlive` marks a wait
   * someone is blocked on (a response being delayed, the cleanup after success): on the wall clock only
   * those keep the process running; background device timers never do.
   */
  setTimer(fn: () => void, ms: number, keepAlive?: boolean): () => void;
}

/** Wall-clock time. Background timers are unref'd: an idle simulated device never keeps a process alive. */
export const realClock: SimClock = {
  now: () => Date.now(),
  setTimer(fn, ms, keepAlive = false) {
    const t = setTimeout(fn, Math.max(0, ms));
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
export class ManualClock implements SimClock {
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

/** The reason a simulated wait ends early: the caller's AbortSignal fired. */
function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new DOMException('The operation was aborted', 'AbortError');
}

/** Waits `ms` on `clock`; rejects with the signal's reason when it aborts first. */
export function sleep(clock: SimClock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortReason(signal));
      return;
    }
    const onAbort = (): void => {
      cancel();
      reject(abortReason(signal!));
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
