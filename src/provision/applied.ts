/**
 * After Apply, tell the truth. Once the device accepted ApplyConfig it holds the credentials and starts
 * joining on its own; whatever then goes wrong on our side (a lost status answer, a device that stopped its
 * provisioning service after joining, a deadline) does not undo that. Such a failure is reported as
 * APPLIED_UNCONFIRMED, so that a script checks the device another way instead of provisioning it again. The
 * device's own verdicts (wrong passphrase, network not found, Thread attach failed) stay what they are.
 */
import { EspProvError, toEspProvError, type ErrorCode } from '../errors.js';
import { isDeviceRefusal } from '../transport/transport.js';

/** Outcomes the device reported itself: they say what happened, so they need no "applied" caveat. */
const VERDICTS: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'WIFI_AUTH_FAILED',
  'WIFI_NOT_FOUND',
  'WIFI_FAILED',
  'THREAD_DATASET_INVALID',
  'THREAD_NOT_FOUND',
  'APPLIED_UNCONFIRMED',
]);

/** The device no longer takes a session: after Apply that is what a device does once it has joined. */
function deviceGone(e: EspProvError): boolean {
  return (
    e.code === 'DEVICE_NOT_FOUND' ||
    e.code === 'HANDSHAKE_FAILED' ||
    isDeviceRefusal(e) ||
    e.details?.['unreachable'] === true
  );
}

/**
 * A failed ApplyConfig exchange whose request reached the device: its answer was lost (deadline, a link that
 * failed, HTTP 5xx) or unreadable, so the device may well have applied the credentials. The device's own
 * refusal (no answer after reading it, an error status in the answer) means it did not.
 */
export function applyAnswerLost(e: unknown, network: string): EspProvError {
  const err = toEspProvError(e);
  const lost =
    err.code === 'TIMEOUT' ||
    err.code === 'DECRYPT_FAILED' ||
    err.code === 'DECODE_FAILED' ||
    (err.code === 'CONNECTION_LOST' && !isDeviceRefusal(err)) ||
    (err.code === 'DEVICE_STATUS' &&
      typeof err.details?.['httpStatus'] === 'number' &&
      err.details['httpStatus'] >= 500);
  if (err.code === 'CANCELLED') {
    return new EspProvError(
      'CANCELLED',
      `interrupted while applying: the device may have applied the credentials and be joining ${network}`,
      {
        cause: err,
        details: { ...err.details, applied: 'maybe' },
      },
    );
  }
  if (!lost) return err;
  return new EspProvError(
    'APPLIED_UNCONFIRMED',
    `the device's answer to Apply was lost (${err.message}): it may have applied the credentials and be joining ${network}`,
    {
      cause: err,
      ...(err.endpoint === undefined ? {} : { endpoint: err.endpoint }),
      details: { ...err.details, applied: 'maybe', failure: err.code },
    },
  );
}

/** `e` as it must be reported when it happened after the device accepted the credentials for `network`. */
export function afterApply(e: unknown, network: string): EspProvError {
  const err = toEspProvError(e);
  if (VERDICTS.has(err.code)) return err;
  const endpoint = err.endpoint === undefined ? {} : { endpoint: err.endpoint };
  const details = { ...err.details, applied: true, failure: err.code };
  if (err.code === 'CANCELLED') {
    return new EspProvError(
      'CANCELLED',
      `interrupted after the credentials were applied: the device may still join ${network}`,
      {
        cause: err,
        ...endpoint,
        details,
      },
    );
  }
  const last = toEspProvError(err.cause ?? err);
  const gone = 'the device stopped answering (it ends provisioning once it has joined, so it most likely did)';
  const why = deviceGone(err)
    ? gone
    : err.code === 'TIMEOUT' && deviceGone(last)
      ? `${err.message}, and then ${gone}`
      : err.message;
  const note = typeof err.details?.['note'] === 'string' ? `; ${err.details['note']}` : '';
  return new EspProvError(
    'APPLIED_UNCONFIRMED',
    `the credentials were applied, but the outcome could not be read: ${why}${note}; the device may have joined ${network}`,
    { cause: err, ...endpoint, details },
  );
}
