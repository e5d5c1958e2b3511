/**
 * The one way the CLI reads a file or stdin a person named (`--pop-file`, `--sec2-pwd-file`,
 * `--passphrase-file`, `--data @file`, `--qr -`, `sim --aps`): bounded, interruptible, and clear about what
 * went wrong.
 * - Bounded: reading stops one byte past the kind's limit (INPUT_LIMITS) and the error names the limit, so that
 *   `--data @/dev/zero` costs a few kilobytes instead of growing memory until the machine gives up.
 * - Interruptible: nothing blocks the event loop. A FIFO's open waits for a writer on a libuv worker thread and
 *   is released by opening the FIFO's write end ourselves when we give up; FIFOs and terminals are then read as
 *   event-driven streams. Every read honours the run's AbortSignal (Ctrl-C, SIGTERM) and `--timeout` (TIMEOUT
 *   naming the file). Without `--timeout` a read waits until the writer finishes or the run is interrupted.
 * - Clear: a missing file, a directory, a file that is not text each get a USAGE error with the path.
 */
import { decodeUtf8Strict } from './utf8-strict.js';
import { close, constants, closeSync, open, openSync, read } from 'node:fs';
import { stat } from 'node:fs/promises';
import { promisify } from 'node:util';
import { Socket } from 'node:net';
import { isatty, ReadStream as TtyReadStream } from 'node:tty';
import { EspProvError } from '../errors.js';

/** Bytes accepted per kind of input. Secrets are short (a WPA passphrase is at most 64 bytes); the rest generous. */
export const INPUT_LIMITS = {
  /** PoP, Security 2 password, Wi-Fi passphrase. */
  secret: 1024,
  /** A QR payload (`--qr -`, `esp-prov qr -`); the firmware's is under 200 bytes. */
  qr: 4096,
  /** `--data @file` for a custom endpoint: more than any device's protocomm buffer accepts in one request. */
  data: 64 * 1024,
  /** `esp-prov sim --aps` JSON. */
  aps: 1024 * 1024,
  /** Any manifest-like JSON input. */
  manifest: 16 * 1024 * 1024,
} as const;

export type InputKind = keyof typeof INPUT_LIMITS;

export interface ReadContext {
  /** The run's signal (Ctrl-C, SIGTERM). */
  signal?: AbortSignal | undefined;
  /** `--timeout`: the whole read must finish within it. Default DEFAULT_READ_TIMEOUT_MS. */
  timeoutMs?: number | undefined;
}

export interface ReadInputOptions extends ReadContext {
  /** What is read, for messages: "the PoP". */
  what: string;
  kind: InputKind;
}

const READ_CHUNK = 16 * 1024;
/**
 * Every wait has a deadline: without --timeout, a FIFO or terminal nobody writes to is given up after this long
 * (generous: a person may be pasting into stdin).
 */
export const DEFAULT_READ_TIMEOUT_MS = 5 * 60_000;
/** How long giving up on a FIFO waits for its released open to return (it returns at once on Linux). */
const RELEASE_WAIT_MS = 1000;

function sizeText(n: number): string {
  if (n % (1024 * 1024) === 0) return `${n / (1024 * 1024)} MiB`;
  return n % 1024 === 0 ? `${n / 1024} KiB` : `${n} bytes`;
}

function tooLarge(o: ReadInputOptions, where: string): EspProvError {
  const limit = INPUT_LIMITS[o.kind];
  return new EspProvError(
    'USAGE',
    `${o.what} from ${where} is longer than ${sizeText(limit)}, the limit for ${o.kind === 'secret' ? 'a secret' : `this input (${o.kind})`}: is it the right file?`,
  );
}

/** A signal that fires on the run's signal or at the deadline, and the error to report for it. */
function stopper(o: ReadInputOptions, where: string) {
  const ctl = new AbortController();
  let timedOut = false;
  const onAbort = (): void => ctl.abort();
  o.signal?.addEventListener('abort', onAbort, { once: true });
  if (o.signal?.aborted) ctl.abort();
  const ms = o.timeoutMs ?? DEFAULT_READ_TIMEOUT_MS;
  const timer = setTimeout(() => {
    timedOut = true;
    ctl.abort();
  }, ms);
  return {
    signal: ctl.signal,
    error(): EspProvError {
      return timedOut
        ? new EspProvError(
            'TIMEOUT',
            `${o.what}: nothing more came from ${where} within ${ms / 1000} s${o.timeoutMs === undefined ? ' (raise it with --timeout)' : ' (--timeout)'}`,
          )
        : new EspProvError('CANCELLED', `interrupted while reading ${o.what} from ${where}`);
    },
    dispose(): void {
      clearTimeout(timer);
      o.signal?.removeEventListener('abort', onAbort);
    },
  };
}

type Stop = ReturnType<typeof stopper>;

function untilStopped<T>(work: Promise<T>, stop: Stop, release?: () => Promise<void>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let stopped = false;
    const onStop = (): void => {
      stopped = true;
      // Report only once what we started is released: nothing of ours outlives the error.
      void (release?.() ?? Promise.resolve()).finally(() => reject(stop.error()));
    };
    if (stop.signal.aborted) return onStop();
    stop.signal.addEventListener('abort', onStop, { once: true });
    work.then(
      (v) => {
        stop.signal.removeEventListener('abort', onStop);
        if (!stopped) resolve(v);
      },
      (e: unknown) => {
        stop.signal.removeEventListener('abort', onStop);
        if (!stopped) reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

/** Reads a stream (stdin, a FIFO, a terminal) up to the limit; destroys it when giving up. */
export function readStreamBounded(
  stream: NodeJS.ReadableStream,
  where: string,
  o: ReadInputOptions,
  destroyOnStop = true,
): Promise<Uint8Array> {
  const limit = INPUT_LIMITS[o.kind];
  const stop = stopper(o, where);
  return new Promise<Uint8Array>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (err: Error | undefined): void => {
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', onError);
      stop.signal.removeEventListener('abort', onStop);
      stop.dispose();
      if (err) {
        stream.pause();
        if (destroyOnStop) (stream as { destroy?: () => void }).destroy?.();
        reject(err);
      } else resolve(new Uint8Array(Buffer.concat(chunks)));
    };
    const onData = (chunk: Buffer | string): void => {
      const b = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
      size += b.length;
      if (size > limit) return finish(tooLarge(o, where));
      chunks.push(b);
    };
    const onEnd = (): void => finish(undefined);
    const onError = (e: Error): void =>
      finish(new EspProvError('USAGE', `cannot read ${o.what} from ${where}: ${e.message}`, { cause: e }));
    const onStop = (): void => finish(stop.error());
    if (stop.signal.aborted) return onStop();
    stop.signal.addEventListener('abort', onStop, { once: true });
    stream.on('data', onData);
    stream.once('end', onEnd);
    stream.once('error', onError);
    stream.resume();
  });
}

function fileError(e: unknown, path: string, what: string): EspProvError {
  const code = (e as { code?: string } | null)?.code;
  const where = JSON.stringify(path);
  const why =
    code === 'ENOENT'
      ? 'there is no such file'
      : code === 'EACCES' || code === 'EPERM'
        ? 'permission denied'
        : code === 'EISDIR'
          ? 'it is a directory'
          : code === 'ENXIO'
            ? 'it is a socket or a device nobody serves'
            : (code ?? String(e));
  return new EspProvError('USAGE', `cannot read ${what} from ${where}: ${why}`, { cause: e });
}

// Raw descriptors, not FileHandles: a FIFO's or terminal's descriptor is handed to a stream that closes it, and
// a FileHandle left unclosed would close it again when collected.
const openFd = promisify(open);
const readFd = promisify(read);
const closeFd = (fd: number): void => close(fd, () => undefined);
const closeFdNow = (fd: number): Promise<void> => promisify(close)(fd).catch(() => undefined);

/** Opens a FIFO on a worker thread (the open waits for a writer); giving up opens its write end to release it. */
function openFifo(path: string, stop: Stop): Promise<number> {
  const opening = openFd(path, 'r');
  return untilStopped(opening, stop, async () => {
    try {
      // Our blocked open already counts as a reader, so this non-blocking write open succeeds and wakes it.
      closeSync(openSync(path, constants.O_WRONLY | constants.O_NONBLOCK));
    } catch {
      // ENXIO: no reader, so our open has already returned on its own.
    }
    const cap = new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), RELEASE_WAIT_MS).unref());
    const fd = await Promise.race([opening.catch(() => undefined), cap]);
    if (fd !== undefined) await closeFdNow(fd);
    else void opening.then(closeFd, () => undefined);
  });
}

/** Reads a regular file or a device that never blocks (/dev/zero, /dev/urandom) by descriptor. */
async function readRegular(fd: number, where: string, o: ReadInputOptions, stop: Stop): Promise<Uint8Array> {
  const limit = INPUT_LIMITS[o.kind];
  const buf = Buffer.alloc(limit + 1);
  let size = 0;
  for (;;) {
    const { bytesRead } = await untilStopped(
      readFd(fd, buf, size, Math.min(READ_CHUNK, buf.length - size), null),
      stop,
    );
    if (bytesRead === 0) return new Uint8Array(buf.subarray(0, size));
    size += bytesRead;
    if (size > limit) throw tooLarge(o, where);
  }
}

/** Reads the file at `path` (never "-": the caller gives stdin to readStreamBounded). */
export async function readInputFile(path: string, o: ReadInputOptions): Promise<Uint8Array> {
  const where = JSON.stringify(path);
  const info = await stat(path).catch((e: unknown) => {
    throw fileError(e, path, o.what);
  });
  if (info.isDirectory()) throw fileError(Object.assign(new Error('EISDIR'), { code: 'EISDIR' }), path, o.what);
  const stop = stopper(o, where);
  let fd: number | undefined;
  try {
    fd = info.isFIFO()
      ? await openFifo(path, stop)
      : await untilStopped(openFd(path, 'r'), stop).catch((e: unknown) => {
          throw e instanceof EspProvError ? e : fileError(e, path, o.what);
        });
    if (info.isFIFO() || isatty(fd)) {
      // Event-driven from here on (a fresh deadline for this phase); the stream owns and closes the descriptor.
      const stream = isatty(fd) ? new TtyReadStream(fd) : new Socket({ fd, readable: true, writable: false });
      fd = undefined;
      stop.dispose();
      return await readStreamBounded(stream, where, o);
    }
    return await readRegular(fd, where, o, stop);
  } finally {
    stop.dispose();
    if (fd !== undefined) closeFd(fd);
  }
}

export { decodeUtf8Strict } from './utf8-strict.js';

/** A one-value text input (a secret, a QR payload): UTF-8 without control characters other than tab. */
export function valueText(bytes: Uint8Array, what: string): string {
  const text = decodeUtf8Strict(bytes, what).replace(/\r?\n$/, '');
  // eslint-disable-next-line no-control-regex
  const bad = /[\u0000-\u0008\u000a-\u001f\u007f]/.exec(text);
  if (bad) {
    const cp = bad[0].codePointAt(0)!;
    throw new EspProvError(
      'USAGE',
      `${what} is not a line of text: it holds the control character 0x${cp.toString(16).padStart(2, '0')} at character ${bad.index}`,
    );
  }
  return text;
}
