/**
 * How late the default status polling notices a join. A device starts joining ~1 s after Apply and is
 * connected 1–5 s after it (PROTOCOL.md §5.2); a poll is one small round trip, so the default interval is
 * steady and short: whenever the join happens, the next poll is at most 0.3 s away.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Connection } from '../src/provision/connect.js';
import { pollStatus } from '../src/provision/poll.js';
import { FIRST_POLL_DELAY_MS, MAX_POLL_INTERVAL_MS } from '../src/provision/wifi.js';
import { ManualClock } from '../src/timers.js';
import { settle } from './helpers/settle.js';

/** Never asked for: these polls all succeed, so no new handshake is needed. */
const NO_RECONNECT = {
  reestablish: () => Promise.reject(new Error('no reconnect expected')),
} as unknown as Connection;

/** Runs the default polling against a device that reports Connected from `joinAtMs` on; returns when it saw it. */
async function detectedAt(joinAtMs: number): Promise<{ at: number; polls: number }> {
  const clock = new ManualClock(0);
  let polls = 0;
  const run = pollStatus(
    NO_RECONNECT,
    () => {
      polls++;
      return Promise.resolve(clock.now() >= joinAtMs ? 'connected' : 'connecting');
    },
    (s) => (s === 'connected' ? clock.now() : undefined),
    {
      timeoutMs: 60_000,
      firstPollMs: FIRST_POLL_DELAY_MS,
      maxPollMs: MAX_POLL_INTERVAL_MS,
      clock,
      timeoutMessage: () => 'no join',
    },
  );
  const at = await settle(clock, run, 1);
  return { at, polls };
}

void describe('default status polling', () => {
  test('notices a join at most 0.3 s after it, wherever in 1–5 s after Apply it happens', async () => {
    let worst = 0;
    for (let joinAt = 1000; joinAt <= 5000; joinAt += 50) {
      const { at } = await detectedAt(joinAt);
      worst = Math.max(worst, at - joinAt);
    }
    assert.ok(worst <= 300, `a join was noticed ${worst} ms late`);
  });

  test('the measured case: a device whose floor is ~3.6 s is seen by ~3.85 s, with a modest number of polls', async () => {
    const { at, polls } = await detectedAt(3600);
    assert.ok(at - 3600 <= 300, `noticed at ${at} ms`);
    // Steady, not frantic: one request per ≥ 0.2 s.
    assert.ok(polls <= Math.ceil(at / 200), `${polls} polls in ${at} ms`);
  });
});
