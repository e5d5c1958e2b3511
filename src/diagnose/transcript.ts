/**
 * Transcripts: one provisioning run's exchanges, in the shape of the recorded firmware sessions in
 * ../shared/vectors (`exchanges[]` with endpoint, request_hex, response_hex, *_plain_hex, *_decoded), so that
 * one reader (readTranscript) handles both. Format and guarantees: docs/transcripts.md.
 *
 * Secrets never enter a transcript: the recorder only sees what crosses the wire (PoP, passwords and session
 * keys never do), and a message that carries a credential keeps only its decoded structure with the secret
 * fields marked; its plaintext is dropped, and so are its wire bytes when they are the plaintext (Security 0).
 */
import { equalBytes, toHex } from '../bytes.js';
import { VERSION_ENDPOINT } from '../protocol/endpoints.js';
import type { ProvisionEvent } from '../provision/events.js';
import type { TraceEvent } from '../session/session.js';
import { parseDeviceInfo } from '../session/version.js';
import { decodeMessage, familyOf, type MessageFamily } from './decode.js';

export const TRANSCRIPT_FORMAT = 'esp-prov-transcript-v1';

export interface TranscriptExchange {
  endpoint: string;
  /** ms since the recording started, when the request was sent. */
  t_ms: number;
  /** Wire bytes; absent when they would reveal a secret (Security 0 plaintext of a credential message). */
  request_hex?: string;
  request_plain_hex?: string;
  request_decoded?: string;
  response_hex?: string;
  response_plain_hex?: string;
  response_decoded?: string;
  response_t_ms?: number;
  /** SoftAP: the session cookie the request carried (`Cookie:` header, "session=<id>"). */
  request_cookie?: string;
  /** SoftAP: the session cookie the response set (`Set-Cookie:`), when it differs from the one sent. */
  response_set_cookie?: string;
  /** Which sides had secret fields replaced by the marker. */
  redacted?: ('request' | 'response')[];
  /** Why no response was recorded (the device dropped the exchange, a timeout, ...). */
  error?: string;
}

export interface TranscriptFile {
  format: typeof TRANSCRIPT_FORMAT;
  tool: { name: string; version: string };
  transport: string;
  started: string;
  device: { proto_ver?: string; security?: number; patch_level?: number };
  exchanges: TranscriptExchange[];
  events: Record<string, unknown>[];
  outcome?: { ok: boolean; code?: string; message?: string };
}

export interface RecorderOptions {
  toolVersion: string;
  transport: string;
  /** Milliseconds, monotonic. Default performance.now. */
  now?: () => number;
}

/** JSON for event fields: bytes as hex, everything else as is. */
function eventJson(e: ProvisionEvent): Record<string, unknown> {
  return JSON.parse(JSON.stringify(e, (_k, v: unknown) => (v instanceof Uint8Array ? toHex(v) : v))) as Record<
    string,
    unknown
  >;
}

/** Collects a run from Session's trace hook and the provisioning events; `toJson` gives the file's text. */
export class TranscriptRecorder {
  readonly #file: TranscriptFile;
  readonly #now: () => number;
  readonly #start: number;
  #family: MessageFamily = 'wifi_prov';
  #pending: TranscriptExchange | undefined;
  #http: { readonly cookie?: string | undefined } | undefined;

  constructor(o: RecorderOptions) {
    this.#now = o.now ?? (() => performance.now());
    this.#start = this.#now();
    this.#file = {
      format: TRANSCRIPT_FORMAT,
      tool: { name: 'esp-prov', version: o.toolVersion },
      transport: o.transport,
      started: new Date().toISOString(),
      device: {},
      exchanges: [],
      events: [],
    };
  }

  #elapsed(): number {
    return Math.round((this.#now() - this.#start) * 10) / 10;
  }

  /** The HTTP transport whose session cookie each exchange records (read, never changed). */
  watchCookies(transport: { readonly cookie?: string | undefined }): void {
    this.#http = transport;
  }

  /** Session's onTrace. */
  readonly trace = (e: TraceEvent): void => {
    const plain = e.plaintext ?? e.wire;
    const decoded = decodeMessage(e.endpoint, plain, this.#family);
    // Wire bytes are secret when they are the plaintext of a credential message (Security 0, or proto-ver).
    const wireSecret = decoded.redacted && (e.plaintext === undefined || equalBytes(e.plaintext, e.wire));
    const side = e.direction;
    if (side === 'request') {
      this.#closePending('no response recorded');
      const x: TranscriptExchange = { endpoint: e.endpoint, t_ms: this.#elapsed() };
      this.#fill(x, side, e, decoded, wireSecret);
      // Traced just before the transport sends: the cookie it holds now is the one the request carries.
      const cookie = this.#http?.cookie;
      if (cookie !== undefined) x.request_cookie = cookie;
      this.#pending = x;
      this.#file.exchanges.push(x);
      return;
    }
    const x = this.#pending;
    this.#pending = undefined;
    if (!x || x.endpoint !== e.endpoint) return;
    x.response_t_ms = this.#elapsed();
    this.#fill(x, side, e, decoded, wireSecret);
    const cookie = this.#http?.cookie;
    if (cookie !== undefined && cookie !== x.request_cookie) x.response_set_cookie = cookie;
    if (e.endpoint === VERSION_ENDPOINT) this.#noteVersion(e.wire);
  };

  #fill(
    x: TranscriptExchange,
    side: 'request' | 'response',
    e: TraceEvent,
    decoded: { text: string; redacted: boolean },
    wireSecret: boolean,
  ): void {
    if (!wireSecret) x[`${side}_hex`] = toHex(e.wire);
    if (e.plaintext && !decoded.redacted) x[`${side}_plain_hex`] = toHex(e.plaintext);
    x[`${side}_decoded`] = decoded.text;
    if (decoded.redacted) (x.redacted ??= []).push(side);
  }

  #noteVersion(wire: Uint8Array): void {
    const info = parseDeviceInfo(wire);
    this.#file.device.proto_ver = info.text;
    this.#family = familyOf(info.version);
  }

  #closePending(reason: string): void {
    if (this.#pending && this.#pending.response_decoded === undefined) this.#pending.error ??= reason;
    this.#pending = undefined;
  }

  /** The provisioning run's onEvent (events never carry secrets: provision/events.ts). */
  readonly event = (e: ProvisionEvent): void => {
    if (e.type === 'session-established') {
      this.#file.device.security = e.security;
      if (e.patchLevel !== undefined) this.#file.device.patch_level = e.patchLevel;
    } else if (e.type === 'security') {
      this.#file.device.security = e.choice.version;
    }
    this.#file.events.push({ t_ms: this.#elapsed(), ...eventJson(e) });
  };

  /** The run's end: an error names why the last exchange has no response. */
  finish(error?: { code: string; message: string }): TranscriptFile {
    this.#closePending(error ? `${error.code}: ${error.message}` : 'no response recorded');
    this.#file.outcome = error ? { ok: false, ...error } : { ok: true };
    return this.#file;
  }

  get file(): TranscriptFile {
    return this.#file;
  }
}
