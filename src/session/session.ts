/**
 * A provisioning session: one transport + one security scheme. Owns the handshake loop and the
 * encrypt → send → decrypt path of every Request endpoint (PROTOCOL.md §1.1). Refuses application data
 * until the device has proven it holds the secret, so no credential ever reaches an unverified device.
 */
import { EspProvError, toEspProvError } from '../errors.js';
import { SESSION_ENDPOINT, VERSION_ENDPOINT } from '../protocol/endpoints.js';
import type { ClientSecurity } from '../security/scheme.js';
import { isDeviceRefusal, type RequestOptions, type Transport } from '../transport/transport.js';
import { parseDeviceInfo, type DeviceInfo } from './version.js';

export { SESSION_ENDPOINT, VERSION_ENDPOINT } from '../protocol/endpoints.js';
/** proto-ver ignores its payload but refuses an empty one (§1.4); esp_prov's get_version sends "---". */
const VERSION_PROBE = new TextEncoder().encode('---');

/** One exchange, for -v traces. `plaintext` fields hold decrypted bodies and may contain secrets. */
export interface TraceEvent {
  endpoint: string;
  direction: 'request' | 'response';
  wire: Uint8Array;
  plaintext?: Uint8Array;
}

export interface SessionOptions {
  transport: Transport;
  security: ClientSecurity;
  /** Default deadline per request in ms (transport default when absent). */
  timeoutMs?: number;
  signal?: AbortSignal;
  onTrace?: (event: TraceEvent) => void;
}

/** What endpoint clients need: send plaintext to an endpoint, get plaintext back. */
export interface EndpointCaller {
  call(endpoint: string, plaintext: Uint8Array, options?: RequestOptions): Promise<Uint8Array>;
  readonly limits: { maxRequestBytes: number; maxResponseBytes: number };
  /** Bytes the security scheme adds to every message (GCM tag), for page sizing. */
  readonly overheadBytes: number;
}

/** Reads proto-ver (one round trip). `probe` lets --proto_ver send the expected version, as esp_prov does. */
export async function readDeviceInfo(
  transport: Transport,
  options: RequestOptions & { probe?: Uint8Array; onTrace?: (e: TraceEvent) => void } = {},
): Promise<DeviceInfo> {
  const probe = options.probe && options.probe.length > 0 ? options.probe : VERSION_PROBE;
  options.onTrace?.({ endpoint: VERSION_ENDPOINT, direction: 'request', wire: probe });
  const reply = await transport.request(VERSION_ENDPOINT, probe, options);
  options.onTrace?.({ endpoint: VERSION_ENDPOINT, direction: 'response', wire: reply });
  return parseDeviceInfo(reply);
}

/** What a refused handshake can mean, per scheme; `details.suspects` names them for callers (the CLI's hints). */
type HandshakeSuspect = 'scheme' | 'pop' | 'credentials';
const SUSPECTS: Record<number, HandshakeSuspect[]> = {
  0: ['scheme'],
  1: ['pop', 'scheme'],
  2: ['credentials', 'scheme'],
};
const SUSPECT_TEXT: Record<HandshakeSuspect, string> = {
  scheme: 'the device may use another security scheme',
  pop: 'Security 1: the proof of possession (PoP) is wrong, or the device expects none / one',
  credentials: 'Security 2: the username or password is wrong',
};

export class Session implements EndpointCaller {
  readonly transport: Transport;
  readonly security: ClientSecurity;
  readonly #timeoutMs: number | undefined;
  readonly #signal: AbortSignal | undefined;
  readonly #onTrace: ((e: TraceEvent) => void) | undefined;
  #closed = false;
  /** Requests sent per endpoint (benchmarks and tests read it). */
  readonly requestCounts = new Map<string, number>();

  constructor(options: SessionOptions) {
    this.transport = options.transport;
    this.security = options.security;
    this.#timeoutMs = options.timeoutMs;
    this.#signal = options.signal;
    this.#onTrace = options.onTrace;
  }

  get limits(): { maxRequestBytes: number; maxResponseBytes: number } {
    return this.transport.limits;
  }

  get overheadBytes(): number {
    return this.security.overheadBytes;
  }

  get established(): boolean {
    return this.security.established;
  }

  #options(extra?: RequestOptions): RequestOptions {
    const o: RequestOptions = {};
    const signal = extra?.signal ?? this.#signal;
    const timeoutMs = extra?.timeoutMs ?? this.#timeoutMs;
    if (signal) o.signal = signal;
    if (timeoutMs !== undefined) o.timeoutMs = timeoutMs;
    return o;
  }

  async #send(endpoint: string, data: Uint8Array, options?: RequestOptions): Promise<Uint8Array> {
    if (data.length > this.transport.limits.maxRequestBytes) {
      throw new EspProvError(
        'UNSUPPORTED',
        `${endpoint} request of ${data.length} bytes exceeds what the ${this.transport.kind} transport can carry (${this.transport.limits.maxRequestBytes})` +
          (this.transport.limits.requestLimitReason ? `: ${this.transport.limits.requestLimitReason}` : ''),
        { endpoint },
      );
    }
    this.requestCounts.set(endpoint, (this.requestCounts.get(endpoint) ?? 0) + 1);
    return this.transport.request(endpoint, data, this.#options(options));
  }

  /** Runs the handshake on prov-session until the device is verified. */
  async establish(options?: RequestOptions): Promise<void> {
    let request: Uint8Array | null = this.security.start();
    for (let step = 0; request !== null; step++) {
      if (step > 4) throw new EspProvError('DECODE_FAILED', 'handshake did not finish', { endpoint: SESSION_ENDPOINT });
      this.#onTrace?.({ endpoint: SESSION_ENDPOINT, direction: 'request', wire: request });
      let response: Uint8Array;
      try {
        response = await this.#send(SESSION_ENDPOINT, request, options);
      } catch (e) {
        throw this.#handshakeFailure(e, step);
      }
      this.#onTrace?.({ endpoint: SESSION_ENDPOINT, direction: 'response', wire: response });
      request = this.security.next(response);
    }
  }

  #handshakeFailure(e: unknown, step: number): EspProvError {
    const err = toEspProvError(e);
    // The device's only way to refuse a handshake is to drop the exchange (§4 common rules, §6.2). A link that
    // failed for another reason (refused connection, reset, an ATT error other than the device's "no") says
    // nothing about the credentials and is reported as what it is.
    if (!isDeviceRefusal(err)) return err;
    const v = this.security.version;
    const suspects: HandshakeSuspect[] = step === 0 ? ['scheme'] : (SUSPECTS[v] ?? ['scheme']);
    return new EspProvError(
      'HANDSHAKE_FAILED',
      `the device rejected the Security ${v} handshake at step ${step}: ${suspects.map((s) => SUSPECT_TEXT[s]).join('; or ')}`,
      { cause: err, endpoint: SESSION_ENDPOINT, details: { step, security: v, suspects } },
    );
  }

  /** Encrypts, sends and decrypts one Request-endpoint exchange. */
  async call(endpoint: string, plaintext: Uint8Array, options?: RequestOptions): Promise<Uint8Array> {
    if (this.#closed)
      throw new EspProvError('INTERNAL', `refusing to send ${endpoint}: the session is closed`, { endpoint });
    if (!this.security.established) {
      throw new EspProvError('INTERNAL', `refusing to send ${endpoint} before the session is established`, {
        endpoint,
      });
    }
    if (plaintext.length === 0) {
      throw new EspProvError(
        'INTERNAL',
        `refusing to send an empty ${endpoint} request (the device ignores or rejects it)`,
        { endpoint },
      );
    }
    const wire = this.security.encrypt(plaintext);
    this.#onTrace?.({ endpoint, direction: 'request', wire, plaintext });
    const reply = await this.#send(endpoint, wire, options);
    let clear: Uint8Array;
    try {
      clear = this.security.decrypt(reply);
    } catch (e) {
      const err = toEspProvError(e, 'DECRYPT_FAILED');
      throw new EspProvError(err.code, `${endpoint}: ${err.message}`, { cause: err, endpoint });
    }
    this.#onTrace?.({ endpoint, direction: 'response', wire: reply, plaintext: clear });
    return clear;
  }

  /** Wipes the session keys first, so that a transport that fails or hangs on close cannot keep them alive. */
  async close(): Promise<void> {
    this.#closed = true;
    this.security.dispose();
    await this.transport.close();
  }
}
