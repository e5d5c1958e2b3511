/**
 * The device side of the console transport (PROTOCOL.md §2.3), over any duplex byte stream: a pseudo-terminal
 * relay, an in-memory pair in tests. It mirrors protocomm's console task byte for byte, quirks included,
 * because the serial transport is tested against it:
 * - prompt `\n>> `, every received byte echoed as it is stored (`\r` as `\r\n`);
 * - a 256-byte line buffer filled with everything available; the line ends when the last byte read is `\r`
 *   or the buffer is full (then one more available byte is read past the buffer and lost, and only the
 *   first 255 bytes reach the parser, `strlcpy`); the rest starts the next line;
 * - esp_console tokenising (spaces, quotes, backslash escapes, at most 7 arguments); the `\r` stays glued to
 *   the last argument, which is why an odd number of hex digits still yields its last nibble;
 * - `atoi` session id, a new security session whenever it changes; `%2hhx` hex parsing;
 * - success: `\r\n<hex>\r\n`; failure: nothing but a log line (`E (ms) tag: …`), then the next prompt.
 */
import type { Duplex } from 'node:stream';
import { toHex } from '../bytes.js';
import { realClock } from '../timers.js';
import { DeviceFailure, type ProtocommDevice } from '../protocol/device.js';

export interface ConsoleServerOptions {
  /** Milliseconds since boot, for log timestamps. Default: time since serveConsole was called. */
  clock?: () => number;
  /** Colour log lines with ANSI codes (IDF's CONFIG_LOG_COLORS). Default true. */
  colors?: boolean;
  /**
   * Convert `\n` to `\r\n` in printf/log output, as newlib's console line-ending setting does on real boards
   * (the echo and prompt are written raw). Default false: the exact bytes PROTOCOL.md §2.3 lists.
   */
  crlf?: boolean;
  /** Log lines printed before the first prompt, e.g. `I (445) app: Starting provisioning`. */
  banner?: readonly string[];
  /** Unexpected (non-DeviceFailure) errors from the device model; the console logs them and keeps serving. */
  onError?: (error: unknown) => void;
  signal?: AbortSignal;
}

export interface ConsoleServer {
  /** Stops serving (the stream is left open: it belongs to the caller). */
  close(): void;
  /** Resolves when serving stopped: close(), abort, or the stream ended. */
  readonly closed: Promise<void>;
}

const LINE_BUF_SIZE = 256;
const MAX_ARGS = 8;
/** PROTOCOMM_NO_SESSION_ID: UINT32_MAX, the value before any line was run. */
const NO_SESSION = 0xffffffff;
const COLOURS: Record<string, string> = { E: '\x1b[0;31m', W: '\x1b[0;33m', I: '\x1b[0;32m' };

export function serveConsole(
  device: ProtocommDevice,
  stream: Duplex,
  options: ConsoleServerOptions = {},
): ConsoleServer {
  const start = realClock.now();
  const clock = options.clock ?? ((): number => realClock.now() - start);
  const colors = options.colors ?? true;
  let pending = Buffer.alloc(0);
  let stopped = false;
  let wake: (() => void) | null = null;
  let session = NO_SESSION;

  const notify = (): void => {
    const w = wake;
    wake = null;
    w?.();
  };
  const onData = (chunk: Buffer | string): void => {
    pending = Buffer.concat([pending, typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk]);
    notify();
  };
  const stop = (): void => {
    stopped = true;
    notify();
  };
  stream.on('data', onData);
  stream.on('end', stop);
  stream.on('close', stop);
  stream.on('error', stop);
  options.signal?.addEventListener('abort', stop, { once: true });

  const raw = (bytes: Buffer | string): void => {
    if (!stopped && stream.writable) stream.write(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes);
  };
  const stdout = (text: string): void => raw(options.crlf ? text.replace(/\n/g, '\r\n') : text);
  const log = (level: 'E' | 'W' | 'I', tag: string, message: string): void => {
    const body = `${level} (${Math.max(0, Math.floor(clock()))}) ${tag}: ${message}`;
    stdout(colors ? `${COLOURS[level]}${body}\x1b[0m\n` : `${body}\n`);
  };

  async function readLine(): Promise<Buffer | null> {
    const line = Buffer.alloc(LINE_BUF_SIZE);
    let i = 0;
    for (;;) {
      if (stopped) return null;
      if (pending.length === 0) {
        await new Promise<void>((resolve) => (wake = resolve));
        continue;
      }
      // The task drains everything the UART holds before looking at the last byte (uart_read_bytes loop).
      let k = 0;
      const echo: number[] = [];
      while (k < pending.length && i < LINE_BUF_SIZE) {
        const b = pending[k++]!;
        line[i++] = b;
        if (b === 0x0d) echo.push(0x0d, 0x0a);
        else echo.push(b);
      }
      if (i >= LINE_BUF_SIZE && k < pending.length) k++; // read into linebuf[256]: out of bounds, never seen again
      pending = pending.subarray(k);
      raw(Buffer.from(echo));
      if (line[i - 1] === 0x0d || i >= LINE_BUF_SIZE) return line.subarray(0, i);
    }
  }

  async function runLine(line: Buffer): Promise<void> {
    let end = line.indexOf(0);
    if (end < 0) end = line.length;
    const argv = splitArgv(line.subarray(0, Math.min(end, LINE_BUF_SIZE - 1)).toString('latin1'), MAX_ARGS);
    const command = argv[0];
    if (command === undefined) return;
    if (command === 'help') {
      stdout(helpText(device.endpoints()));
      return;
    }
    if (!device.endpoints().includes(command)) return; // ESP_ERR_NOT_FOUND: the console prints nothing
    const sessionArg = argv[1];
    const hexArg = argv[2];
    if (sessionArg === undefined || hexArg === undefined) return; // argc < 3: handler fails silently
    const sessionId = atoi(sessionArg);
    const payload = hex2bin(hexArg);
    if (sessionId !== session) {
      if (session !== NO_SESSION) device.closeSession(session);
      device.openSession(sessionId);
      session = sessionId;
    }
    try {
      const response = await device.handle(command, sessionId, payload);
      stdout(`\r\n${toHex(response)}\r\n`);
    } catch (e) {
      if (e instanceof DeviceFailure) {
        const m = /^([\w-]+): (.*)$/s.exec(e.message);
        log('E', m?.[1] ?? 'protocomm', m?.[2] ?? e.message);
      } else {
        options.onError?.(e);
        log('E', 'protocomm', `Request handler for ${command} failed`);
      }
    }
  }

  async function run(): Promise<void> {
    for (const text of options.banner ?? []) stdout(`${text}\n`);
    while (!stopped) {
      raw('\n>> ');
      const line = await readLine();
      if (line === null) break;
      await runLine(line);
    }
  }

  const closed = run().finally(() => {
    stopped = true;
    stream.off('data', onData);
    stream.off('end', stop);
    stream.off('close', stop);
    stream.off('error', stop);
  });
  return { close: stop, closed };
}

/** esp_console_split_argv: spaces separate, `"` quotes, `\` escapes `\`, `"` and space; argc < argvSize. */
export function splitArgv(line: string, argvSize: number): string[] {
  const args: string[] = [];
  let state: 'space' | 'arg' | 'quoted' = 'space';
  let escaped = false;
  let current = '';
  for (const ch of line) {
    if (args.length >= argvSize - 1) break;
    if (escaped) {
      if (ch === '\\' || ch === '"' || ch === ' ') current += ch;
      escaped = false;
      continue;
    }
    if (state === 'space') {
      if (ch === ' ') continue;
      current = '';
      if (ch === '"') state = 'quoted';
      else if (ch === '\\') {
        state = 'arg';
        escaped = true;
      } else {
        state = 'arg';
        current = ch;
      }
    } else if (state === 'quoted') {
      if (ch === '"') {
        args.push(current);
        state = 'space';
      } else if (ch === '\\') escaped = true;
      else current += ch;
    } else if (ch === ' ') {
      args.push(current);
      state = 'space';
    } else if (ch === '\\') escaped = true;
    else current += ch;
  }
  if (state !== 'space' && args.length < argvSize - 1) args.push(current);
  return args;
}

const C_SPACE = new Set([' ', '\t', '\n', '\v', '\f', '\r']);

/** C `atoi` as newlib does it (strtol clamped to 32 bits), stored in a uint32_t. */
export function atoi(text: string): number {
  let i = 0;
  while (i < text.length && C_SPACE.has(text[i]!)) i++;
  let sign = 1;
  if (text[i] === '+' || text[i] === '-') sign = text[i++] === '-' ? -1 : 1;
  let value = 0;
  while (i < text.length && text[i]! >= '0' && text[i]! <= '9') {
    value = Math.min(value * 10 + (text.charCodeAt(i++) - 48), 2 ** 31);
  }
  const clamped = Math.max(-(2 ** 31), Math.min(2 ** 31 - 1, sign * value));
  return clamped >>> 0;
}

/** One `sscanf(pos, "%2hhx")`: whitespace skipped, optional sign, up to two hex digits; null on no match. */
function scanHexByte(text: string): number | null {
  let i = 0;
  while (i < text.length && C_SPACE.has(text[i]!)) i++;
  let width = 2;
  let sign = 1;
  if (text[i] === '+' || text[i] === '-') {
    sign = text[i] === '-' ? -1 : 1;
    i++;
    width--;
  }
  let digits = 0;
  let value = 0;
  while (width > 0 && i < text.length && /[0-9a-fA-F]/.test(text[i]!)) {
    value = value * 16 + parseInt(text[i]!, 16);
    i++;
    width--;
    digits++;
  }
  return digits === 0 ? null : (sign * value) & 0xff;
}

/**
 * protocomm_console's hex2bin: strlen/2 bytes, each scanned at an even offset. A pair that does not scan
 * leaves the byte as malloc left it; the model uses 0.
 */
export function hex2bin(arg: string): Uint8Array {
  const out = new Uint8Array(Math.floor(arg.length / 2));
  for (let n = 0; n < out.length; n++) out[n] = scanHexByte(arg.slice(2 * n)) ?? 0;
  return out;
}

function helpText(endpoints: readonly string[]): string {
  const entries = [['help', 'Print the list of registered commands'], ...endpoints.map((e) => [e, ''] as const)].sort(
    (a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0),
  );
  return entries.map(([name, help]) => `${name} \n  ${help}\n\n`).join('');
}
