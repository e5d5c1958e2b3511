/**
 * SoftAP transport: one HTTP POST per protocomm request (PROTOCOL.md §2.1). Quirks kept here:
 * - one TCP connection at a time: the device runs max_open_sockets = 1 with LRU purge, so a second
 *   connection would evict the first; requests are serialised and never overlap;
 * - the `session=<id>` cookie is the only reliable session key (§9 item 19): adopted from any Set-Cookie,
 *   sent back verbatim as the only cookie;
 * - the device reports every failure by closing the connection without a response (§2.1 Errors, §6.2,
 *   §9 item 20), which we turn into CONNECTION_LOST naming the endpoint.
 */
import { SESSION_ENDPOINT } from '../protocol/endpoints.js';
import http from 'node:http';
import { EspProvError } from '../errors.js';
import {
  DEFAULT_SERVICE_ADDRESS,
  formatServiceAddress,
  parseServiceAddress,
  type ServiceAddress,
} from './http-address.js';
import type { Clock } from '../timers.js';
import { GatedTransport } from './gate.js';
import { deviceRefused, HTTP_LIMITS, type TransportLimits } from './transport.js';

export {
  DEFAULT_SERVICE_ADDRESS,
  formatServiceAddress,
  parseServiceAddress,
  type ServiceAddress,
} from './http-address.js';

/** Default deadline for one request (ms). esp_prov waits 60 s; the device answers in well under a second
 * except for a blocking Wi-Fi scan (a few seconds), so 10 s leaves margin without making a dead link slow. */
export const DEFAULT_HTTP_TIMEOUT_MS = 10_000;

/** Endpoint names become the URL path; the device matches it exactly and the URI must stay ≤ 512 bytes. */
const ENDPOINT_NAME = /^[A-Za-z0-9._~!$&'()*+,;=:@-]{1,500}$/;

const NOT_REACHABLE = new Set([
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
  'ENETDOWN',
  'EADDRNOTAVAIL',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

export interface HttpTransportOptions {
  /** Where the device listens: "host", "host:port", "[v6]:port", bare IPv6. Default 192.168.4.1:80. */
  address?: string | ServiceAddress;
  /** Deadline per request (ms) when request() is not given one. Default DEFAULT_HTTP_TIMEOUT_MS. */
  timeoutMs?: number;
  /** Largest response body accepted (bytes). Default HTTP_LIMITS.maxResponseBytes. */
  maxResponseBytes?: number;
  /** One line per exchange, for -v output. Never given payloads. */
  debug?: (line: string) => void;
  /** Time source for deadlines (a test's ManualClock). Default: the wall clock. */
  clock?: Clock;
}

function errorCode(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

export class HttpTransport extends GatedTransport {
  readonly kind = 'softap';
  readonly linkUsesDeviceWifi = true;
  readonly limits: TransportLimits;
  readonly address: ServiceAddress;
  readonly #agent: http.Agent;
  readonly #debug: ((line: string) => void) | undefined;
  #cookie: string | undefined;
  /** The device has answered once: from then on, an address that stops answering is a lost device. */
  #answered = false;
  /** The request on the wire, for deadlineError (still connecting or waiting for the answer). */
  #current: http.ClientRequest | null = null;

  constructor(options: HttpTransportOptions = {}) {
    super({
      defaultTimeoutMs: options.timeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS,
      ...(options.clock ? { clock: options.clock } : {}),
    });
    const a = options.address ?? DEFAULT_SERVICE_ADDRESS;
    this.address = typeof a === 'string' ? parseServiceAddress(a) : { host: a.host, port: a.port };
    this.limits = { ...HTTP_LIMITS, maxResponseBytes: options.maxResponseBytes ?? HTTP_LIMITS.maxResponseBytes };
    this.#debug = options.debug;
    // maxSockets 1 + keepAlive: exactly one persistent connection, like esp_prov's single HTTPConnection.
    this.#agent = new http.Agent({ keepAlive: true, maxSockets: 1, maxTotalSockets: 1, maxFreeSockets: 1 });
  }

  /** The session cookie as sent ("session=<id>"), once the device has issued one. */
  get cookie(): string | undefined {
    return this.#cookie;
  }

  protected override refuse(endpoint: string): EspProvError | undefined {
    if (ENDPOINT_NAME.test(endpoint)) return undefined;
    return new EspProvError('USAGE', `invalid endpoint name ${JSON.stringify(endpoint)}`, { endpoint });
  }

  protected override deadlineError(endpoint: string, ms: number): EspProvError {
    // Still connecting (or resolving the name): nothing answers at that address, as in ETIMEDOUT on connect.
    if (this.#current?.socket?.connecting === true) {
      return this.#notFound(endpoint, `no connection within ${ms} ms`);
    }
    return new EspProvError('TIMEOUT', `${endpoint}: no answer from the device within ${ms} ms`, { endpoint });
  }

  protected shutdown(): Promise<void> {
    this.#agent.destroy();
    return Promise.resolve();
  }

  #where(): string {
    return formatServiceAddress(this.address);
  }

  #notFound(endpoint: string, why: string, cause?: unknown): EspProvError {
    return new EspProvError(
      'DEVICE_NOT_FOUND',
      `cannot reach the device at ${this.#where()} (${why}): is your computer joined to the device's SoftAP (PROV_xxxxxx)?`,
      { endpoint, cause, details: { address: this.#where() } },
    );
  }

  #gone(endpoint: string, why: string, cause: unknown): EspProvError {
    return new EspProvError(
      'CONNECTION_LOST',
      `the device at ${this.#where()} stopped answering (${why}): it left provisioning mode or restarted, or this computer left its access point`,
      { endpoint, cause, details: { address: this.#where(), unreachable: true } },
    );
  }

  /**
   * The connection ended without a response. After the whole request went out, that is the device's refusal
   * signal (httpd closes the socket when a handler fails, §2.1); before, or in the middle of a response, the
   * link failed (a reset, the access point went away) and nothing can be concluded about the request.
   */
  #lost(endpoint: string, cause: unknown, sent: boolean): EspProvError {
    const details = { address: this.#where() };
    if (sent && endpoint === SESSION_ENDPOINT) {
      return deviceRefused(endpoint, `the device closed the connection without answering ${endpoint}`, {
        cause,
        details,
      });
    }
    if (sent) {
      return deviceRefused(
        endpoint,
        `the device closed the connection without answering ${endpoint}: its handler failed or the session was lost (another client, device restarted, provisioning stopped)`,
        { cause, details },
      );
    }
    const code = errorCode(cause);
    return new EspProvError(
      'CONNECTION_LOST',
      `the connection to ${this.#where()} failed${code ? ` (${code})` : ''} before the ${endpoint} request was sent`,
      { endpoint, cause, details },
    );
  }

  protected exchange(endpoint: string, data: Uint8Array, signal: AbortSignal): Promise<Uint8Array> {
    return new Promise<Uint8Array>((resolve, reject) => {
      const headers: Record<string, string | number> = {
        'Content-Type': 'application/x-www-form-urlencoded',
        Accept: 'text/plain',
        'Content-Length': data.length,
      };
      if (this.#cookie) headers['Cookie'] = this.#cookie;
      const req = http.request({
        agent: this.#agent,
        host: this.address.host,
        port: this.address.port,
        method: 'POST',
        path: `/${endpoint}`,
        headers,
      });
      this.#current = req;
      let done = false;
      const settle = (error: EspProvError | null, value?: Uint8Array): void => {
        if (done) return;
        done = true;
        if (this.#current === req) this.#current = null;
        signal.removeEventListener('abort', onAbort);
        // Destroying the request drops its connection: the device closes it after a failure anyway, and after
        // a deadline or an abort the exchange state is unknown; the next request connects afresh.
        if (error) req.destroy();
        if (error) reject(error);
        else resolve(value!);
      };
      const onAbort = (): void => settle(signal.reason as EspProvError);
      signal.addEventListener('abort', onAbort, { once: true });
      let connected = false;
      let sent = false;
      req.once('finish', () => (sent = true));
      req.once('socket', (socket) => {
        if (!socket.connecting) connected = true;
        else socket.once('connect', () => (connected = true));
      });
      req.on('error', (e) => {
        const code = errorCode(e);
        if (!connected && code && NOT_REACHABLE.has(code)) {
          return settle(this.#answered ? this.#gone(endpoint, code, e) : this.#notFound(endpoint, code, e));
        }
        if (code?.startsWith('HPE_')) {
          return settle(
            new EspProvError('DECODE_FAILED', `malformed HTTP response to ${endpoint} (${code})`, {
              endpoint,
              cause: e,
            }),
          );
        }
        settle(this.#lost(endpoint, e, sent));
      });
      req.on('response', (res) => this.#receive(endpoint, res, settle));
      this.#debug?.(`POST /${endpoint} ${data.length} bytes${this.#cookie ? ` (${this.#cookie})` : ''}`);
      req.end(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    });
  }

  #adoptCookie(res: http.IncomingMessage): void {
    for (const line of res.headers['set-cookie'] ?? []) {
      const m = /^\s*(session=[^;\s]*)/.exec(line);
      if (m && m[1] !== this.#cookie) {
        this.#cookie = m[1];
        this.#debug?.(`device issued ${m[1]}`);
      }
    }
  }

  #receive(
    endpoint: string,
    res: http.IncomingMessage,
    settle: (error: EspProvError | null, value?: Uint8Array) => void,
  ): void {
    this.#adoptCookie(res);
    // Stop reading at the limit: a device that streams without end must not fill our memory. The gate would
    // refuse the oversize body anyway, with the same code.
    const cap = this.limits.maxResponseBytes;
    const tooBig = (n: number): EspProvError =>
      new EspProvError('DECODE_FAILED', `${endpoint} response of ${n} bytes exceeds the ${cap}-byte limit`, {
        endpoint,
        details: { bytes: n, limit: cap },
      });
    const declared = Number(res.headers['content-length'] ?? NaN);
    if (declared > cap) return settle(tooBig(declared));
    const chunks: Buffer[] = [];
    let size = 0;
    res.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > cap) return settle(tooBig(size));
      chunks.push(chunk);
    });
    res.on('error', (e) => settle(this.#lost(endpoint, e, false)));
    res.on('close', () => {
      if (!res.complete) settle(this.#lost(endpoint, new Error('response cut short'), false));
    });
    res.on('end', () => {
      const body = new Uint8Array(Buffer.concat(chunks));
      const status = res.statusCode ?? 0;
      this.#debug?.(`${status} ${endpoint} ${body.length} bytes`);
      this.#answered = true;
      if (status === 200) return settle(null, body);
      settle(this.#statusError(endpoint, status, res.statusMessage ?? ''));
    });
  }

  #statusError(endpoint: string, status: number, text: string): EspProvError {
    const what = `HTTP ${status} ${text}`.trim();
    const details = { httpStatus: status, address: this.#where() };
    if (status === 404) {
      return new EspProvError('UNSUPPORTED', `endpoint ${endpoint} not found on device (${what})`, {
        endpoint,
        details,
      });
    }
    if (status === 408) {
      return new EspProvError('TIMEOUT', `the device timed out receiving ${endpoint} (${what})`, { endpoint, details });
    }
    if (status >= 400 && status <= 599) {
      // The device (or whatever answers at that address) refused the request: its status, not our bug. A 5xx
      // on an idempotent request (a status poll) is worth another try; the caller decides.
      return new EspProvError('DEVICE_STATUS', `the device answered ${what} to ${endpoint}`, { endpoint, details });
    }
    return new EspProvError(
      'DECODE_FAILED',
      `unexpected ${what} on ${endpoint} from ${this.#where()}: is this an ESP provisioning device?`,
      { endpoint, details },
    );
  }
}
