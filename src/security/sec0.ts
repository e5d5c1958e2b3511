/** Security 0: one plaintext round trip, no encryption (PROTOCOL.md §4.1). */
import { Sec0MsgType } from '../gen/proto.js';
import { EspProvError } from '../errors.js';
import { decodeSessionData, encodeSessionData, expectSecVer, expectStatus, handshakeError } from './handshake.js';
import type { ClientSecurity } from './scheme.js';

export class Sec0Client implements ClientSecurity {
  readonly version = 0 as const;
  readonly overheadBytes = 0;
  readonly patchLevel = undefined;
  readonly warnings: string[] = [];
  #established = false;
  #closed = false;

  get established(): boolean {
    return this.#established;
  }

  start(): Uint8Array {
    this.#open();
    this.#established = false;
    // sec_ver 0 and msg 0 are defaults and not serialised: 52 03 a2 01 00.
    return encodeSessionData({ sec0: { sc: {} } });
  }

  next(response: Uint8Array): Uint8Array | null {
    this.#open();
    const data = decodeSessionData(response);
    expectSecVer(data, 0);
    const p = data.sec0;
    if (data.proto !== 'sec0' || !p || (p.msg ?? 0) !== Sec0MsgType.S0_Session_Response || !p.sr) {
      throw handshakeError('device did not answer with a Security 0 session response');
    }
    expectStatus(p.sr.status, 'Security 0 session');
    this.#established = true;
    return null;
  }

  encrypt(plaintext: Uint8Array): Uint8Array {
    this.#open();
    return plaintext;
  }

  decrypt(ciphertext: Uint8Array): Uint8Array {
    this.#open();
    return ciphertext;
  }

  /** No keys; a closed Security 0 session refuses traffic all the same, like the other schemes. */
  dispose(): void {
    this.#closed = true;
    this.#established = false;
  }

  #open(): void {
    if (this.#closed) throw new EspProvError('INTERNAL', 'the Security 0 session was closed');
  }
}
