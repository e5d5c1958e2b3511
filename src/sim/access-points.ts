/**
 * The simulated radio environment for Wi-Fi: which access points the device can see and join. Specs are
 * JSON-friendly (SSID as text or {hex}, BSSID as "02:11:22:33:44:10", auth as a number or a name); they are
 * checked and turned into SimAccessPoint values whose bytes go on the wire unchanged (PROTOCOL.md §5.1).
 */
import { EspProvError } from '../errors.js';

/** ESP-IDF wifi_auth_mode_t values (§3.4); values ≥ 8 are legal on the wire and must be carried through. */
export const AUTH_MODES: Readonly<Record<string, number>> = {
  OPEN: 0,
  WEP: 1,
  WPA_PSK: 2,
  WPA2_PSK: 3,
  WPA_WPA2_PSK: 4,
  WPA2_ENTERPRISE: 5,
  WPA3_PSK: 6,
  WPA2_WPA3_PSK: 7,
  WAPI_PSK: 8,
  OWE: 9,
  WPA3_ENT_192: 10,
  WPA3_EXT_PSK: 11,
  WPA3_EXT_PSK_MIXED_MODE: 12,
  DPP: 13,
  WPA3_ENTERPRISE: 14,
  WPA2_WPA3_ENTERPRISE: 15,
};

/** What a user writes in an access-point file. */
export interface SimAccessPointSpec {
  /** Text (sent as UTF-8) or raw bytes as {hex}; at most 32 bytes. */
  ssid: string | { hex: string };
  /** Six bytes: "02:11:22:33:44:10", "02-11-…" or plain hex. */
  bssid: string;
  channel: number;
  /** dBm, e.g. -42. */
  rssi: number;
  /** A number (0–255, also ≥ 8) or a name from AUTH_MODES. Default OPEN. */
  auth?: number | string;
  /** What a station must present. Absent for open and enterprise networks. */
  passphrase?: string;
  /** IPv4 address this network's DHCP server hands the device (GetStatus ip4_addr). */
  ip?: string;
  /** ESP disconnect reason every connection attempt fails with (e.g. 205), to simulate a flaky network. */
  disconnectReason?: number;
}

export interface SimAccessPoint {
  ssid: Uint8Array;
  bssid: Uint8Array;
  channel: number;
  rssi: number;
  auth: number;
  passphrase: Uint8Array | undefined;
  ip: string | undefined;
  disconnectReason: number | undefined;
}

const MAX_SSID = 32;
const MAX_PASSPHRASE = 63;

function bad(where: string, what: string): EspProvError {
  return new EspProvError('USAGE', `${where}: ${what}`);
}

function parseHexBytes(text: string): Uint8Array | undefined {
  const clean = text.replace(/[:\-\s]/g, '');
  return /^(?:[0-9a-fA-F]{2})*$/.test(clean) ? new Uint8Array(Buffer.from(clean, 'hex')) : undefined;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function isIPv4(text: string): boolean {
  const parts = text.split('.');
  return parts.length === 4 && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255);
}

/** Checks one spec; `where` names it in error messages ("access point #2 (HomeNetwork)"). */
export function toAccessPoint(spec: unknown, where: string): SimAccessPoint {
  if (!isRecord(spec)) throw bad(where, 'must be an object with ssid, bssid, channel and rssi');
  let ssid: Uint8Array;
  if (typeof spec['ssid'] === 'string') ssid = new TextEncoder().encode(spec['ssid']);
  else if (isRecord(spec['ssid']) && typeof spec['ssid']['hex'] === 'string') {
    const raw = parseHexBytes(spec['ssid']['hex']);
    if (!raw) throw bad(where, `ssid.hex "${spec['ssid']['hex']}" is not hex`);
    ssid = raw;
  } else throw bad(where, 'ssid must be a string or {"hex": "..."}');
  if (ssid.length === 0 || ssid.length > MAX_SSID)
    throw bad(where, `ssid is ${ssid.length} bytes; 1 to ${MAX_SSID} allowed`);

  const bssid = typeof spec['bssid'] === 'string' ? parseHexBytes(spec['bssid']) : undefined;
  if (!bssid || bssid.length !== 6) throw bad(where, 'bssid must be 6 bytes written as hex, e.g. "02:11:22:33:44:10"');

  const channel = spec['channel'];
  if (typeof channel !== 'number' || !Number.isInteger(channel) || channel < 1 || channel > 14) {
    throw bad(where, `channel must be an integer from 1 to 14 (got ${JSON.stringify(channel)})`);
  }
  const rssi = spec['rssi'];
  if (typeof rssi !== 'number' || !Number.isInteger(rssi) || rssi < -128 || rssi > 0) {
    throw bad(where, `rssi must be an integer dBm from -128 to 0 (got ${JSON.stringify(rssi)})`);
  }

  let auth = 0;
  const a = spec['auth'];
  if (typeof a === 'number') {
    if (!Number.isInteger(a) || a < 0 || a > 255) throw bad(where, `auth ${a} is not an integer 0..255`);
    auth = a;
  } else if (typeof a === 'string') {
    const v = AUTH_MODES[a.toUpperCase()];
    if (v === undefined)
      throw bad(where, `auth "${a}" is not one of ${Object.keys(AUTH_MODES).join(', ')} or a number`);
    auth = v;
  } else if (a !== undefined) throw bad(where, 'auth must be a number or a name such as "WPA2_PSK"');

  let passphrase: Uint8Array | undefined;
  if (typeof spec['passphrase'] === 'string') {
    passphrase = new TextEncoder().encode(spec['passphrase']);
    if (passphrase.length > MAX_PASSPHRASE) throw bad(where, `passphrase is longer than ${MAX_PASSPHRASE} bytes`);
  } else if (spec['passphrase'] !== undefined) throw bad(where, 'passphrase must be a string');

  const ip = spec['ip'];
  if (ip !== undefined && (typeof ip !== 'string' || !isIPv4(ip))) throw bad(where, 'ip must be a dotted IPv4 address');
  const reason = spec['disconnectReason'];
  if (reason !== undefined && (typeof reason !== 'number' || !Number.isInteger(reason) || reason < 1 || reason > 255)) {
    throw bad(where, 'disconnectReason must be an ESP disconnect reason code 1..255');
  }
  return { ssid, bssid, channel, rssi, auth, passphrase, ip, disconnectReason: reason };
}

/** Parses an access-point file: a JSON array of specs, or {"accessPoints": [...]}. */
export function loadAccessPoints(jsonText: string): SimAccessPoint[] {
  let data: unknown;
  try {
    data = JSON.parse(jsonText);
  } catch (e) {
    throw new EspProvError('USAGE', `access point list is not valid JSON: ${(e as Error).message}`, { cause: e });
  }
  const list = isRecord(data) ? data['accessPoints'] : data;
  if (!Array.isArray(list))
    throw new EspProvError('USAGE', 'access point list must be a JSON array (or {"accessPoints": [...]})');
  return list.map((spec, i) => {
    const label = isRecord(spec) && typeof spec['ssid'] === 'string' ? ` (${spec['ssid']})` : '';
    return toAccessPoint(spec, `access point #${i + 1}${label}`);
  });
}
