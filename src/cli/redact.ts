/**
 * Keeping secrets out of the terminal and the logs. Two layers:
 * 1. traces are redacted structurally: the bytes of every known secret are cut out of a message before it
 *    is turned into hex (a Security 0 SetConfig carries the passphrase in the clear on the wire, §4.1);
 * 2. every line written anywhere passes a last filter that replaces the text of known secrets, so that an
 *    error message or a future code path cannot leak one either. (Hex is only ever printed from bytes, through
 *    layer 1; filtering hex text too would corrupt unrelated hex output such as a verifier.)
 * `--show-secrets` turns both off.
 */
import { toHex } from '../bytes.js';

export const REDACTED = '‹redacted›';
/** Secrets shorter than this are only cut out of messages known to carry them (filtering "ab" everywhere would
 * mangle unrelated output). */
const MIN_FILTER_LENGTH = 4;

export class Redactor {
  readonly enabled: boolean;
  readonly #secrets: Uint8Array[] = [];
  #patterns: string[] = [];

  constructor(enabled = true) {
    this.enabled = enabled;
  }

  add(secret: string | Uint8Array | undefined): void {
    if (!this.enabled || secret === undefined) return;
    const bytes = typeof secret === 'string' ? new TextEncoder().encode(secret) : secret;
    if (bytes.length === 0 || this.#secrets.some((s) => toHex(s) === toHex(bytes))) return;
    this.#secrets.push(bytes);
    this.#rebuild();
  }

  #rebuild(): void {
    const p = new Set<string>();
    for (const s of this.#secrets) {
      if (s.length < MIN_FILTER_LENGTH) continue;
      const text = new TextDecoder().decode(s);
      p.add(text);
      p.add(JSON.stringify(text).slice(1, -1));
    }
    // Longest first, so a secret containing another is replaced whole.
    this.#patterns = [...p].filter((x) => x.length >= MIN_FILTER_LENGTH).sort((a, b) => b.length - a.length);
  }

  /** The last filter on every written line. */
  text(s: string): string {
    if (!this.enabled) return s;
    let out = s;
    for (const p of this.#patterns) out = out.split(p).join(REDACTED);
    return out;
  }

  /**
   * Hex of `bytes` with every known secret's bytes replaced by a marker. `all` also cuts secrets shorter than
   * the filter threshold (for messages that are known to carry secrets, like SetConfig).
   */
  hex(bytes: Uint8Array, all = false): string {
    if (!this.enabled) return toHex(bytes);
    const secrets = this.#secrets
      .filter((s) => all || s.length >= MIN_FILTER_LENGTH)
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

/** A writer whose every write passes the redactor. */
export interface Writer {
  write(text: string): unknown;
}

export function redacting(w: Writer, r: Redactor): Writer {
  return { write: (text: string) => w.write(r.text(text)) };
}
