/**
 * Device-side reading of a Thread Active Operational Dataset (PROTOCOL.md §5.9): ApplyThreadConfig hands the
 * stored TLVs to OpenThread (otDatasetParseTlvs), which refuses a dataset whose TLV framing is broken, that
 * repeats a TLV type, uses the extended length form, or whose known TLVs are shorter than their fixed size
 * (Dataset::ValidateTlvs, which checks TLV by TLV in order). Unknown TLV types are kept. The framing is the
 * client's too: protocol/thread-tlv.ts.
 */
import { DATASET_TLV, MAX_DATASET_LENGTH, splitDatasetTlvs } from '../protocol/thread-tlv.js';

/** Minimum value length per known TLV type (values may carry more; OpenThread reads the fixed part). */
const MIN_LENGTH: Readonly<Record<number, number>> = {
  [DATASET_TLV.Channel]: 3,
  [DATASET_TLV.PanId]: 2,
  [DATASET_TLV.ExtPanId]: 8,
  [DATASET_TLV.Pskc]: 16,
  [DATASET_TLV.NetworkKey]: 16,
  [DATASET_TLV.MeshLocalPrefix]: 8,
  [DATASET_TLV.SecurityPolicy]: 3,
  [DATASET_TLV.ActiveTimestamp]: 8,
  [DATASET_TLV.PendingTimestamp]: 8,
  [DATASET_TLV.DelayTimer]: 4,
};

/** The values the attach simulation needs; absent TLVs stay undefined. */
export interface ParsedDataset {
  channel?: number;
  panId?: number;
  extPanId?: Uint8Array;
  networkName?: string;
  networkKey?: Uint8Array;
}

export type DatasetResult = { ok: true; dataset: ParsedDataset } | { ok: false; error: string };

function checkValue(type: number, value: Uint8Array): string | undefined {
  const min = MIN_LENGTH[type];
  if (min !== undefined && value.length < min) return `TLV ${type} has ${value.length} value bytes, needs ${min}`;
  if (type === DATASET_TLV.Channel) {
    const page = value[0]!;
    const channel = (value[1]! << 8) | value[2]!;
    // Only 2.4 GHz O-QPSK (channel page 0, channels 11–26) is supported by the 802.15.4 radios in question.
    if (page !== 0 || channel < 11 || channel > 26)
      return `Channel TLV: page ${page} channel ${channel} is not supported`;
  }
  if (type === DATASET_TLV.NetworkName && (value.length < 1 || value.length > 16)) {
    return `Network Name TLV is ${value.length} bytes, 1 to 16 allowed`;
  }
  if (type === DATASET_TLV.ChannelMask) {
    // Entries: page (1), mask length (1), mask bytes.
    for (let i = 0; i < value.length;) {
      if (i + 2 > value.length) return 'Channel Mask TLV: truncated entry';
      i += 2 + value[i + 1]!;
      if (i > value.length) return 'Channel Mask TLV: entry runs past the TLV';
    }
  }
  return undefined;
}

/** Validates and reads `tlvs` the way OpenThread's dataset parser does. */
export function parseDataset(tlvs: Uint8Array): DatasetResult {
  if (tlvs.length > MAX_DATASET_LENGTH)
    return { ok: false, error: `dataset is ${tlvs.length} bytes, max ${MAX_DATASET_LENGTH}` };
  const split = splitDatasetTlvs(tlvs);
  const seen = new Set<number>();
  const dataset: ParsedDataset = {};
  for (const { type, value, offset, extended } of split.tlvs) {
    if (extended) return { ok: false, error: `TLV ${type} at offset ${offset} uses the extended length form` };
    const problem = checkValue(type, value);
    if (problem) return { ok: false, error: problem };
    if (seen.has(type)) return { ok: false, error: `TLV ${type} appears twice` };
    seen.add(type);
    if (type === DATASET_TLV.Channel) dataset.channel = (value[1]! << 8) | value[2]!;
    else if (type === DATASET_TLV.PanId) dataset.panId = (value[0]! << 8) | value[1]!;
    else if (type === DATASET_TLV.ExtPanId) dataset.extPanId = value.slice(0, 8);
    else if (type === DATASET_TLV.NetworkKey) dataset.networkKey = value.slice(0, 16);
    else if (type === DATASET_TLV.NetworkName) dataset.networkName = new TextDecoder().decode(value);
  }
  if (!split.ok) return { ok: false, error: split.error };
  return { ok: true, dataset };
}
