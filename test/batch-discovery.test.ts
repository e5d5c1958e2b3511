/**
 * discoverBoards over an injected scanner on a ManualClock: a count ends the run, an idle bench ends it (and a
 * board in progress holds it open), each device comes once by name and by address, a stop ends the stream, a
 * failing radio fails it, and a discovery with no way to end is refused.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { discoverBoards, type DeviceScanner, type DiscoveryEvent, type SeenDevice } from '../src/batch/discovery.js';
import { EspProvError } from '../src/errors.js';
import { ManualClock } from '../src/timers.js';
import { isCode } from './helpers/rejects.js';
import { turns, until } from './helpers/settle.js';

/** Devices advertise when a test says so; the scan ends when its signal aborts. */
class PushScanner implements DeviceScanner {
  readonly #queue: SeenDevice[] = [];
  #wake: (() => void) | undefined;
  scans = 0;
  signal: AbortSignal | undefined;
  failWith: Error | undefined;

  advertise(...devices: SeenDevice[]): void {
    this.#queue.push(...devices);
    this.#wake?.();
  }

  fail(e: Error): void {
    this.failWith = e;
    this.#wake?.();
  }

  async *scan(signal: AbortSignal): AsyncIterable<SeenDevice> {
    this.scans++;
    this.signal = signal;
    while (!signal.aborted) {
      if (this.failWith) throw this.failWith;
      const d = this.#queue.shift();
      if (d) yield d;
      else
        await new Promise<void>((resolve) => {
          this.#wake = resolve;
          signal.addEventListener('abort', () => resolve(), { once: true });
        });
    }
  }
}

const dev = (name: string, address?: string): SeenDevice => ({ name, ...(address ? { address } : {}), rssi: -50 });

async function take<T>(it: AsyncIterator<T>): Promise<IteratorResult<T>> {
  return it.next();
}

describe('discoverBoards', () => {
  it('yields each matching device once and ends when `count` are found', async () => {
    const scanner = new PushScanner();
    const events: DiscoveryEvent[] = [];
    const d = discoverBoards({ prefix: 'PROV_', count: 2, onEvent: (e) => events.push(e) }, scanner);
    scanner.advertise(dev('OTHER_1', 'aa:00'), dev('PROV_A', 'aa:01'), dev('PROV_A', 'aa:01'), dev('PROV_B', 'aa:02'));
    scanner.advertise(dev('PROV_C', 'aa:03'));
    const names: string[] = [];
    for await (const x of d) names.push(x.name);
    assert.deepEqual(names, ['PROV_A', 'PROV_B']);
    assert.equal(d.ended, 'count');
    assert.equal(scanner.signal?.aborted, true, 'the scan was stopped');
    assert.deepEqual(events.at(-1), { type: 'discovery-end', reason: 'count', found: 2 });
  });

  it('never yields a name or an address twice, and says once which it ignored', async () => {
    const scanner = new PushScanner();
    const events: DiscoveryEvent[] = [];
    const d = discoverBoards({ prefix: 'PROV_', count: 2, onEvent: (e) => events.push(e) }, scanner);
    // The board rebooted with a new random address; another name on a known address; each seen twice.
    scanner.advertise(dev('PROV_A', 'AA:01'), dev('PROV_A', 'aa-02'), dev('PROV_A', 'aa:02'));
    scanner.advertise(dev('PROV_X', 'aa:01'), dev('PROV_X', 'aa:01'), dev('PROV_A'), dev('PROV_C', 'aa:03'));
    const names: string[] = [];
    for await (const x of d) names.push(x.name);
    assert.deepEqual(names, ['PROV_A', 'PROV_C']);
    assert.deepEqual(
      events.filter((e) => e.type === 'device-ignored'),
      [
        { type: 'device-ignored', name: 'PROV_A', address: 'aa-02', reason: 'name-seen' },
        { type: 'device-ignored', name: 'PROV_X', address: 'aa:01', reason: 'address-seen' },
      ],
    );
  });

  it('ends after `untilIdleMs` with nothing new, counting only while no board is held', async () => {
    const clock = new ManualClock();
    const scanner = new PushScanner();
    const d = discoverBoards({ prefix: 'PROV_', untilIdleMs: 1000, clock }, scanner);
    const it = d[Symbol.asyncIterator]();
    const first = take(it);
    clock.advance(999);
    scanner.advertise(dev('PROV_A', 'aa:01'));
    assert.equal((await first).value?.name, 'PROV_A');
    const release = d.hold();
    const second = take(it);
    // A slow board: ten idle periods pass while it is held, and the run goes on.
    clock.advance(10_000);
    await turns(5);
    assert.equal(d.ended, undefined);
    release();
    clock.advance(999);
    scanner.advertise(dev('PROV_B', 'aa:02'));
    assert.equal((await second).value?.name, 'PROV_B');
    const third = take(it);
    clock.advance(999);
    await turns(5);
    assert.equal(d.ended, undefined, 'the idle wait restarted when PROV_B appeared');
    clock.advance(1);
    assert.deepEqual(await third, { done: true, value: undefined });
    assert.equal(d.ended, 'idle');
    assert.equal(scanner.signal?.aborted, true);
  });

  it('ends the stream (not with an error) when the signal aborts', async () => {
    const scanner = new PushScanner();
    const stop = new AbortController();
    const d = discoverBoards({ prefix: 'PROV_', signal: stop.signal }, scanner);
    const it = d[Symbol.asyncIterator]();
    const next = take(it);
    await until(() => scanner.scans === 1, 'the scan started');
    stop.abort();
    assert.deepEqual(await next, { done: true, value: undefined });
    assert.equal(d.ended, 'stopped');
    assert.equal(scanner.signal?.aborted, true);
    scanner.advertise(dev('PROV_LATE'));
    assert.deepEqual(await take(it), { done: true, value: undefined });
  });

  it('after a stop hands out no device that was still waiting to be taken', async () => {
    const scanner = new PushScanner();
    const stop = new AbortController();
    const d = discoverBoards({ prefix: 'PROV_', signal: stop.signal }, scanner);
    const it = d[Symbol.asyncIterator]();
    const first = take(it);
    scanner.advertise(dev('PROV_A', 'aa:01'), dev('PROV_B', 'aa:02'));
    assert.equal((await first).value?.name, 'PROV_A');
    await until(() => scanner.signal !== undefined && d.ended === undefined, 'the scan runs');
    await turns(5); // PROV_B reaches the queue
    stop.abort();
    assert.deepEqual(await take(it), { done: true, value: undefined });
  });

  it('fails the stream with the error of a failing scanner', async () => {
    const scanner = new PushScanner();
    const d = discoverBoards({ prefix: 'PROV_', count: 3 }, scanner);
    const it = d[Symbol.asyncIterator]();
    const next = take(it);
    await until(() => scanner.scans === 1, 'the scan started');
    scanner.fail(new EspProvError('TRANSPORT_UNAVAILABLE', 'adapter gone'));
    await assert.rejects(next, isCode('TRANSPORT_UNAVAILABLE'));
    assert.equal(d.ended, 'scanner-failed');
  });

  it('refuses a discovery that could never end, and bad limits', () => {
    const scanner = new PushScanner();
    assert.throws(() => discoverBoards({ prefix: 'PROV_' }, scanner), isCode('USAGE'));
    assert.throws(() => discoverBoards({ prefix: 'PROV_', count: 0 }, scanner), isCode('USAGE'));
    assert.throws(() => discoverBoards({ prefix: 'PROV_', untilIdleMs: -1 }, scanner), isCode('USAGE'));
    assert.equal(scanner.scans, 0);
  });
});
