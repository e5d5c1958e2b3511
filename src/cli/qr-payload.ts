/**
 * The QR payload the ESP-IDF examples print (PROTOCOL.md §5.8): `{"ver":"v1","name":…,"pop":…,"transport":…}`,
 * plus `username` for Security 2, where the SRP *password* travels in `pop`. The examples also print it as the
 * esp-jumpstart URL `https://espressif.github.io/esp-jumpstart/qrcode.html?data=<json>`, URL-encoded or not
 * (the firmware pastes the JSON in raw), so both forms are accepted. Pure: no I/O.
 */
import { EspProvError } from '../errors.js';

export interface QrPayload {
  /** The JSON text itself (what the device's QR code encodes). */
  json: string;
  ver: string | undefined;
  /** Service name: the BLE device name, or the SoftAP SSID to join (PROV_xxxxxx). */
  name: string | undefined;
  transport: 'ble' | 'softap' | undefined;
  /** Security 1 PoP; with `username` present it is the Security 2 password. */
  pop: string | undefined;
  username: string | undefined;
}

function tryJson(text: string): { value: unknown; json: string } | undefined {
  try {
    return { value: JSON.parse(text) as unknown, json: text };
  } catch {
    return undefined;
  }
}

function fromUrl(text: string): { value: unknown; json: string } | undefined {
  const at = text.search(/[?&]data=/);
  if (at < 0) return undefined;
  const raw = text.slice(at + 6);
  // Raw JSON may itself contain '&' or '#', so try the whole tail first, then cut at the usual delimiters.
  const candidates = [raw, raw.split(/[&#]/)[0] ?? ''];
  for (const c of candidates) {
    const direct = tryJson(c.trim());
    if (direct !== undefined) return direct;
    try {
      const decoded = tryJson(decodeURIComponent(c.replace(/\+/g, '%20')).trim());
      if (decoded !== undefined) return decoded;
    } catch {
      // not percent-encoded
    }
  }
  return undefined;
}

function str(o: Record<string, unknown>, key: string): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new EspProvError('USAGE', `QR payload: "${key}" must be a string`);
  return v;
}

/** Parses the JSON payload or the esp-jumpstart URL form. Throws USAGE with what is wrong. */
export function parseQrPayload(input: string): QrPayload {
  const text = input.trim();
  if (text.length === 0) throw new EspProvError('USAGE', 'QR payload is empty');
  const found = text.startsWith('{') ? tryJson(text) : fromUrl(text);
  if (found === undefined) {
    throw new EspProvError(
      'USAGE',
      'QR payload is neither JSON like {"ver":"v1","name":"PROV_…","transport":"ble"} nor a …qrcode.html?data=<json> URL',
    );
  }
  const value = found.value;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new EspProvError('USAGE', 'QR payload must be a JSON object');
  }
  const o = value as Record<string, unknown>;
  const transportText = str(o, 'transport')?.toLowerCase();
  let transport: QrPayload['transport'];
  if (transportText === 'ble' || transportText === 'softap') transport = transportText;
  else if (transportText !== undefined) {
    throw new EspProvError('USAGE', `QR payload: unknown transport ${JSON.stringify(transportText)} (ble or softap)`);
  }
  return {
    json: found.json,
    ver: str(o, 'ver'),
    name: str(o, 'name'),
    transport,
    pop: str(o, 'pop'),
    username: str(o, 'username'),
  };
}

/** The Security scheme a payload implies: a username means Security 2; a PoP alone, Security 1. */
export function qrSecurityHint(p: QrPayload): 0 | 1 | 2 | undefined {
  if (p.username !== undefined) return 2;
  if (p.pop !== undefined) return 1;
  return undefined;
}
