/**
 * Text from outside (a file, stdin, the environment) becomes a string only when it is UTF-8: a lenient decoder
 * turns stray bytes into U+FFFD, and the device would then receive a different passphrase than the one in the
 * file, failing later as a misleading WIFI_AUTH_FAILED. Pure, so that whoever reads the bytes can call it.
 */
import { EspProvError } from '../errors.js';

// ignoreBOM keeps a leading U+FEFF as part of the value instead of silently dropping it: never alter.
const STRICT = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * The bytes as text, or USAGE naming `what` (e.g. "the passphrase from /run/secrets/wifi"). The message never
 * contains the bytes themselves: they may be a secret.
 */
export function decodeUtf8Strict(bytes: Uint8Array, what: string): string {
  try {
    return STRICT.decode(bytes);
  } catch (e) {
    throw new EspProvError(
      'USAGE',
      `${what} is not valid UTF-8 text (another encoding, or binary?); give the exact bytes in hex instead`,
      {
        cause: e,
      },
    );
  }
}

/**
 * Node decodes argv as UTF-8 and replaces what is not UTF-8 with U+FFFD, so U+FFFD in an argument means the
 * bytes that were typed are lost. (A deliberate U+FFFD is refused too: it cannot be told apart.)
 */
export function checkArgvText(raw: string, name: string, hexForm?: string): string {
  if (!raw.includes('\uFFFD')) return raw;
  const instead = hexForm ? `; give the exact bytes with ${hexForm}` : '';
  throw new EspProvError(
    'USAGE',
    `${name} is not valid UTF-8 (or contains U+FFFD): its bytes cannot be sent as given${instead}`,
  );
}
