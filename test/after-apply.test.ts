/**
 * After Apply, tell the truth (the hostile-input issue, section 8): a status poll is idempotent and is retried
 * within the deadline; a failure once the device holds the credentials is APPLIED_UNCONFIRMED (exit 17), never
 * a credentials failure; a link that failed during a handshake is reported as that, HANDSHAKE_FAILED only when
 * the device itself refused a step; a Connected status naming another network is not success.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { utf8 } from '../src/bytes.js';
import { EspProvError, EXIT_CODES } from '../src/errors.js';
import { WiFiConfigPayload, WiFiConfigMsgType } from '../src/gen/proto.js';
import type { ProtocommDevice } from '../src/protocol/device.js';
import { provision, type ProvisionOptions } from '../src/provision/flow.js';
import { SimDevice } from '../src/sim/device.js';
import { MemoryTransport } from '../src/transport/memory.js';
import { QUICK, QUICK_CLIENT, SEC } from './helpers/e2e.js';
import { isCode } from './helpers/rejects.js';

/** A device in front of another: `answer` may replace a response or throw instead, by endpoint and call count. */
class Intercept implements ProtocommDevice {
  readonly counts = new Map<string, number>();
  constructor(
    readonly inner: ProtocommDevice,
    readonly answer: (endpoint: string, n: number, real: () => Promise<Uint8Array>) => Promise<Uint8Array>,
  ) {}
  endpoints(): readonly string[] {
    return this.inner.endpoints();
  }
  openSession(id: number): void {
    this.inner.openSession(id);
  }
  closeSession(id: number): void {
    this.inner.closeSession(id);
  }
  handle(endpoint: string, id: number, data: Uint8Array, signal?: AbortSignal): Promise<Uint8Array> {
    const n = (this.counts.get(endpoint) ?? 0) + 1;
    this.counts.set(endpoint, n);
    return this.answer(endpoint, n, () => this.inner.handle(endpoint, id, data, signal));
  }
}

const WIFI = { ssid: utf8('HomeNetwork'), passphrase: utf8('correct-horse-battery') };

function run(device: ProtocommDevice, extra: Partial<ProvisionOptions> = {}): Promise<unknown> {
  const transport = new MemoryTransport(device);
  return provision({ ...QUICK_CLIENT, transport, security: SEC.sec0.client, wifi: WIFI, ...extra }).finally(() =>
    transport.close(),
  );
}

/** Polls are the prov-config requests after SetConfig and ApplyConfig. */
const isPoll = (endpoint: string, n: number): boolean => endpoint === 'prov-config' && n >= 3;

void describe('after Apply', () => {
  void test('a status poll answered HTTP 500 is asked again: success', async () => {
    const sim = new SimDevice({ ...QUICK, ...SEC.sec0.device });
    const device = new Intercept(sim, (endpoint, n, real) =>
      isPoll(endpoint, n) && n === 3
        ? Promise.reject(new EspProvError('DEVICE_STATUS', 'HTTP 500', { endpoint, details: { httpStatus: 500 } }))
        : real(),
    );
    const result = (await run(device)) as { network: string };
    assert.equal(result.network, 'wifi');
    assert.ok((device.counts.get('prov-session') ?? 0) >= 2, 'a new session before the next poll');
  });

  void test('a stale or corrupted status answer is asked again: success', async () => {
    const sim = new SimDevice({ ...QUICK, ...SEC.sec0.device });
    let served = 0;
    const device = new Intercept(sim, async (endpoint, n, real) => {
      const response = await real();
      if (!isPoll(endpoint, n) || served++ > 1) return response;
      // First: the previous message type (RespApplyConfig); then garbage.
      return served === 1
        ? WiFiConfigPayload.encode({ msg: WiFiConfigMsgType.TypeRespApplyConfig, respApplyConfig: {} }).finish()
        : new Uint8Array([0xff, 0xff, 0xff]);
    });
    const result = (await run(device)) as { network: string };
    assert.equal(result.network, 'wifi');
  });

  void test('a device that stops provisioning once it holds the credentials → APPLIED_UNCONFIRMED, not a PoP error', async () => {
    const sim = new SimDevice({ ...QUICK, ...SEC.sec1.device });
    const device = new Intercept(sim, (endpoint, n, real) => {
      if (isPoll(endpoint, n)) sim.stop();
      return real();
    });
    const transport = new MemoryTransport(device);
    const outcome = provision({ ...QUICK_CLIENT, transport, security: SEC.sec1.client, wifi: WIFI });
    await assert.rejects(
      outcome,
      isCode('APPLIED_UNCONFIRMED', { message: /applied.*stopped answering.*HomeNetwork/ }),
    );
    await transport.close();
    assert.equal(EXIT_CODES.APPLIED_UNCONFIRMED, 17);
  });

  void test('the deadline passing while the device is still joining → APPLIED_UNCONFIRMED naming the wait', async () => {
    const sim = new SimDevice({ ...QUICK, ...SEC.sec0.device, connectDelayMs: 60_000 });
    await assert.rejects(
      run(sim, { connectTimeoutMs: 150 }),
      isCode('APPLIED_UNCONFIRMED', { message: /applied.*did not report a Wi-Fi connection/ }),
    );
    sim.stop();
  });

  void test('a Connected status naming another network is not success; the deadline says which network', async () => {
    const sim = new SimDevice({ ...QUICK, ...SEC.sec0.device });
    const device = new Intercept(sim, async (endpoint, n, real) => {
      const response = await real();
      if (!isPoll(endpoint, n)) return response;
      const status = WiFiConfigPayload.decode(response);
      if (status.respGetStatus?.connected) status.respGetStatus.connected.ssid = utf8('NeighbourNet');
      return WiFiConfigPayload.encode(status).finish();
    });
    await assert.rejects(
      run(device, { connectTimeoutMs: 300 }),
      isCode('APPLIED_UNCONFIRMED', { message: /"NeighbourNet", not to "HomeNetwork"/ }),
    );
    sim.stop();
  });

  void test('Ctrl-C after Apply says the credentials were applied', async () => {
    const sim = new SimDevice({ ...QUICK, ...SEC.sec0.device, connectDelayMs: 60_000 });
    const ac = new AbortController();
    const outcome = run(sim, {
      signal: ac.signal,
      onEvent: (e) => e.type === 'config-applied' && setImmediate(() => ac.abort()),
    });
    await assert.rejects(outcome, isCode('CANCELLED', { message: /applied.*may still join/ }));
    sim.stop();
  });
});

void describe('handshake failures are what they are', () => {
  test('a link that fails during the handshake is CONNECTION_LOST, not a credentials failure', async () => {
    const sim = new SimDevice({ ...QUICK, ...SEC.sec1.device });
    const device = new Intercept(sim, (endpoint, _n, real) =>
      endpoint === 'prov-session'
        ? Promise.reject(new EspProvError('CONNECTION_LOST', 'link reset', { endpoint }))
        : real(),
    );
    await assert.rejects(run(device, { security: SEC.sec1.client }), isCode('CONNECTION_LOST', /link reset/));
    sim.stop();
  });

  test("the device's own refusal of a step is HANDSHAKE_FAILED", async () => {
    const sim = new SimDevice({ ...QUICK, ...SEC.sec1.device });
    await assert.rejects(run(sim, { security: { pop: 'wrong-pop' } }), isCode('HANDSHAKE_FAILED'));
    sim.stop();
  });

  test('a Thread dataset for a Wi-Fi-only device is UNSUPPORTED before anything is sent', async () => {
    const sim = new SimDevice({ ...QUICK, ...SEC.sec0.device });
    const device = new Intercept(sim, (_e, _n, real) => real());
    await assert.rejects(
      run(device, { wifi: {}, network: 'thread', thread: { dataset: new Uint8Array([0, 3, 0, 0, 15]) } }),
      isCode('UNSUPPORTED', /thread_prov/),
    );
    assert.equal(device.counts.get('prov-config'), undefined, 'nothing was sent to prov-config');
    sim.stop();
  });
});
