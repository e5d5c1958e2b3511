/**
 * The simulated Thread environment (network_provisioning Thread builds, PROTOCOL.md §5.9): networks an MLE
 * discovery finds and that the device can attach to when given the matching dataset. The built-in set is the
 * four networks of the recorded Thread scan; ESP-Thread-Lab's network key is the one the recordings used,
 * OpenThread-Home uses OpenThread's well-known default key, the rest are invented.
 */
import { EspProvError } from '../errors.js';

export interface SimThreadNetwork {
  panId: number;
  extPanId: Uint8Array;
  channel: number;
  name: string;
  networkKey: Uint8Array;
  rssi: number;
  lqi: number;
  /** Extended address of the responding router (8 bytes). */
  extAddr: Uint8Array;
}

export interface SimThreadNetworkSpec {
  panId: number;
  extPanId: string;
  channel: number;
  name: string;
  networkKey: string;
  rssi: number;
  lqi: number;
  extAddr: string;
}

function hexOf(text: unknown, length: number, where: string, field: string): Uint8Array {
  const clean = typeof text === 'string' ? text.replace(/[:\-\s]/g, '') : '';
  if (!/^[0-9a-fA-F]*$/.test(clean) || clean.length !== length * 2) {
    throw new EspProvError('USAGE', `${where}: ${field} must be ${length} bytes of hex`);
  }
  return new Uint8Array(Buffer.from(clean, 'hex'));
}

function intIn(v: unknown, lo: number, hi: number, where: string, field: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) {
    throw new EspProvError('USAGE', `${where}: ${field} must be an integer from ${lo} to ${hi}`);
  }
  return v;
}

export function toThreadNetwork(spec: unknown, where: string): SimThreadNetwork {
  if (typeof spec !== 'object' || spec === null) throw new EspProvError('USAGE', `${where}: must be an object`);
  const s = spec as Record<string, unknown>;
  const name = s['name'];
  if (typeof name !== 'string' || new TextEncoder().encode(name).length > 16) {
    throw new EspProvError('USAGE', `${where}: name must be a string of at most 16 bytes`);
  }
  return {
    panId: intIn(s['panId'], 0, 0xfffe, where, 'panId'),
    extPanId: hexOf(s['extPanId'], 8, where, 'extPanId'),
    channel: intIn(s['channel'], 11, 26, where, 'channel'),
    name,
    networkKey: hexOf(s['networkKey'], 16, where, 'networkKey'),
    rssi: intIn(s['rssi'], -128, 0, where, 'rssi'),
    lqi: intIn(s['lqi'], 0, 255, where, 'lqi'),
    extAddr: hexOf(s['extAddr'], 8, where, 'extAddr'),
  };
}

/** Parses a JSON array of Thread network specs (or {"threadNetworks": [...]}). */
export function loadThreadNetworks(jsonText: string): SimThreadNetwork[] {
  let data: unknown;
  try {
    data = JSON.parse(jsonText);
  } catch (e) {
    throw new EspProvError('USAGE', `Thread network list is not valid JSON: ${(e as Error).message}`, { cause: e });
  }
  const list =
    typeof data === 'object' && data !== null && !Array.isArray(data)
      ? (data as Record<string, unknown>)['threadNetworks']
      : data;
  if (!Array.isArray(list)) throw new EspProvError('USAGE', 'Thread network list must be a JSON array');
  return list.map((spec, i) => toThreadNetwork(spec, `Thread network #${i + 1}`));
}

export const DEFAULT_THREAD_NETWORK_SPECS: readonly SimThreadNetworkSpec[] = [
  {
    panId: 0x1234,
    extPanId: 'dead00beef00cafe',
    channel: 15,
    name: 'OpenThread-Home',
    networkKey: '00112233445566778899aabbccddeeff',
    rssi: -58,
    lqi: 200,
    extAddr: '02aa000000000001',
  },
  {
    panId: 0xabcd,
    extPanId: '1111111122222222',
    channel: 20,
    name: 'ESP-Thread-Lab',
    networkKey: 'fedcba9876543210fedcba9876543210',
    rssi: -71,
    lqi: 150,
    extAddr: '02aa000000000002',
  },
  {
    panId: 0x0042,
    extPanId: '4242424242424242',
    channel: 11,
    name: 'LowPan-0x42',
    networkKey: '42424242424242424242424242424242',
    rssi: -80,
    lqi: 90,
    extAddr: '02aa000000000003',
  },
  {
    panId: 0x7777,
    extPanId: '7777777788888888',
    channel: 25,
    name: 'Neighbor-Mesh',
    networkKey: '7777888877778888a5a5a5a5a5a5a5a5',
    rssi: -92,
    lqi: 40,
    extAddr: '02aa000000000004',
  },
];

export const DEFAULT_THREAD_NETWORKS: readonly SimThreadNetwork[] = DEFAULT_THREAD_NETWORK_SPECS.map((s, i) =>
  toThreadNetwork(s, `default Thread network #${i + 1}`),
);
