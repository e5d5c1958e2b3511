/**
 * The one place error classes live. Every failure the library reports is an EspProvError with a stable
 * `code`; the CLI maps codes to exit codes through EXIT_CODES (documented in the README). Local failures
 * (our checks, timeouts) and failures the device reported (a non-Success status) carry different codes so
 * that a script can tell "the device said no" from "we could not talk to it".
 */

export const ERROR_CODES = [
  'USAGE', // bad arguments or options
  'MISSING_INPUT', // a required value was not given and prompting is not allowed
  'TRANSPORT_UNAVAILABLE', // e.g. BLE stack not installed / adapter off
  'DEVICE_NOT_FOUND', // nothing answered at the address, no BLE device of that name
  'CONNECTION_LOST', // the device closed the link without a response (its only way to report failure)
  'TIMEOUT', // a deadline passed
  'CANCELLED', // an AbortSignal fired (Ctrl-C)
  'VERSION_MISMATCH', // --proto_ver check failed
  'UNSUPPORTED', // the device or transport cannot do what was asked (scheme, capability, message size)
  'HANDSHAKE_FAILED', // the device rejected the handshake: wrong PoP / username / password
  'DEVICE_AUTH_FAILED', // the device's proof did not verify: it does not know the secret (forged or wrong device)
  'DECRYPT_FAILED', // a response did not authenticate (GCM tag) or the session keys are out of step
  'DECODE_FAILED', // malformed protobuf, wrong message type, wrong lengths
  'DEVICE_STATUS', // the device answered with an error status: a protocol status, or HTTP 4xx/5xx
  'WIFI_AUTH_FAILED', // the device could not join: wrong passphrase
  'WIFI_NOT_FOUND', // the device could not find the network
  'WIFI_FAILED', // any other Wi-Fi connection failure
  'THREAD_DATASET_INVALID', // the device could not parse the Thread dataset
  'THREAD_NOT_FOUND', // the device could not attach to the Thread network
  'BATCH_PARTIAL', // a batch ran, and some of its boards were not provisioned (each board's own code is in its result)
  'APPLIED_UNCONFIRMED', // the credentials were applied, but the device's outcome could not be read: it may have joined
  'JOURNAL_FAILED', // the batch journal could not record an outcome: the batch stopped starting boards
  'INTERNAL', // a bug in esp-prov
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** Process exit code per error code. 0 = success; 1 is reserved for unexpected crashes. */
export const EXIT_CODES: Readonly<Record<ErrorCode, number>> = {
  USAGE: 2,
  MISSING_INPUT: 2,
  TRANSPORT_UNAVAILABLE: 3,
  DEVICE_NOT_FOUND: 3,
  CONNECTION_LOST: 4,
  TIMEOUT: 5,
  CANCELLED: 130,
  VERSION_MISMATCH: 6,
  UNSUPPORTED: 6,
  HANDSHAKE_FAILED: 7,
  DEVICE_AUTH_FAILED: 8,
  DECRYPT_FAILED: 8,
  DECODE_FAILED: 9,
  DEVICE_STATUS: 10,
  WIFI_AUTH_FAILED: 11,
  WIFI_NOT_FOUND: 12,
  WIFI_FAILED: 13,
  THREAD_DATASET_INVALID: 14,
  THREAD_NOT_FOUND: 15,
  BATCH_PARTIAL: 16,
  APPLIED_UNCONFIRMED: 17,
  JOURNAL_FAILED: 18,
  INTERNAL: 1,
};

export interface EspProvErrorOptions {
  cause?: unknown;
  /** Endpoint the failure happened on, when there was one. */
  endpoint?: string;
  /** Extra structured facts for --json output (never secrets). */
  details?: Record<string, unknown>;
}

export class EspProvError extends Error {
  override readonly name = 'EspProvError';
  readonly code: ErrorCode;
  readonly endpoint: string | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options: EspProvErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.endpoint = options.endpoint;
    this.details = options.details;
  }

  get exitCode(): number {
    return EXIT_CODES[this.code];
  }
}

export function isEspProvError(e: unknown): e is EspProvError {
  return e instanceof EspProvError;
}

/** Wraps anything thrown into an EspProvError, keeping coded errors as they are. */
export function toEspProvError(e: unknown, fallback: ErrorCode = 'INTERNAL'): EspProvError {
  if (e instanceof EspProvError) return e;
  const message = e instanceof Error ? e.message : String(e);
  return new EspProvError(fallback, message, { cause: e });
}
