/**
 * Manual console transport (esp_prov `--transport console`): a person types each line on the device's console
 * (PROTOCOL.md §2.3) and pastes back the hex line the device prints. The texts are esp_prov's; the session id
 * stays the same for the whole transport, and defaults to a random one because the device only opens a new
 * security session when the id changes (esp_prov's constant 0 would meet the previous run's stale session).
 */
import { toHex } from '../bytes.js';
import { EspProvError } from '../errors.js';
import {
  checkConsoleRequest,
  CONSOLE_LIMIT_EXPLANATION,
  consoleRequestLimit,
  KNOWN_ENDPOINTS,
  randomConsoleSessionId,
} from './console-framing.js';
import { ManualIo, type ManualIoOptions } from './manual-io.js';
import type { RequestOptions, Transport, TransportLimits } from './transport.js';

export interface ConsoleTransportOptions extends ManualIoOptions {
  /** Session id typed on every line (decimal, 0..2147483647). Default: random 1..99999. */
  sessionId?: number;
  /** Endpoints this transport may address; the longest name bounds maxRequestBytes. Default: §1.2 names. */
  endpoints?: readonly string[];
}

/** The device prints responses with printf; nothing bounds them but what a person can paste. */
const MAX_RESPONSE_BYTES = 64 * 1024;

const HINT =
  'Type the Client->Device line on the device console, then enter the hex line it prints ' +
  '(an empty line if it printed none, only log lines).\n';

export class ConsoleTransport implements Transport {
  readonly kind = 'console';
  readonly limits: TransportLimits;
  readonly sessionId: number;
  readonly #io: ManualIo;
  #hinted = false;
  #closed = false;

  constructor(options: ConsoleTransportOptions) {
    this.sessionId = options.sessionId ?? randomConsoleSessionId();
    checkConsoleRequest('proto-ver', this.sessionId, new Uint8Array(1));
    this.limits = {
      maxRequestBytes: consoleRequestLimit(this.sessionId, options.endpoints ?? KNOWN_ENDPOINTS),
      maxResponseBytes: MAX_RESPONSE_BYTES,
      requestLimitReason: CONSOLE_LIMIT_EXPLANATION,
    };
    this.#io = new ManualIo(options);
  }

  /**
   * Per-request `timeoutMs` is a device deadline and is not applied: a person relays each message, so the
   * wait is bounded by `answerTimeoutMs` instead.
   */
  async request(endpoint: string, data: Uint8Array, options: RequestOptions = {}): Promise<Uint8Array> {
    if (this.#closed) throw new EspProvError('CONNECTION_LOST', 'the console transport is closed', { endpoint });
    checkConsoleRequest(endpoint, this.sessionId, data);
    if (!this.#hinted) {
      this.#hinted = true;
      this.#io.write(HINT);
    }
    this.#io.write(`Client->Device msg : ${endpoint} ${this.sessionId} ${toHex(data)}\n`);
    const ask = options.signal ? { endpoint, signal: options.signal } : { endpoint };
    const reply = await this.#io.askHex('Enter device->client msg : ', ask);
    if (reply === null) {
      throw new EspProvError(
        'CONNECTION_LOST',
        `the device printed no reply to ${endpoint} (it failed the request; its log line says why)`,
        { endpoint },
      );
    }
    return reply;
  }

  close(): Promise<void> {
    this.#closed = true;
    this.#io.close();
    return Promise.resolve();
  }
}

export function createConsoleTransport(options: ConsoleTransportOptions): ConsoleTransport {
  return new ConsoleTransport(options);
}
