/**
 * provisionMany against simulated devices on one ManualClock: results per board, the concurrency ceiling seen
 * from the device side, retry classification (what is retried and what never is), and a stop that starts no
 * new board.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { utf8 } from '../src/bytes.js';
import { EspProvError, type ErrorCode } from '../src/errors.js';
import { provisionMany } from '../src/batch/run.js';
import { backoffMs, BACKOFF_MAX_MS, isRetryable } from '../src/batch/retry.js';
import type { BatchEvent, Board } from '../src/batch/types.js';
import { parseFaultSpec } from '../src/sim/faults.js';
import { SimDevice } from '../src/sim/device.js';
import type { SimDeviceOptions } from '../src/sim/options.js';
import type { ProtocommDevice } from '../src/protocol/device.js';
import { ManualClock } from '../src/timers.js';
import { MemoryTransport } from '../src/transport/memory.js';
import { settle } from './helpers/settle.js';
import { FAST } from './sim-harness.js';

const WIFI = { ssid: utf8('HomeNetwork'), passphrase: utf8('correct-horse-battery') };

/** Counts sessions open at once across every device of a rack: the boards a batch really has in flight. */
class Rack {
  open = 0;
  peak = 0;
  /** Sessions open at once per transport label, and the most seen. */
  openBy = new Map<string, number>();
  peakBy = new Map<string, number>();
  readonly clock = new ManualClock(Date.UTC(2026, 0, 1));
  #session = 1;

  board(id: string, sim: SimDeviceOptions = {}, options: Board['options'] = {}, transport = 'memory'): Board {
    const device = new SimDevice({
      security: { version: 1, pop: utf8('pop-' + id) },
      ...FAST,
      ...sim,
      clock: this.clock,
    });
    const counted: ProtocommDevice = {
      endpoints: () => device.endpoints(),
      openSession: (s) => {
        this.open++;
        this.peak = Math.max(this.peak, this.open);
        const n = (this.openBy.get(transport) ?? 0) + 1;
        this.openBy.set(transport, n);
        this.peakBy.set(transport, Math.max(n, this.peakBy.get(transport) ?? 0));
        device.openSession(s);
      },
      closeSession: (s) => {
        this.open--;
        this.openBy.set(transport, this.openBy.get(transport)! - 1);
        device.closeSession(s);
      },
      handle: (e, s, d, signal) => device.handle(e, s, d, signal),
    };
    return {
      id,
      device: `sim/${id}`,
      transport,
      connect: () => Promise.resolve(new MemoryTransport(counted, { sessionId: this.#session++, clock: this.clock })),
      options: {
        security: { pop: 'pop-' + id },
        wifi: WIFI,
        statusPoll: { firstMs: 10, maxMs: 40 },
        requestTimeoutMs: 2000,
        ...options,
      },
    };
  }
}

describe('provisionMany', () => {
  it('a journal that cannot record stops new boards; those in flight finish; every board has a result', async () => {
    const rack = new Rack();
    const boards = Array.from({ length: 6 }, (_, i) => rack.board(`b${i}`));
    const recorded: string[] = [];
    const journal = {
      record: (r: { id: string }): Promise<void> => {
        if (recorded.length === 1) {
          return Promise.reject(Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }));
        }
        recorded.push(r.id);
        return Promise.resolve();
      },
    };
    const events: BatchEvent[] = [];
    const failed = await settle(
      rack.clock,
      provisionMany(boards, { concurrency: 2, clock: rack.clock, journal, onEvent: (e) => events.push(e) }).then(
        () => assert.fail('the batch must not end as if every outcome were recorded'),
        (e: unknown) => e,
      ),
    );
    assert.ok(failed instanceof EspProvError && failed.code === 'JOURNAL_FAILED', String(failed));
    assert.match(failed.message, /could not record .*ENOSPC.*no further board was started/);
    const ends = events.flatMap((e) => (e.type === 'board-end' ? [e.result] : []));
    assert.deepEqual(ends.map((r) => r.id).sort(), boards.map((b) => b.id).sort(), 'one board-end per board');
    const started = new Set(events.flatMap((e) => (e.type === 'board-start' ? [e.board] : [])));
    // The two first boards end in the same turn: whether a third started before the failing record is timing.
    assert.ok(started.size === 2 || started.size === 3, `${started.size} boards started`);
    const notStarted = ends.filter((r) => r.attempts === 0);
    assert.equal(notStarted.length, 6 - started.size);
    for (const r of notStarted) assert.equal(r.error?.message, 'not started: the journal could not record');
    assert.equal(rack.open, 0, 'every link was closed');
  });

  it('provisions every board, never more than `concurrency` in flight, with facts per board', async () => {
    const rack = new Rack();
    const boards = Array.from({ length: 7 }, (_, i) => rack.board(`b${i}`));
    const events: BatchEvent[] = [];
    const results = await settle(
      rack.clock,
      provisionMany(boards, { concurrency: 3, clock: rack.clock, onEvent: (e) => events.push(e) }),
    );
    assert.deepEqual(
      results.map((r) => [r.id, r.outcome, r.attempts]),
      boards.map((b) => [b.id, 'provisioned', 1]),
    );
    assert.equal(rack.peak, 3, 'three sessions were open at once, never more');
    assert.equal(rack.open, 0, 'every link was closed');
    const r = results[0]!;
    assert.match(r.wifi!.ip, /^\d+\.\d+\.\d+\.\d+$/);
    assert.match(r.wifi!.bssid, /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
    assert.equal(r.wifi!.ssid, 'HomeNetwork');
    assert.equal(r.protoVer, 'v1.1');
    assert.ok(r.capabilities!.includes('wifi_scan'));
    assert.ok(r.phases.handshakeMs !== undefined && r.phases.applyMs! > 0, JSON.stringify(r.phases));
    assert.ok(Date.parse(r.endedAt) >= Date.parse(r.startedAt));
    assert.equal(events.filter((e) => e.type === 'board-end').length, 7);
    assert.ok(events.every((e) => typeof e.board === 'string'));
  });

  it('keeps a transport under its own ceiling while the others use the rest', async () => {
    const rack = new Rack();
    const boards = ['ble', 'softap', 'ble', 'softap', 'ble', 'softap', 'softap'].map((t, i) =>
      rack.board(`${t}${i}`, {}, {}, t),
    );
    const results = await settle(
      rack.clock,
      provisionMany(boards, { concurrency: 4, perTransport: { ble: 1 }, clock: rack.clock }),
    );
    assert.ok(results.every((r) => r.outcome === 'provisioned'));
    assert.equal(rack.peakBy.get('ble'), 1, 'one BLE board at a time');
    assert.ok(rack.peakBy.get('softap')! >= 2, 'SoftAP boards ran side by side');
    assert.ok(rack.peak <= 4);
  });

  it('retries a lost link, never a refused PoP or a wrong passphrase; others carry on', async () => {
    const rack = new Rack();
    const flaky = rack.board('flaky', { faults: [parseFaultSpec('close:version:once')] });
    const wrongPop = rack.board('wrong-pop', {}, { security: { pop: 'nope' } });
    const wrongPass = rack.board('wrong-pass', {}, { wifi: { ssid: WIFI.ssid, passphrase: utf8('not-it-at-all') } });
    const fine = rack.board('fine');
    const events: BatchEvent[] = [];
    const results = await settle(
      rack.clock,
      provisionMany([flaky, wrongPop, wrongPass, fine], {
        concurrency: 2,
        retries: 3,
        clock: rack.clock,
        random: () => 0.5,
        onEvent: (e) => events.push(e),
      }),
    );
    const got = results.map((r) => [r.id, r.outcome, r.error?.code, r.attempts]);
    assert.deepEqual(got, [
      ['flaky', 'provisioned', undefined, 2],
      ['wrong-pop', 'failed', 'HANDSHAKE_FAILED', 1],
      ['wrong-pass', 'failed', 'WIFI_AUTH_FAILED', 1],
      ['fine', 'provisioned', undefined, 1],
    ]);
    assert.equal(results[1]!.error!.exitCode, 7);
    const retry = events.find((e) => e.type === 'board-retry');
    assert.deepEqual(retry, { type: 'board-retry', board: 'flaky', attempt: 1, code: 'CONNECTION_LOST', delayMs: 375 });
  });

  it('gives up after `retries` extra attempts', async () => {
    const rack = new Rack();
    const dead = rack.board('dead', { faults: [parseFaultSpec('close:version:always')] });
    const [r] = await settle(rack.clock, provisionMany([dead], { retries: 2, clock: rack.clock, random: () => 0 }));
    assert.equal(r!.outcome, 'failed');
    assert.equal(r!.error!.code, 'CONNECTION_LOST');
    assert.equal(r!.attempts, 3);
  });

  it('after a stop starts no new board; the one in flight ends cancelled', async () => {
    const rack = new Rack();
    const boards = [rack.board('a'), rack.board('b'), rack.board('c')];
    const stop = new AbortController();
    const results = await settle(
      rack.clock,
      provisionMany(boards, {
        clock: rack.clock,
        signal: stop.signal,
        onEvent: (e) => {
          if (e.type === 'board-progress' && e.board === 'b' && e.event.type === 'session-established') stop.abort();
        },
      }),
    );
    assert.deepEqual(
      results.map((r) => [r.id, r.outcome, r.attempts]),
      [
        ['a', 'provisioned', 1],
        ['b', 'cancelled', 1],
        ['c', 'cancelled', 0],
      ],
    );
    assert.equal(rack.open, 0);
  });

  it('refuses duplicate ids and a zero concurrency', async () => {
    const rack = new Rack();
    await assert.rejects(provisionMany([rack.board('x'), rack.board('x')]), /share the id/);
    await assert.rejects(provisionMany([rack.board('y')], { concurrency: 0 }), /concurrency/);
  });
});

/** Resolves when `resolve` is called: a board that arrives when the test says so. */
function later(): { promise: Promise<void>; resolve: () => void } {
  let resolve = (): void => undefined;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('provisionMany over boards that arrive over time', () => {
  it('provisions each as it arrives, in arrival order, within `concurrency`', async () => {
    const rack = new Rack();
    const firstDone = later();
    let ended = false;
    async function* arrivals(): AsyncGenerator<Board> {
      try {
        yield rack.board('b0');
        await firstDone.promise;
        for (const id of ['b1', 'b2', 'b3']) yield rack.board(id);
      } finally {
        ended = true;
      }
    }
    const results = await settle(
      rack.clock,
      provisionMany(arrivals(), {
        concurrency: 2,
        clock: rack.clock,
        onEvent: (e) => {
          if (e.type === 'board-end' && e.board === 'b0') firstDone.resolve();
        },
      }),
    );
    assert.deepEqual(
      results.map((r) => [r.id, r.outcome]),
      ['b0', 'b1', 'b2', 'b3'].map((id) => [id, 'provisioned']),
    );
    assert.equal(rack.peak, 2);
    assert.equal(rack.open, 0);
    assert.ok(ended);
  });

  it('reports a repeated id as failed without running it', async () => {
    const rack = new Rack();
    async function* arrivals(): AsyncGenerator<Board> {
      yield await Promise.resolve(rack.board('x'));
      yield rack.board('x');
    }
    const results = await settle(rack.clock, provisionMany(arrivals(), { clock: rack.clock }));
    assert.deepEqual(
      results.map((r) => [r.id, r.outcome, r.error?.code, r.attempts]),
      [
        ['x', 'provisioned', undefined, 1],
        ['x', 'failed', 'USAGE', 0],
      ],
    );
  });

  it('a stop ends the wait for the next board and tells the source', async () => {
    const rack = new Rack();
    const stop = new AbortController();
    let ended = false;
    async function* arrivals(): AsyncGenerator<Board> {
      try {
        yield rack.board('a');
        await new Promise(() => undefined); // no further board ever comes
      } finally {
        ended = true;
      }
    }
    const results = await settle(
      rack.clock,
      provisionMany(arrivals(), {
        concurrency: 3,
        clock: rack.clock,
        signal: stop.signal,
        onEvent: (e) => {
          if (e.type === 'board-end') stop.abort();
        },
      }),
    );
    assert.deepEqual(
      results.map((r) => [r.id, r.outcome]),
      [['a', 'provisioned']],
    );
    // The generator is suspended in its own await: return() is queued behind it, never awaited by the batch.
    assert.equal(ended, false);
  });

  it('a failing source starts no new board, lets the one in flight finish, then rejects', async () => {
    const rack = new Rack();
    const recorded: string[] = [];
    async function* arrivals(): AsyncGenerator<Board> {
      yield await Promise.resolve(rack.board('a'));
      throw new EspProvError('TRANSPORT_UNAVAILABLE', 'the adapter went away');
    }
    await assert.rejects(
      settle(
        rack.clock,
        provisionMany(arrivals(), {
          concurrency: 2,
          clock: rack.clock,
          journal: { record: (r) => Promise.resolve(void recorded.push(`${r.id}:${r.outcome}`)) },
        }),
      ),
      /the adapter went away/,
    );
    assert.deepEqual(recorded, ['a:provisioned']);
    assert.equal(rack.open, 0);
  });
});

describe('retry classification', () => {
  const cases: [ErrorCode, Record<string, unknown> | undefined, string | undefined, boolean][] = [
    ['TIMEOUT', undefined, undefined, true],
    ['CONNECTION_LOST', undefined, 'prov-config', true],
    ['CONNECTION_LOST', { refused: true }, 'prov-config', true],
    ['CONNECTION_LOST', { refused: true }, 'prov-session', false],
    ['DEVICE_NOT_FOUND', undefined, undefined, true],
    ['DECODE_FAILED', undefined, undefined, true],
    ['DECRYPT_FAILED', undefined, undefined, true],
    ['HANDSHAKE_FAILED', undefined, 'prov-session', false],
    ['WIFI_AUTH_FAILED', undefined, undefined, false],
    ['USAGE', undefined, undefined, false],
    ['APPLIED_UNCONFIRMED', undefined, undefined, false],
    ['CANCELLED', undefined, undefined, false],
  ];
  for (const [code, details, endpoint, want] of cases) {
    it(`${code}${details ? ' refused' : ''}${endpoint ? ' on ' + endpoint : ''}: ${want ? 'retried' : 'never'}`, () => {
      const err = new EspProvError(code, 'x', { ...(details ? { details } : {}), ...(endpoint ? { endpoint } : {}) });
      assert.equal(isRetryable(err), want);
    });
  }
  it('nothing is retried once the credentials were applied', () => {
    assert.equal(isRetryable(new EspProvError('TIMEOUT', 'x'), true), false);
  });
  it('backoff grows, is capped, and jitters within half a step', () => {
    assert.equal(
      backoffMs(1, () => 0),
      250,
    );
    assert.equal(
      backoffMs(1, () => 0.999),
      500,
    );
    assert.equal(
      backoffMs(3, () => 0),
      1000,
    );
    assert.ok(backoffMs(30, () => 0.999) <= BACKOFF_MAX_MS);
  });
});
