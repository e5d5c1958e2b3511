/**
 * proto-ver: what the device says about itself, and the security scheme that follows from it.
 * PROTOCOL.md §1.4 (formats across firmware generations) and §1.5 (the choice algorithm). Parsing never
 * throws: garbage is a legacy device whose security the user must name.
 */
import { fromUtf8 } from '../bytes.js';
import { EspProvError } from '../errors.js';
import { VERSION_ENDPOINT } from '../protocol/endpoints.js';
import type { SecurityVersion } from '../security/scheme.js';

export interface AppInfo {
  ver: string | undefined;
  cap: string[];
}

export interface DeviceInfo {
  /** The response text as received (UTF-8, lossy). */
  text: string;
  /** True when the answer is manager JSON with a `prov` object. */
  manager: boolean;
  /** `prov.ver` ("v1.1", "netprov-v1.2") or the bare legacy version string. */
  version: string | undefined;
  /** `prov.sec_ver`, when present (IDF v5.0+, network_provisioning). */
  secVer: SecurityVersion | undefined;
  /** `prov.sec_patch_ver`, when present. */
  secPatchVer: number | undefined;
  capabilities: string[];
  /** Application labels set with wifi_prov_mgr_set_app_info, in the order received. */
  apps: Record<string, AppInfo>;
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

function asObject(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

export function parseDeviceInfo(bytes: Uint8Array): DeviceInfo {
  const text = fromUtf8(bytes).replace(/\0+$/, '');
  let json: Record<string, unknown> | undefined;
  try {
    json = asObject(JSON.parse(text));
  } catch {
    json = undefined;
  }
  const prov = asObject(json?.['prov']);
  if (!json || !prov) {
    const bare = text.trim();
    // Printable short strings are legacy version strings ("V0.1"); anything else is not a version at all.
    const printable = bare.length > 0 && bare.length <= 64 && /^[\x20-\x7e]+$/.test(bare);
    return {
      text,
      manager: false,
      version: printable ? bare : undefined,
      secVer: undefined,
      secPatchVer: undefined,
      capabilities: [],
      apps: {},
    };
  }
  const apps: Record<string, AppInfo> = {};
  for (const [label, value] of Object.entries(json)) {
    const o = asObject(value);
    if (label === 'prov' || !o) continue;
    apps[label] = { ver: typeof o['ver'] === 'string' ? o['ver'] : undefined, cap: strings(o['cap']) };
  }
  const sv = prov['sec_ver'];
  const pv = prov['sec_patch_ver'];
  return {
    text,
    manager: true,
    version: typeof prov['ver'] === 'string' ? prov['ver'] : undefined,
    secVer: sv === 0 || sv === 1 || sv === 2 ? sv : undefined,
    secPatchVer: typeof pv === 'number' && Number.isInteger(pv) && pv >= 0 ? pv : undefined,
    capabilities: strings(prov['cap']),
    apps,
  };
}

export function hasCapability(info: DeviceInfo, cap: string): boolean {
  return info.capabilities.includes(cap);
}

export interface SecurityChoice {
  version: SecurityVersion;
  /** Where the choice came from, for the log line. */
  source: 'option' | 'sec_ver' | 'capabilities';
  /** Security 1: whether the device expects a PoP ("no_pop" absent). */
  popRequired: boolean;
  /** Security 2 patch level the device announced (0 when absent); the nonce length has the last word. */
  patchLevel: 0 | 1;
}

/**
 * Picks the security scheme: an explicit choice wins; else `sec_ver` (which esp_prov ignores, §9 item 38);
 * else the pre-v5 rule "no_sec ⇒ 0, otherwise 1". A non-manager device cannot tell us: the user must.
 */
export function chooseSecurity(info: DeviceInfo, requested?: SecurityVersion): SecurityChoice {
  let version: SecurityVersion;
  let source: SecurityChoice['source'];
  if (requested !== undefined) {
    version = requested;
    source = 'option';
  } else if (info.secVer !== undefined) {
    version = info.secVer;
    source = 'sec_ver';
  } else if (info.manager) {
    version = hasCapability(info, 'no_sec') ? 0 : 1;
    source = 'capabilities';
  } else if (info.version === undefined) {
    // Neither the manager's JSON nor a legacy version string: not an answer we can read.
    throw new EspProvError(
      'DECODE_FAILED',
      `the device's proto-ver answer is neither version JSON nor a version string (${JSON.stringify(info.text.slice(0, 40))}): a corrupted answer, or not a provisioning device`,
      { endpoint: VERSION_ENDPOINT },
    );
  } else {
    throw new EspProvError(
      'MISSING_INPUT',
      `the device does not report its security scheme (proto-ver answered ${JSON.stringify(info.text.slice(0, 40))}): it must be given (0, 1 or 2)`,
      { endpoint: VERSION_ENDPOINT, details: { missing: 'security' } },
    );
  }
  return {
    version,
    source,
    popRequired: version === 1 && !hasCapability(info, 'no_pop'),
    patchLevel: version === 2 && info.secPatchVer === 1 ? 1 : 0,
  };
}

/** esp_prov's --proto_ver check: the raw answer or prov.ver must equal the expected string (case-insensitive). */
export function versionMatches(info: DeviceInfo, expected: string): boolean {
  const want = expected.toLowerCase();
  return info.text.trim().toLowerCase() === want || info.version?.toLowerCase() === want;
}
