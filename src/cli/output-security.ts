/**
 * What the chosen security scheme does not protect, said once per run: at a terminal as one warning line,
 * in --json as fields of the `security` event. Security 0 sends everything, the passphrase included, in clear;
 * Security 1 encrypts with AES-CTR and nothing authenticates a message (a changed byte changes the plaintext
 * unnoticed, PROTOCOL.md §9 item 12), and without a PoP its key exchange is open to anyone in range.
 */
import type { SecurityChoice } from '../session/version.js';

export interface SecurityFacts {
  /** Whether the credentials are encrypted on the link. */
  encrypted: boolean;
  /** Whether a changed or forged message would be noticed. */
  authenticated: boolean;
  /** One line saying what the scheme does not protect and suggesting Security 2; absent for Security 2. */
  warning?: string;
}

export function securityFacts(choice: Pick<SecurityChoice, 'version' | 'popRequired'>): SecurityFacts {
  if (choice.version === 2) return { encrypted: true, authenticated: true };
  if (choice.version === 0) {
    return {
      encrypted: false,
      authenticated: false,
      warning:
        'Security 0 sends the Wi-Fi credentials in clear: anyone in range can read them. Use Security 2 if the device can.',
    };
  }
  return {
    encrypted: true,
    authenticated: false,
    warning: choice.popRequired
      ? 'Security 1 encrypts but does not authenticate: a changed message goes unnoticed. Prefer Security 2.'
      : 'Security 1 without a PoP: anyone in range can open a session, and changed messages go unnoticed. Prefer Security 2.',
  };
}
