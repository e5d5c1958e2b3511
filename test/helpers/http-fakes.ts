/**
 * Test doubles for the SoftAP tests: a scriptable ProtocommDevice, a deterministic esp_random stream and a
 * raw TCP client that shows exactly what the simulated server puts on the wire.
 */
import net from 'node:net';
import { DeviceFailure, type ProtocommDevice } from '../../src/protocol/device.js';
import type { RandomSource } from '../../src/security/scheme.js';

const text = (b: Uint8Array): string => Buffer.from(b).toString('latin1');

/**
 * Echoes `<endpoint>|<session>|<payload>`. Payload prefixes script failures: "fail" → DeviceFailure,
 * "boom" → a plain Error, "hang" → waits until release() or the server stops, "slow" → yields a few turns.
 */
export class FakeDevice implements ProtocommDevice {
  readonly names: string[];
  readonly opened: number[] = [];
  readonly closed: number[] = [];
  readonly calls: Array<{ endpoint: string; session: number; payload: string }> = [];
  inFlight = 0;
  maxInFlight = 0;
  #started: Array<() => void> = [];
  #hanging: Array<() => void> = [];

  constructor(names = ['proto-ver', 'prov-session', 'prov-config', 'custom-data']) {
    this.names = names;
  }

  endpoints(): readonly string[] {
    return this.names;
  }

  openSession(id: number): void {
    this.opened.push(id);
  }

  closeSession(id: number): void {
    this.closed.push(id);
  }

  /** Resolves when the next request reaches the handler. */
  started(): Promise<void> {
    return new Promise((r) => this.#started.push(r));
  }

  /** Lets every hanging request finish. */
  release(): void {
    for (const r of this.#hanging.splice(0)) r();
  }

  async handle(endpoint: string, session: number, data: Uint8Array, signal?: AbortSignal): Promise<Uint8Array> {
    const payload = text(data);
    this.calls.push({ endpoint, session, payload });
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    for (const r of this.#started.splice(0)) r();
    try {
      if (payload.startsWith('fail')) throw new DeviceFailure('scripted failure');
      if (payload.startsWith('boom')) throw new Error('handler crashed');
      if (payload.startsWith('hang')) {
        await new Promise<void>((resolve, reject) => {
          this.#hanging.push(resolve);
          signal?.addEventListener('abort', () => reject(new DeviceFailure('stopped')), { once: true });
        });
      }
      if (payload.startsWith('slow')) for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
      return new Uint8Array(Buffer.from(`${endpoint}|${session}|${payload}`, 'latin1'));
    } finally {
      this.inFlight--;
    }
  }
}

/** esp_random() stand-in that yields the given ids (little-endian, as the device draws them), then fails. */
export function sequenceRandom(ids: number[]): RandomSource {
  const queue = [...ids];
  return (length) => {
    const id = queue.shift();
    if (id === undefined || length !== 4) throw new Error('unexpected random draw');
    const b = Buffer.alloc(4);
    b.writeUInt32LE(id);
    return new Uint8Array(b);
  };
}

export interface RawResponse {
  status: number;
  /** Status line and header lines exactly as received, without the blank line. */
  head: string;
  headers: Array<[string, string]>;
  body: string;
}

/** A hand-driven HTTP client: write any bytes, read responses one by one, see when the server closes. */
export class RawClient {
  readonly socket: net.Socket;
  readonly closed: Promise<void>;
  #buf = Buffer.alloc(0);
  #isClosed = false;
  #wake: (() => void) | null = null;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on('data', (c: Buffer) => {
      this.#buf = Buffer.concat([this.#buf, c]);
      this.#wake?.();
    });
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) =>
      socket.on('close', () => {
        this.#isClosed = true;
        this.#wake?.();
        resolve();
      }),
    );
  }

  static connect(port: number, host = '127.0.0.1'): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ port, host }, () => resolve(new RawClient(s)));
      s.once('error', reject);
    });
  }

  get isClosed(): boolean {
    return this.#isClosed;
  }

  send(data: string | Uint8Array): void {
    this.socket.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
  }

  /** Next complete response, or 'closed' if the server closed first (bytes received are kept). */
  async response(): Promise<RawResponse | 'closed'> {
    for (;;) {
      const parsed = this.#parse();
      if (parsed) return parsed;
      if (this.#isClosed) return 'closed';
      await new Promise<void>((r) => (this.#wake = r));
      this.#wake = null;
    }
  }

  /** Everything the server sent that has not been read as a response. */
  get leftover(): string {
    return this.#buf.toString('latin1');
  }

  end(): void {
    this.socket.destroy();
  }

  #parse(): RawResponse | null {
    const end = this.#buf.indexOf('\r\n\r\n');
    if (end < 0) return null;
    const head = this.#buf.toString('latin1', 0, end);
    const [statusLine, ...lines] = head.split('\r\n');
    const headers = lines.map((l): [string, string] => {
      const i = l.indexOf(':');
      return [l.slice(0, i), l.slice(i + 1).trim()];
    });
    const length = Number(headers.find(([n]) => n.toLowerCase() === 'content-length')?.[1] ?? 0);
    if (this.#buf.length < end + 4 + length) return null;
    const body = this.#buf.toString('latin1', end + 4, end + 4 + length);
    this.#buf = this.#buf.subarray(end + 4 + length);
    return { status: Number(statusLine!.split(' ')[1]), head, headers, body };
  }
}

/** A POST request as bytes. `extra` lines go after Content-Length. */
export function post(path: string, body: string, extra: string[] = []): string {
  return [
    `POST ${path} HTTP/1.1`,
    'Host: device',
    `Content-Length: ${Buffer.byteLength(body, 'latin1')}`,
    ...extra,
    '',
    body,
  ].join('\r\n');
}
