/**
 * Fault injection for the simulated device: make one phase of the exchange misbehave the ways real devices
 * and links do, so clients can be tested against every failure they must survive.
 *
 *   delay            answer after `delayMs` (the request is processed first; the wait honours the caller's abort)
 *   close            fail without a response (DeviceFailure: HTTP close, ATT error, …); the request was read and
 *                    decrypted, so cipher streams stay in step as after any handler failure (§4.2, §4.3.5)
 *   corrupt          flip one bit of the response as sent (after encryption)
 *   wrong-proof      a device_verify_data / device_proof that does not verify (handshake1 only)
 *   garbage-version  proto-ver answers non-JSON junk (version only)
 *   truncate         cut the plaintext response in half before encryption
 *   unknown-enum     enum values no release defines (sta_state 9, thread_state 9, auth 42, status 99)
 */
import { EspProvError } from '../errors.js';

export const FAULT_KINDS = [
  'delay',
  'close',
  'corrupt',
  'wrong-proof',
  'garbage-version',
  'truncate',
  'unknown-enum',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export const FAULT_PHASES = [
  'version',
  'handshake0',
  'handshake1',
  'custom-data',
  'scan',
  'set',
  'apply',
  'status',
  'ctrl',
] as const;
export type FaultPhase = (typeof FAULT_PHASES)[number];

export const DEFAULT_FAULT_DELAY_MS = 1000;
/** What `garbage-version` answers: neither JSON nor a plausible version string. */
export const GARBAGE_VERSION = new Uint8Array([0x7b, 0x22, 0x70, 0x72, 0xff, 0x00, 0x3c, 0x3f, 0x0a]);

export interface FaultSpec {
  kind: FaultKind;
  phase: FaultPhase;
  /** 'once' (default): the first matching request only; 'always': every one. */
  repeat?: 'once' | 'always';
  /** For 'delay': how long, in ms (default DEFAULT_FAULT_DELAY_MS). */
  delayMs?: number;
}

/** Whether `kind` means something in `phase`. */
export function faultApplies(kind: FaultKind, phase: FaultPhase): boolean {
  switch (kind) {
    case 'wrong-proof':
      return phase === 'handshake1';
    case 'garbage-version':
      return phase === 'version';
    case 'unknown-enum':
      return phase !== 'version' && phase !== 'custom-data';
    default:
      return true;
  }
}

/** Every meaningful (kind, phase) pair, for tests that walk the whole matrix. */
export const FAULT_MATRIX: readonly { kind: FaultKind; phase: FaultPhase }[] = FAULT_KINDS.flatMap((kind) =>
  FAULT_PHASES.filter((phase) => faultApplies(kind, phase)).map((phase) => ({ kind, phase })),
);

export function validateFault(spec: FaultSpec): FaultSpec {
  if (!(FAULT_KINDS as readonly string[]).includes(spec.kind)) {
    throw new EspProvError('USAGE', `unknown fault kind "${spec.kind}" (one of ${FAULT_KINDS.join(', ')})`);
  }
  if (!(FAULT_PHASES as readonly string[]).includes(spec.phase)) {
    throw new EspProvError('USAGE', `unknown fault phase "${spec.phase}" (one of ${FAULT_PHASES.join(', ')})`);
  }
  if (!faultApplies(spec.kind, spec.phase)) {
    const where = FAULT_PHASES.filter((p) => faultApplies(spec.kind, p)).join(', ');
    throw new EspProvError('USAGE', `fault ${spec.kind} does not apply to phase ${spec.phase} (only: ${where})`);
  }
  if (spec.delayMs !== undefined && (!Number.isFinite(spec.delayMs) || spec.delayMs < 0)) {
    throw new EspProvError('USAGE', `fault delay must be a non-negative number of ms (got ${spec.delayMs})`);
  }
  return spec;
}

/**
 * Parses "kind:phase[:once|always][:ms]", e.g. "close:handshake1", "delay:scan:always:2500".
 * Errors say which part is wrong.
 */
export function parseFaultSpec(text: string): FaultSpec {
  const [kind, phase, ...rest] = text.split(':');
  if (!kind || !phase) throw new EspProvError('USAGE', `fault "${text}" must look like kind:phase[:once|always][:ms]`);
  const spec: FaultSpec = { kind: kind as FaultKind, phase: phase as FaultPhase };
  for (const part of rest) {
    if (part === 'once' || part === 'always') spec.repeat = part;
    else if (/^\d+$/.test(part)) spec.delayMs = Number(part);
    else throw new EspProvError('USAGE', `fault "${text}": "${part}" is neither once, always nor a delay in ms`);
  }
  return validateFault(spec);
}

/** The armed faults of one device; `take` returns (and, for 'once', disarms) the faults matching a request. */
export class FaultPlan {
  #armed: FaultSpec[];

  constructor(specs: readonly FaultSpec[]) {
    this.#armed = specs.map((s) => validateFault({ ...s }));
  }

  /** The fault of `kind` armed for `phase`, consumed if it fires once. */
  take(kind: FaultKind, phase: FaultPhase | undefined): FaultSpec | undefined {
    if (phase === undefined) return undefined;
    const fault = this.#armed.find((f) => f.kind === kind && f.phase === phase);
    if (fault && (fault.repeat ?? 'once') === 'once') this.#armed = this.#armed.filter((f) => f !== fault);
    return fault;
  }
}

/** One flipped bit in the middle of the response: Sec2 then fails its tag check, Sec0/Sec1 plaintext changes. */
export function corrupt(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(data);
  if (out.length > 0) out[Math.floor(out.length / 2)]! ^= 0x04;
  return out;
}

/** The first half of the response (at least one byte shorter). */
export function truncate(data: Uint8Array): Uint8Array {
  return data.slice(0, Math.min(Math.floor(data.length / 2), Math.max(0, data.length - 1)));
}
