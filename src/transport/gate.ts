/**
 * The request gate: the one implementation of the transport contract (transport.ts) that every transport
 * sits on. A transport subclass only moves bytes (`exchange`) and releases its link (`shutdown`); the gate
 * owns everything a caller relies on, so that it is the same on every transport:
 *
 * - requests run one at a time, in the order they were made (protocomm handles one request per session at a
 *   time, PROTOCOL.md §1.1);
 * - each request's deadline starts when its turn comes, not while it waits behind another one;
 * - refusals before anything is sent: after close() → CANCELLED; a deadline that is not a positive timer
 *   value → USAGE; an empty request → INTERNAL (no transport can carry one, §2.1/§2.2); a request over
 *   `limits.maxRequestBytes` → UNSUPPORTED; the transport's own check (endpoint name syntax, line length);
 * - while waiting or running: the caller's AbortSignal → CANCELLED; the deadline → TIMEOUT (or what the
 *   transport says a deadline means at that moment, e.g. DEVICE_NOT_FOUND while still connecting); close()
 *   → CANCELLED for the running request and every queued one;
 * - a response over `limits.maxResponseBytes` → DECODE_FAILED (the device answered outside the protocol);
 * - a transport failure passes through with its code (CONNECTION_LOST when the device closed without
 *   answering); anything uncoded thrown by a transport is a bug → INTERNAL.
 *
 * When the gate gives up on an exchange (deadline, abort, close) it aborts the signal handed to `exchange`
 * and moves on to the next request at once: the transport must leave its link ready for the next exchange
 * (or failing it with CONNECTION_LOST) without waiting for the abandoned one to finish.
 */
import { EspProvError } from '../errors.js';
import { MAX_TIMER_MS, realClock, type Clock } from '../timers.js';
import type { RequestOptions, Transport, TransportLimits } from './transport.js';

export interface GateOptions {
  /** Deadline per request when request() is given none, ms. */
  defaultTimeoutMs: number;
  /** Time source for deadlines. Default: the wall clock. */
  clock?: Clock;
}

interface Turn {
  readonly endpoint: string;
  readonly data: Uint8Array;
  readonly timeoutMs: number;
  readonly signal: AbortSignal | undefined;
  /** Aborted when the gate gives up on the running exchange; the transport sees its reason. */
  controller: AbortController | null;
  /** Its turn has come: the deadline starts now. */
  start(): void;
  settle(error: EspProvError | null, value?: Uint8Array): void;
}

function withEndpoint(e: EspProvError, endpoint: string): EspProvError {
  if (e.endpoint !== undefined) return e;
  return new EspProvError(e.code, e.message, { endpoint, cause: e, ...(e.details ? { details: e.details } : {}) });
}

export abstract class GatedTransport implements Transport {
  abstract readonly kind: string;
  abstract readonly limits: TransportLimits;
  readonly #defaultTimeoutMs: number;
  readonly #clock: Clock;
  readonly #queue: Turn[] = [];
  #running: Turn | null = null;
  #closing: Promise<void> | null = null;

  protected constructor(options: GateOptions) {
    this.#defaultTimeoutMs = options.defaultTimeoutMs;
    this.#clock = options.clock ?? realClock;
  }

  /**
   * Carries one request and resolves with the device's response. Called once at a time, with a request the
   * gate has checked. `signal` aborts (with the gate's error as its reason) when the gate gives up.
   */
  protected abstract exchange(endpoint: string, data: Uint8Array, signal: AbortSignal): Promise<Uint8Array>;

  /** Releases the link. Called once, by close(), after every pending request has been failed. */
  protected abstract shutdown(): Promise<void>;

  /** The transport's own refusal of a request before it is queued (endpoint syntax, framing limits). */
  protected refuse(_endpoint: string, _data: Uint8Array): EspProvError | undefined {
    return undefined;
  }

  /** What a passed deadline means for the running exchange; by default TIMEOUT. */
  protected deadlineError(endpoint: string, ms: number): EspProvError {
    return new EspProvError('TIMEOUT', `${endpoint}: no answer from the device within ${ms} ms`, { endpoint });
  }

  /** True once close() was called. */
  protected get closed(): boolean {
    return this.#closing !== null;
  }

  request(endpoint: string, data: Uint8Array, options: RequestOptions = {}): Promise<Uint8Array> {
    const timeoutMs = options.timeoutMs ?? this.#defaultTimeoutMs;
    const refused = this.#check(endpoint, data, timeoutMs);
    if (refused) return Promise.reject(refused);
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(this.#cancelled(endpoint));
    return new Promise<Uint8Array>((resolve, reject) => {
      let settled = false;
      let cancelTimer = (): void => undefined;
      const onAbort = (): void => turn.settle(this.#cancelled(endpoint));
      const turn: Turn = {
        endpoint,
        data,
        timeoutMs,
        signal,
        controller: null,
        start: () => {
          cancelTimer = this.#clock.setTimer(
            () => turn.settle(this.deadlineError(endpoint, timeoutMs)),
            timeoutMs,
            true,
          );
        },
        settle: (error, value) => {
          if (settled) return;
          settled = true;
          cancelTimer();
          signal?.removeEventListener('abort', onAbort);
          const queued = this.#queue.indexOf(turn);
          if (queued >= 0) this.#queue.splice(queued, 1);
          if (error) turn.controller?.abort(error);
          if (this.#running === turn) {
            this.#running = null;
            queueMicrotask(() => this.#next());
          }
          if (error) reject(error);
          else resolve(value!);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#queue.push(turn);
      this.#next();
    });
  }

  close(): Promise<void> {
    if (this.#closing) return this.#closing;
    const closed = (endpoint: string): EspProvError =>
      new EspProvError('CANCELLED', `${endpoint}: the transport was closed`, { endpoint });
    this.#closing = Promise.resolve().then(() => this.shutdown());
    for (const turn of [...this.#queue]) turn.settle(closed(turn.endpoint));
    this.#running?.settle(closed(this.#running.endpoint));
    return this.#closing;
  }

  #check(endpoint: string, data: Uint8Array, timeoutMs: number): EspProvError | undefined {
    if (this.closed) return new EspProvError('CANCELLED', `${endpoint}: the transport was closed`, { endpoint });
    if (!(Number.isFinite(timeoutMs) && timeoutMs >= 1 && timeoutMs <= MAX_TIMER_MS)) {
      return new EspProvError('USAGE', `invalid deadline ${timeoutMs} ms for ${endpoint} (1 to ${MAX_TIMER_MS} ms)`, {
        endpoint,
      });
    }
    if (data.length === 0) {
      return new EspProvError('INTERNAL', `refusing to send an empty ${endpoint} request`, { endpoint });
    }
    const limit = this.limits.maxRequestBytes;
    if (data.length > limit) {
      const why = this.limits.requestLimitReason ? ` (${this.limits.requestLimitReason})` : '';
      return new EspProvError(
        'UNSUPPORTED',
        `${endpoint} request of ${data.length} bytes exceeds the ${limit} bytes the device takes over ${this.kind}${why}`,
        { endpoint, details: { bytes: data.length, limit } },
      );
    }
    return this.refuse(endpoint, data);
  }

  #cancelled(endpoint: string): EspProvError {
    return new EspProvError('CANCELLED', `${endpoint} request cancelled`, { endpoint });
  }

  #next(): void {
    if (this.#running) return;
    const turn = this.#queue.shift();
    if (!turn) return;
    this.#running = turn;
    turn.start();
    const controller = new AbortController();
    turn.controller = controller;
    let work: Promise<Uint8Array>;
    try {
      work = this.exchange(turn.endpoint, turn.data, controller.signal);
    } catch (e) {
      work = Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
    work.then(
      (response) => turn.settle(this.#checkResponse(turn.endpoint, response), response),
      (e: unknown) => turn.settle(this.#coded(e, turn.endpoint)),
    );
  }

  #checkResponse(endpoint: string, response: Uint8Array): EspProvError | null {
    const limit = this.limits.maxResponseBytes;
    if (response.length <= limit) return null;
    return new EspProvError(
      'DECODE_FAILED',
      `${endpoint} response of ${response.length} bytes exceeds the ${limit} bytes the device can send over ${this.kind}`,
      { endpoint, details: { bytes: response.length, limit } },
    );
  }

  #coded(e: unknown, endpoint: string): EspProvError {
    if (e instanceof EspProvError) return withEndpoint(e, endpoint);
    const message = e instanceof Error ? e.message : String(e);
    return new EspProvError('INTERNAL', `${endpoint}: the ${this.kind} transport failed: ${message}`, {
      endpoint,
      cause: e,
    });
  }
}
