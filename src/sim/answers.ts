/**
 * A hostile device's answers, for testing what a client shows and survives: the texts a device chooses
 * (its proto-ver version and capabilities, the IP text it reports, the custom-data answer) set to anything,
 * escape sequences and oversize included, and HTTP error statuses in place of an answer. Real firmware sends
 * none of this; a device that is not what it claims to be (or a proxy between) can.
 */
import { DeviceFailure } from '../protocol/device.js';
import { EspProvError } from '../errors.js';
import { FAULT_PHASES, type FaultPhase } from './faults.js';

export interface SimHttpStatusAnswer {
  /** 400–599. */
  status: number;
  phase: FaultPhase;
  /** 'once' (default): the first matching request only; 'always': every one. */
  repeat?: 'once' | 'always';
}

export interface SimAnswers {
  /** `prov.ver` in the proto-ver JSON, instead of the flavour's ("v1.1"). */
  provVersion?: string;
  /** Appended to `prov.cap`. */
  capabilities?: readonly string[];
  /** The ip4_addr text reported once connected, sent as given (unlike dhcpIp, not checked as IPv4). */
  ip?: string;
  /** What the custom-data endpoint answers (default: the example's "SUCCESS\0"). */
  customData?: Uint8Array;
  /** SoftAP only: this HTTP status instead of the answer, after the request was handled. */
  httpStatus?: SimHttpStatusAnswer;
}

/** Thrown by the device instead of answering; the HTTP server sends the status, other transports close. */
export class HttpStatusFailure extends DeviceFailure {
  readonly status: number;

  constructor(status: number) {
    super(`answer: HTTP ${status}`);
    this.status = status;
  }
}

function bad(what: string): EspProvError {
  return new EspProvError('USAGE', `device answers: ${what}`);
}

export function checkHttpStatus(a: SimHttpStatusAnswer): SimHttpStatusAnswer {
  if (!Number.isInteger(a.status) || a.status < 400 || a.status > 599) throw bad('an HTTP status is 400 to 599');
  if (!(FAULT_PHASES as readonly string[]).includes(a.phase)) {
    throw bad(`unknown phase "${a.phase}" (one of ${FAULT_PHASES.join(', ')})`);
  }
  return a;
}

/** "CODE:PHASE[:once|always]", e.g. "500:status:always". */
export function parseHttpStatus(text: string): SimHttpStatusAnswer {
  const [code, phase, repeat, ...rest] = text.split(':');
  if (
    !code ||
    !/^\d+$/.test(code) ||
    !phase ||
    rest.length > 0 ||
    (repeat && repeat !== 'once' && repeat !== 'always')
  ) {
    throw bad(`"${text}" must look like CODE:PHASE[:once|always], e.g. 500:status`);
  }
  const a: SimHttpStatusAnswer = { status: Number(code), phase: phase as FaultPhase };
  if (repeat === 'once' || repeat === 'always') a.repeat = repeat;
  return checkHttpStatus(a);
}

/**
 * The `sim --answers` JSON: {"provVersion": text, "capabilities": [text], "ip": text,
 * "customData": text | {"hex": "..."}}; every key optional, no others.
 */
export function loadAnswers(jsonText: string): SimAnswers {
  let data: unknown;
  try {
    data = JSON.parse(jsonText);
  } catch (e) {
    throw new EspProvError('USAGE', `device answers are not valid JSON: ${(e as Error).message}`, { cause: e });
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw bad('must be a JSON object');
  const o = data as Record<string, unknown>;
  const known = ['provVersion', 'capabilities', 'ip', 'customData'];
  const unknown = Object.keys(o).filter((k) => !known.includes(k));
  if (unknown.length > 0) throw bad(`unknown key(s) ${unknown.join(', ')} (known: ${known.join(', ')})`);
  const answers: SimAnswers = {};
  const text = (key: string): string | undefined => {
    const v = o[key];
    if (v !== undefined && typeof v !== 'string') throw bad(`${key} must be a string`);
    return v;
  };
  const provVersion = text('provVersion');
  if (provVersion !== undefined) answers.provVersion = provVersion;
  const ip = text('ip');
  if (ip !== undefined) answers.ip = ip;
  const caps = o['capabilities'];
  if (caps !== undefined) {
    if (!Array.isArray(caps) || !caps.every((c) => typeof c === 'string')) {
      throw bad('capabilities must be an array of strings');
    }
    answers.capabilities = caps;
  }
  const custom = o['customData'];
  if (typeof custom === 'string') answers.customData = new TextEncoder().encode(custom);
  else if (typeof custom === 'object' && custom !== null && typeof (custom as { hex?: unknown }).hex === 'string') {
    const hex = (custom as { hex: string }).hex;
    if (!/^(?:[0-9a-fA-F]{2})*$/.test(hex)) throw bad('customData.hex must be hex digits (an even number)');
    answers.customData = new Uint8Array(Buffer.from(hex, 'hex'));
  } else if (custom !== undefined) throw bad('customData must be a string or {"hex": "..."}');
  return answers;
}
