/**
 * Thread Active Operational Dataset TLVs (PROTOCOL.md §5.9). Built from a scan result and the network key,
 * in the TLV order esp_prov uses (Channel, Extended PAN ID, Network Key, PAN ID) but with fixed-width values:
 * esp_prov formats numbers with "as many hex digits as needed", so a PAN ID below 0x100 becomes a 1-byte
 * value that OpenThread rejects (§9 item 41).
 */
import { concatBytes, toHex } from '../bytes.js';
import { EspProvError } from '../errors.js';
import { DATASET_TLV as TLV, splitDatasetTlvs, type DatasetTlv } from '../protocol/thread-tlv.js';

export type { DatasetTlv } from '../protocol/thread-tlv.js';

export interface ThreadNetworkParams {
  channel: number;
  panId: number;
  extPanId: Uint8Array;
  networkKey: Uint8Array;
  /** Added when given (TLV 3); esp_prov leaves it out and the device does not need it to attach. */
  networkName?: string;
}

function tlv(type: number, value: Uint8Array): Uint8Array {
  if (value.length > 255) throw new RangeError('TLV value too long');
  return concatBytes(new Uint8Array([type, value.length]), value);
}

function u16(n: number): Uint8Array {
  return new Uint8Array([(n >> 8) & 0xff, n & 0xff]);
}

export function buildThreadDataset(p: ThreadNetworkParams): Uint8Array {
  if (!Number.isInteger(p.channel) || p.channel < 0 || p.channel > 0xffff) {
    throw new EspProvError('USAGE', `Thread channel ${p.channel} is out of range`);
  }
  if (!Number.isInteger(p.panId) || p.panId < 0 || p.panId > 0xffff) {
    throw new EspProvError('USAGE', `Thread PAN ID ${p.panId} is out of range`);
  }
  if (p.extPanId.length !== 8) throw new EspProvError('USAGE', 'Thread extended PAN ID must be 8 bytes');
  if (p.networkKey.length !== 16)
    throw new EspProvError('USAGE', 'Thread network key must be 16 bytes (32 hex digits)');
  const parts = [
    tlv(TLV.Channel, concatBytes(new Uint8Array([0]), u16(p.channel))), // channel page 0
    tlv(TLV.ExtPanId, p.extPanId),
    tlv(TLV.NetworkKey, p.networkKey),
    tlv(TLV.PanId, u16(p.panId)),
  ];
  if (p.networkName !== undefined && p.networkName.length > 0) {
    const name = new TextEncoder().encode(p.networkName);
    if (name.length > 16) throw new EspProvError('USAGE', 'Thread network name is longer than 16 bytes');
    parts.push(tlv(TLV.NetworkName, name));
  }
  return concatBytes(...parts);
}

/** Splits a dataset into TLVs (short and extended form); throws USAGE on broken framing, so a typo fails early. */
export function parseThreadDataset(bytes: Uint8Array): DatasetTlv[] {
  const split = splitDatasetTlvs(bytes);
  if (!split.ok) throw new EspProvError('USAGE', `Thread dataset: ${split.error}`, { details: { field: 'dataset' } });
  return split.tlvs;
}

export function describeDataset(bytes: Uint8Array): string {
  return parseThreadDataset(bytes)
    .map((t) => (t.type === TLV.NetworkKey ? `${t.type}:<key>` : `${t.type}:${toHex(t.value)}`))
    .join(' ');
}
