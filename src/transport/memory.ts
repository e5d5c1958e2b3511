/**
 * A Transport straight into a ProtocommDevice in the same process (normally a SimDevice): no sockets, no
 * framing, the device's failure signal (DeviceFailure, i.e. "closed without answering", PROTOCOL.md §6.2)
 * becomes CONNECTION_LOST. One transport is one transport-level session, opened on first use and closed by
 * close(); requests are handled one at a time, as protocomm does.
 */
import { EspProvError } from '../errors.js';
import { DeviceFailure, type ProtocommDevice } from '../protocol/device.js';
import { HTTP_LIMITS, type RequestOptions, type Transport, type TransportLimits } from './transport.js';

export const DEFAULT_MEMORY_TIMEOUT_MS = 10_000;
export const DEFAULT_MEMORY_SESSION_ID = 1;

export interface MemoryTransportOptions {
  /** Transport session id handed to the device. Default DEFAULT_MEMORY_SESSION_ID. */
  sessionId?: number;
  /** Deadline per request (ms) when request() is not given one. Default DEFAULT_MEMORY_TIMEOUT_MS. */
  timeoutMs?: number;
  /** Size limits to enforce. Default HTTP_LIMITS. */
  limits?: TransportLimits;
}

export class MemoryTransport implements Transport {
  readonly kind = 'memory';
  readonly limits: TransportLimits;
  readonly #device: ProtocommDevice;
  readonly #sessionId: number;
  readonly #timeoutMs: number;
  readonly #inflight = new Set<AbortController>();
  #opened = false;
  #closed = false;
  #tail: Promise<void> = Promise.resolve();

  constructor(device: ProtocommDevice, options: MemoryTransportOptions = {}) {
    this.#device = device;
    this.#sessionId = options.sessionId ?? DEFAULT_MEMORY_SESSION_ID;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_MEMORY_TIMEOUT_MS;
    this.limits = options.limits ?? HTTP_LIMITS;
  }

  request(endpoint: string, data: Uint8Array, options: RequestOptions = {}): Promise<Uint8Array> {
    const refused = this.#check(endpoint, data, options.timeoutMs ?? this.#timeoutMs);
    if (refused) return Promise.reject(refused);
    const previous = this.#tail;
    const result = previous.then(() => this.#exchange(endpoint, data, options));
    this.#tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    for (const c of this.#inflight) c.abort(new EspProvError('CANCELLED', 'transport closed'));
    if (this.#opened) this.#device.closeSession(this.#sessionId);
    return Promise.resolve();
  }

  #check(endpoint: string, data: Uint8Array, timeoutMs: number): EspProvError | undefined {
    if (this.#closed) return new EspProvError('CANCELLED', `${endpoint}: transport closed`, { endpoint });
    if (!(timeoutMs > 0 && timeoutMs <= 2 ** 31 - 1)) {
      return new EspProvError('USAGE', `invalid timeout ${timeoutMs} ms for ${endpoint}`, { endpoint });
    }
    if (data.length === 0) {
      // Real transports cannot carry an empty request (§2.1, §2.2): sending one is a bug on our side.
      return new EspProvError('INTERNAL', `refusing to send an empty ${endpoint} request`, { endpoint });
    }
    if (data.length > this.limits.maxRequestBytes) {
      return new EspProvError(
        'UNSUPPORTED',
        `${endpoint} request of ${data.length} bytes exceeds the transport limit of ${this.limits.maxRequestBytes} bytes`,
        { endpoint, details: { bytes: data.length, limit: this.limits.maxRequestBytes } },
      );
    }
    return undefined;
  }

  async #exchange(endpoint: string, data: Uint8Array, options: RequestOptions): Promise<Uint8Array> {
    const { signal } = options;
    const timeoutMs = options.timeoutMs ?? this.#timeoutMs;
    if (this.#closed) throw new EspProvError('CANCELLED', `${endpoint}: transport closed`, { endpoint });
    if (signal?.aborted) throw new EspProvError('CANCELLED', `${endpoint} request cancelled`, { endpoint });
    if (!this.#opened) {
      this.#device.openSession(this.#sessionId);
      this.#opened = true;
    }
    const inner = new AbortController();
    this.#inflight.add(inner);
    let timer: NodeJS.Timeout | undefined;
    const onAbort = (): void =>
      inner.abort(new EspProvError('CANCELLED', `${endpoint} request cancelled`, { endpoint }));
    signal?.addEventListener('abort', onAbort, { once: true });
    const stopped = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        inner.abort(
          new EspProvError('TIMEOUT', `${endpoint}: no answer from the device within ${timeoutMs} ms`, { endpoint }),
        );
      }, timeoutMs);
      inner.signal.addEventListener('abort', () => reject(inner.signal.reason as Error), { once: true });
    });
    try {
      const response = await Promise.race([
        this.#device.handle(endpoint, this.#sessionId, data, inner.signal),
        stopped,
      ]);
      if (response.length > this.limits.maxResponseBytes) {
        throw new EspProvError(
          'UNSUPPORTED',
          `${endpoint} response of ${response.length} bytes exceeds the transport limit of ${this.limits.maxResponseBytes} bytes`,
          { endpoint, details: { bytes: response.length, limit: this.limits.maxResponseBytes } },
        );
      }
      return response;
    } catch (e) {
      if (e instanceof EspProvError) throw e;
      if (inner.signal.aborted) throw inner.signal.reason as EspProvError;
      if (e instanceof DeviceFailure) {
        throw new EspProvError('CONNECTION_LOST', `the device closed without answering ${endpoint}: ${e.message}`, {
          endpoint,
          cause: e,
        });
      }
      throw new EspProvError('INTERNAL', `${endpoint}: ${(e as Error).message}`, { endpoint, cause: e });
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      this.#inflight.delete(inner);
    }
  }
}
