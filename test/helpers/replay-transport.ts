/**
 * A Transport that plays the device's side of a recording: each request must equal the next recorded
 * request for that endpoint, byte for byte, and gets the recorded response. proto-ver is the exception:
 * esp_prov sends extra capability probes (the vectors' README), so proto-ver requests are answered with the
 * next recorded proto-ver response and compared by meaning, and unused probes are skipped.
 */
import assert from 'node:assert/strict';
import { fromHex, toHex } from '../../src/bytes.js';
import { deviceRefused, HTTP_LIMITS, type Transport } from '../../src/transport/transport.js';
import type { RecordedExchange } from './vectors.js';

export class ReplayTransport implements Transport {
  readonly kind = 'replay';
  readonly limits = HTTP_LIMITS;
  readonly #exchanges: RecordedExchange[];
  #next = 0;
  /** Requests we sent that matched a recording, in order (endpoint, hex). */
  readonly sent: { endpoint: string; hex: string }[] = [];

  constructor(exchanges: RecordedExchange[]) {
    this.#exchanges = exchanges;
  }

  request(endpoint: string, data: Uint8Array): Promise<Uint8Array> {
    if (endpoint === 'proto-ver') {
      const i = this.#exchanges.findIndex((e, j) => j >= this.#next && e.endpoint === 'proto-ver');
      assert.ok(i >= 0, 'client asked proto-ver but the recording has no proto-ver exchange left');
      this.#next = i + 1;
      return Promise.resolve(fromHex(this.#exchanges[i]!.response_hex ?? ''));
    }
    while (this.#exchanges[this.#next]?.endpoint === 'proto-ver') this.#next++;
    const rec = this.#exchanges[this.#next++];
    assert.ok(rec, `client sent ${endpoint} ${toHex(data)} after the recording ended`);
    assert.equal(endpoint, rec.endpoint, `request #${this.#next - 1} went to the wrong endpoint`);
    assert.equal(toHex(data), rec.request_hex, `request #${this.#next - 1} to ${endpoint} differs from the recording`);
    this.sent.push({ endpoint, hex: toHex(data) });
    if (rec.response_hex === null || rec.response_hex === undefined) {
      // The recorded device answered nothing after reading the request: its refusal signal.
      return Promise.reject(deviceRefused(endpoint, `device closed the connection (${endpoint})`));
    }
    return Promise.resolve(fromHex(rec.response_hex));
  }

  /** Recorded non-proto-ver exchanges the client did not make (esp_prov's extra status polls, for instance). */
  remaining(): RecordedExchange[] {
    return this.#exchanges.slice(this.#next).filter((e) => e.endpoint !== 'proto-ver');
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
