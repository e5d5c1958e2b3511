/**
 * SoftAP transport: one HTTP POST per protocomm request (PROTOCOL.md §2.1). Quirks kept here:
 * - one TCP connection at a time: the device runs max_open_sockets = 1 with LRU purge, so a second
 *   connection would evict the first; requests are serialised and never overlap;
 * - the `session=<id>` cookie is the only reliable session key (§9 item 19): adopted from any Set-Cookie,
 *   sent back verbatim as the only cookie;
 * - the device reports every failure by closing the connection without a response (§2.1 Errors, §6.2,
 *   §9 item 20), which we turn into CONNECTION_LOST naming the endpoint.
 */
import http from 'node:http';
import { EspProvError } from '../errors.js';
import {
  DEFAULT_SERVICE_ADDRESS,
  formatServiceAddress,
  parseServiceAddress,
  type ServiceAddress,
} from './http-address.js';
import { HTTP_LIMITS, type RequestOptions, type Transport, type TransportLimits } from './transport.js';

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
}

interface Ticket {
  endpoint: string;
  data: Uint8Array;
  settled: boolean;
  request: http.ClientRequest | null;
  settle(error: EspProvError | null, value?: Uint8Array): void;
}

function errorCode(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

export class HttpTransport implements Transport {
  readonly kind = 'softap';
  readonly linkUsesDeviceWifi = true;
  readonly limits: TransportLimits;
  readonly address: ServiceAddress;
  readonly #agent: http.Agent;
  readonly #timeoutMs: number;
  readonly #debug: ((line: string) => void) | undefined;
  #cookie: string | undefined;
  #tail: Promise<void> = Promise.resolve();
  #pending = new Set<Ticket>();
  #closed = false;

  constructor(options: HttpTransportOptions = {}) {
    const a = options.address ?? DEFAULT_SERVICE_ADDRESS;
    this.address = typeof a === 'string' ? parseServiceAddress(a) : { host: a.host, port: a.port };
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS;
    this.limits = { ...HTTP_LIMITS, maxResponseBytes: options.maxResponseBytes ?? HTTP_LIMITS.maxResponseBytes };
    this.#debug = options.debug;
    // maxSockets 1 + keepAlive: exactly one persistent connection, like esp_prov's single HTTPConnection.
    this.#agent = new http.Agent({ keepAlive: true, maxSockets: 1, maxTotalSockets: 1, maxFreeSockets: 1 });
  }

  /** The session cookie as sent ("session=<id>"), once the device has issued one. */
  get cookie(): string | undefined {
    return this.#cookie;
  }

  request(endpoint: string, data: Uint8Array, options: RequestOptions = {}): Promise<Uint8Array> {
    const refused = this.#check(endpoint, data);
    if (refused) return Promise.reject(refused);
    const { signal } = options;
    const timeoutMs = options.timeoutMs ?? this.#timeoutMs;
    if (!(timeoutMs > 0 && timeoutMs <= 2 ** 31 - 1)) {
      return Promise.reject(new EspProvError('USAGE', `invalid timeout ${timeoutMs} ms for ${endpoint}`, { endpoint }));
    }
    return new Promise<Uint8Array>((resolve, reject) => {
      let release!: () => void;
      const slot = new Promise<void>((r) => (release = r));
      const onAbort = (): void =>
        ticket.settle(new EspProvError('CANCELLED', `${endpoint} request cancelled`, { endpoint }));
      const timer = setTimeout(() => ticket.settle(this.#timeout(ticket, timeoutMs)), timeoutMs);
      const ticket: Ticket = {
        endpoint,
        data,
        settled: false,
        request: null,
        settle: (error, value) => {
          if (ticket.settled) return;
          ticket.settled = true;
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          this.#pending.delete(ticket);
          // Destroying the request drops its connection: the device closes it after a failure anyway, and
          // after a timeout or abort the exchange state is unknown; the next request connects afresh.
          if (error) ticket.request?.destroy();
          release();
          if (error) reject(error);
          else resolve(value ?? new Uint8Array(0));
        },
      };
      this.#pending.add(ticket);
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      const previous = this.#tail;
      this.#tail = previous.then(() => slot);
      void previous.then(() => {
        if (!ticket.settled) this.#send(ticket);
      });
    });
  }

  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    for (const t of [...this.#pending]) {
      t.settle(
        new EspProvError('CANCELLED', `${t.endpoint} request cancelled: transport closed`, { endpoint: t.endpoint }),
      );
    }
    this.#agent.destroy();
    return Promise.resolve();
  }

  #check(endpoint: string, data: Uint8Array): EspProvError | null {
    if (this.#closed) return new EspProvError('CANCELLED', `${endpoint}: transport closed`, { endpoint });
    if (!ENDPOINT_NAME.test(endpoint)) {
      return new EspProvError('USAGE', `invalid endpoint name ${JSON.stringify(endpoint)}`, { endpoint });
    }
    if (data.length === 0) {
      // The device rejects an empty body by closing the connection (§2.1, §9 item 18): a bug on our side.
      return new EspProvError('INTERNAL', `refusing to send an empty ${endpoint} request`, { endpoint });
    }
    if (data.length > this.limits.maxRequestBytes) {
      return new EspProvError(
        'UNSUPPORTED',
        `${endpoint} request of ${data.length} bytes exceeds the device's HTTP limit of ${this.limits.maxRequestBytes} bytes`,
        { endpoint, details: { bytes: data.length, limit: this.limits.maxRequestBytes } },
      );
    }
    return null;
  }

  #where(): string {
    return formatServiceAddress(this.address);
  }

  #timeout(ticket: Ticket, ms: number): EspProvError {
    const endpoint = ticket.endpoint;
    // Still connecting (or resolving the name): nothing answers at that address, as in ETIMEDOUT on connect.
    if (ticket.request?.socket?.connecting) return this.#notFound(endpoint, `no connection within ${ms} ms`);
    const why = ticket.request ? 'no answer from the device' : 'still waiting for the previous request';
    return new EspProvError('TIMEOUT', `${endpoint}: ${why} within ${ms} ms`, { endpoint });
  }

  #notFound(endpoint: string, why: string, cause?: unknown): EspProvError {
    return new EspProvError(
      'DEVICE_NOT_FOUND',
      `cannot reach the device at ${this.#where()} (${why}): is your computer joined to the device's SoftAP (PROV_xxxxxx)?`,
      { endpoint, cause, details: { address: this.#where() } },
    );
  }

  #lost(endpoint: string, cause: unknown): EspProvError {
    const meaning =
      endpoint === 'prov-session'
        ? 'the device rejected the handshake (wrong PoP / username / password, or another security scheme)'
        : "the device's handler failed or the session was lost (another client, device restarted, provisioning stopped)";
    return new EspProvError(
      'CONNECTION_LOST',
      `the device closed the connection without answering ${endpoint}: ${meaning}`,
      { endpoint, cause, details: { address: this.#where() } },
    );
  }

  #send(ticket: Ticket): void {
    const { endpoint, data } = ticket;
    const headers: Record<string, string | number> = {
      'Content-Type': 'application/x-www-form-urlencoded',
      Accept: 'text/plain',
      'Content-Length': data.length,
    };
    if (this.#cookie) headers['Cookie'] = this.#cookie;
    let req: http.ClientRequest;
    try {
      req = http.request({
        agent: this.#agent,
        host: this.address.host,
        port: this.address.port,
        method: 'POST',
        path: `/${endpoint}`,
        headers,
      });
    } catch (e) {
      return ticket.settle(
        new EspProvError('INTERNAL', `cannot build the ${endpoint} request`, { endpoint, cause: e }),
      );
    }
    ticket.request = req;
    let connected = false;
    req.once('socket', (socket) => {
      if (!socket.connecting) connected = true;
      else socket.once('connect', () => (connected = true));
    });
    req.on('error', (e) => {
      if (ticket.settled) return;
      const code = errorCode(e);
      if (!connected && code && NOT_REACHABLE.has(code)) {
        return ticket.settle(this.#notFound(endpoint, code, e));
      }
      if (code?.startsWith('HPE_')) {
        return ticket.settle(
          new EspProvError('DECODE_FAILED', `malformed HTTP response to ${endpoint} (${code})`, { endpoint, cause: e }),
        );
      }
      ticket.settle(this.#lost(endpoint, e));
    });
    req.on('response', (res) => this.#receive(ticket, res));
    this.#debug?.(`POST /${endpoint} ${data.length} bytes${this.#cookie ? ` (${this.#cookie})` : ''}`);
    req.end(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
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

  #receive(ticket: Ticket, res: http.IncomingMessage): void {
    const { endpoint } = ticket;
    this.#adoptCookie(res);
    const cap = this.limits.maxResponseBytes;
    const tooBig = (n: number): EspProvError =>
      new EspProvError('DECODE_FAILED', `${endpoint} response of ${n} bytes exceeds the ${cap}-byte limit`, {
        endpoint,
      });
    const declared = Number(res.headers['content-length'] ?? NaN);
    if (declared > cap) return ticket.settle(tooBig(declared));
    const chunks: Buffer[] = [];
    let size = 0;
    res.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > cap) return ticket.settle(tooBig(size));
      chunks.push(chunk);
    });
    res.on('error', (e) => ticket.settle(this.#lost(endpoint, e)));
    res.on('close', () => {
      if (!res.complete) ticket.settle(this.#lost(endpoint, new Error('response cut short')));
    });
    res.on('end', () => {
      const body = new Uint8Array(Buffer.concat(chunks));
      const status = res.statusCode ?? 0;
      this.#debug?.(`${status} ${endpoint} ${body.length} bytes`);
      if (status === 200) return ticket.settle(null, body);
      ticket.settle(this.#statusError(endpoint, status, res.statusMessage ?? ''));
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
    if (status === 431 || status === 414 || status === 400) {
      // Our requests are small and fixed-form; the device refusing their shape is our bug.
      return new EspProvError('INTERNAL', `the device refused the ${endpoint} request as malformed (${what})`, {
        endpoint,
        details,
      });
    }
    return new EspProvError(
      'UNSUPPORTED',
      `unexpected ${what} on ${endpoint} from ${this.#where()}: is this an ESP provisioning device?`,
      { endpoint, details },
    );
  }
}
