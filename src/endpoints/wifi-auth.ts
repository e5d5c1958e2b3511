/**
 * Wi-Fi auth mode names. The device copies ESP-IDF's wifi_auth_mode_t numerically, so values above the
 * proto enum's 7 occur (PROTOCOL.md §3.4); esp_prov crashes on them (§9 item 17). We name every known value
 * and show unknown ones as such.
 */
const NAMES: readonly string[] = [
  'Open',
  'WEP',
  'WPA_PSK',
  'WPA2_PSK',
  'WPA_WPA2_PSK',
  'WPA2_ENTERPRISE',
  'WPA3_PSK',
  'WPA2_WPA3_PSK',
  'WAPI_PSK',
  'OWE',
  'WPA3_ENT_192',
  'WPA3_EXT_PSK',
  'WPA3_EXT_PSK_MIXED_MODE',
  'DPP',
  'WPA3_ENTERPRISE',
  'WPA2_WPA3_ENTERPRISE',
];

export function authModeName(auth: number): string {
  return NAMES[auth] ?? `unknown (${auth})`;
}

/** Open and OWE networks take no passphrase. */
export function authNeedsPassphrase(auth: number): boolean {
  return auth !== 0 && auth !== 9;
}
