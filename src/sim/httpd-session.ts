/**
 * protocomm_httpd's session binding (PROTOCOL.md §2.1 "Session binding", steps 1-3): two globals,
 * the cookie session id and the socket session id, decide whether a POST continues the current security
 * session or starts a new one. Kept apart from the socket code so that the rules read like the firmware.
 */
import type { RandomSource } from '../security/scheme.js';

/** PROTOCOMM_NO_SESSION_ID. */
export const NO_SESSION = 0xffffffff;
/** The firmware reads the Cookie header into a 20-byte buffer; 20 characters or more read as "no cookie". */
export const COOKIE_BUFFER_BYTES = 20;

export interface SessionHooks {
  /** close_transport_session(old id). */
  close(sessionId: number): void;
  /** new_transport_session(new id); throwing means the request fails (no cookie is committed). */
  open(sessionId: number): void;
}

export interface BindResult {
  /** The session id protocomm will see for this request. */
  sessionId: number;
  /** True when this request started a new session: its successful response carries Set-Cookie. */
  created: boolean;
  /** The session this request displaced, if any. */
  replaced: number | null;
}

export class HttpdSessionBinding {
  #cookieSessionId = NO_SESSION;
  #sockSessionId = NO_SESSION;
  readonly #random: RandomSource;

  constructor(random: RandomSource) {
    this.#random = random;
  }

  get cookieSessionId(): number {
    return this.#cookieSessionId;
  }

  get sockSessionId(): number {
    return this.#sockSessionId;
  }

  /**
   * `cookie` is the value of the first Cookie header (leading spaces removed), undefined when there is none.
   * `socket` is the request's socket descriptor.
   */
  bind(cookie: string | undefined, socket: number, hooks: SessionHooks): BindResult {
    const fits = cookie !== undefined && Buffer.byteLength(cookie, 'latin1') < COOKIE_BUFFER_BYTES;
    let same: boolean;
    if (fits) {
      // Exact string equality: extra cookies, spaces or leading zeros all mean "another session".
      same = cookie === `session=${this.#cookieSessionId}`;
      // A client that returns the cookie is identified by it alone from now on.
      if (same) this.#sockSessionId = NO_SESSION;
    } else {
      same = socket === this.#sockSessionId;
    }
    if (same) return { sessionId: this.#cookieSessionId, created: false, replaced: null };

    let replaced: number | null = null;
    if (this.#cookieSessionId !== NO_SESSION) {
      replaced = this.#cookieSessionId;
      hooks.close(replaced);
      this.#cookieSessionId = NO_SESSION;
      this.#sockSessionId = NO_SESSION;
    }
    const id = randomU32(this.#random);
    hooks.open(id);
    this.#cookieSessionId = id;
    this.#sockSessionId = socket;
    return { sessionId: id, created: true, replaced };
  }

  /** protocomm_httpd_session_close: a socket tagged by a session-creating request closed. */
  taggedSocketClosed(): void {
    this.#sockSessionId = NO_SESSION;
  }
}

/** esp_random(): four bytes of the device's stream, little-endian (how the recordings' device drew them). */
export function randomU32(random: RandomSource): number {
  const b = random(4);
  if (b.length !== 4) throw new RangeError('random source returned the wrong number of bytes');
  return (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0;
}
