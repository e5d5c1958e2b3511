/**
 * Turning device bytes into text for people and for JSON. SSIDs are raw bytes (PROTOCOL.md §9 item 13):
 * shown as UTF-8 when they are UTF-8, with every other byte (and control characters) escaped as \xNN so that
 * two different SSIDs never look the same and nothing the device sends can move the terminal's cursor or
 * reorder the line (bidi overrides are escaped too, as terminal-text.ts does for other device text).
 */
import { toHex } from '../bytes.js';

function isControl(cp: number): boolean {
  return cp < 0x20 || (cp >= 0x7f && cp < 0xa0);
}

/** Format characters that change how the rest of the line is shown (Trojan Source), and line separators. */
export function isReordering(cp: number): boolean {
  return (
    (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) || cp === 0x2028 || cp === 0x2029 || cp === 0x061c
  );
}

function escapeByte(b: number): string {
  return `\\x${b.toString(16).padStart(2, '0')}`;
}

/** Length of the valid UTF-8 sequence starting at `i`, or 0 (RFC 3629: no overlongs, surrogates, > U+10FFFF). */
function sequenceLength(bytes: Uint8Array, i: number): number {
  const b0 = bytes[i]!;
  if (b0 < 0x80) return 1;
  const cont = (k: number, lo = 0x80, hi = 0xbf): boolean => {
    const b = bytes[i + k];
    return b !== undefined && b >= lo && b <= hi;
  };
  if (b0 >= 0xc2 && b0 <= 0xdf) return cont(1) ? 2 : 0;
  if (b0 >= 0xe0 && b0 <= 0xef) {
    const lo = b0 === 0xe0 ? 0xa0 : 0x80;
    const hi = b0 === 0xed ? 0x9f : 0xbf;
    return cont(1, lo, hi) && cont(2) ? 3 : 0;
  }
  if (b0 >= 0xf0 && b0 <= 0xf4) {
    const lo = b0 === 0xf0 ? 0x90 : 0x80;
    const hi = b0 === 0xf4 ? 0x8f : 0xbf;
    return cont(1, lo, hi) && cont(2) && cont(3) ? 4 : 0;
  }
  return 0;
}

/** UTF-8 text where valid; invalid bytes and control characters as \xNN; a literal backslash doubled. */
export function displayBytes(bytes: Uint8Array): string {
  let out = '';
  const decoder = new TextDecoder();
  for (let i = 0; i < bytes.length;) {
    const n = sequenceLength(bytes, i);
    if (n === 0) {
      out += escapeByte(bytes[i]!);
      i += 1;
      continue;
    }
    const ch = decoder.decode(bytes.subarray(i, i + n));
    const cp = ch.codePointAt(0)!;
    // A C1 control is \u{9b}, not \x9b: that is how an invalid byte 0x9b is shown.
    if (isControl(cp) || isReordering(cp)) out += n === 1 ? escapeByte(cp) : `\\u{${cp.toString(16)}}`;
    else if (ch === '\\') out += '\\\\';
    else out += ch;
    i += n;
  }
  return out;
}

/** An SSID for people: its text, or a placeholder for the empty (hidden) SSID. */
export function ssidText(ssid: Uint8Array): string {
  return ssid.length === 0 ? '(hidden)' : displayBytes(ssid);
}

/** "78:8a:20:84:19:96"; empty when no BSSID was reported. */
export function macText(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(':');
}

/**
 * An endpoint's answer for printing: text when it is clean UTF-8 (trailing NULs dropped: the example's
 * custom-data handler answers "SUCCESS\0", PROTOCOL.md §5.7), else hex.
 */
export function responseText(bytes: Uint8Array): { text: string; kind: 'text' | 'hex' } {
  let end = bytes.length;
  while (end > 0 && bytes[end - 1] === 0) end--;
  const body = bytes.subarray(0, end);
  if (body.length > 0 && isTextLike(body)) return { text: new TextDecoder().decode(body), kind: 'text' };
  return { text: toHex(bytes), kind: 'hex' };
}

function isTextLike(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length;) {
    const n = sequenceLength(bytes, i);
    if (n === 0) return false;
    const cp = new TextDecoder().decode(bytes.subarray(i, i + n)).codePointAt(0)!;
    if (isControl(cp) && cp !== 0x09 && cp !== 0x0a && cp !== 0x0d) return false;
    i += n;
  }
  return true;
}

/** Signal strength in four steps, as phones show it. Thresholds follow the usual RSSI bands. */
export function signalLevel(rssi: number): 0 | 1 | 2 | 3 | 4 {
  if (rssi >= -55) return 4;
  if (rssi >= -67) return 3;
  if (rssi >= -75) return 2;
  if (rssi >= -85) return 1;
  return 0;
}

// Symbols in U+2300–U+2BFF that terminals draw two cells wide (Unicode East Asian Width "W").
const WIDE_SYMBOLS = new Set([
  0x231a, 0x231b, 0x23e9, 0x23ea, 0x23eb, 0x23ec, 0x23f0, 0x23f3, 0x25fd, 0x25fe, 0x2614, 0x2615, 0x267f, 0x2693,
  0x26a1, 0x26aa, 0x26ab, 0x26bd, 0x26be, 0x26c4, 0x26c5, 0x26ce, 0x26d4, 0x26ea, 0x26f2, 0x26f3, 0x26f5, 0x26fa,
  0x26fd, 0x2705, 0x270a, 0x270b, 0x2728, 0x274c, 0x274e, 0x2753, 0x2754, 0x2755, 0x2757, 0x2795, 0x2796, 0x2797,
  0x27b0, 0x27bf, 0x2b1b, 0x2b1c, 0x2b50, 0x2b55,
]);

/** East Asian Wide and Fullwidth code points (UAX #11), the ranges that occur in names: CJK, Hangul, kana, emoji. */
function isWide(cp: number): boolean {
  return (
    WIDE_SYMBOLS.has(cp) ||
    (cp >= 0x2648 && cp <= 0x2653) ||
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0x303e) ||
    (cp >= 0x3041 && cp <= 0xa4cf) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1f64f) ||
    (cp >= 0x1f900 && cp <= 0x1faff) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  );
}

const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });
/** Clusters a terminal draws in no cell: combining marks, format characters (ZWJ, ZWSP, variation selectors). */
const INVISIBLE = /^[\p{Mn}\p{Me}\p{Cf}\u{fe00}-\u{fe0f}]+$/u;
const EMOJI_STYLE = /\p{Emoji_Presentation}|\p{Extended_Pictographic}\u{fe0f}|\p{Regional_Indicator}{2}/u;

/** Cells one user-perceived character (grapheme cluster) takes: 0, 1 or 2. */
function clusterWidth(g: string): number {
  if (INVISIBLE.test(g)) return 0;
  if (EMOJI_STYLE.test(g)) return 2;
  return isWide(g.codePointAt(0)!) ? 2 : 1;
}

/**
 * Display width of a string in a terminal, by grapheme cluster: East Asian wide characters and emoji count 2,
 * combining marks and joiners 0 (an emoji ZWJ sequence or a flag is one 2-cell cluster). Written here rather
 * than taken from a package: this subset is all that SSIDs and device names need, and it is tested.
 */
export function textWidth(s: string): number {
  let w = 0;
  for (const { segment } of graphemes.segment(s)) w += clusterWidth(segment);
  return w;
}

export function padText(s: string, width: number): string {
  return s + ' '.repeat(Math.max(0, width - textWidth(s)));
}

/** Exactly `width` cells: padded, or cut at a cluster boundary with "…" (never half a wide character). */
export function fitText(s: string, width: number): string {
  if (textWidth(s) <= width) return padText(s, width);
  let out = '';
  let w = 0;
  for (const { segment } of graphemes.segment(s)) {
    const cw = clusterWidth(segment);
    if (w + cw > width - 1) break;
    out += segment;
    w += cw;
  }
  return padText(`${out}…`, width);
}
