/**
 * Pickers for a person at a terminal: the access point (from the device's own scan), the Thread network and
 * the BLE device. Building the choices is pure (and tested); asking goes through the Prompter.
 *
 * The AP list is a table: signal bars, dBm, SSID, channel, auth mode, in columns that stay aligned for long,
 * wide (CJK, emoji) and escaped SSIDs (format.ts textWidth / fitText; a cut SSID is shown whole in the line's
 * description). One line per SSID — the strongest BSSID — sorted by signal; every other BSSID stays reachable
 * through "Choose a specific access point…". SSIDs are shown faithfully (format.ts), other device text through
 * forTerminal (terminal-text.ts), auth modes by name even above the proto enum (PROTOCOL.md §3.4, §9 item 17).
 *
 * Enterprise networks are listed but cannot be chosen: SetConfig carries an SSID and a passphrase only
 * (PROTOCOL.md §5.2), with no EAP identity, password or certificate, so the device could never join one — it
 * would fail after all its attempts with a misleading "wrong passphrase". Listing them (disabled, with the
 * reason) still tells a person why their office network is not on offer; "Other network" remains for anyone
 * who knows better. Choosing a specific BSSID is allowed, with a warning: the firmware validates the BSSID and
 * channel but does not use them (§5.2, §9 item 32), so the device may join another access point of that name.
 */
import { toHex } from '../bytes.js';
import type { AccessPoint } from '../endpoints/scan.js';
import type { ThreadNetwork } from '../endpoints/thread.js';
import type { BleDeviceInfo } from '../transport/ble-discovery.js';
import { authModeName, authNeedsPassphrase } from '../endpoints/wifi-auth.js';
import type { AccessPointChoice, ThreadChoice } from '../provision/flow.js';
import { fitText, macText, signalLevel, ssidText, textWidth } from './format.js';
import type { Colors } from './output.js';
import type { ChoiceOrSeparator, Prompter, SelectChoice } from './prompts.js';
import { forTerminal } from './terminal-text.js';

export interface ApGroup {
  ssid: Uint8Array;
  /** Strongest first. */
  aps: AccessPoint[];
}

/** Groups by SSID bytes (hidden, empty SSIDs left out), strongest BSSID first, groups by their best signal. */
export function groupAccessPoints(aps: readonly AccessPoint[]): ApGroup[] {
  const groups = new Map<string, ApGroup>();
  for (const ap of aps) {
    if (ap.ssid.length === 0) continue;
    const key = toHex(ap.ssid);
    const g = groups.get(key) ?? { ssid: ap.ssid, aps: [] };
    g.aps.push(ap);
    groups.set(key, g);
  }
  const list = [...groups.values()];
  for (const g of list) g.aps.sort((a, b) => b.rssi - a.rssi);
  return list.sort((a, b) => b.aps[0]!.rssi - a.aps[0]!.rssi);
}

/** Auth modes that need EAP credentials (wifi_auth_mode_t): WPA2_ENTERPRISE, WPA3_ENT_192, WPA3_ENTERPRISE, WPA2_WPA3_ENTERPRISE. */
const ENTERPRISE = new Set([5, 10, 14, 15]);

export function isEnterprise(auth: number): boolean {
  return ENTERPRISE.has(auth);
}

/** Short, so that the line stays within 80 columns; enterpriseNote() says why, above the list. */
export const ENTERPRISE_REASON = '(802.1X)';

/** Said once above the list when some networks are shown but cannot be chosen. */
export function enterpriseNote(groups: readonly ApGroup[]): string | undefined {
  const names = groups.filter((g) => g.aps.every((ap) => isEnterprise(ap.auth))).map((g) => `"${ssidText(g.ssid)}"`);
  if (names.length === 0) return undefined;
  return `Not selectable: ${names.join(', ')} (802.1X enterprise sign-in; the device takes a passphrase only)`;
}

/** Why a picked access point's BSSID will not matter. */
export function bssidIgnoredWarning(ssid: Uint8Array, others: number): string {
  return (
    `the device joins "${ssidText(ssid)}" by name: it ignores the BSSID and channel you chose` +
    (others > 0 ? ` and may join any of the other ${others} access point(s) with that name` : '')
  );
}

/** The widest SSID column; longer names are cut with "…" (the description shows them whole). */
const SSID_COLUMN_MAX = 32;

const BARS = ['▂', '▄', '▆', '█'];

export function signalBars(rssi: number, c?: Colors): string {
  const level = signalLevel(rssi);
  const on = BARS.slice(0, level).join('');
  const off = BARS.slice(level).join('');
  return c?.isColorSupported ? c.green(on) + c.dim(off) : on + ' '.repeat(off.length);
}

export function accessPointLine(ap: AccessPoint, ssidWidth: number, c?: Colors, extra = '', withBssid = false): string {
  return [
    signalBars(ap.rssi, c),
    String(ap.rssi).padStart(4),
    'dBm ',
    fitText(ssidText(ap.ssid), ssidWidth),
    ...(withBssid ? [macText(ap.bssid)] : []),
    `ch ${String(ap.channel).padStart(3)}`,
    ` ${authModeName(ap.auth)}${extra}`,
  ].join(' ');
}

function ssidColumn(ssids: readonly Uint8Array[]): number {
  return Math.min(SSID_COLUMN_MAX, Math.max(8, ...ssids.map((s) => textWidth(ssidText(s)))));
}

/** The whole SSID, for a description, when the table had to cut it. */
function fullSsid(ssid: Uint8Array, width: number): string {
  const text = ssidText(ssid);
  return textWidth(text) > width ? `"${text}" · ` : '';
}

type ApValue = { pick: AccessPoint; exact: boolean } | 'rescan' | 'other' | 'specific';

export function accessPointChoices(groups: readonly ApGroup[], c?: Colors): ChoiceOrSeparator<ApValue>[] {
  const width = ssidColumn(groups.map((g) => g.ssid));
  const choices: ChoiceOrSeparator<ApValue>[] = groups.map((g) => {
    // The strongest access point the device can use represents the SSID; enterprise-only SSIDs are disabled.
    const best = g.aps.find((ap) => !isEnterprise(ap.auth)) ?? g.aps[0]!;
    const more = g.aps.length > 1 ? ` (+${g.aps.length - 1} more)` : '';
    return {
      value: { pick: best, exact: false },
      name: accessPointLine(best, width, c, more),
      description: `${fullSsid(g.ssid, width)}BSSID ${macText(best.bssid)} · channel ${best.channel} · ${best.rssi} dBm · ${authModeName(best.auth)}${more ? ` · ${g.aps.length} access points` : ''}`,
      ...(isEnterprise(best.auth) ? { disabled: ENTERPRISE_REASON } : {}),
    };
  });
  choices.push({ separator: ' ' });
  if (groups.some((g) => g.aps.length > 1)) {
    choices.push({
      value: 'specific',
      name: 'Choose a specific access point (BSSID)…',
      description: 'the device joins by name: it may join another access point with the same SSID',
    });
  }
  choices.push({ value: 'other', name: 'Other network (hidden SSID)…' });
  choices.push({ value: 'rescan', name: '↻ Rescan' });
  return choices;
}

export function specificChoices(groups: readonly ApGroup[], c?: Colors): SelectChoice<AccessPoint | 'back'>[] {
  const all = groups.flatMap((g) => g.aps);
  const width = ssidColumn(all.map((a) => a.ssid));
  return [
    ...all.map((ap) => ({
      value: ap,
      name: accessPointLine(ap, width, c, '', true),
      ...(fullSsid(ap.ssid, width) ? { description: ssidText(ap.ssid) } : {}),
      ...(isEnterprise(ap.auth) ? { disabled: ENTERPRISE_REASON } : {}),
    })),
    { value: 'back' as const, name: '← Back' },
  ];
}

export function validateSsid(text: string): true | string {
  const n = new TextEncoder().encode(text).length;
  if (n === 0) return 'enter the network name';
  return n <= 32 ? true : `an SSID is at most 32 bytes (this one is ${n})`;
}

export function validatePassphrase(needsOne: boolean) {
  return (text: string): true | string => {
    const n = new TextEncoder().encode(text).length;
    if (n === 0) return needsOne ? 'this network needs a passphrase' : true;
    // The device refuses 64 bytes, a raw PSK in hex included (option-values.ts, passphraseProblem).
    if (n > 63) return `a passphrase is at most 63 bytes (the device refuses more); this one is ${n}`;
    if (n < 8 && needsOne) return 'WPA passphrases are 8 to 63 characters';
    return true;
  };
}

/** The AP picker; remembers the auth mode of the last pick so the passphrase prompt knows whether one is needed. */
export class WifiPicker {
  lastAuth: number | undefined;

  constructor(
    private readonly prompter: Prompter,
    private readonly colors: Colors,
    private readonly say: { note(line: string): void; warn(line: string): void },
  ) {}

  async select(aps: AccessPoint[]): Promise<AccessPointChoice> {
    const groups = groupAccessPoints(aps);
    if (groups.length === 0) this.say.note('No networks found (hidden networks can still be named).');
    const enterprise = enterpriseNote(groups);
    if (enterprise) this.say.note(enterprise);
    for (;;) {
      const v = await this.prompter.select('Wi-Fi network for the device', accessPointChoices(groups, this.colors));
      if (v === 'rescan') return 'rescan';
      if (v === 'other') {
        const ssid = await this.prompter.text('Network name (SSID)', validateSsid);
        this.lastAuth = undefined;
        return { ssid: new TextEncoder().encode(ssid) };
      }
      if (v === 'specific') {
        const ap = await this.prompter.select('Access point', specificChoices(groups, this.colors));
        if (ap === 'back') continue;
        const group = groups.find((g) => g.aps.includes(ap));
        this.say.warn(bssidIgnoredWarning(ap.ssid, (group?.aps.length ?? 1) - 1));
        this.lastAuth = ap.auth;
        return { ssid: ap.ssid, auth: ap.auth, bssid: ap.bssid, channel: ap.channel };
      }
      this.lastAuth = v.pick.auth;
      return { ssid: v.pick.ssid, auth: v.pick.auth };
    }
  }

  async passphrase(ssid: Uint8Array, message?: string): Promise<Uint8Array> {
    const needs = this.lastAuth !== undefined && authNeedsPassphrase(this.lastAuth);
    const text = await this.prompter.secret(
      message ?? `Passphrase for "${ssidText(ssid)}"${needs ? '' : ' (empty for an open network)'}`,
      validatePassphrase(needs),
    );
    return new TextEncoder().encode(text);
  }
}

export function threadChoices(
  networks: readonly ThreadNetwork[],
  c?: Colors,
): ChoiceOrSeparator<ThreadNetwork | 'rescan'>[] {
  const sorted = [...networks].sort((a, b) => b.rssi - a.rssi);
  const width = Math.min(16, Math.max(8, ...sorted.map((n) => textWidth(forTerminal(n.networkName) || '(no name)'))));
  return [
    ...sorted.map((n) => ({
      value: n,
      name: [
        signalBars(n.rssi, c),
        String(n.rssi).padStart(4),
        'dBm ',
        fitText(forTerminal(n.networkName) || '(no name)', width),
        `PAN 0x${n.panId.toString(16).padStart(4, '0')}`,
        `ch ${String(n.channel).padStart(2)}`,
      ].join(' '),
      description: `extended PAN ID ${toHex(n.extPanId)} · LQI ${n.lqi} · from ${toHex(n.extAddr)}`,
    })),
    { separator: ' ' },
    { value: 'rescan' as const, name: '↻ Rescan' },
  ];
}

export async function pickThreadNetwork(
  prompter: Prompter,
  networks: ThreadNetwork[],
  c: Colors,
  write: (line: string) => void,
): Promise<ThreadChoice> {
  if (networks.length === 0) write('No Thread networks found.');
  const v = await prompter.select('Thread network for the device', threadChoices(networks, c));
  return v === 'rescan' ? 'rescan' : { network: v };
}

export function validateNetworkKey(text: string): true | string {
  return /^(?:0x)?[0-9a-fA-F]{32}$/.test(text.trim()) ? true : 'a Thread network key is 32 hex digits (16 bytes)';
}

export function bleChoices(
  devices: readonly BleDeviceInfo[],
  c?: Colors,
): ChoiceOrSeparator<BleDeviceInfo | 'rescan'>[] {
  const width = Math.min(24, Math.max(8, ...devices.map((d) => textWidth(forTerminal(d.name) || '(no name)'))));
  return [
    ...devices.map((d) => ({
      value: d,
      name: [
        signalBars(d.rssi, c),
        String(d.rssi).padStart(4),
        'dBm ',
        fitText(forTerminal(d.name) || '(no name)', width),
        forTerminal(d.address || d.id),
      ].join(' '),
      ...(d.connectable ? {} : { disabled: 'not connectable' }),
    })),
    { separator: ' ' },
    { value: 'rescan' as const, name: '↻ Rescan' },
  ];
}
