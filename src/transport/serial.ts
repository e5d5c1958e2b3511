/**
 * Serial transport: the device console (PROTOCOL.md §2.3) driven automatically over a serial port. Each
 * request is typed as `<endpoint> <session-id> <hex>\r`; the reply is the first hex line after the echo of
 * that line, and a prompt without one means the device failed the request (its only failure signal, §6.2).
 * `serialport` is an optional dependency, imported only when this transport is opened.
 */
import { EspProvError, toEspProvError } from '../errors.js';
import { pendingWait, realClock, withDeadline, type Clock } from '../timers.js';
import {
  buildConsoleLine,
  consoleRefusal,
  CONSOLE_LIMIT_EXPLANATION,
  ConsoleExchange,
  ConsoleLineSplitter,
  consoleRequestLimit,
  KNOWN_ENDPOINTS,
  parseLogLine,
  randomConsoleSessionId,
  type ConsoleOutcome,
  type ConsoleToken,
} from './console-framing.js';
import { openSerialPortLink, type SerialLink, type SerialLinkFactory } from './serial-link.js';
import { GatedTransport } from './gate.js';
import { deviceRefused, type TransportLimits } from './transport.js';

export {
  duplexSerialLink,
  loadSerialPort,
  openSerialPortLink,
  type SerialLink,
  type SerialLinkFactory,
} from './serial-link.js';

export interface SerialTransportOptions {
  /** Serial device, e.g. /dev/ttyUSB0, /dev/cu.usbserial-0001, COM3. */
  path: string;
  /** Default 115200 (the console UART's default). */
  baudRate?: number;
  /** Session id typed on every line. Default: random 1..99999, so each run opens a new device session. */
  sessionId?: number;
  /** Deadline per request when the request gives none, ms. Default 30000 (a blocking Wi-Fi scan takes seconds). */
  requestTimeoutMs?: number;
  /** Deadline for the port to open and a console prompt to appear, ms. Default 3000. */
  openTimeoutMs?: number;
  /** Endpoints this transport may address; the longest name bounds maxRequestBytes. Default: §1.2 names. */
  endpoints?: readonly string[];
  /** Receives every line the device prints that is not a reply (its log), for -v output. */
  onDeviceLine?: (line: string) => void;
  /** Time source for request deadlines and the open/sync waits (a test's ManualClock). Default: the wall clock. */
  clock?: Clock;
  /** Opens the link; default: the `serialport` package. */
  linkFactory?: SerialLinkFactory;
  signal?: AbortSignal;
}

export const DEFAULT_BAUD_RATE = 115200;
export const DEFAULT_SERIAL_TIMEOUT_MS = 30_000;
export const DEFAULT_SERIAL_OPEN_TIMEOUT_MS = 3000;
const MAX_RESPONSE_BYTES = 64 * 1024;
/** Typed once at open; not a command on any device, so it only produces its echo and a prompt. */
const SYNC_LINE = 'esp-prov-sync';

interface Waiter {
  accept(token: ConsoleToken): boolean;
  fail(error: EspProvError): void;
}

export class SerialTransport extends GatedTransport {
  readonly kind = 'serial';
  readonly limits: TransportLimits;
  readonly sessionId: number;
  readonly path: string;
  readonly #link: SerialLink;
  readonly #splitter = new ConsoleLineSplitter();
  readonly #onDeviceLine: ((line: string) => void) | undefined;
  readonly #clock: Clock;
  #waiter: Waiter | null = null;
  /**
   * An exchange the gate gave up on (deadline, abort) while the device was still working on it. The device
   * reads its next line only once it is done, and a line typed meanwhile merges with what it reads next
   * (PROTOCOL.md §2.3), so the next request waits until this one's prompt has come (or the link is lost).
   */
  #draining: { exchange: ConsoleExchange; done: () => void } | null = null;
  #idle: Promise<void> = Promise.resolve();
  #lost: EspProvError | null = null;
  #closing = false;

  constructor(link: SerialLink, options: Omit<SerialTransportOptions, 'linkFactory'>) {
    super({
      defaultTimeoutMs: options.requestTimeoutMs ?? DEFAULT_SERIAL_TIMEOUT_MS,
      ...(options.clock ? { clock: options.clock } : {}),
    });
    this.#link = link;
    this.path = options.path;
    this.sessionId = options.sessionId ?? randomConsoleSessionId();
    this.limits = {
      maxRequestBytes: consoleRequestLimit(this.sessionId, options.endpoints ?? KNOWN_ENDPOINTS),
      maxResponseBytes: MAX_RESPONSE_BYTES,
      requestLimitReason: CONSOLE_LIMIT_EXPLANATION,
    };
    this.#onDeviceLine = options.onDeviceLine;
    this.#clock = options.clock ?? realClock;
    link.onData((chunk) => this.#onData(chunk));
    link.onClose((error) => {
      const why = this.#closing ? 'the serial transport was closed' : `${this.path} closed`;
      this.#lost = new EspProvError('CONNECTION_LOST', error ? `${why}: ${error.message}` : why, { cause: error });
      this.#waiter?.fail(this.#lost);
      this.#endDrain();
    });
  }

  #onData(chunk: Uint8Array): void {
    for (const token of this.#splitter.push(chunk)) {
      if (this.#draining) {
        if (this.#draining.exchange.accept(token)) this.#endDrain();
        continue;
      }
      if (this.#waiter?.accept(token)) continue;
      if (token.type === 'line' && token.text.trim() !== '') this.#onDeviceLine?.(token.text);
    }
  }

  /**
   * Waits until `accept` maps a token to a value, `ms` pass (TIMEOUT; absent for requests, whose deadline the
   * gate owns) or `signal` aborts (with its reason, or CANCELLED).
   */
  #wait<T>(
    ms: number | undefined,
    signal: AbortSignal | undefined,
    what: string,
    endpoint: string | undefined,
    accept: (token: ConsoleToken) => T | undefined,
  ): Promise<T> {
    const where = endpoint === undefined ? {} : { endpoint };
    let waiter: Waiter | null = null;
    const wait = pendingWait<T>({
      clock: this.#clock,
      timeoutMs: ms,
      onTimeout: () => new EspProvError('TIMEOUT', `no ${what} from ${this.path} within ${ms} ms`, where),
      signal,
      onAbort: (reason) =>
        reason instanceof EspProvError
          ? reason
          : new EspProvError('CANCELLED', `cancelled while waiting for ${what}`, where),
      onEnd: () => {
        if (this.#waiter === waiter) this.#waiter = null;
      },
    });
    if (wait.ended) return wait.promise;
    waiter = {
      accept: (token) => {
        const value = accept(token);
        return value !== undefined && wait.resolve(value);
      },
      fail: (error) => void wait.fail(new EspProvError(error.code, error.message, { cause: error, ...where })),
    };
    this.#waiter = waiter;
    return wait.promise;
  }

  /**
   * Ends whatever was typed on the device console before us and proves a console is there: sends a line no
   * device registers as a command and waits for its echo and the prompt after it. A prompt printed before we
   * opened the port cannot satisfy this, so the first request never merges with this line in the device's
   * buffer (the device reads everything available into one line).
   */
  async sync(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    const exchange = new ConsoleExchange(SYNC_LINE);
    const prompt = this.#wait(timeoutMs, signal, "console prompt ('>> ')", undefined, (t) =>
      exchange.accept(t) ? true : undefined,
    );
    this.#write(`${SYNC_LINE}\r`);
    try {
      await prompt;
    } catch (e) {
      const err = toEspProvError(e);
      if (err.code !== 'TIMEOUT') throw err;
      throw new EspProvError(
        'DEVICE_NOT_FOUND',
        `no protocomm console prompt ('>> ') on ${this.path} within ${timeoutMs} ms: is the firmware built with ` +
          'the console provisioning scheme, running, and the baud rate right?',
        { cause: err },
      );
    }
  }

  /**
   * Sends a line without waiting for the write itself: the reply's deadline covers it, so a port that never
   * drains (flow control, a wedged USB adapter) ends in TIMEOUT instead of a hang.
   */
  #write(text: string): void {
    this.#link.write(new TextEncoder().encode(text)).catch((e: unknown) => {
      this.#waiter?.fail(new EspProvError('CONNECTION_LOST', `cannot write to ${this.path}`, { cause: e }));
    });
  }

  protected override refuse(endpoint: string, data: Uint8Array): EspProvError | undefined {
    return consoleRefusal(endpoint, this.sessionId, data);
  }

  #endDrain(): void {
    this.#draining?.done();
    this.#draining = null;
  }

  /** Resolves once an abandoned exchange has ended on the device; rejects with the gate's reason on abort. */
  #untilIdle(signal: AbortSignal): Promise<void> {
    if (!this.#draining) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => reject(signal.reason as Error);
      signal.addEventListener('abort', onAbort, { once: true });
      void this.#idle.then(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      });
    });
  }

  protected async exchange(endpoint: string, data: Uint8Array, signal: AbortSignal): Promise<Uint8Array> {
    await this.#untilIdle(signal);
    if (this.#lost) throw new EspProvError('CONNECTION_LOST', this.#lost.message, { endpoint, cause: this.#lost });
    const line = buildConsoleLine(endpoint, this.sessionId, data);
    const exchange = new ConsoleExchange(line);
    let finished = false;
    // Synchronous with the gate's abort, before any further byte is read: no token can slip between the two.
    signal.addEventListener(
      'abort',
      () => {
        if (finished || this.#lost) return;
        let done!: () => void;
        this.#idle = new Promise<void>((r) => (done = r));
        this.#draining = { exchange, done };
      },
      { once: true },
    );
    const outcome = this.#wait<ConsoleOutcome>(
      undefined,
      signal,
      `reply to ${endpoint}`,
      endpoint,
      (token) => exchange.accept(token) ?? undefined,
    );
    this.#write(`${line}\r`);
    const result = await outcome.finally(() => (finished = !signal.aborted));
    if (result.kind === 'reply') return result.data;
    const errors = result.logs.filter((l) => {
      const log = parseLogLine(l);
      return log !== null && (log.level === 'E' || log.level === 'W');
    });
    const said = errors.length > 0 ? `; device log: ${errors.join(' | ')}` : '';
    throw deviceRefused(
      endpoint,
      `the device failed the ${endpoint} request (no reply line before its next prompt)${said}`,
      {
        details: { deviceLog: result.logs },
      },
    );
  }

  protected async shutdown(): Promise<void> {
    this.#closing = true;
    this.#waiter?.fail(new EspProvError('CANCELLED', 'the serial transport was closed'));
    await this.#link.close();
  }
}

/** Opens `options.path` and checks that a protocomm console answers there. */
export async function openSerialTransport(options: SerialTransportOptions): Promise<SerialTransport> {
  const baudRate = options.baudRate ?? DEFAULT_BAUD_RATE;
  const openTimeoutMs = options.openTimeoutMs ?? DEFAULT_SERIAL_OPEN_TIMEOUT_MS;
  const factory = options.linkFactory ?? openSerialPortLink;
  if (options.signal?.aborted) throw new EspProvError('CANCELLED', 'cancelled');
  const link = await withDeadline(
    factory({ path: options.path, baudRate }),
    openTimeoutMs,
    () => new EspProvError('DEVICE_NOT_FOUND', `${options.path} did not open within ${openTimeoutMs} ms`),
    { signal: options.signal, late: (l) => void l.close(), ...(options.clock ? { clock: options.clock } : {}) },
  );
  const transport = new SerialTransport(link, options);
  try {
    await transport.sync(openTimeoutMs, options.signal);
  } catch (e) {
    await transport.close();
    throw e;
  }
  return transport;
}
