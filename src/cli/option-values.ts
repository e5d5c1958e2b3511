/**
 * Parsers for option values: each turns text into a typed value or throws a message naming the option, at
 * parse time, before any device is contacted. Ranges are what the receiving code can honour: a duration that
 * rounds to 0 ms or exceeds what a timer holds (Node's setTimeout clamps anything over 2^31−1 ms to 1 ms)
 * would silently become a 1 ms deadline.
 */
import { InvalidArgumentError } from 'commander';
import { fromHex, utf8 } from '../bytes.js';
import { EspProvError } from '../errors.js';
import { checkArgvText } from './utf8-strict.js';

/** The longest delay a Node timer keeps (ms). */
export const MAX_TIMER_MS = 2 ** 31 - 1;

export function integer(name: string, min: number, max: number) {
  return (raw: string): number => {
    if (!/^\d+$/.test(raw.trim())) throw new InvalidArgumentError(`${name} must be a whole number.`);
    const n = Number(raw);
    if (n < min || n > max) throw new InvalidArgumentError(`${name} must be ${min} to ${max}.`);
    return n;
  };
}

export function hexBytes(name: string) {
  return (raw: string): Uint8Array => {
    try {
      return fromHex(raw);
    } catch {
      throw new InvalidArgumentError(`${name} must be hex digits (an even number of them).`);
    }
  };
}

/**
 * Parses a duration: "10" (seconds), "1.5s", "500ms", "2m". Returns milliseconds, or undefined if invalid.
 * Here rather than in format.ts, whose text-width tables (an Intl.Segmenter) would cost `--help` ~20 ms.
 */
export function parseDuration(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m)?\s*$/i.exec(text);
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = (m[2] ?? 's').toLowerCase();
  const ms = unit === 'ms' ? n : unit === 'm' ? n * 60_000 : n * 1000;
  return ms > 0 && Number.isFinite(ms) ? Math.round(ms) : undefined;
}

/** A deadline: seconds ("30", "1.5s") or "500ms" / "2m"; at least 1 ms, at most what a timer holds. */
export function duration(name: string) {
  return (raw: string): number => {
    const ms = parseDuration(raw);
    if (ms === undefined || ms < 1) {
      throw new InvalidArgumentError(`${name} must be a positive duration: seconds ("30", "1.5s") or "500ms" / "2m".`);
    }
    if (ms > MAX_TIMER_MS) throw new InvalidArgumentError(`${name} must be at most 24 days (2^31-1 ms).`);
    return ms;
  };
}

export function secVer(raw: string): 0 | 1 | 2 {
  const v = raw.trim();
  if (v === '0' || v === '1' || v === '2') return Number(v) as 0 | 1 | 2;
  throw new InvalidArgumentError('security version must be 0, 1 or 2.');
}

/** Text that will be sent to the device: it must have arrived as UTF-8 (see checkArgvText). */
export function deviceText(name: string, hexForm?: string) {
  return (raw: string): string => checkArgvText(raw, name, hexForm);
}

/**
 * The Wi-Fi passphrase rule, as the help states it: empty for an open network, or 8–63 bytes (a WPA
 * passphrase). A 64-hex-digit raw PSK is refused: the firmware copies the passphrase into a 64-byte field
 * that must keep its NUL and answers InvalidArgument to 64 bytes (wifi_config.c, `passphrase.len >=
 * sizeof(req_data.password)`; PROTOCOL.md §5.2), so no device would take one. Undefined when fine.
 */
export function passphraseProblem(bytes: Uint8Array): string | undefined {
  const n = bytes.length;
  if (n === 0 || (n >= 8 && n <= 63)) return undefined;
  const psk = n === 64 ? ' (a 64-hex-digit raw PSK is not accepted: the device refuses 64 bytes)' : '';
  return `a Wi-Fi passphrase is 8 to 63 characters (bytes in UTF-8), or "" for an open network${psk}`;
}

/** An SSID is 1 to 32 bytes on the air. */
export function ssidProblem(bytes: Uint8Array): string | undefined {
  if (bytes.length === 0) return 'an SSID is at least 1 byte (leave --ssid out to pick from the scan)';
  return bytes.length <= 32 ? undefined : `an SSID is at most 32 bytes (this one is ${bytes.length})`;
}

export function passphraseText(name: string) {
  return (raw: string): string => {
    checkArgvText(raw, name, '--passphrase-hex');
    const problem = passphraseProblem(utf8(raw));
    if (problem) throw new EspProvError('USAGE', `${name}: ${problem}`);
    return raw;
  };
}

export function passphraseHex(name: string) {
  return (raw: string): Uint8Array => {
    let bytes: Uint8Array;
    try {
      bytes = fromHex(raw);
    } catch {
      throw new EspProvError('USAGE', `${name} must be hex digits (an even number of them)`);
    }
    const problem = passphraseProblem(bytes);
    if (problem) throw new EspProvError('USAGE', `${name}: ${problem}`);
    return bytes;
  };
}

export function ssidBytes(name: string, fromText: boolean) {
  return (raw: string): Uint8Array => {
    const bytes = fromText ? utf8(checkArgvText(raw, name, '--ssid-hex')) : hexBytes(name)(raw);
    const problem = ssidProblem(bytes);
    if (problem) throw new InvalidArgumentError(`${problem}.`);
    return bytes;
  };
}
