/**
 * Device-side reading of a Thread Active Operational Dataset (PROTOCOL.md §5.9): ApplyThreadConfig hands the
 * stored TLVs to OpenThread (otDatasetParseTlvs), which refuses a dataset whose TLV framing is broken, that
 * repeats a TLV type, or whose known TLVs are shorter than their fixed size. Unknown TLV types are kept.
 */

export const MAX_DATASET_LENGTH = 254; // OT_OPERATIONAL_DATASET_MAX_LENGTH

/** MeshCoP TLV types a dataset may carry. */
export const DATASET_TLV = {
  Channel: 0,
  PanId: 1,
  ExtPanId: 2,
  NetworkName: 3,
  Pskc: 4,
  NetworkKey: 5,
  MeshLocalPrefix: 7,
  SecurityPolicy: 12,
  ActiveTimestamp: 14,
  PendingTimestamp: 51,
  DelayTimer: 52,
  ChannelMask: 53,
} as const;

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
  const seen = new Set<number>();
  const dataset: ParsedDataset = {};
  for (let off = 0; off < tlvs.length;) {
    if (off + 2 > tlvs.length) return { ok: false, error: `TLV header at offset ${off} is truncated` };
    const type = tlvs[off]!;
    let length = tlvs[off + 1]!;
    let header = 2;
    if (length === 0xff) {
      // Extended TLV: a 16-bit length follows.
      if (off + 4 > tlvs.length) return { ok: false, error: `extended TLV header at offset ${off} is truncated` };
      length = (tlvs[off + 2]! << 8) | tlvs[off + 3]!;
      header = 4;
    }
    const end = off + header + length;
    if (end > tlvs.length) return { ok: false, error: `TLV ${type} at offset ${off} runs past the end of the dataset` };
    if (seen.has(type)) return { ok: false, error: `TLV ${type} appears twice` };
    seen.add(type);
    const value = tlvs.subarray(off + header, end);
    const problem = checkValue(type, value);
    if (problem) return { ok: false, error: problem };
    if (type === DATASET_TLV.Channel) dataset.channel = (value[1]! << 8) | value[2]!;
    else if (type === DATASET_TLV.PanId) dataset.panId = (value[0]! << 8) | value[1]!;
    else if (type === DATASET_TLV.ExtPanId) dataset.extPanId = value.slice(0, 8);
    else if (type === DATASET_TLV.NetworkKey) dataset.networkKey = value.slice(0, 16);
    else if (type === DATASET_TLV.NetworkName) dataset.networkName = new TextDecoder().decode(value);
    off = end;
  }
  return { ok: true, dataset };
}
