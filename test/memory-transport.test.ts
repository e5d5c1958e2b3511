/**
 * MemoryTransport: the in-process link to a ProtocommDevice. Error mapping (device failure → CONNECTION_LOST
 * naming the endpoint, deadline → TIMEOUT, abort → CANCELLED), limits, session lifetime, one request at a
 * time — and a whole provisioning run of the real client stack against a SimDevice over it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { utf8 } from '../src/bytes.js';
import { applyWifiConfig, getWifiStatus, setWifiConfig } from '../src/endpoints/config.js';
import { scanWifi } from '../src/endpoints/scan.js';
import { Sec2Client } from '../src/security/sec2.js';
import { Session } from '../src/session/session.js';
import { SimDevice } from '../src/sim/device.js';
import { DeviceFailure, type ProtocommDevice } from '../src/protocol/device.js';
import { MemoryTransport } from '../src/transport/memory.js';
import { ManualClock } from '../src/timers.js';
import { HTTP_LIMITS } from '../src/transport/transport.js';
import { isCode } from './helpers/rejects.js';
import { settle, until } from './helpers/settle.js';

/** A device double that records what the transport does to it. */
class FakeDevice implements ProtocommDevice {
  opened: number[] = [];
  closed: number[] = [];
  active = 0;
  maxActive = 0;
  lastSignal: AbortSignal | undefined;
  constructor(readonly answer: (endpoint: string, data: Uint8Array, signal?: AbortSignal) => Promise<Uint8Array>) {}
  endpoints(): readonly string[] {
    return ['x'];
  }
  openSession(id: number): void {
    this.opened.push(id);
  }
  closeSession(id: number): void {
    this.closed.push(id);
  }
  async handle(endpoint: string, _id: number, data: Uint8Array, signal?: AbortSignal): Promise<Uint8Array> {
    this.lastSignal = signal;
    this.active++;
    this.maxActive = Math.max(this.maxActive, this.active);
    try {
      return await this.answer(endpoint, data, signal);
    } finally {
      this.active--;
    }
  }
}

const never = (_e: string, _d: Uint8Array, signal?: AbortSignal): Promise<Uint8Array> =>
  new Promise((_, reject) => signal?.addEventListener('abort', () => reject(signal.reason as Error)));

void describe('MemoryTransport', () => {
  void it('a device failure is CONNECTION_LOST naming the endpoint', async () => {
    const t = new MemoryTransport(new FakeDevice(() => Promise.reject(new DeviceFailure('handler failed'))));
    await assert.rejects(
      t.request('prov-config', utf8('x')),
      isCode('CONNECTION_LOST', { endpoint: 'prov-config', message: /prov-config.*handler failed/ }),
    );
  });

  void it('a missed deadline is TIMEOUT, and the device sees its request aborted', async () => {
    const device = new FakeDevice(never);
    const t = new MemoryTransport(device, { timeoutMs: 5 });
    await assert.rejects(t.request('prov-scan', utf8('x')), isCode('TIMEOUT', { endpoint: 'prov-scan' }));
    assert.equal(device.lastSignal?.aborted, true);
    await assert.rejects(t.request('prov-scan', utf8('x'), { timeoutMs: 3 }), isCode('TIMEOUT'));
  });

  void it('an abort is CANCELLED, before or during the request', async () => {
    const device = new FakeDevice(never);
    const t = new MemoryTransport(device);
    const pre = new AbortController();
    pre.abort();
    await assert.rejects(t.request('x', utf8('x'), { signal: pre.signal }), isCode('CANCELLED', { endpoint: 'x' }));
    assert.deepEqual(device.opened, [], 'nothing reached the device');
    const during = new AbortController();
    const p = t.request('x', utf8('x'), { signal: during.signal });
    await until(() => device.active === 1, 'the request reached the device');
    during.abort();
    await assert.rejects(p, isCode('CANCELLED', { endpoint: 'x' }));
  });

  void it('refuses empty and oversized requests, and oversized responses', async () => {
    const t = new MemoryTransport(new FakeDevice(() => Promise.resolve(new Uint8Array(9))), {
      limits: { maxRequestBytes: 4, maxResponseBytes: 8 },
    });
    await assert.rejects(t.request('x', new Uint8Array(0)), isCode('INTERNAL'));
    await assert.rejects(t.request('x', new Uint8Array(5)), isCode('UNSUPPORTED'));
    // The device answered more than it can send: out of protocol, like any malformed answer.
    await assert.rejects(t.request('x', new Uint8Array(4)), isCode('DECODE_FAILED', { endpoint: 'x' }));
    await assert.rejects(t.request('x', utf8('a'), { timeoutMs: 0 }), isCode('USAGE'));
    assert.deepEqual(new MemoryTransport(new FakeDevice(never)).limits, HTTP_LIMITS);
  });

  void it('opens its session on first use, once, and closes it on close()', async () => {
    const device = new FakeDevice((_e, d) => Promise.resolve(d));
    const t = new MemoryTransport(device, { sessionId: 42 });
    assert.deepEqual(device.opened, []);
    await t.request('x', utf8('a'));
    await t.request('x', utf8('b'));
    assert.deepEqual(device.opened, [42]);
    await t.close();
    await t.close();
    assert.deepEqual(device.closed, [42]);
    await assert.rejects(t.request('x', utf8('c')), isCode('CANCELLED'));
  });

  void it('close() cancels a request in flight', async () => {
    const device = new FakeDevice(never);
    const t = new MemoryTransport(device);
    const p = t.request('x', utf8('a'));
    await until(() => device.active === 1, 'the request reached the device');
    await t.close();
    await assert.rejects(p, isCode('CANCELLED'));
  });

  void it('hands the device one request at a time, in order', async () => {
    const order: string[] = [];
    const held: (() => void)[] = [];
    const device = new FakeDevice(
      (_e, d) =>
        new Promise((resolve) => {
          order.push(new TextDecoder().decode(d));
          held.push(() => resolve(d));
        }),
    );
    const t = new MemoryTransport(device);
    const all = Promise.all(['1', '2', '3'].map((s) => t.request('x', utf8(s))));
    for (const n of [1, 2, 3]) {
      await until(() => order.length === n, `request ${n} reached the device`);
      assert.equal(held.length, 1, 'the device holds one request, the others wait');
      held.shift()!();
    }
    const replies = await all;
    assert.deepEqual(order, ['1', '2', '3']);
    assert.deepEqual(
      replies.map((r) => new TextDecoder().decode(r)),
      ['1', '2', '3'],
    );
    assert.equal(device.maxActive, 1);
  });

  void it('carries a whole Sec2 provisioning run of the client stack against a SimDevice', async () => {
    const clock = new ManualClock();
    const device = new SimDevice({
      clock,
      scanDurationMs: 5,
      scanGroupPauseMs: 1,
      applyDelayMs: 2,
      connectDelayMs: 5,
      cleanupDelayMs: 5,
    });
    const transport = new MemoryTransport(device, { timeoutMs: 5000, clock });
    const session = new Session({
      transport,
      security: new Sec2Client({ username: utf8('wifiprov'), password: utf8('abcd1234') }),
    });
    await session.establish();
    const aps = await settle(clock, scanWifi(session, { pollIntervalMs: 2, clock }), 1);
    assert.equal(aps.length, 12);
    await setWifiConfig(session, { ssid: utf8('HomeNetwork'), passphrase: utf8('correct-horse-battery') });
    await applyWifiConfig(session);
    let status = await getWifiStatus(session);
    while (status.state !== 'connected') {
      assert.equal(status.state, 'connecting');
      assert.ok(clock.now() < 1000, 'connected within a second of device time');
      clock.advance(2);
      status = await getWifiStatus(session);
    }
    assert.equal(status.ip, '192.168.1.100');
    assert.equal((await settle(clock, device.stopped, 1)).reason, 'provisioned');
    await assert.rejects(getWifiStatus(session), isCode('CONNECTION_LOST', { endpoint: 'prov-config' }));
    await transport.close();
  });
});
