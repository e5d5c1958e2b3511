/**
 * One accepted TCP connection of the simulated esp_http_server: a receive buffer the single server task
 * reads from with a deadline (recv_wait_timeout), plus the per-socket state the firmware keeps in its socket
 * database (descriptor number, the protocomm session tag).
 */
import type net from 'node:net';
import type { Clock } from '../timers.js';

export type WaitResult = 'data' | 'closed' | 'timeout';

export class Connection {
  readonly socket: net.Socket;
  /** Descriptor number the session binding compares; -1 until the server task accepts the connection. */
  socketId = -1;
  /** Set by a session-creating request (Sec1/Sec2): closing this socket resets the socket binding. */
  tagged = false;
  /** The server has forgotten this socket (closed, evicted or failed). */
  released = false;
  /** The peer closed or the socket was destroyed. */
  closed = false;
  /** A serve task for this connection is already queued. */
  scheduled = false;
  #buf: Buffer = Buffer.alloc(0);
  #wake: (() => void) | null = null;

  constructor(socket: net.Socket) {
    this.socket = socket;
  }

  get buffered(): number {
    return this.#buf.length;
  }

  push(chunk: Buffer): void {
    this.#buf = this.#buf.length === 0 ? chunk : Buffer.concat([this.#buf, chunk]);
    this.#wake?.();
  }

  markClosed(): void {
    this.closed = true;
    this.#wake?.();
  }

  peek(): Buffer {
    return this.#buf;
  }

  /** Removes and returns the first `n` buffered bytes (a copy). */
  take(n: number): Buffer {
    const out = Buffer.from(this.#buf.subarray(0, n));
    this.#buf = this.#buf.subarray(n);
    return out;
  }

  /** Waits for more bytes, the peer closing, the deadline, or the server stopping (reported as closed). */
  wait(timeoutMs: number, signal: AbortSignal, clock: Clock): Promise<WaitResult> {
    if (this.closed || signal.aborted) return Promise.resolve('closed');
    const before = this.#buf.length;
    return new Promise<WaitResult>((resolve) => {
      const done = (r: WaitResult): void => {
        cancelTimer();
        signal.removeEventListener('abort', onAbort);
        this.#wake = null;
        resolve(r);
      };
      const onAbort = (): void => done('closed');
      const cancelTimer = clock.setTimer(() => done('timeout'), timeoutMs, true);
      signal.addEventListener('abort', onAbort, { once: true });
      this.#wake = () => {
        if (this.#buf.length > before) done('data');
        else if (this.closed) done('closed');
      };
    });
  }
}
