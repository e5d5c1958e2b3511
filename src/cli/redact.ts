/**
 * Keeping secrets out of the terminal and the logs, by value, before anything is rendered:
 * 1. `value()` walks what the output layer is given (events, result fields) and replaces every string that *is*
 *    a secret — its text, or the text or hex the CLI shows bytes as — and every byte array equal to one. The
 *    renderers (output-json.ts, output-human.ts) call it before JSON.stringify or formatting, so escaping can
 *    never let a secret through (a PoP holding `"` or `\`, a payload spelling a letter as `\u0063`) and a secret
 *    that looks like JSON (`network`, `","ip":`) is just a string that gets replaced, never text spliced into a
 *    line. Only whole values match: a passphrase `wrong` leaves the words "wrong passphrase" alone.
 * 2. traces are redacted structurally: the bytes of every known secret are cut out of a message before it is
 *    turned into hex (a Security 0 SetConfig carries the passphrase in the clear on the wire, PROTOCOL.md §4.1).
 * Free text (progress lines, error messages) is never scrubbed as text: it is built from our own words and
 * non-secret values only — a secret has no business inside a sentence, and searching sentences for it would
 * mangle ordinary words. test/redact.test.ts checks this over random secrets and events.
 * `--show-secrets` turns everything off.
 */
import { toHex, utf8 } from '../bytes.js';
import { displayBytes } from './format.js';

export const REDACTED = '‹redacted›';
const REDACTED_BYTES = utf8(REDACTED);

/** Secrets shorter than this are only cut out of traced messages known to carry them (prov-config requests):
 * cutting a 2-byte PoP out of every hex dump would mark random matches as secrets. */
const MIN_HEX_CUT_LENGTH = 4;

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function isPlainObject(v: object): v is Record<string, unknown> {
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

export class Redactor {
  readonly enabled: boolean;
  readonly #secrets: Uint8Array[] = [];
  /** Every string form a secret takes in our output: its text, its displayBytes form, its hex. */
  readonly #forms = new Set<string>();

  constructor(enabled = true) {
    this.enabled = enabled;
  }

  add(secret: string | Uint8Array | undefined): void {
    if (!this.enabled || secret === undefined) return;
    const bytes = typeof secret === 'string' ? utf8(secret) : secret;
    if (bytes.length === 0 || this.#secrets.some((s) => sameBytes(s, bytes))) return;
    this.#secrets.push(bytes);
    if (typeof secret === 'string') this.#forms.add(secret);
    this.#forms.add(displayBytes(bytes));
    this.#forms.add(toHex(bytes));
    try {
      this.#forms.add(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
    } catch {
      // not text: its displayBytes and hex forms are what could be printed
    }
  }

  /**
   * A copy of `v` with secret values replaced: strings equal to a secret become REDACTED, byte arrays equal to
   * one become REDACTED's bytes (so a Uint8Array field stays one). Walks plain objects and arrays; other values
   * are returned as they are.
   */
  value<T>(v: T): T {
    if (!this.enabled || this.#secrets.length === 0) return v;
    return this.#walk(v, 0) as T;
  }

  #walk(v: unknown, depth: number): unknown {
    if (typeof v === 'string') return this.#forms.has(v) ? REDACTED : v;
    if (v === null || typeof v !== 'object' || depth > 32) return v;
    if (v instanceof Uint8Array) return this.#secrets.some((s) => sameBytes(s, v)) ? REDACTED_BYTES : v;
    if (Array.isArray(v)) return v.map((x) => this.#walk(x, depth + 1));
    if (!isPlainObject(v)) return v;
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = this.#walk(x, depth + 1);
    return out;
  }

  /**
   * A JSON text (a QR payload) with its secret values replaced, re-serialised; the text as it is when nothing
   * in it is secret or it is not JSON. The payload is compared by value, however the text spells it.
   */
  jsonText(text: string): string {
    if (!this.enabled) return text;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return text;
    }
    const redacted = this.value(parsed);
    return JSON.stringify(redacted) === JSON.stringify(parsed) ? text : JSON.stringify(redacted);
  }

  /**
   * Hex of `bytes` with every known secret's bytes replaced by a marker. `all` also cuts secrets shorter than
   * MIN_HEX_CUT_LENGTH (for messages that are known to carry secrets, like SetConfig).
   */
  hex(bytes: Uint8Array, all = false): string {
    if (!this.enabled) return toHex(bytes);
    const secrets = this.#secrets
      .filter((s) => all || s.length >= MIN_HEX_CUT_LENGTH)
      .sort((a, b) => b.length - a.length);
    let out = '';
    let run = 0;
    for (let i = 0; i < bytes.length;) {
      const hit = secrets.find((s) => matchesAt(bytes, i, s));
      if (hit) {
        out += toHex(bytes.subarray(run, i)) + `‹redacted ${hit.length} B›`;
        i += hit.length;
        run = i;
      } else i++;
    }
    return out + toHex(bytes.subarray(run));
  }

  /** True when `bytes` contains a known secret of any length. */
  contains(bytes: Uint8Array): boolean {
    return this.enabled && this.#secrets.some((s) => indexOf(bytes, s) >= 0);
  }
}

function matchesAt(bytes: Uint8Array, i: number, s: Uint8Array): boolean {
  if (i + s.length > bytes.length) return false;
  for (let k = 0; k < s.length; k++) if (bytes[i + k] !== s[k]) return false;
  return true;
}

function indexOf(bytes: Uint8Array, s: Uint8Array): number {
  for (let i = 0; i + s.length <= bytes.length; i++) if (matchesAt(bytes, i, s)) return i;
  return -1;
}

/** Where the renderers write. */
export interface Writer {
  write(text: string): unknown;
}
