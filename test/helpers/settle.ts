/**
 * Waiting in tests without wall-clock sleeps. Every wait here has a deadline counted in event-loop turns or
 * in simulated device time, so a test that waits for something that never comes fails instead of hanging.
 */
import type { ManualClock } from '../../src/timers.js';

const MAX_TURNS = 100_000;

function turn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Waits turn by turn until `condition()` holds; fails after `maxTurns` turns, saying what it waited for
 * (`what` may be a function, to describe the state at the moment of giving up).
 */
export async function until(
  condition: () => boolean,
  what: string | (() => string),
  maxTurns = MAX_TURNS,
): Promise<void> {
  for (let i = 0; i < maxTurns; i++) {
    if (condition()) return;
    await turn();
  }
  if (!condition()) {
    const said = typeof what === 'string' ? what : what();
    throw new Error(`gave up after ${maxTurns} event-loop turns waiting until ${said}`);
  }
}

/**
 * Lets `n` event-loop turns pass. Only for what has no event to wait for: a fake peer that is slow on purpose,
 * or a check that something does NOT happen before device time moves.
 */
export async function turns(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await turn();
}

/**
 * Awaits `p`, moving device time forward `stepMs` per turn while it is pending (a blocking scan, a delayed
 * answer). Fails when `p` is still pending after 100 000 steps of device time.
 */
export async function settle<T>(clock: ManualClock, p: Promise<T>, stepMs = 5): Promise<T> {
  let done = false;
  void p.then(
    () => (done = true),
    () => (done = true),
  );
  for (let i = 0; i < MAX_TURNS && !done; i++) {
    await turn();
    if (!done) clock.advance(stepMs);
  }
  if (!done) throw new Error(`still pending after ${MAX_TURNS * stepMs} ms of device time`);
  return p;
}

/**
 * Moves `clock` `stepMs` per event-loop turn until the returned function is called: device time for a whole
 * suite whose awaits are too many to wrap in settle one by one. Waits still end (deadlines on the clock fire
 * as turns pass), so a test that waits for something that never comes fails instead of hanging. Stop it in
 * an after() hook: while it runs, the process never goes idle.
 */
export function pump(clock: ManualClock, stepMs = 1): () => void {
  let running = true;
  const tick = (): void => {
    if (!running) return;
    clock.advance(stepMs);
    setImmediate(tick);
  };
  setImmediate(tick);
  return () => {
    running = false;
  };
}
