/**
 * Reading a device without provisioning it: proto-ver (raw and parsed), the security scheme it asks for,
 * and with credentials the handshake and the device's Wi-Fi scan. It never sends prov-config or prov-ctrl:
 * nothing is configured, applied or reset. Findings explain common trouble in a sentence each.
 */
import { fromUtf8, toHex } from '../bytes.js';
import { toEspProvError } from '../errors.js';
import {
  bleFindings,
  bleLinkDetails,
  isBleTransport,
  isPairingRefusal,
  isSilentPairingStall,
  type BleDetails,
  type BleExpectation,
  type BleFindingId,
} from './inspect-ble.js';
import { scanWifi, type AccessPoint } from '../endpoints/scan.js';
import { connect, type SecurityInput } from '../provision/connect.js';
import { CUSTOM_DATA_ENDPOINT, VERSION_ENDPOINT } from '../protocol/endpoints.js';
import type { TraceEvent } from '../session/session.js';
import {
  chooseSecurity,
  hasCapability,
  parseDeviceInfo,
  type DeviceInfo,
  type SecurityChoice,
} from '../session/version.js';
import type { Clock } from '../timers.js';
import type { Transport } from '../transport/transport.js';

export interface InspectOptions {
  transport: Transport;
  /** Credentials: with them, the handshake is tried and the scan list read. `version` = the scheme expected. */
  security?: SecurityInput;
  requestTimeoutMs?: number;
  signal?: AbortSignal;
  onTrace?: (e: TraceEvent) => void;
  clock?: Clock;
  /** Read the Wi-Fi scan list after a handshake (default true). */
  scan?: boolean;
  /** BLE: the name and service the user expected (a differing one is a finding). */
  expect?: BleExpectation;
}

export type FindingId =
  | 'not-manager'
  | 'no-sec-ver'
  | 'unexpected-scheme'
  | 'security-0'
  | 'no-pop'
  | 'sec2-patch-0'
  | 'handshake-failed'
  | 'no-scan'
  | 'no-custom-data'
  | BleFindingId;

export interface Finding {
  id: FindingId;
  text: string;
}

/** What the link itself tells: BLE reports its advertisement, GATT table and MTU. */
export interface LinkDetails {
  kind: string;
  /** Endpoints known to exist without sending them anything (BLE: the GATT table); undefined = unknown. */
  endpoints?: { name: string; foundBy?: string }[];
  ble?: BleDetails;
}

/** Read from the transport's own properties: nothing is sent. */
export function linkDetails(t: Transport): LinkDetails {
  return isBleTransport(t) ? { kind: 'ble', ...bleLinkDetails(t) } : { kind: t.kind };
}

export interface InspectReport {
  link: LinkDetails;
  /**
   * Undefined when the device would not answer it: BLE pairing required (finding ble-pairing-required), or
   * likely required (ble-pairing-suspected: the GATT table was read, the first write timed out).
   */
  protoVer: { raw: string; hex: string; info: DeviceInfo } | undefined;
  /** The scheme the device asks for (from proto-ver; undefined when it cannot say). */
  security: SecurityChoice | undefined;
  /** Tried only when credentials (or Security 0) allow it. */
  handshake:
    { ok: true; security: number; patchLevel?: number } | { ok: false; code: string; message: string } | undefined;
  accessPoints: AccessPoint[] | undefined;
  findings: Finding[];
}

function findingsFor(info: DeviceInfo, choice: SecurityChoice | undefined, expected: number | undefined): Finding[] {
  const f: Finding[] = [];
  if (!info.manager) {
    f.push({
      id: 'not-manager',
      text: "proto-ver is not the provisioning manager's JSON: the security scheme must be given explicitly",
    });
  } else if (info.secVer === undefined) {
    f.push({
      id: 'no-sec-ver',
      text: 'proto-ver has no sec_ver (firmware older than ESP-IDF v5.0): the scheme is guessed from its capabilities',
    });
  }
  const announced = info.secVer;
  if (expected !== undefined && announced !== undefined && expected !== announced) {
    f.push({
      id: 'unexpected-scheme',
      text: `you asked for Security ${expected}, but the device announces Security ${announced}`,
    });
  }
  if (choice?.version === 0) f.push({ id: 'security-0', text: 'Security 0: credentials would travel unencrypted' });
  if (choice?.version === 1 && !choice.popRequired) {
    f.push({
      id: 'no-pop',
      text: 'Security 1 without a proof of possession (no_pop): anyone in range can provision this device',
    });
  }
  if (choice?.version === 2 && announced === 2 && info.secPatchVer === undefined) {
    f.push({ id: 'sec2-patch-0', text: 'Security 2 without sec_patch_ver: an old patch level that reuses its GCM IV' });
  }
  if (info.manager && !hasCapability(info, 'wifi_scan')) {
    f.push({
      id: 'no-scan',
      text: 'the device does not offer a Wi-Fi scan (no wifi_scan capability): networks must be named',
    });
  }
  return f;
}

export async function inspectDevice(o: InspectOptions): Promise<InspectReport> {
  const req = {
    ...(o.signal ? { signal: o.signal } : {}),
    ...(o.requestTimeoutMs ? { timeoutMs: o.requestTimeoutMs } : {}),
  };
  const probe = new TextEncoder().encode('---');
  const link = linkDetails(o.transport);
  const bleReport = (b: BleDetails, seen?: { firstWriteTimedOut: boolean }): Finding[] =>
    bleFindings(b, link.endpoints?.map((e) => e.name) ?? [], o.expect, seen);
  o.onTrace?.({ endpoint: VERSION_ENDPOINT, direction: 'request', wire: probe });
  let raw: Uint8Array;
  try {
    raw = await o.transport.request(VERSION_ENDPOINT, probe, req);
  } catch (e) {
    // A device that wants pairing did answer, with an ATT error: that is the report, not a failure. Over noble's
    // Linux HCI client the refusal never surfaces (it tries to pair instead) and the write times out: a GATT
    // table read without trouble makes pairing the likely cause, which the report says rather than a bare timeout.
    if (!link.ble) throw e;
    const refused = isPairingRefusal(e);
    if (!refused && !isSilentPairingStall(e, link.ble)) throw e;
    link.ble.pairingRequired = refused;
    const none = { link, protoVer: undefined, security: undefined, handshake: undefined, accessPoints: undefined };
    return { ...none, findings: bleReport(link.ble, { firstWriteTimedOut: !refused }) };
  }
  o.onTrace?.({ endpoint: VERSION_ENDPOINT, direction: 'response', wire: raw });
  const info = parseDeviceInfo(raw);
  let choice: SecurityChoice | undefined;
  try {
    choice = chooseSecurity(info);
  } catch {
    choice = undefined;
  }
  const expected = o.security?.version;
  const report: InspectReport = {
    link,
    protoVer: { raw: fromUtf8(raw), hex: toHex(raw), info },
    security: choice,
    handshake: undefined,
    accessPoints: undefined,
    findings: findingsFor(info, choice, expected),
  };
  if (link.ble) report.findings.push(...bleReport(link.ble));
  if (link.endpoints && !link.endpoints.some((e) => e.name === CUSTOM_DATA_ENDPOINT)) {
    report.findings.push({
      id: 'no-custom-data',
      text: 'the device has no custom-data endpoint: sending custom data to it will fail',
    });
  }
  const s = o.security ?? {};
  const version = expected ?? choice?.version;
  const haveSecrets =
    version === 0 ||
    (version === 1 && (choice?.popRequired === false || s.pop !== undefined)) ||
    (version === 2 && s.username !== undefined && s.password !== undefined);
  if (version === undefined || !haveSecrets) return report;
  try {
    // connect() reads proto-ver again (one more harmless round trip) and runs the handshake; nothing else.
    const c = await connect({
      transport: o.transport,
      security: { ...s, version },
      ...(o.requestTimeoutMs ? { requestTimeoutMs: o.requestTimeoutMs } : {}),
      ...(o.signal ? { signal: o.signal } : {}),
      ...(o.onTrace ? { onTrace: o.onTrace } : {}),
      ...(o.clock ? { clock: o.clock } : {}),
    });
    const patchLevel = c.session.security.patchLevel;
    report.handshake = { ok: true, security: version, ...(patchLevel !== undefined ? { patchLevel } : {}) };
    if (o.scan !== false && hasCapability(info, 'wifi_scan')) {
      report.accessPoints = await scanWifi(c.session, { ...(o.clock ? { clock: o.clock } : {}), ...req });
    }
  } catch (e) {
    const err = toEspProvError(e);
    if (report.handshake === undefined) {
      report.handshake = { ok: false, code: err.code, message: err.message };
      report.findings.push({ id: 'handshake-failed', text: `the handshake failed: ${err.message}` });
    } else throw err;
  }
  return report;
}
