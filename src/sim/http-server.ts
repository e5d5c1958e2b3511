/**
 * The simulator's SoftAP side: protocomm_httpd on esp_http_server, as PROTOCOL.md §2.1 describes it.
 *
 * Built on node:net rather than node:http because node:http cannot say what the device says: it always adds
 * `Connection`/`Keep-Alive`/`Date` headers, answers oversize or malformed heads with its own 400/431 texts,
 * merges duplicate Cookie headers, and parses a request fully before the handler runs. The firmware sends
 * only Content-Type/Content-Length (+ Set-Cookie), reads the first Cookie header into a 20-byte buffer, and
 * runs everything on one task: one request at a time, a new connection waits until the current handler
 * returns and then evicts the older socket (max_open_sockets = 1, LRU purge). The serial queue below
 * reproduces that single task.
 */
import net from 'node:net';
import { EspProvError } from '../errors.js';
import { realClock, type Clock } from '../timers.js';
import { cryptoRandom, type RandomSource } from '../security/scheme.js';
import { firstHeader, parseRequestHead, type RequestHead } from './http-request.js';
import { HttpdSessionBinding } from './httpd-session.js';
import type { ProtocommDevice } from '../protocol/device.js';
import { HTTP_MAX_REQUEST_BODY } from '../protocol/limits.js';
import { Connection } from './http-connection.js';
import { HttpStatusFailure } from './answers.js';

/** protocomm_httpd's MAX_REQ_BODY_LEN. */
export const MAX_REQ_BODY_LEN = HTTP_MAX_REQUEST_BODY;
/** HTTPD_DEFAULT_CONFIG recv_wait_timeout (5 s): how long the server waits for the rest of a request. */
export const DEFAULT_RECV_TIMEOUT_MS = 5000;
/** HTTPD_DEFAULT_CONFIG max_uri_handlers: endpoints beyond the 8th fail to register on the device. */
export const MAX_URI_HANDLERS = 8;
/** Socket numbers start where a device's first client socket usually lands (listen and control sockets
 * come first); only the equality of numbers matters, never the value. */
const FIRST_SOCKET = 7;

const ERROR_TEXT: Record<number, [string, string]> = {
  400: ['400 Bad Request', 'Bad request syntax'],
  404: ['404 Not Found', 'Nothing matches the given URI'],
  405: ['405 Method Not Allowed', 'Specified method is invalid for this resource'],
  408: ['408 Request Timeout', 'Server closed this connection'],
  414: ['414 URI Too Long', 'URI is too long'],
  431: ['431 Request Header Fields Too Large', 'Header fields are too long'],
  500: ['500 Internal Server Error', 'Server has encountered an unexpected error'],
  505: ['505 Version Not Supported', 'HTTP version not supported by server'],
};

export type HttpServerEvent =
  | {
      event: 'request';
      endpoint: string;
      bytesIn: number;
      /** Response body size; null when the connection was closed without a response. */
      bytesOut: number | null;
      status: 'ok' | 'closed';
      /** Session id protocomm saw (null when the request failed before a session was bound). */
      session: number | null;
      /** True when this request started a new session. */
      newSession: boolean;
      /** First Cookie header as received, null when absent. */
      cookie: string | null;
    }
  | { event: 'http-error'; status: number; method: string; uri: string }
  | { event: 'connect'; socket: number; remote: string }
  | { event: 'disconnect'; socket: number; by: 'client' | 'server' | 'evicted' }
  | { event: 'error'; message: string };

export interface HttpServerOptions {
  /** Interface to listen on. Default 127.0.0.1. */
  host?: string;
  /** TCP port; 0 picks a free one. Default 0. */
  port?: number;
  /** Aborting stops the server (like close()). */
  signal?: AbortSignal;
  onEvent?: (event: HttpServerEvent) => void;
  /** Where session ids come from (esp_random); inject a recorded stream to replay. Default crypto. */
  random?: RandomSource;
  /** Wait for the rest of a partly received request (ms). Default DEFAULT_RECV_TIMEOUT_MS. */
  recvTimeoutMs?: number;
  /** Device time, for recvTimeoutMs (the device's own ManualClock in tests). Default: the wall clock. */
  clock?: Clock;
  /**
   * Whether a session-creating request tags its socket so that closing it forgets the socket binding.
   * True mirrors Security 1/2 (their schemes have transport-session hooks); false mirrors Security 0.
   * Default true.
   */
  tagSockets?: boolean;
}

export interface HttpServerHandle {
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

class SimHttpd {
  readonly #device: ProtocommDevice;
  readonly #emit: (e: HttpServerEvent) => void;
  readonly #recvTimeoutMs: number;
  readonly #clock: Clock;
  readonly #tagSockets: boolean;
  readonly #binding: HttpdSessionBinding;
  readonly #stop = new AbortController();
  readonly #all = new Set<Connection>();
  readonly #open = new Map<number, Connection>();
  #queue: Promise<void> = Promise.resolve();

  constructor(device: ProtocommDevice, options: HttpServerOptions) {
    this.#device = device;
    const onEvent = options.onEvent;
    this.#emit = (e) => {
      try {
        onEvent?.(e);
      } catch {
        // A failing log listener must not stop the device's single server task.
      }
    };
    this.#recvTimeoutMs = options.recvTimeoutMs ?? DEFAULT_RECV_TIMEOUT_MS;
    this.#clock = options.clock ?? realClock;
    this.#tagSockets = options.tagSockets ?? true;
    this.#binding = new HttpdSessionBinding(options.random ?? cryptoRandom);
  }

  connection(socket: net.Socket): void {
    const conn = new Connection(socket);
    this.#all.add(conn);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      conn.push(chunk);
      this.#schedule(conn);
    });
    socket.on('error', () => undefined); // a reset by the client shows up as 'close' below
    // The firmware notices a client's FIN only when its task next reads the socket: after any request
    // already received has been answered.
    socket.on('end', () => {
      conn.markClosed();
      this.#enqueue(() => this.#drop(conn, 'client'));
    });
    socket.on('close', () => {
      this.#all.delete(conn);
      conn.markClosed();
      this.#enqueue(() => this.#release(conn, 'client'));
    });
    this.#enqueue(() => this.#accept(conn));
  }

  stop(): void {
    this.#stop.abort();
    for (const conn of this.#all) conn.socket.destroy();
  }

  #enqueue(task: () => void | Promise<void>): void {
    this.#queue = this.#queue.then(task).catch((e: unknown) => {
      this.#emit({ event: 'error', message: e instanceof Error ? e.message : String(e) });
    });
  }

  #schedule(conn: Connection): void {
    if (conn.scheduled || conn.socketId < 0 || conn.released) return;
    conn.scheduled = true;
    this.#enqueue(async () => {
      conn.scheduled = false;
      try {
        await this.#serve(conn);
      } catch (e) {
        this.#drop(conn, 'server');
        throw e;
      }
      if (conn.buffered > 0) this.#schedule(conn);
    });
  }

  #accept(conn: Connection): void {
    if (conn.closed || this.#stop.signal.aborted) return;
    // LRU purge with max_open_sockets = 1: the older socket is closed before accept(), so the new one
    // usually receives the same descriptor number.
    for (const other of [...this.#open.values()]) this.#drop(other, 'evicted');
    let id = FIRST_SOCKET;
    while (this.#open.has(id)) id++;
    conn.socketId = id;
    this.#open.set(id, conn);
    this.#emit({ event: 'connect', socket: id, remote: `${conn.socket.remoteAddress}:${conn.socket.remotePort}` });
    if (conn.buffered > 0) this.#schedule(conn);
  }

  #release(conn: Connection, by: 'client' | 'server' | 'evicted'): void {
    if (conn.released || conn.socketId < 0) return;
    conn.released = true;
    this.#open.delete(conn.socketId);
    // protocomm_httpd_session_close runs for a tagged socket whichever session it belonged to.
    if (conn.tagged) this.#binding.taggedSocketClosed();
    this.#emit({ event: 'disconnect', socket: conn.socketId, by });
  }

  /** Close without a response: the firmware's only failure signal (§2.1 Errors). Earlier responses still
   * in the send buffer go out first, as with close() on a TCP socket. */
  #drop(conn: Connection, by: 'client' | 'server' | 'evicted'): void {
    this.#release(conn, by);
    if (!conn.socket.destroyed) conn.socket.end(() => conn.socket.destroy());
  }

  #sendError(conn: Connection, status: number, head: RequestHead | null): void {
    // Statuses esp_http_server never sends come from a hostile device's answers (answers.ts).
    const [line, body] = ERROR_TEXT[status] ?? [`${status} Error`, 'Error'];
    this.#emit({ event: 'http-error', status, method: head?.method ?? '', uri: head?.uri ?? '' });
    this.#release(conn, 'server');
    const bytes = Buffer.from(
      `HTTP/1.1 ${line}\r\nContent-Type: text/html\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
      'latin1',
    );
    conn.socket.end(bytes, () => conn.socket.destroy());
  }

  async #serve(conn: Connection): Promise<void> {
    if (conn.released || conn.buffered === 0) return;
    let parsed = parseRequestHead(conn.peek());
    while (parsed.state === 'incomplete') {
      const got = await conn.wait(this.#recvTimeoutMs, this.#stop.signal, this.#clock);
      if (got === 'closed') return;
      if (got === 'timeout') return this.#sendError(conn, 408, null);
      parsed = parseRequestHead(conn.peek());
    }
    if (parsed.state === 'error') return this.#sendError(conn, parsed.status, null);
    const head = parsed.head;
    conn.take(parsed.length);
    const routes = this.#device.endpoints().slice(0, MAX_URI_HANDLERS);
    // Routing looks at the path only; a target without a path matches nothing and is dropped unanswered.
    if (head.path === null) return this.#drop(conn, 'server');
    if (!routes.some((ep) => `/${ep}` === head.path)) return this.#sendError(conn, 404, head);
    if (head.method !== 'POST') return this.#sendError(conn, 405, head);
    await this.#post(conn, head);
  }

  /** common_post_handler (§2.1 steps 1-5). Any failure closes the socket without a response. */
  async #post(conn: Connection, head: RequestHead): Promise<void> {
    const cookie = firstHeader(head, 'cookie');
    const endpoint = head.uri.slice(1); // the handler uses the whole target, query string included
    let session: number | null = null;
    let newSession = false;
    const fail = (bytesIn: number): void => {
      this.#emit({
        event: 'request',
        endpoint,
        bytesIn,
        bytesOut: null,
        status: 'closed',
        session,
        newSession,
        cookie: cookie ?? null,
      });
      this.#drop(conn, 'server');
    };
    try {
      const bound = this.#binding.bind(cookie, conn.socketId, {
        close: (id) => this.#device.closeSession(id),
        open: (id) => this.#device.openSession(id),
      });
      session = bound.sessionId;
      newSession = bound.created;
      if (bound.created && this.#tagSockets) conn.tagged = true;
    } catch {
      return fail(0);
    }
    const length = head.contentLength;
    if (length < 1 || length > MAX_REQ_BODY_LEN) return fail(0);
    while (conn.buffered < length) {
      const got = await conn.wait(this.#recvTimeoutMs, this.#stop.signal, this.#clock);
      if (got !== 'data') return fail(conn.buffered);
    }
    const body = new Uint8Array(conn.take(length));
    if (!this.#device.endpoints().includes(endpoint)) return fail(length); // protocomm: ESP_ERR_NOT_FOUND
    let out: Uint8Array;
    try {
      out = await this.#device.handle(endpoint, this.#binding.cookieSessionId, body, this.#stop.signal);
    } catch (e) {
      if (e instanceof HttpStatusFailure && !conn.released) return this.#sendError(conn, e.status, head);
      return fail(length);
    }
    if (conn.released) return fail(length);
    const setCookie = newSession ? `Set-Cookie: session=${this.#binding.cookieSessionId}\r\n` : '';
    const header = `HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: ${out.length}\r\n${setCookie}\r\n`;
    conn.socket.write(Buffer.concat([Buffer.from(header, 'latin1'), out]));
    this.#emit({
      event: 'request',
      endpoint,
      bytesIn: length,
      bytesOut: out.length,
      status: 'ok',
      session,
      newSession,
      cookie: cookie ?? null,
    });
  }
}

/** Starts the simulated device's HTTP server. Resolves once it listens. */
export async function startHttpServer(
  device: ProtocommDevice,
  options: HttpServerOptions = {},
): Promise<HttpServerHandle> {
  const { signal } = options;
  if (signal?.aborted) throw new EspProvError('CANCELLED', 'HTTP server start cancelled');
  const httpd = new SimHttpd(device, options);
  const server = net.createServer({ allowHalfOpen: true }, (socket) => httpd.connection(socket));
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e) =>
      reject(
        new EspProvError('TRANSPORT_UNAVAILABLE', `cannot listen on ${host}:${options.port ?? 0}: ${e.message}`, {
          cause: e,
        }),
      ),
    );
    server.listen({ host, port: options.port ?? 0 }, () => resolve());
  });
  server.on('error', () => undefined);
  const address = server.address() as net.AddressInfo;
  let closing: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      signal?.removeEventListener('abort', onAbort);
      httpd.stop();
      server.close(() => resolve());
    });
    return closing;
  };
  const onAbort = (): void => void close();
  signal?.addEventListener('abort', onAbort, { once: true });
  return { host: address.address, port: address.port, close };
}
