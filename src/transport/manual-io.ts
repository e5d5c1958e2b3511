/**
 * Text I/O with a person who relays messages by hand (the manual console and manual BLE transports). Input
 * and output are injected streams; the input is only read while a question is pending (and paused otherwise)
 * so that it neither keeps the process alive nor swallows lines meant for someone else.
 */
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { EspProvError } from '../errors.js';
import { realClock, type Clock } from '../timers.js';
import { parseHexInput } from './console-framing.js';

/** Anything with a `write(text)`: process.stdout, a test collector. */
export interface TextSink {
  write(text: string): unknown;
}

export interface ManualIoOptions {
  input: Readable;
  output: TextSink;
  /** How long a person has to answer one question, ms. Default 15 minutes. */
  answerTimeoutMs?: number;
  /** Answers tried before giving up on unreadable hex or yes/no. Default 3. */
  maxAttempts?: number;
  /** Time source for the answer deadline (a test's ManualClock). Default: the wall clock. */
  clock?: Clock;
}

export const DEFAULT_ANSWER_TIMEOUT_MS = 15 * 60_000;
export const DEFAULT_MAX_ATTEMPTS = 3;

export interface AskOptions {
  signal?: AbortSignal;
  /** Named in errors. */
  endpoint?: string;
}

export class ManualIo {
  readonly output: TextSink;
  readonly answerTimeoutMs: number;
  readonly maxAttempts: number;
  readonly #input: Readable;
  readonly #clock: Clock;
  readonly #decoder = new StringDecoder('utf8');
  readonly #lines: string[] = [];
  #partial = '';
  #ended = false;
  #attached = false;
  #closed = false;
  #wake: (() => void) | null = null;

  constructor(options: ManualIoOptions) {
    this.#input = options.input;
    this.output = options.output;
    this.answerTimeoutMs = options.answerTimeoutMs ?? DEFAULT_ANSWER_TIMEOUT_MS;
    this.maxAttempts = Math.max(1, options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS);
    this.#clock = options.clock ?? realClock;
  }

  readonly #onData = (chunk: Buffer | string): void => {
    const parts = (this.#partial + (typeof chunk === 'string' ? chunk : this.#decoder.write(chunk))).split('\n');
    this.#partial = parts.pop() ?? '';
    for (const p of parts) this.#lines.push(p.replace(/\r$/, ''));
    if (this.#lines.length > 0) this.#input.pause();
    this.#notify();
  };

  readonly #onEnd = (): void => {
    this.#ended = true;
    const rest = this.#partial + this.#decoder.end();
    this.#partial = '';
    if (rest !== '') this.#lines.push(rest.replace(/\r$/, ''));
    this.#notify();
  };

  #notify(): void {
    const w = this.#wake;
    this.#wake = null;
    w?.();
  }

  write(text: string): void {
    this.output.write(text);
  }

  /** Writes `prompt` and reads one line. EOF or abort → CANCELLED; no answer in time → TIMEOUT. */
  async ask(prompt: string, options: AskOptions = {}): Promise<string> {
    const { signal } = options;
    const endpoint = options.endpoint === undefined ? {} : { endpoint: options.endpoint };
    if (signal?.aborted) throw new EspProvError('CANCELLED', 'cancelled', endpoint);
    if (this.#closed) throw new EspProvError('CANCELLED', 'the transport was closed', endpoint);
    this.output.write(prompt);
    if (!this.#attached) {
      this.#attached = true;
      this.#input.on('data', this.#onData);
      this.#input.on('end', this.#onEnd);
      this.#input.on('error', this.#onEnd);
    }
    const deadline = this.#clock.now() + this.answerTimeoutMs;
    try {
      for (;;) {
        const line = this.#lines.shift();
        if (line !== undefined) return line;
        if (this.#ended) throw new EspProvError('CANCELLED', 'input ended before an answer was given', endpoint);
        if (this.#closed) throw new EspProvError('CANCELLED', 'the transport was closed', endpoint);
        if (signal?.aborted) throw new EspProvError('CANCELLED', 'cancelled', endpoint);
        const left = deadline - this.#clock.now();
        if (left <= 0) {
          throw new EspProvError('TIMEOUT', `no answer within ${Math.round(this.answerTimeoutMs / 1000)} s`, endpoint);
        }
        this.#input.resume();
        await new Promise<void>((resolve) => {
          const done = (): void => {
            cancelTimer();
            signal?.removeEventListener('abort', done);
            resolve();
          };
          const cancelTimer = this.#clock.setTimer(done, left, true);
          signal?.addEventListener('abort', done, { once: true });
          this.#wake = done;
        });
      }
    } finally {
      this.#wake = null;
      this.#input.pause();
    }
  }

  /**
   * Asks for hex until it parses (at most maxAttempts answers). An empty answer returns null: the person
   * says there was nothing to read (the device failed the request).
   */
  async askHex(prompt: string, options: AskOptions = {}): Promise<Uint8Array | null> {
    for (let attempt = 1; ; attempt++) {
      const answer = await this.ask(prompt, options);
      if (answer.trim() === '') return null;
      const bytes = parseHexInput(answer);
      if (bytes) return bytes;
      if (attempt >= this.maxAttempts) {
        throw new EspProvError('DECODE_FAILED', `not hex after ${attempt} attempts: ${JSON.stringify(answer)}`, {
          ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
        });
      }
      this.output.write('That is not hex bytes (pairs of digits 0-9 a-f, spaces and 0x allowed); try again.\n');
    }
  }

  /** Asks a yes/no question; y/yes/n/no in any case. Unclear answers are asked again, then count as no. */
  async askYesNo(prompt: string, options: AskOptions = {}): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      const answer = (await this.ask(prompt, options)).trim().toLowerCase();
      if (answer === 'y' || answer === 'yes') return true;
      if (answer === 'n' || answer === 'no' || attempt >= this.maxAttempts) return false;
      this.output.write('Please answer y or n.\n');
    }
  }

  /** Stops listening to the input (it is left open: it belongs to the caller). */
  close(): void {
    this.#closed = true;
    if (!this.#attached) return this.#notify();
    this.#attached = false;
    this.#input.off('data', this.#onData);
    this.#input.off('end', this.#onEnd);
    this.#input.off('error', this.#onEnd);
    this.#input.pause();
    this.#notify();
  }
}
