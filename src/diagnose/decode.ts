/**
 * Decoding a recorded message for a transcript: the protobuf as text (PROTOCOL.md §2, §3), with the fields that
 * carry credentials replaced by a marker. What counts as a secret: a Wi-Fi passphrase, and inside a Thread
 * dataset the network key and PSKc TLVs (the rest of the dataset stays readable so that a bad dataset can be
 * diagnosed). Nothing else the manager endpoints carry is secret; custom endpoints are recorded raw.
 */
import { fromUtf8, toHex } from '../bytes.js';
import {
  netprov,
  Sec0MsgType,
  Sec1MsgType,
  Sec2MsgType,
  SecSchemeVersion,
  SessionData,
  Status,
  WiFiConfigMsgType,
  WiFiConfigPayload,
  WifiAuthMode,
  WifiConnectFailedReason,
  WiFiCtrlMsgType,
  WiFiCtrlPayload,
  WiFiScanMsgType,
  WiFiScanPayload,
  WifiStationState,
} from '../gen/proto.js';
import {
  CONFIG_ENDPOINT,
  CTRL_ENDPOINT,
  SCAN_ENDPOINT,
  SESSION_ENDPOINT,
  VERSION_ENDPOINT,
} from '../protocol/endpoints.js';
import { DATASET_TLV, splitDatasetTlvs } from '../protocol/thread-tlv.js';

export const REDACTED = '<redacted>';

/** Field names whose value is a credential wherever they appear. */
const SECRET_FIELDS = new Set(['passphrase']);
/** Fields holding a Thread dataset: only its key TLVs are secret. */
const DATASET_FIELDS = new Set(['dataset']);
const SECRET_TLVS = new Set<number>([DATASET_TLV.NetworkKey, DATASET_TLV.Pskc]);

export interface DecodedMessage {
  /** The message as text, secrets replaced by REDACTED. */
  text: string;
  /** True when a secret was replaced: the raw bytes of this message must not be written. */
  redacted: boolean;
}

/** Which protobuf family the device speaks: network_provisioning says so in proto-ver ("netprov-v1.2"). */
export type MessageFamily = 'wifi_prov' | 'netprov';

type Decoder = (bytes: Uint8Array) => object;

function decoderFor(endpoint: string, family: MessageFamily): Decoder | undefined {
  switch (endpoint) {
    case SESSION_ENDPOINT:
      return (b) => SessionData.decode(b);
    case CONFIG_ENDPOINT:
      return family === 'netprov' ? (b) => netprov.NetworkConfigPayload.decode(b) : (b) => WiFiConfigPayload.decode(b);
    case SCAN_ENDPOINT:
      return family === 'netprov' ? (b) => netprov.NetworkScanPayload.decode(b) : (b) => WiFiScanPayload.decode(b);
    case CTRL_ENDPOINT:
      return family === 'netprov' ? (b) => netprov.NetworkCtrlPayload.decode(b) : (b) => WiFiCtrlPayload.decode(b);
    default:
      return undefined;
  }
}

/** A generated enum: value → name through its reverse entries (protobufjs sets both directions). */
type EnumTable = Readonly<Record<number, string>>;

interface TextState {
  redacted: boolean;
  endpoint: string;
  family: MessageFamily;
}

/**
 * The enum a field holds, by its name and the message field it sits in (the static code keeps no reflection).
 * `msg` is the one name shared by many enums: the session's sec0/sec1/sec2 messages and each endpoint's payload.
 */
function enumFor(name: string, parent: string | undefined, s: TextState): EnumTable | undefined {
  const np = s.family === 'netprov';
  switch (name) {
    case 'status':
      return Status;
    case 'sec_ver':
      return SecSchemeVersion;
    case 'sta_state':
      return WifiStationState;
    case 'wifi_sta_state':
      return netprov.WifiStationState;
    case 'fail_reason':
      return WifiConnectFailedReason;
    case 'wifi_fail_reason':
      return netprov.WifiConnectFailedReason;
    case 'thread_state':
      return netprov.ThreadNetworkState;
    case 'thread_fail_reason':
      return netprov.ThreadAttachFailedReason;
    case 'auth':
    case 'auth_mode':
      return np ? netprov.WifiAuthMode : WifiAuthMode;
    case 'msg':
      if (parent === 'sec0') return Sec0MsgType;
      if (parent === 'sec1') return Sec1MsgType;
      if (parent === 'sec2') return Sec2MsgType;
      if (parent !== undefined) return undefined;
      if (s.endpoint === CONFIG_ENDPOINT) return np ? netprov.NetworkConfigMsgType : WiFiConfigMsgType;
      if (s.endpoint === SCAN_ENDPOINT) return np ? netprov.NetworkScanMsgType : WiFiScanMsgType;
      if (s.endpoint === CTRL_ENDPOINT) return np ? netprov.NetworkCtrlMsgType : WiFiCtrlMsgType;
      return undefined;
    default:
      return undefined;
  }
}

/** The name an enum value of field `name` (inside message field `parent`) has, if its enum names it. */
export function enumName(
  endpoint: string,
  family: MessageFamily,
  name: string,
  parent: string | undefined,
  value: number,
): string | undefined {
  return enumFor(name, parent, { redacted: false, endpoint, family })?.[value];
}

/**
 * The field names of the .proto files (and of protobuf text format), from the generated code's camelCase.
 * A name already in snake_case is left as it is.
 */
export function protoName(camel: string): string {
  return camel.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase());
}

/** Bytes in protobuf text style: printable ASCII as is, the rest as octal escapes. */
function quoteBytes(bytes: Uint8Array): string {
  let s = '"';
  for (const b of bytes) {
    if (b === 0x22 || b === 0x5c) s += '\\' + String.fromCharCode(b);
    else if (b >= 0x20 && b < 0x7f) s += String.fromCharCode(b);
    else s += '\\' + b.toString(8).padStart(3, '0');
  }
  return s + '"';
}

function redactDataset(bytes: Uint8Array): { text: string; redacted: boolean } {
  const split = splitDatasetTlvs(bytes);
  // A dataset that does not frame cannot be cut safely: all of it is treated as secret.
  if (!split.ok) return { text: REDACTED, redacted: true };
  let redacted = false;
  const parts = split.tlvs.map((t) => {
    if (!SECRET_TLVS.has(t.type)) return `${t.type}:${toHex(t.value)}`;
    redacted = true;
    return `${t.type}:${REDACTED}`;
  });
  return { text: `"tlvs[${parts.join(' ')}]"`, redacted };
}

function fieldText(name: string, value: unknown, parent: string | undefined, state: TextState): string {
  if (value instanceof Uint8Array) {
    if (SECRET_FIELDS.has(name)) {
      state.redacted = true;
      return `${name}: ${REDACTED}`;
    }
    if (DATASET_FIELDS.has(name)) {
      const d = redactDataset(value);
      state.redacted ||= d.redacted;
      return `${name}: ${d.text}`;
    }
    return `${name}: ${quoteBytes(value)}`;
  }
  if (Array.isArray(value)) return value.map((v) => fieldText(name, v, parent, state)).join(' ');
  if (value !== null && typeof value === 'object') return `${name} { ${messageText(value, name, state)}}`;
  if (SECRET_FIELDS.has(name)) {
    state.redacted = true;
    return `${name}: ${REDACTED}`;
  }
  if (typeof value === 'number') {
    // An enum value as its name, as protobuf text format prints it; a number the enum lacks stays a number.
    const label = enumFor(name, parent, state)?.[value];
    if (label !== undefined) return `${name}: ${label}`;
  }
  return `${name}: ${typeof value === 'string' ? JSON.stringify(value) : String(value)}`;
}

/** Fields set on the decoded message (protobufjs keeps defaults on the prototype, oneof cases are own keys). */
function messageText(message: object, parent: string | undefined, state: TextState): string {
  let s = '';
  for (const [camel, value] of Object.entries(message)) {
    if (camel === '$unknowns' || value === undefined || value === null) continue;
    s += fieldText(protoName(camel), value, parent, state) + ' ';
  }
  return s;
}

/**
 * Decodes one plaintext message of `endpoint`. proto-ver is text; custom endpoints are raw (hex); a message
 * that does not parse is reported as such (the bytes stay in the transcript).
 */
export function decodeMessage(endpoint: string, plaintext: Uint8Array, family: MessageFamily): DecodedMessage {
  if (endpoint === VERSION_ENDPOINT) return { text: fromUtf8(plaintext), redacted: false };
  const decode = decoderFor(endpoint, family);
  if (!decode) return { text: `raw ${toHex(plaintext)}`, redacted: false };
  let message: object;
  try {
    message = decode(plaintext);
  } catch (e) {
    return { text: `undecodable: ${(e as Error).message}`, redacted: false };
  }
  const state: TextState = { redacted: false, endpoint, family };
  return { text: messageText(message, undefined, state).trimEnd(), redacted: state.redacted };
}

export function familyOf(protoVer: string | undefined): MessageFamily {
  return protoVer?.startsWith('netprov') ? 'netprov' : 'wifi_prov';
}
