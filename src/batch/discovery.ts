/**
 * Discovery for a bench that receives boards one at a time: every device whose advertised name starts with a
 * prefix, each yielded once per run, for provisionMany to provision as it arrives (`esp-prov batch --discover`).
 *
 * Once per run means by name AND by address. A board that reboots after provisioning (or after failing) still
 * advertises, perhaps under a new random address: seen again, it is never yielded again, so a provisioned
 * board is never provisioned twice and a failing board is retried only through provisionMany's `retries`, not
 * re-discovered for ever. The cost: two boards advertising one name (names carry the last bytes of the MAC,
 * so it takes a misconfigured fleet) give one board; the second is reported as a 'device-ignored' event.
 *
 * The run ends when `count` devices have been yielded, when nothing new appeared for `untilIdleMs`, or when
 * `signal` aborts (the stream then just ends: the batch reports the stop). The idle wait only runs while the
 * bench is idle: while a yielded board is held (`hold()`, from its arrival until its result), or a device
 * waits to be taken, the run does not end for want of new devices — a slow board does not cut the run short.
 */
import { EspProvError, toEspProvError } from '../errors.js';
import { realClock, type Clock } from '../timers.js';

/** What a scanner reports of an advertising device. */
export interface SeenDevice {
  /** Advertised name ('' when none: such a device is never a match). */
  name: string;
  /** Link address (BLE address, BSSID), when the medium has one. */
  address?: string;
  rssi?: number;
}

/**
 * A source of advertisements: the BLE scanner (transport/ble-scanner.ts), later a host Wi-Fi scan for SoftAP
 * boards. `scan` reports devices as they advertise (repeats are fine, discovery dedupes) until `signal`
 * aborts, when it must end promptly; it throws when the radio fails.
 */
export interface DeviceScanner<T extends SeenDevice = SeenDevice> {
  scan(signal: AbortSignal): AsyncIterable<T>;
}

export interface DiscoverOptions {
  /** Name prefix (e.g. PROV_). */
  prefix: string;
  /** End after this many devices. */
  count?: number;
  /** End after this long with nothing new while the bench is idle (see the file comment). */
  untilIdleMs?: number;
  signal?: AbortSignal;
  clock?: Clock;
  onEvent?: (e: DiscoveryEvent) => void;
}

export type DiscoveryEnd = 'count' | 'idle' | 'stopped' | 'scanner-ended' | 'scanner-failed';

export type DiscoveryEvent =
  | { type: 'device-found'; name: string; address?: string; rssi?: number }
  /** A new address advertising a name already seen, or an address seen under another name. */
  | { type: 'device-ignored'; name: string; address?: string; reason: 'name-seen' | 'address-seen' }
  | { type: 'discovery-end'; reason: DiscoveryEnd; found: number };

export interface Discovery<T extends SeenDevice> extends AsyncIterable<T> {
  /** Marks a yielded board as in progress until the returned function is called (idempotent). */
  hold(): () => void;
  /** Why the stream ended, once it has. */
  readonly ended: DiscoveryEnd | undefined;
}

const normalAddress = (a: string): string => a.toLowerCase().replace(/[:-]/g, '');

export function discoverBoards<T extends SeenDevice>(
  options: DiscoverOptions,
  scanner: DeviceScanner<T>,
): Discovery<T> {
  const { count, untilIdleMs } = options;
  if (count !== undefined && (!Number.isInteger(count) || count < 1))
    throw new EspProvError('USAGE', 'count must be 1 or more');
  if (untilIdleMs !== undefined && !(untilIdleMs > 0 && Number.isFinite(untilIdleMs)))
    throw new EspProvError('USAGE', 'the idle time must be more than 0');
  // Every wait has a deadline: a discovery with none of the three would scan for ever.
  if (count === undefined && untilIdleMs === undefined && options.signal === undefined)
    throw new EspProvError('USAGE', 'discovery needs a count, an idle time or a signal to end');
  return new DiscoveryRun(options, scanner);
}

class DiscoveryRun<T extends SeenDevice> implements Discovery<T> {
  readonly #o: DiscoverOptions;
  readonly #scanner: DeviceScanner<T>;
  readonly #clock: Clock;
  readonly #stop = new AbortController();
  readonly #queue: T[] = [];
  readonly #waiters: { resolve: (r: IteratorResult<T>) => void; reject: (e: unknown) => void }[] = [];
  readonly #names = new Set<string>();
  readonly #addresses = new Map<string, string>();
  readonly #ignored = new Set<string>();
  #found = 0;
  #held = 0;
  #started = false;
  #error: EspProvError | undefined;
  #cancelIdle: (() => void) | undefined;
  ended: DiscoveryEnd | undefined;

  constructor(options: DiscoverOptions, scanner: DeviceScanner<T>) {
    this.#o = options;
    this.#scanner = scanner;
    this.#clock = options.clock ?? realClock;
  }

  hold(): () => void {
    this.#held++;
    this.#idleTimer();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#held--;
      this.#idleTimer();
    };
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: () => this.#next(),
      return: () => {
        this.#end('stopped');
        return Promise.resolve({ done: true, value: undefined });
      },
    };
  }

  #next(): Promise<IteratorResult<T>> {
    if (!this.#started) this.#start();
    const ready = this.#queue.shift();
    if (ready !== undefined) {
      this.#idleTimer();
      return Promise.resolve({ done: false, value: ready });
    }
    if (this.#error) return Promise.reject(this.#error);
    if (this.ended) return Promise.resolve({ done: true, value: undefined });
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  #start(): void {
    this.#started = true;
    const signal = this.#o.signal;
    if (signal?.aborted) return this.#end('stopped');
    signal?.addEventListener('abort', () => this.#end('stopped'), { once: true });
    this.#idleTimer();
    void (async () => {
      try {
        for await (const d of this.#scanner.scan(this.#stop.signal)) {
          if (this.ended) break;
          this.#offer(d);
        }
        this.#end('scanner-ended');
      } catch (e) {
        if (this.ended) return;
        this.#error = toEspProvError(e);
        this.#end('scanner-failed');
      }
    })();
  }

  #offer(d: T): void {
    if (d.name === '' || !d.name.startsWith(this.#o.prefix)) return;
    const address = d.address ? normalAddress(d.address) : undefined;
    const nameSeen = this.#names.has(d.name);
    const addressSeen = address !== undefined && this.#addresses.has(address);
    if (nameSeen || addressSeen) {
      // Reported once per (name, address): the same board advertising again is not news.
      const key = `${d.name}\u0000${address ?? ''}`;
      if (addressSeen && this.#addresses.get(address) === d.name) return;
      if (nameSeen && address === undefined) return;
      if (this.#ignored.has(key)) return;
      this.#ignored.add(key);
      const reason = nameSeen ? 'name-seen' : 'address-seen';
      this.#o.onEvent?.({ type: 'device-ignored', name: d.name, ...opt('address', d.address), reason });
      return;
    }
    this.#names.add(d.name);
    if (address !== undefined) this.#addresses.set(address, d.name);
    this.#found++;
    this.#o.onEvent?.({ type: 'device-found', name: d.name, ...opt('address', d.address), ...opt('rssi', d.rssi) });
    const waiter = this.#waiters.shift();
    if (waiter) waiter.resolve({ done: false, value: d });
    else this.#queue.push(d);
    if (this.#o.count !== undefined && this.#found >= this.#o.count) this.#end('count');
    else this.#idleTimer();
  }

  /** (Re)starts the idle wait when the bench is idle, stops it otherwise. */
  #idleTimer(): void {
    this.#cancelIdle?.();
    this.#cancelIdle = undefined;
    const ms = this.#o.untilIdleMs;
    if (ms === undefined || this.ended || !this.#started || this.#held > 0 || this.#queue.length > 0) return;
    // Kept alive: the run is waiting on it.
    this.#cancelIdle = this.#clock.setTimer(() => this.#end('idle'), ms, true);
  }

  #end(reason: DiscoveryEnd): void {
    if (this.ended) return;
    this.ended = reason;
    this.#cancelIdle?.();
    this.#cancelIdle = undefined;
    this.#stop.abort();
    // Stopped: devices not handed out yet are not started (a count or an idle end still hands them out).
    if (reason === 'stopped') this.#queue.length = 0;
    this.#o.onEvent?.({ type: 'discovery-end', reason, found: this.#found });
    // Waiters exist only while the queue is empty.
    for (const w of this.#waiters.splice(0)) {
      if (this.#error) w.reject(this.#error);
      else w.resolve({ done: true, value: undefined });
    }
  }
}

function opt<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
