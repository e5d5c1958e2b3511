/**
 * The TLV framing of a Thread Active Operational Dataset (MeshCoP TLVs, PROTOCOL.md §5.9): one parser for the
 * client (checking a dataset before sending it) and the simulator (reading it the way OpenThread does).
 *
 * A TLV is type (1 byte), length (1 byte), value. A length byte of 0xFF announces the extended form: a
 * 16-bit big-endian length follows, then the value (Thread 1.x §8.2 "Extended TLV"; OpenThread's
 * Tlv::kExtendedLength). Reading 0xFF as a plain length would misframe every TLV after it. Framing is all
 * this file knows: whether a dataset may hold an extended TLV is the reader's rule (OpenThread's
 * Dataset::ValidateTlvs refuses one; sim/thread-dataset.ts follows it).
 */

/** OpenThread's OT_OPERATIONAL_DATASET_MAX_LENGTH: the most dataset bytes a device stores. */
export const MAX_DATASET_LENGTH = 254;

/** Length byte announcing a 16-bit length. */
export const EXTENDED_LENGTH = 0xff;

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

export interface DatasetTlv {
  type: number;
  value: Uint8Array;
  /** Byte offset of the TLV's type byte in the dataset. */
  offset: number;
  /** Whether the length came in the extended form. */
  extended: boolean;
}

/** On a framing error, `tlvs` holds the well-framed TLVs before it (a reader checking in order sees them first). */
export type TlvSplit = { ok: true; tlvs: DatasetTlv[] } | { ok: false; error: string; tlvs: DatasetTlv[] };

/** Splits `bytes` into TLVs, short and extended form; fails on framing only (no semantic checks). */
export function splitDatasetTlvs(bytes: Uint8Array): TlvSplit {
  const tlvs: DatasetTlv[] = [];
  for (let off = 0; off < bytes.length;) {
    if (off + 2 > bytes.length) return { ok: false, error: `TLV header at offset ${off} is truncated`, tlvs };
    const type = bytes[off]!;
    let length = bytes[off + 1]!;
    let header = 2;
    if (length === EXTENDED_LENGTH) {
      if (off + 4 > bytes.length)
        return { ok: false, error: `extended TLV header at offset ${off} is truncated`, tlvs };
      length = (bytes[off + 2]! << 8) | bytes[off + 3]!;
      header = 4;
    }
    const end = off + header + length;
    if (end > bytes.length) {
      return {
        ok: false,
        error: `TLV ${type} at offset ${off} claims ${length} bytes, ${bytes.length - off - header} left: it runs past the end of the dataset`,
        tlvs,
      };
    }
    tlvs.push({ type, value: bytes.subarray(off + header, end), offset: off, extended: header === 4 });
    off = end;
  }
  return { ok: true, tlvs };
}
