/**
 * A Transport straight into a ProtocommDevice in the same process (normally a SimDevice): no sockets, no
 * framing, the device's failure signal (DeviceFailure, i.e. "closed without answering", PROTOCOL.md §6.2)
 * becomes CONNECTION_LOST. One transport is one transport-level session, opened on first use and closed by
 * close(). The request gate (gate.ts) queues, checks and times requests.
 */
import { DeviceFailure, type ProtocommDevice } from '../protocol/device.js';
import type { Clock } from '../timers.js';
import { GatedTransport } from './gate.js';
import { deviceRefused, HTTP_LIMITS, type TransportLimits } from './transport.js';

export const DEFAULT_MEMORY_TIMEOUT_MS = 10_000;
export const DEFAULT_MEMORY_SESSION_ID = 1;

export interface MemoryTransportOptions {
  /** Transport session id handed to the device. Default DEFAULT_MEMORY_SESSION_ID. */
  sessionId?: number;
  /** Deadline per request (ms) when request() is not given one. Default DEFAULT_MEMORY_TIMEOUT_MS. */
  timeoutMs?: number;
  /** Size limits to enforce. Default HTTP_LIMITS. */
  limits?: TransportLimits;
  /** Time source for deadlines (a test's ManualClock). Default: the wall clock. */
  clock?: Clock;
}

export class MemoryTransport extends GatedTransport {
  readonly kind = 'memory';
  readonly limits: TransportLimits;
  readonly #device: ProtocommDevice;
  readonly #sessionId: number;
  #opened = false;

  constructor(device: ProtocommDevice, options: MemoryTransportOptions = {}) {
    super({ defaultTimeoutMs: options.timeoutMs ?? DEFAULT_MEMORY_TIMEOUT_MS, ...clockOf(options) });
    this.#device = device;
    this.#sessionId = options.sessionId ?? DEFAULT_MEMORY_SESSION_ID;
    this.limits = options.limits ?? HTTP_LIMITS;
  }

  protected async exchange(endpoint: string, data: Uint8Array, signal: AbortSignal): Promise<Uint8Array> {
    if (!this.#opened) {
      this.#device.openSession(this.#sessionId);
      this.#opened = true;
    }
    try {
      return await this.#device.handle(endpoint, this.#sessionId, data, signal);
    } catch (e) {
      if (e instanceof DeviceFailure) {
        throw deviceRefused(endpoint, `the device closed without answering ${endpoint}: ${e.message}`, { cause: e });
      }
      throw e;
    }
  }

  protected shutdown(): Promise<void> {
    if (this.#opened) this.#device.closeSession(this.#sessionId);
    return Promise.resolve();
  }
}

function clockOf(o: { clock?: Clock }): { clock?: Clock } {
  return o.clock ? { clock: o.clock } : {};
}
