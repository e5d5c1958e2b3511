/**
 * Text the device chose (SSIDs, the IP text it reports, proto-ver version and capabilities, custom-data answers,
 * names, error texts that quote any of these), made safe to print at a terminal. A device — or anyone who can
 * answer in its place — could otherwise send an OSC that sets the window title, `ESC[2J` that clears the
 * screen, or a carriage return that overwrites the line with something reassuring. Every such character is
 * shown as a visible escape instead: tab, newline and CR as `\t` `\n` `\r`, other C0 controls, DEL and C1
 * controls as `\xNN`, lone surrogates as `\uNNNN`, and the bidirectional overrides and line separators that
 * reorder or break what is shown as `\u{NNNN}`.
 * JSON output never goes through here: JSON escaping keeps the values exact.
 * A backslash is left alone, so a message that quotes a path stays readable; bytes that are not UTF-8 (an
 * SSID) are escaped before they become text, by displayBytes (format.ts).
 */
import { isReordering } from './format.js';

function hex2(cp: number): string {
  return `\\x${cp.toString(16).padStart(2, '0')}`;
}

/** One line of device text, every control escaped (newlines and tabs included). */
export function forTerminal(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x09 || c === 0x0a || c === 0x0d) {
      out += c === 0x09 ? '\\t' : c === 0x0a ? '\\n' : '\\r';
    } else if (c < 0x20 || (c >= 0x7f && c < 0xa0)) {
      out += hex2(c);
    } else if (c >= 0xd800 && c <= 0xdbff) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        out += s[i]! + s[i + 1]!;
        i++;
      } else out += `\\u${c.toString(16)}`;
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      out += `\\u${c.toString(16)}`;
    } else if (isReordering(c)) {
      out += `\\u{${c.toString(16)}}`;
    } else out += s[i]!;
  }
  return out;
}

/** Text of several lines that may quote device text: each line made safe, the line breaks kept. */
export function linesForTerminal(s: string): string {
  return s.split('\n').map(forTerminal).join('\n');
}
