/**
 * A device that replays a transcript (diagnose/transcript-io.ts): `esp-prov sim --replay FILE`.
 *
 * - proto-ver: the recorded answer, byte for byte (the one recorded for the same probe, else the first).
 * - prov-session: the real device-side handshake with the credentials given (a transcript holds none), since a
 *   new session has new keys; the recorded handshake cannot be replayed.
 * - every other endpoint, in recorded order: the request is decrypted and compared with the recording (its
 *   plaintext bytes, or for a redacted message its decoded structure with the same fields redacted); the recorded
 *   plaintext response is then encrypted under the new session. Byte-exact under Security 0, by meaning
 *   (same plaintext, new ciphertext) under 1 and 2. A recorded dropped exchange is dropped again.
 * The first request that differs is a divergence: a 'divergence' event, then the device fails the request
 * (as protocomm fails any handler: no answer). After that the replay is over; every request fails.
 */
import { EventEmitter } from 'node:events';
import { equalBytes } from '../bytes.js';
import { decodeMessage, familyOf, type MessageFamily } from '../diagnose/decode.js';
import { sameDecoded } from '../diagnose/decoded-structure.js';
import type { RecordedExchange, Transcript } from '../diagnose/transcript-io.js';
import { DeviceFailure, type ProtocommDevice } from '../protocol/device.js';
import { SESSION_ENDPOINT, VERSION_ENDPOINT } from '../protocol/endpoints.js';
import { cryptoRandom, type RandomSource } from '../security/scheme.js';
import { createSecurity } from './device-setup.js';
import type { SimSecurity } from './options.js';
import { SessionSlot, type DeviceSecurity } from './security.js';
import { decodeSession, encodeSession } from './session-endpoint.js';

export interface ReplayDivergence {
  /** Position among the replayed (application) exchanges, from 0. */
  index: number;
  endpoint: string;
  expectedEndpoint: string | undefined;
  expected: string | undefined;
  got: string;
  message: string;
}

export interface ReplayRequestEvent {
  endpoint: string;
  index: number | undefined;
  ok: boolean;
  failure?: string;
}

export interface ReplayDeviceEvents {
  request: [ReplayRequestEvent];
  divergence: [ReplayDivergence];
  /** Every recorded exchange has been replayed. */
  done: [];
}

export interface ReplayDeviceOptions {
  /** The device's credentials (the transcript holds none). Default: the recording's scheme must be 0. */
  security: SimSecurity;
  random?: RandomSource;
}

function isScripted(x: RecordedExchange): boolean {
  return x.endpoint !== VERSION_ENDPOINT && x.endpoint !== SESSION_ENDPOINT;
}

export class ReplayDevice extends EventEmitter<ReplayDeviceEvents> implements ProtocommDevice {
  readonly #transcript: Transcript;
  readonly #script: RecordedExchange[];
  readonly #security: DeviceSecurity;
  readonly #session: SessionSlot;
  readonly #family: MessageFamily;
  #cursor = 0;
  #diverged: ReplayDivergence | undefined;

  constructor(transcript: Transcript, options: ReplayDeviceOptions) {
    super();
    this.#transcript = transcript;
    this.#script = transcript.exchanges.filter(isScripted);
    const patchLevel = transcript.patchLevel ?? (transcript.info?.secPatchVer === 1 ? 1 : 0);
    this.#security = createSecurity(options.security, { patchLevel }, options.random ?? cryptoRandom);
    this.#session = new SessionSlot(this.#security);
    this.#family = familyOf(transcript.info?.version);
  }

  get divergence(): ReplayDivergence | undefined {
    return this.#diverged;
  }

  /** Recorded application exchanges replayed so far, and in all. */
  get progress(): { replayed: number; total: number } {
    return { replayed: this.#cursor, total: this.#script.length };
  }

  endpoints(): readonly string[] {
    return [...new Set([VERSION_ENDPOINT, SESSION_ENDPOINT, ...this.#transcript.exchanges.map((x) => x.endpoint)])];
  }

  openSession(sessionId: number): void {
    this.#session.open(sessionId);
  }

  closeSession(sessionId: number): void {
    this.#session.close(sessionId);
  }

  handle(endpoint: string, _sessionId: number, data: Uint8Array): Promise<Uint8Array> {
    // Synchronous work: requests are answered in arrival order without a queue.
    try {
      const out = this.#handle(endpoint, data);
      this.emit('request', { endpoint, index: undefined, ok: true });
      return Promise.resolve(out);
    } catch (e) {
      const failure = e instanceof Error ? e.message : String(e);
      this.emit('request', { endpoint, index: undefined, ok: false, failure });
      return Promise.reject(e instanceof DeviceFailure ? e : new DeviceFailure(failure));
    }
  }

  #handle(endpoint: string, data: Uint8Array): Uint8Array {
    if (endpoint === VERSION_ENDPOINT) return this.#version(data);
    if (endpoint === SESSION_ENDPOINT) return encodeSession(this.#security.handshake(decodeSession(data)));
    if (this.#diverged) throw new DeviceFailure(`the replay stopped at a divergence: ${this.#diverged.message}`);
    const plain = this.#security.decrypt(data);
    const index = this.#cursor;
    const recorded = this.#script[index];
    const problem = this.#compare(endpoint, plain, recorded);
    if (problem) {
      const got = decodeMessage(endpoint, plain, this.#family).text;
      this.#diverged = {
        index,
        endpoint,
        expectedEndpoint: recorded?.endpoint,
        expected: recorded?.requestDecoded,
        got,
        message: `request ${index + 1} (${endpoint}): ${problem}`,
      };
      this.emit('divergence', this.#diverged);
      throw new DeviceFailure(`divergence from the recording: ${this.#diverged.message}`);
    }
    this.#cursor++;
    if (this.#cursor === this.#script.length) queueMicrotask(() => this.emit('done'));
    const r = recorded!;
    if (r.failed || !r.responsePlain) throw new DeviceFailure(`the recorded device gave no answer to ${endpoint}`);
    return this.#security.encrypt(r.responsePlain);
  }

  #version(data: Uint8Array): Uint8Array {
    const versions = this.#transcript.exchanges.filter((x) => x.endpoint === VERSION_ENDPOINT && x.response);
    const same = versions.find((x) => x.request && equalBytes(x.request, data)) ?? versions[0];
    if (!same?.response) throw new DeviceFailure('the recording has no proto-ver answer');
    return same.response.slice();
  }

  /** Why `plain` is not the recorded request, or undefined when it is. */
  #compare(endpoint: string, plain: Uint8Array, recorded: RecordedExchange | undefined): string | undefined {
    if (!recorded) return 'the recording ends before this request';
    if (recorded.endpoint !== endpoint) return `the recording has ${recorded.endpoint} here`;
    // Told as decoded text with secrets redacted, never as bytes: the new request may carry a credential.
    const mine = decodeMessage(endpoint, plain, this.#family).text;
    if (recorded.requestPlain) {
      if (equalBytes(recorded.requestPlain, plain)) return undefined;
      const theirs = decodeMessage(endpoint, recorded.requestPlain, this.#family).text;
      return `the request differs from the recording (recorded: ${theirs}; got: ${mine})`;
    }
    // A redacted request: compare what can be compared, its structure with the same fields redacted. By
    // structure, not spelling: older v1 recordings spell the same message otherwise (decoded-structure.ts).
    if (recorded.requestDecoded !== undefined && sameDecoded(endpoint, recorded.requestDecoded, mine, this.#family)) {
      return undefined;
    }
    return `the request differs from the recording (recorded: ${recorded.requestDecoded ?? '?'}; got: ${mine})`;
  }
}
