/**
 * Workarounds for noble 2.8's raw-HCI GATT client (lib/hci-socket/gatt.js), the binding used on Linux. Read
 * from its source and reproduced through the fake bindings, which run that very class (test/ble-*.test.ts):
 *
 * 1. MTU. After the exchange it adopts the server's MTU instead of min(client, server). A Bluedroid device
 *    offers 500 (PROTOCOL.md §2.2.3) while noble asks for 256, so noble believes 500: it sends the 406-byte
 *    Sec2 Cmd0 as one Write Request larger than the real MTU, and ends long reads after 255 bytes believing
 *    the value complete. Clamped to what noble asked for.
 * 2. ATT error 0x04, NimBLE's only failure signal (§2.2.7), is dropped without completing the command: the
 *    write never resolves and every later operation on the link queues behind it for ever. Other error
 *    responses complete the command silently (a failed read resolves with partial data). Error responses to
 *    our requests are reported to the transport, and 0x04 is handed on as 0x0E so that noble's queue moves on.
 *
 * Everything is feature-detected; with another binding (macOS, Windows, D-Bus, which report ATT errors as
 * errors) nothing is installed.
 */
import type { NobleLike } from './ble-noble.js';

const ATT_CID = 0x0004;
const ATT_OP_ERROR = 0x01;
const ATT_OP_MTU_REQ = 0x02;
/** Requests whose error response we surface: read, read blob, write, prepare write, execute write. */
const SURFACED_REQUESTS = new Set([0x0a, 0x0c, 0x12, 0x16, 0x18]);
/** Authentication/encryption errors: noble itself reacts by pairing, so they are left to it. */
const SECURITY_ERRORS = new Set([0x05, 0x08, 0x0f]);

export interface AttErrorReport {
  requestOpcode: number;
  handle: number;
  code: number;
}

interface AclStreamLike {
  on(event: 'data', l: (cid: number, data: Buffer) => void): unknown;
  removeListener(event: 'data', l: (cid: number, data: Buffer) => void): unknown;
}

interface HciGattLike {
  _aclStream: AclStreamLike;
  _currentCommand: { buffer?: Buffer } | null;
  _mtu: number;
  _desired_mtu: number;
  onAclStreamDataBinded: (cid: number, data: Buffer) => void;
}

export interface HciWorkarounds {
  /** The ATT MTU in use after clamping. */
  mtu(): number;
}

function hciGattOf(noble: NobleLike, peripheralId: string): HciGattLike | null {
  const bindings = (noble as unknown as { _bindings?: { _gatts?: Record<string, unknown> } })._bindings;
  const gatt = bindings?._gatts?.[peripheralId] as Partial<HciGattLike> | undefined;
  if (
    !gatt ||
    typeof gatt.onAclStreamDataBinded !== 'function' ||
    typeof gatt._mtu !== 'number' ||
    typeof gatt._desired_mtu !== 'number' ||
    typeof gatt._aclStream?.on !== 'function' ||
    !('_currentCommand' in gatt)
  ) {
    return null;
  }
  return gatt as HciGattLike;
}

export function installHciWorkarounds(
  noble: NobleLike,
  peripheralId: string,
  onAttError: (report: AttErrorReport) => void,
): HciWorkarounds | null {
  const gatt = hciGattOf(noble, peripheralId);
  if (!gatt) return null;
  const original = gatt.onAclStreamDataBinded;
  const clamp = (): void => {
    if (gatt._mtu > gatt._desired_mtu) gatt._mtu = gatt._desired_mtu;
  };
  const patched = (cid: number, data: Buffer): void => {
    const pending = gatt._currentCommand?.buffer?.[0];
    let pdu = data;
    if (cid === ATT_CID && data.length >= 5 && data[0] === ATT_OP_ERROR && pending !== undefined) {
      const code = data[4]!;
      if (SURFACED_REQUESTS.has(pending) && !SECURITY_ERRORS.has(code)) {
        onAttError({ requestOpcode: data[1]!, handle: data.readUInt16LE(2), code });
      }
      if (code === 0x04) {
        pdu = Buffer.from(data);
        pdu[4] = 0x0e;
      }
    }
    original(cid, pdu);
    if (pending === ATT_OP_MTU_REQ) clamp();
  };
  gatt._aclStream.removeListener('data', original);
  gatt._aclStream.on('data', patched);
  gatt.onAclStreamDataBinded = patched;
  clamp();
  // No uninstall: the Gatt object and its stream are discarded with the link.
  return { mtu: () => gatt._mtu };
}
