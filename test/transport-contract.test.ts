/**
 * The transport contract (src/transport/gate.ts), written once and run over every transport against a real
 * peer: memory, SoftAP (HTTP server), BLE (noble's classes on fake bindings + the GATT model), serial (the
 * simulated device console), and the two manual transports with a scripted person relaying to the device.
 * Deadlines run on a ManualClock: no test here sleeps.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PassThrough } from 'node:stream';
import { fromHex, toHex } from '../src/bytes.js';
import { EspProvError } from '../src/errors.js';
import { ManualClock } from '../src/timers.js';
import { serveConsole } from '../src/sim/console-server.js';
import { startHttpServer } from '../src/sim/http-server.js';
import { DeviceFailure, type ProtocommDevice } from '../src/protocol/device.js';
import { openBleTransport } from '../src/transport/ble.js';
import { ConsoleTransport } from '../src/transport/console.js';
import { HttpTransport } from '../src/transport/http.js';
import { ManualBleTransport } from '../src/transport/manual-ble.js';
import { MemoryTransport } from '../src/transport/memory.js';
import { duplexSerialLink, openSerialTransport } from '../src/transport/serial.js';
import type { Transport } from '../src/transport/transport.js';
import { model, rig } from './ble-fixtures.js';
import { duplexPair } from './helpers/console-fakes.js';
import { until } from './helpers/settle.js';

/**
 * What each endpoint does on the device: proto-ver echoes; prov-scan answers after `slowMs` of device time;
 * prov-config never answers (until its request is abandoned); prov-ctrl fails (protocomm's only failure
 * signal: no answer, link closed / no reply line); custom-data answers `bigBytes` bytes. prov-config's handler
 * ends (with a failure) after `hangMs` of device time or when its request is abandoned: a device serves one
 * request at a time, so a handler that never ended would block every later request, as on real firmware.
 */
class ContractDevice implements ProtocommDevice {
  readonly calls: string[] = [];
  readonly #waiting: { n: number; resolve: () => void }[] = [];
  bigBytes = 8;
  slowMs = 100;
  hangMs = 60_000;
  constructor(readonly clock: ManualClock) {}
  endpoints(): readonly string[] {
    return ['proto-ver', 'prov-session', 'prov-config', 'prov-scan', 'prov-ctrl', 'custom-data'];
  }
  openSession(): void {}
  closeSession(): void {}
  /** Resolves when the device has received `n` requests in all. */
  received(n: number): Promise<void> {
    if (this.calls.length >= n) return Promise.resolve();
    return new Promise((resolve) => this.#waiting.push({ n, resolve }));
  }
  handle(endpoint: string, _session: number, data: Uint8Array, signal?: AbortSignal): Promise<Uint8Array> {
    this.calls.push(endpoint);
    for (const w of this.#waiting.filter((w) => this.calls.length >= w.n)) w.resolve();
    switch (endpoint) {
      case 'prov-scan':
        return new Promise((resolve) => this.clock.setTimer(() => resolve(data), this.slowMs));
      case 'prov-config':
        return new Promise((_resolve, reject) => {
          const cancel = this.clock.setTimer(() => reject(new DeviceFailure('handler gave up')), this.hangMs);
          signal?.addEventListener('abort', () => (cancel(), reject(new DeviceFailure('abandoned'))), { once: true });
        });
      case 'prov-ctrl':
        return Promise.reject(new DeviceFailure('handler failed'));
      case 'custom-data':
        return Promise.resolve(new Uint8Array(this.bigBytes).fill(0x61));
      default:
        return Promise.resolve(data);
    }
  }
}

/**
 * A person relaying by hand: reads what the transport prints, asks the device, types the answer (hex, or an
 * empty line when the device printed none). Answers "y" to the manual BLE questions.
 */
function relay(device: ContractDevice): { input: PassThrough; output: { write(t: string): void } } {
  const input = new PassThrough();
  let pending: { endpoint: string; data: Uint8Array } | null = null;
  const answer = (endpoint: string, data: Uint8Array): void => {
    device.handle(endpoint, 1, data).then(
      (r) => input.write(`${toHex(r)}\n`),
      () => input.write('\n'),
    );
  };
  let lastUuid = '';
  const output = {
    write(text: string): void {
      const consoleLine = /Client->Device msg : (\S+) \d+ ([0-9a-f]+)/.exec(text);
      if (consoleLine) answer(consoleLine[1]!, fromHex(consoleLine[2]!));
      if (/\[y\/n\] $/.test(text)) input.write('y\n');
      const uuid = /characteristic with UUID '([^']+)'/.exec(text);
      if (uuid) lastUuid = uuid[1]!;
      const write = /^\t>> ([0-9a-f]+)/m.exec(text);
      if (write) pending = { endpoint: endpointOf(lastUuid), data: fromHex(write[1]!) };
      if (text.startsWith('\t<< ') && pending) {
        const p: { endpoint: string; data: Uint8Array } = pending;
        pending = null;
        answer(p.endpoint, p.data);
      }
    },
  };
  return { input, output };
}

const BLE_IDS: Record<string, string> = {
  ff50: 'prov-scan',
  ff51: 'prov-session',
  ff52: 'prov-config',
  ff53: 'proto-ver',
  ff4f: 'prov-ctrl',
  ff54: 'custom-data',
};
const endpointOf = (uuid: string): string => BLE_IDS[uuid.slice(4, 8)] ?? 'unknown';

interface Rigged {
  t: Transport;
  done(): Promise<void>;
  /** The transport cannot carry an answer over its limit at all (the device model refuses to store it). */
  capsResponses?: boolean;
  /** A person relays: once the tool gave up on a message they do not type its late answer. */
  manual?: boolean;
}

const TRANSPORTS: Record<string, (d: ContractDevice, clock: ManualClock) => Promise<Rigged>> = {
  memory: (d, clock) => {
    const t = new MemoryTransport(d, { clock, limits: { maxRequestBytes: 100, maxResponseBytes: 100 } });
    return Promise.resolve({ t, done: () => t.close() });
  },
  softap: async (d, clock) => {
    const server = await startHttpServer(d, { host: '127.0.0.1', port: 0 });
    const t = new HttpTransport({ address: `127.0.0.1:${server.port}`, clock, maxResponseBytes: 100 });
    return { t, done: async () => (await t.close(), await server.close()) };
  },
  ble: async (d, clock) => {
    const r = rig(
      [model(d, { stack: 'nimble', name: 'PROV_TEST' })],
      {},
      { serviceName: 'PROV_TEST', clock, requestTimeoutMs: 10_000 },
    );
    const t = await openBleTransport(r.options);
    return { t, done: () => t.close(), capsResponses: true };
  },
  serial: async (d, clock) => {
    const [deviceEnd, hostEnd] = duplexPair();
    serveConsole(d, deviceEnd);
    const t = await openSerialTransport({
      path: 'memory',
      linkFactory: () => Promise.resolve(duplexSerialLink(hostEnd)),
      clock,
    });
    return { t, done: () => t.close() };
  },
  console: (d, clock) => {
    const t = new ConsoleTransport({ ...relay(d), clock, sessionId: 1 });
    return Promise.resolve({ t, done: () => t.close(), manual: true });
  },
  'ble-manual': (d, clock) => {
    const t = new ManualBleTransport({ ...relay(d), clock });
    return Promise.resolve({ t, done: () => t.close(), manual: true });
  },
};

const b = (n: number): Uint8Array => new Uint8Array(n).fill(0x42);

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'resolved';
  } catch (e) {
    assert.ok(e instanceof EspProvError, `a coded error, got ${String(e)}`);
    return e.code;
  }
}

for (const [name, open] of Object.entries(TRANSPORTS)) {
  void describe(`transport contract: ${name}`, { timeout: 20_000 }, () => {
    const setup = async (): Promise<{ t: Transport; d: ContractDevice; clock: ManualClock; r: Rigged }> => {
      const clock = new ManualClock();
      const d = new ContractDevice(clock);
      const r = await open(d, clock);
      return { t: r.t, d, clock, r };
    };

    void test('a request and its answer; requests run one at a time in order', async () => {
      const { t, d, r } = await setup();
      const answers = await Promise.all([t.request('proto-ver', b(3)), t.request('proto-ver', b(4))]);
      assert.deepEqual(
        answers.map((a) => a.length),
        [3, 4],
      );
      assert.deepEqual(d.calls, ['proto-ver', 'proto-ver']);
      await r.done();
    });

    void test('refusals before anything is sent: empty → INTERNAL, too large → UNSUPPORTED, bad deadline → USAGE', async () => {
      const { t, d, r } = await setup();
      assert.equal(await code(t.request('proto-ver', new Uint8Array(0))), 'INTERNAL');
      assert.equal(await code(t.request('proto-ver', b(t.limits.maxRequestBytes + 1))), 'UNSUPPORTED');
      for (const timeoutMs of [0, 0.4, -1, Number.NaN, Infinity, 2 ** 31]) {
        assert.equal(await code(t.request('proto-ver', b(1), { timeoutMs })), 'USAGE', `timeoutMs ${timeoutMs}`);
      }
      const aborted = AbortSignal.abort();
      assert.equal(await code(t.request('proto-ver', b(1), { signal: aborted })), 'CANCELLED');
      assert.deepEqual(d.calls, [], 'nothing reached the device');
      await r.done();
    });

    void test('the device failing a request → CONNECTION_LOST naming the endpoint; the next request works', async () => {
      const { t, r } = await setup();
      const failed = t.request('prov-ctrl', b(1));
      await assert.rejects(failed, (e: unknown) => {
        assert.ok(e instanceof EspProvError);
        assert.equal(e.code, 'CONNECTION_LOST');
        assert.equal(e.endpoint, 'prov-ctrl');
        return true;
      });
      assert.equal((await t.request('proto-ver', b(2))).length, 2);
      await r.done();
    });

    void test('no answer by the deadline → TIMEOUT; the link recovers for a new session (proto-ver)', async () => {
      const { t, d, clock, r } = await setup();
      const hung = code(t.request('prov-config', b(1), { timeoutMs: 1000 }));
      await d.received(1);
      clock.advance(999);
      clock.advance(1);
      assert.equal(await hung, 'TIMEOUT');
      // What the transport does on giving up (BLE drops its link, capped at 2 s of the same clock) runs before
      // device time jumps: wait until nothing but the device's hung handler is left on the clock.
      await until(() => (clock.nextDue ?? Infinity) >= d.hangMs, 'the transport is done giving up');
      if (!r.manual) clock.advance(d.hangMs); // the device's handler ends; it can serve the next request
      assert.equal((await t.request('proto-ver', b(2))).length, 2);
      await r.done();
    });

    void test("a queued request's deadline starts at its turn; an abort while queued → CANCELLED", async () => {
      const { t, d, clock, r } = await setup();
      const slow = t.request('prov-scan', b(1), { timeoutMs: 1000 });
      const queued = t.request('proto-ver', b(2), { timeoutMs: 50 });
      const ac = new AbortController();
      const dropped = code(t.request('proto-ver', b(3), { signal: ac.signal }));
      await d.received(1);
      ac.abort();
      assert.equal(await dropped, 'CANCELLED');
      clock.advance(d.slowMs);
      assert.equal((await slow).length, 1);
      assert.equal((await queued).length, 2, 'answered although made more than 50 ms before');
      assert.deepEqual(d.calls, ['prov-scan', 'proto-ver'], 'the cancelled request never reached the device');
      await r.done();
    });

    void test('an abort while running → CANCELLED at once', async () => {
      const { t, d, r } = await setup();
      const ac = new AbortController();
      const running = code(t.request('prov-config', b(1), { signal: ac.signal }));
      await d.received(1);
      ac.abort();
      assert.equal(await running, 'CANCELLED');
      await r.done();
    });

    void test('close() → CANCELLED for the running, the queued and every later request', async () => {
      const { t, d, r } = await setup();
      const running = code(t.request('prov-config', b(1)));
      const queued = code(t.request('proto-ver', b(1)));
      await d.received(1);
      await t.close();
      assert.deepEqual(await Promise.all([running, queued]), ['CANCELLED', 'CANCELLED']);
      assert.equal(await code(t.request('proto-ver', b(1))), 'CANCELLED');
      await t.close();
      await r.done();
    });

    void test('an answer over the transport limit → DECODE_FAILED', async (ctx) => {
      const { t, d, r } = await setup();
      if (r.capsResponses) {
        ctx.diagnostic('the GATT model cannot send a value over the ATT maximum: nothing to check');
        await r.done();
        return;
      }
      d.bigBytes = t.limits.maxResponseBytes + 1;
      assert.equal(await code(t.request('custom-data', b(1))), 'DECODE_FAILED');
      d.bigBytes = t.limits.maxResponseBytes;
      assert.equal((await t.request('custom-data', b(1))).length, t.limits.maxResponseBytes);
      await r.done();
    });
  });
}
