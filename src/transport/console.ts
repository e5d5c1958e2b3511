/**
 * Manual console transport (esp_prov `--transport console`): a person types each line on the device's console
 * (PROTOCOL.md §2.3) and pastes back the hex line the device prints. The texts are esp_prov's; the session id
 * stays the same for the whole transport, and defaults to a random one because the device only opens a new
 * security session when the id changes (esp_prov's constant 0 would meet the previous run's stale session).
 */
import { VERSION_ENDPOINT } from '../protocol/endpoints.js';
import { toHex } from '../bytes.js';
import type { EspProvError } from '../errors.js';
import {
  checkConsoleRequest,
  consoleRefusal,
  CONSOLE_LIMIT_EXPLANATION,
  consoleRequestLimit,
  KNOWN_ENDPOINTS,
  randomConsoleSessionId,
} from './console-framing.js';
import { DEFAULT_ANSWER_TIMEOUT_MS, ManualIo, type ManualIoOptions } from './manual-io.js';
import { GatedTransport } from './gate.js';
import { deviceRefused, type TransportLimits } from './transport.js';

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

export class ConsoleTransport extends GatedTransport {
  readonly kind = 'console';
  readonly limits: TransportLimits;
  readonly sessionId: number;
  readonly #io: ManualIo;
  #hinted = false;

  constructor(options: ConsoleTransportOptions) {
    // A person relays each message: the default deadline is the time they have to answer; a request's own
    // deadline (--timeout) still applies.
    super({
      defaultTimeoutMs: options.answerTimeoutMs ?? DEFAULT_ANSWER_TIMEOUT_MS,
      ...(options.clock ? { clock: options.clock } : {}),
    });
    this.sessionId = options.sessionId ?? randomConsoleSessionId();
    checkConsoleRequest(VERSION_ENDPOINT, this.sessionId, new Uint8Array(1));
    this.limits = {
      maxRequestBytes: consoleRequestLimit(this.sessionId, options.endpoints ?? KNOWN_ENDPOINTS),
      maxResponseBytes: MAX_RESPONSE_BYTES,
      requestLimitReason: CONSOLE_LIMIT_EXPLANATION,
    };
    this.#io = new ManualIo(options);
  }

  protected override refuse(endpoint: string, data: Uint8Array): EspProvError | undefined {
    return consoleRefusal(endpoint, this.sessionId, data);
  }

  protected async exchange(endpoint: string, data: Uint8Array, signal: AbortSignal): Promise<Uint8Array> {
    if (!this.#hinted) {
      this.#hinted = true;
      this.#io.write(HINT);
    }
    this.#io.write(`Client->Device msg : ${endpoint} ${this.sessionId} ${toHex(data)}\n`);
    const reply = await this.#io.askHex('Enter device->client msg : ', { endpoint, signal });
    if (reply === null) {
      throw deviceRefused(
        endpoint,
        `the device printed no reply to ${endpoint} (it failed the request; its log line says why)`,
      );
    }
    return reply;
  }

  protected shutdown(): Promise<void> {
    this.#io.close();
    return Promise.resolve();
  }
}

export function createConsoleTransport(options: ConsoleTransportOptions): ConsoleTransport {
  return new ConsoleTransport(options);
}
