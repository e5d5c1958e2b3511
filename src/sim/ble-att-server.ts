/**
 * A small ATT server (Bluetooth Core Vol 3 Part F): the PDUs a GATT client sends to discover and use the
 * provisioning service. Discovery is answered from the attribute table; reads and writes of endpoint values
 * are delegated to a backend that models the device's BLE host (NimBLE or Bluedroid, ble-gatt-model.ts).
 */
import { concatBytes } from '../bytes.js';
import { le16, uuid16, uuidWire, GATT_PRIMARY_SERVICE, type Attribute } from './ble-att-table.js';

export const ATT = {
  ERROR: 0x01,
  MTU_REQ: 0x02,
  MTU_RSP: 0x03,
  FIND_INFO_REQ: 0x04,
  FIND_INFO_RSP: 0x05,
  READ_BY_TYPE_REQ: 0x08,
  READ_BY_TYPE_RSP: 0x09,
  READ_REQ: 0x0a,
  READ_RSP: 0x0b,
  READ_BLOB_REQ: 0x0c,
  READ_BLOB_RSP: 0x0d,
  READ_BY_GROUP_REQ: 0x10,
  READ_BY_GROUP_RSP: 0x11,
  WRITE_REQ: 0x12,
  WRITE_RSP: 0x13,
  PREPARE_WRITE_REQ: 0x16,
  PREPARE_WRITE_RSP: 0x17,
  EXECUTE_WRITE_REQ: 0x18,
  EXECUTE_WRITE_RSP: 0x19,
  WRITE_CMD: 0x52,
} as const;

export const ATT_ERR = {
  INVALID_HANDLE: 0x01,
  READ_NOT_PERMITTED: 0x02,
  WRITE_NOT_PERMITTED: 0x03,
  INVALID_PDU: 0x04,
  INSUFFICIENT_AUTHENTICATION: 0x05,
  REQUEST_NOT_SUPPORTED: 0x06,
  INVALID_OFFSET: 0x07,
  ATTRIBUTE_NOT_FOUND: 0x0a,
  INVALID_ATTRIBUTE_VALUE_LENGTH: 0x0d,
  UNLIKELY: 0x0e,
} as const;

/** What the host does with a write: answer, refuse with an ATT error, or drop the link unanswered (Bluedroid failure). */
export type WriteOutcome = { ok: true } | { error: number } | { drop: true };

export interface AttLinkState {
  /** ATT MTU of the link: 23 until exchanged. */
  mtu: number;
}

export interface AttBackend {
  readonly attributes: readonly Attribute[];
  readonly serverMtu: number;
  /** Value bytes from `offset` (at most mtu-1 of them), or an ATT error code. */
  read(link: AttLinkState, attribute: Attribute, offset: number): Uint8Array | number;
  write(link: AttLinkState, attribute: Attribute, data: Uint8Array): Promise<WriteOutcome>;
  prepare(link: AttLinkState, attribute: Attribute, offset: number, data: Uint8Array): WriteOutcome;
  execute(link: AttLinkState, commit: boolean): Promise<WriteOutcome>;
}

export interface AttReply {
  response: Uint8Array | null;
  /** Drop the link after sending `response` (if any). */
  drop: boolean;
}

export function errorPdu(request: number, handle: number, code: number): Uint8Array {
  return Uint8Array.of(ATT.ERROR, request, ...le16(handle), code);
}

const u16 = (pdu: Uint8Array, at: number): number => (pdu[at] ?? 0) | ((pdu[at + 1] ?? 0) << 8);
const reply = (response: Uint8Array | null, drop = false): AttReply => ({ response, drop });

export async function serveAtt(backend: AttBackend, link: AttLinkState, pdu: Uint8Array): Promise<AttReply> {
  const op = pdu[0];
  if (op === undefined) return reply(null);
  if (pdu.length > link.mtu) return reply(errorPdu(op, 0, ATT_ERR.INVALID_PDU));
  const attrAt = (h: number): Attribute | undefined => backend.attributes[h - 1];
  switch (op) {
    case ATT.MTU_REQ: {
      link.mtu = Math.max(23, Math.min(u16(pdu, 1), backend.serverMtu));
      return reply(Uint8Array.of(ATT.MTU_RSP, ...le16(backend.serverMtu)));
    }
    case ATT.READ_BY_GROUP_REQ:
    case ATT.READ_BY_TYPE_REQ:
    case ATT.FIND_INFO_REQ:
      return reply(discovery(backend.attributes, link.mtu, pdu));
    case ATT.READ_REQ:
    case ATT.READ_BLOB_REQ: {
      const handle = u16(pdu, 1);
      const attribute = attrAt(handle);
      if (!attribute) return reply(errorPdu(op, handle, ATT_ERR.INVALID_HANDLE));
      const got = backend.read(link, attribute, op === ATT.READ_REQ ? 0 : u16(pdu, 3));
      if (typeof got === 'number') return reply(errorPdu(op, handle, got));
      return reply(concatBytes(Uint8Array.of(op + 1), got.subarray(0, link.mtu - 1)));
    }
    case ATT.WRITE_REQ:
    case ATT.PREPARE_WRITE_REQ: {
      const handle = u16(pdu, 1);
      const attribute = attrAt(handle);
      if (!attribute) return reply(errorPdu(op, handle, ATT_ERR.INVALID_HANDLE));
      if (attribute.kind !== 'value') return reply(errorPdu(op, handle, ATT_ERR.WRITE_NOT_PERMITTED));
      if (op === ATT.WRITE_REQ) {
        return outcome(await backend.write(link, attribute, pdu.slice(3)), op, handle, Uint8Array.of(ATT.WRITE_RSP));
      }
      const ok = concatBytes(Uint8Array.of(ATT.PREPARE_WRITE_RSP), pdu.subarray(1));
      return outcome(backend.prepare(link, attribute, u16(pdu, 3), pdu.slice(5)), op, handle, ok);
    }
    case ATT.EXECUTE_WRITE_REQ:
      return outcome(await backend.execute(link, pdu[1] === 1), op, 0, Uint8Array.of(ATT.EXECUTE_WRITE_RSP));
    case ATT.WRITE_CMD:
      return reply(null);
    default:
      // Odd opcodes are responses/confirmations from the client; unknown requests are refused.
      return reply(op % 2 === 0 ? errorPdu(op, 0, ATT_ERR.REQUEST_NOT_SUPPORTED) : null);
  }
}

function outcome(o: WriteOutcome, op: number, handle: number, ok: Uint8Array): AttReply {
  if ('ok' in o) return reply(ok);
  if ('error' in o) return reply(errorPdu(op, handle, o.error));
  return reply(null, true);
}

/** Read By Group Type (services), Read By Type (declarations) and Find Information (descriptors). */
function discovery(attributes: readonly Attribute[], mtu: number, pdu: Uint8Array): Uint8Array {
  const op = pdu[0]!;
  const start = u16(pdu, 1);
  const end = u16(pdu, 3);
  if (start === 0 || start > end) return errorPdu(op, start, ATT_ERR.INVALID_HANDLE);
  const inRange = attributes.filter((a) => a.handle >= start && a.handle <= end);
  let entries: Uint8Array[];
  if (op === ATT.FIND_INFO_REQ) {
    entries = inRange.map((a) => concatBytes(le16(a.handle), uuidWire(a.type)));
  } else {
    const wantedType = pdu.length === 7 ? uuid16(u16(pdu, 5)) : null;
    if (op === ATT.READ_BY_GROUP_REQ && wantedType !== uuid16(GATT_PRIMARY_SERVICE)) {
      return errorPdu(op, start, 0x10 /* Unsupported Group Type */);
    }
    const matching = inRange.filter((a) => a.type === wantedType);
    entries = matching.map((a) =>
      op === ATT.READ_BY_GROUP_REQ
        ? concatBytes(le16(a.handle), le16(a.groupEnd ?? a.handle), a.value ?? new Uint8Array())
        : concatBytes(le16(a.handle), a.value ?? new Uint8Array()),
    );
  }
  if (entries.length === 0) return errorPdu(op, start, ATT_ERR.ATTRIBUTE_NOT_FOUND);
  // One response holds entries of one size only, as many as fit in MTU-2 bytes.
  const size = entries[0]!.length;
  const fit = Math.max(1, Math.floor((mtu - 2) / size));
  const same: Uint8Array[] = [];
  for (const e of entries) {
    if (e.length !== size || same.length === fit) break;
    same.push(e);
  }
  const header =
    op === ATT.FIND_INFO_REQ ? Uint8Array.of(ATT.FIND_INFO_RSP, size === 4 ? 0x01 : 0x02) : Uint8Array.of(op + 1, size);
  return concatBytes(header, ...same);
}
