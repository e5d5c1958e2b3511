/**
 * The device console's line protocol (PROTOCOL.md §2.3), shared by the serial transport, the manual console
 * transport and the simulator's console server. The device reads one line `<endpoint> <session-id> <hex>\r`,
 * echoes it, and answers `\r\n<hex>\r\n` on success; on failure it prints no hex line at all, only whatever its
 * log says, then the next prompt `\n>> `. So a reply is recognised as "the first hex line after the echo of
 * our own line", and a failure as "the next prompt came first".
 */
import { toHex } from '../bytes.js';
import { EspProvError, toEspProvError } from '../errors.js';
import { KNOWN_ENDPOINTS } from '../protocol/endpoints.js';

/** The device's line buffer (`LINE_BUF_SIZE`). */
export const CONSOLE_LINE_BUFFER = 256;
/**
 * Longest line, terminating `\r` included, that reaches the command parser intact: esp_console copies the
 * buffer with `strlcpy(…, 256)`, keeping 255 characters, and a full 256-byte buffer is not NUL-terminated.
 */
export const CONSOLE_MAX_LINE = CONSOLE_LINE_BUFFER - 1;
/** The prompt the device writes before reading each line. */
export const CONSOLE_PROMPT = '\n>> ';
/**
 * Why large messages cannot travel over the console; the session layer can quote it when refusing Sec2.
 * The line limit is PROTOCOL.md §2.3 (cited here, not in the text: users do not have that document).
 */
export const CONSOLE_LIMIT_EXPLANATION =
  'Security 2 cannot run over the console scheme (the device reads 256-byte lines): its 406-byte first ' +
  'handshake message does not fit; use Security 0/1 or another transport';

/**
 * Endpoint names the console can carry: esp_console splits on spaces and treats `"` and `\` specially, and
 * the name must survive a terminal unchanged.
 */
const ENDPOINT_NAME = /^[!#-[\]-~]+$/;

/** Endpoint names of the provisioning manager (PROTOCOL.md §1.2), used to size `maxRequestBytes`. */
export { KNOWN_ENDPOINTS };

/** Characters of a console line, terminating `\r` included. */
export function consoleLineLength(endpoint: string, sessionId: number, payloadBytes: number): number {
  return endpoint.length + 1 + String(sessionId).length + 1 + 2 * payloadBytes + 1;
}

/** Largest payload (bytes) a line to `endpoint` with `sessionId` can carry. */
export function maxConsolePayload(endpoint: string, sessionId: number): number {
  return Math.max(0, Math.floor((CONSOLE_MAX_LINE - consoleLineLength(endpoint, sessionId, 0)) / 2));
}

/** maxRequestBytes for a transport that may address any of `endpoints` with this session id. */
export function consoleRequestLimit(sessionId: number, endpoints: readonly string[] = KNOWN_ENDPOINTS): number {
  const longest = endpoints.reduce((n, e) => Math.max(n, e.length), 0);
  return maxConsolePayload('x'.repeat(longest), sessionId);
}

/** A random session id: a new id makes the device open a new security session (§2.3), so each run gets one. */
export function randomConsoleSessionId(random: () => number = Math.random): number {
  // Short ids leave more of the 255 characters to the payload; 0 is avoided because esp_prov always uses it.
  return 1 + Math.floor(random() * 99_999);
}

/** Checks that a request can be typed on the device console; throws USAGE / UNSUPPORTED otherwise. */
/** checkConsoleRequest's refusal as a value (what a transport's refuse() returns); undefined when it may be sent. */
export function consoleRefusal(endpoint: string, sessionId: number, data: Uint8Array): EspProvError | undefined {
  try {
    checkConsoleRequest(endpoint, sessionId, data);
    return undefined;
  } catch (e) {
    return toEspProvError(e);
  }
}

export function checkConsoleRequest(endpoint: string, sessionId: number, data: Uint8Array): void {
  if (!ENDPOINT_NAME.test(endpoint)) {
    throw new EspProvError('USAGE', `endpoint name ${JSON.stringify(endpoint)} cannot be sent over the console`, {
      endpoint,
    });
  }
  if (!Number.isSafeInteger(sessionId) || sessionId < 0 || sessionId > 0x7fffffff) {
    throw new EspProvError('USAGE', `console session id must be an integer 0..2147483647 (atoi), got ${sessionId}`);
  }
  if (data.length === 0) {
    throw new EspProvError('INTERNAL', `refusing an empty ${endpoint} request: the device needs 3 arguments`, {
      endpoint,
    });
  }
  const length = consoleLineLength(endpoint, sessionId, data.length);
  if (length > CONSOLE_MAX_LINE) {
    throw new EspProvError(
      'UNSUPPORTED',
      `${endpoint} request of ${data.length} bytes needs a ${length}-character console line, but the device reads ` +
        `at most ${CONSOLE_MAX_LINE} (at most ${maxConsolePayload(endpoint, sessionId)} bytes to this endpoint). ` +
        CONSOLE_LIMIT_EXPLANATION,
      { endpoint, details: { lineLength: length, maxLine: CONSOLE_MAX_LINE } },
    );
  }
}

/** The command line (without the terminating `\r`): `<endpoint> <session-id> <hex>`. */
export function buildConsoleLine(endpoint: string, sessionId: number, data: Uint8Array): string {
  checkConsoleRequest(endpoint, sessionId, data);
  return `${endpoint} ${sessionId} ${toHex(data)}`;
}

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;?]*[ -/]*[@-~]/g;
const LOG_LINE = /^([EWIDV]) \(([^)]*)\) ([^:]*): ?(.*)$/;
const HEX_LINE = /^(?:[0-9a-fA-F]{2})+$/;

/** Removes ANSI escape sequences and carriage returns. */
export function cleanConsoleText(text: string): string {
  return text.replace(ANSI, '').replace(/\r/g, '');
}

export interface ConsoleLogLine {
  level: 'E' | 'W' | 'I' | 'D' | 'V';
  timestamp: string;
  tag: string;
  message: string;
}

/** Parses an ESP-IDF log line (`E (1234) tag: message`, colours already removed). */
export function parseLogLine(text: string): ConsoleLogLine | null {
  const m = LOG_LINE.exec(text);
  if (!m) return null;
  return { level: m[1] as ConsoleLogLine['level'], timestamp: m[2]!, tag: m[3]!, message: m[4]! };
}

export type ConsoleToken = { type: 'prompt' } | { type: 'line'; text: string };

/**
 * Splits the device's output into complete lines and prompts, whatever the chunking: bytes are decoded as a
 * UTF-8 stream and examined one character at a time, so a line, an escape sequence or a multi-byte character
 * split across chunks gives the same tokens. A prompt is reported as soon as `>> ` starts a line (it has no
 * newline after it); the rest of that line (the echo) is reported without the prompt.
 */
export class ConsoleLineSplitter {
  readonly #decoder = new TextDecoder('utf-8', { fatal: false });
  #line = '';
  #prompted = false;

  push(chunk: Uint8Array | string): ConsoleToken[] {
    const text = typeof chunk === 'string' ? chunk : this.#decoder.decode(chunk, { stream: true });
    const tokens: ConsoleToken[] = [];
    for (const ch of text) {
      if (ch === '\n') {
        let line = cleanConsoleText(this.#line);
        if (this.#prompted && line.startsWith('>> ')) line = line.slice(3);
        tokens.push({ type: 'line', text: line });
        this.#line = '';
        this.#prompted = false;
        continue;
      }
      this.#line += ch;
      // Only short buffers can be a bare prompt; bounds the work per character on long lines.
      if (!this.#prompted && ch === ' ' && this.#line.length <= 64 && cleanConsoleText(this.#line) === '>> ') {
        this.#prompted = true;
        tokens.push({ type: 'prompt' });
      }
    }
    return tokens;
  }
}

export type ConsoleOutcome =
  | { kind: 'reply'; data: Uint8Array }
  /** No hex line before the next prompt: the device failed the request (§6.2); `logs` says what it logged. */
  | { kind: 'failed'; logs: string[] };

/**
 * One request/response on the console. Lines before the echo of our own line are leftovers (a previous
 * request's late output, boot logs) and are ignored; after it, the first hex line is the reply and a prompt
 * without one is a failure. Log lines and other noise in between are kept for the error message.
 */
export class ConsoleExchange {
  readonly #line: string;
  #echoed = false;
  readonly logs: string[] = [];

  constructor(commandLine: string) {
    this.#line = commandLine;
  }

  get echoed(): boolean {
    return this.#echoed;
  }

  accept(token: ConsoleToken): ConsoleOutcome | null {
    if (token.type === 'prompt') return this.#echoed ? { kind: 'failed', logs: this.logs } : null;
    const text = token.text.trim();
    if (!this.#echoed) {
      // endsWith: whatever was typed before us ends up in front of our line.
      if (text.endsWith(this.#line)) this.#echoed = true;
      return null;
    }
    if (text === '') return null;
    if (HEX_LINE.test(text)) return { kind: 'reply', data: new Uint8Array(Buffer.from(text, 'hex')) };
    this.logs.push(text);
    return null;
  }
}

/**
 * Parses hex typed or pasted by a person: spaces, commas, `0x` prefixes and either case are accepted.
 * Returns null when the text is not whole bytes of hex.
 */
export function parseHexInput(text: string): Uint8Array | null {
  const parts = text
    .trim()
    .split(/[\s,:]+/)
    .filter((p) => p !== '')
    .map((p) => p.replace(/^0x/i, ''));
  const hex = parts.join('');
  if (!HEX_LINE.test(hex)) return null;
  return new Uint8Array(Buffer.from(hex, 'hex'));
}
