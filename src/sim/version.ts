/**
 * The proto-ver answer (PROTOCOL.md §1.4): the manager's JSON, printed exactly as cJSON_Print formats it —
 * tab indentation, ":" + TAB after keys, ", " between array items, "\n" line ends, no trailing newline — with
 * application labels first and "prov" last. Legacy firmware answers a bare version string instead.
 */

export type SimFlavour = 'wifi_prov' | 'netprov-wifi' | 'netprov-thread';

/**
 * 'json': manager with sec_ver (IDF v5.x, NP); 'json-no-secver': manager of IDF v3.3–v4.4;
 * 'plain': firmware without the manager (bare string such as "V0.1").
 */
export type VersionStyle = 'json' | 'json-no-secver' | 'plain';

/** One application label added with wifi_prov_mgr_set_app_info(label, ver, caps). */
export interface SimAppInfo {
  label: string;
  ver: string;
  cap: readonly string[];
}

export const WIFI_PROV_VERSION = 'v1.1';
export const NETPROV_VERSION = 'netprov-v1.2';
export const DEFAULT_PLAIN_VERSION = 'V0.1';

type Json = string | number | readonly Json[] | { readonly [key: string]: Json };

function printString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += '\\' + ch;
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20) out += '\\u' + c.toString(16).padStart(4, '0');
    else out += ch;
  }
  return out + '"';
}

/** cJSON_Print (formatted) for the value shapes the manager emits (strings, integers, arrays, objects). */
export function cjsonPrint(value: Json, depth = 0): string {
  if (typeof value === 'string') return printString(value);
  if (typeof value === 'number') return String(Math.trunc(value));
  if (Array.isArray(value)) return '[' + value.map((v: Json) => cjsonPrint(v, depth + 1)).join(', ') + ']';
  const indent = '\t'.repeat(depth + 1);
  const members = Object.entries(value as Record<string, Json>).map(
    ([k, v]) => `${indent}${printString(k)}:\t${cjsonPrint(v, depth + 1)}`,
  );
  const close = '\t'.repeat(depth) + '}';
  return members.length === 0 ? '{\n' + close : '{\n' + members.join(',\n') + '\n' + close;
}

export interface VersionInfo {
  flavour: SimFlavour;
  style: VersionStyle;
  securityVersion: 0 | 1 | 2;
  /** Sec1 started without a PoP (adds "no_pop"). */
  noPop: boolean;
  /** sec_patch_ver to print, or undefined to leave it out (builds without commit 3bd5a22f5aa). */
  secPatchVer: number | undefined;
  /** The firmware registers prov-scan (adds the scan capability). */
  scan: boolean;
  appInfo: readonly SimAppInfo[];
  plainVersion: string;
  /** prov.ver instead of the flavour's (a hostile device's answer). */
  provVersion?: string | undefined;
  /** Appended to prov.cap. */
  extraCapabilities?: readonly string[] | undefined;
}

/** Capabilities in emission order (§1.4). */
export function capabilities(info: VersionInfo): string[] {
  const caps: string[] = [];
  if (info.securityVersion === 0) caps.push('no_sec');
  else if (info.securityVersion === 1 && info.noPop) caps.push('no_pop');
  if (info.flavour === 'wifi_prov') {
    if (info.scan) caps.push('wifi_scan');
  } else if (info.flavour === 'netprov-wifi') {
    caps.push('wifi_prov');
    if (info.scan) caps.push('wifi_scan');
  } else {
    caps.push('thread_prov');
    if (info.scan) caps.push('thread_scan');
  }
  return caps;
}

export function versionResponse(info: VersionInfo): Uint8Array {
  if (info.style === 'plain') return new TextEncoder().encode(info.plainVersion);
  const prov: Record<string, Json> = {
    ver: info.provVersion ?? (info.flavour === 'wifi_prov' ? WIFI_PROV_VERSION : NETPROV_VERSION),
  };
  if (info.style === 'json') {
    prov['sec_ver'] = info.securityVersion;
    if (info.secPatchVer !== undefined) prov['sec_patch_ver'] = info.secPatchVer;
  }
  prov['cap'] = [...capabilities(info), ...(info.extraCapabilities ?? [])];
  const root: Record<string, Json> = {};
  for (const app of info.appInfo) {
    if (app.label === 'prov') continue; // the manager's own object always wins the key
    root[app.label] = { ver: app.ver, cap: [...app.cap] };
  }
  root['prov'] = prov;
  return new TextEncoder().encode(cjsonPrint(root));
}
