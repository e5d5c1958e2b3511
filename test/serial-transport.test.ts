/**
 * The serial transport against the simulated device console: first over an in-memory stream pair, then
 * over a real pseudo-terminal opened with `serialport` (python3 holds the PTY master, see console-pty.ts).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Duplex } from 'node:stream';
import { toHex } from '../src/bytes.js';
import { serveConsoleOnPty } from '../src/sim/console-pty.js';
import { serveConsole, type ConsoleServerOptions } from '../src/sim/console-server.js';
import {
  duplexSerialLink,
  loadSerialPort,
  openSerialTransport,
  type SerialTransport,
  type SerialTransportOptions,
} from '../src/transport/serial.js';
import { duplexPair, FakeDevice } from './helpers/console-fakes.js';
import { rejectsWith } from './helpers/rejects.js';
import { settle, turns, until } from './helpers/settle.js';
import { ManualClock } from '../src/timers.js';

async function overMemory(
  options: Partial<SerialTransportOptions> = {},
  server: ConsoleServerOptions = {},
): Promise<{ transport: SerialTransport; device: FakeDevice; lines: string[] }> {
  const device = new FakeDevice();
  const [deviceEnd, hostEnd] = duplexPair();
  serveConsole(device, deviceEnd, { banner: ['\x1b[0;32mI (300) app: Starting provisioning\x1b[0m'], ...server });
  const lines: string[] = [];
  const transport = await openSerialTransport({
    path: 'memory',
    linkFactory: () => Promise.resolve(duplexSerialLink(hostEnd)),
    openTimeoutMs: 1000,
    onDeviceLine: (l) => lines.push(l),
    ...options,
  });
  return { transport, device, lines };
}

describe('serial transport over an in-memory console', () => {
  it('sends <endpoint> <session-id> <hex>\\r and returns the hex reply', async () => {
    const { transport, device, lines } = await overMemory({ sessionId: 4321 });
    const reply = await transport.request('echo', new Uint8Array([1, 2, 3]));
    assert.equal(toHex(reply), 'aa030201');
    assert.deepEqual(device.calls[0], { endpoint: 'echo', sessionId: 4321, data: new Uint8Array([1, 2, 3]) });
    assert.deepEqual(device.sessionEvents, ['open 4321']);
    assert.ok(lines.includes('I (300) app: Starting provisioning'), JSON.stringify(lines));
    await transport.close();
  });

  it('keeps one random session id per transport; a new transport gets a new device session', async () => {
    const device = new FakeDevice();
    const [deviceEnd, hostEnd] = duplexPair();
    serveConsole(device, deviceEnd);
    const ids: number[] = [];
    for (let run = 0; run < 2; run++) {
      const t = await openSerialTransport({
        path: 'memory',
        linkFactory: () => Promise.resolve({ ...duplexSerialLink(hostEnd), close: () => Promise.resolve() }),
        sessionId: 100 + run,
      });
      await t.request('echo', new Uint8Array([1]));
      await t.request('echo', new Uint8Array([2]));
      ids.push(t.sessionId);
    }
    assert.deepEqual(device.sessionEvents, ['open 100', 'close 100', 'open 101']);
    assert.ok(device.calls.every((c, i) => c.sessionId === ids[i >> 1]));
  });

  it('a failed request (log line, then prompt) is CONNECTION_LOST naming the endpoint and quoting the log', async () => {
    const { transport } = await overMemory({}, { crlf: true });
    const err = await rejectsWith(transport.request('fail', new Uint8Array([9])), 'CONNECTION_LOST', /fail request/);
    assert.equal(err.endpoint, 'fail');
    assert.match(err.message, /E \(\d+\) security1: Key mismatch\. Close connection/);
    assert.equal(toHex(await transport.request('echo', new Uint8Array([7]))), 'aa07', 'still usable after a failure');
    await transport.close();
  });

  it('an unknown command gives no reply and no log: still CONNECTION_LOST at the next prompt', async () => {
    const { transport } = await overMemory();
    await rejectsWith(transport.request('prov-nope', new Uint8Array([1])), 'CONNECTION_LOST', /prov-nope/);
    await transport.close();
  });

  it('a silent device is TIMEOUT at the deadline', async () => {
    const { transport } = await overMemory();
    await rejectsWith(transport.request('silent', new Uint8Array([1]), { timeoutMs: 30 }), 'TIMEOUT', /silent/);
    await transport.close();
  });

  it('after a TIMEOUT, the late reply is not taken for the next request', async () => {
    const { transport, device } = await overMemory();
    device.slowMs = 60;
    await rejectsWith(transport.request('slow', new Uint8Array([1]), { timeoutMs: 10 }), 'TIMEOUT');
    assert.equal(toHex(await transport.request('echo', new Uint8Array([2]))), 'aa02');
    await transport.close();
  });

  it('an abort is CANCELLED', async () => {
    const { transport, device } = await overMemory();
    const ac = new AbortController();
    const p = transport.request('silent', new Uint8Array([1]), { signal: ac.signal, timeoutMs: 5000 });
    await until(() => device.calls.length === 1, 'the request reached the device');
    ac.abort();
    await rejectsWith(p, 'CANCELLED');
    const pre = new AbortController();
    pre.abort();
    await rejectsWith(transport.request('echo', new Uint8Array([1]), { signal: pre.signal }), 'CANCELLED');
    await transport.close();
  });

  it('refuses a line over 255 characters before sending (Security 2 Cmd0)', async () => {
    const { transport, device } = await overMemory({ sessionId: 1 });
    assert.equal(transport.limits.maxRequestBytes, 119);
    assert.match(transport.limits.requestLimitReason ?? '', /^Security 2 cannot run over the console scheme/);
    await rejectsWith(
      transport.request('prov-session', new Uint8Array(406)),
      'UNSUPPORTED',
      /Security 2 cannot run over the console scheme \(the device reads 256-byte lines\)/,
    );
    assert.equal(device.calls.length, 0);
    await transport.close();
  });

  it('queues concurrent requests: one line at a time', async () => {
    const { transport } = await overMemory();
    const replies = await Promise.all([1, 2, 3].map((n) => transport.request('echo', new Uint8Array([n]))));
    assert.deepEqual(replies.map(toHex), ['aa01', 'aa02', 'aa03']);
    await transport.close();
  });

  it("after close a pending request and later ones are CANCELLED (the gate's rule on every transport)", async () => {
    const { transport, device } = await overMemory();
    const pending = transport.request('silent', new Uint8Array([1]), { timeoutMs: 5000 });
    await until(() => device.calls.length === 1, 'the request reached the device');
    await transport.close();
    await rejectsWith(pending, 'CANCELLED');
    await rejectsWith(transport.request('echo', new Uint8Array([1])), 'CANCELLED');
    await transport.close();
  });

  it('opening ends a half-typed line on the device first', async () => {
    const device = new FakeDevice();
    const [deviceEnd, hostEnd] = duplexPair();
    serveConsole(device, deviceEnd);
    hostEnd.write('xyz');
    const transport = await openSerialTransport({
      path: 'memory',
      linkFactory: () => Promise.resolve(duplexSerialLink(hostEnd)),
    });
    assert.equal(toHex(await transport.request('echo', new Uint8Array([5]))), 'aa05');
    assert.deepEqual(
      device.calls.map((c) => c.endpoint),
      ['echo'],
    );
    await transport.close();
  });

  it('no console prompt at open: DEVICE_NOT_FOUND', async () => {
    const mute = new Duplex({ read() {}, write: (_c, _e, cb) => cb() });
    const clock = new ManualClock();
    await rejectsWith(
      settle(
        clock,
        openSerialTransport({
          path: '/dev/ttyMUTE',
          linkFactory: () => Promise.resolve(duplexSerialLink(mute)),
          openTimeoutMs: 30,
          clock,
        }),
      ),
      'DEVICE_NOT_FOUND',
      /no protocomm console prompt .* on \/dev\/ttyMUTE/,
    );
  });

  it('a port that never opens: DEVICE_NOT_FOUND at the open deadline, and the late link is closed', async () => {
    let closed = false;
    let open!: (link: ReturnType<typeof duplexSerialLink>) => void;
    const pending = new Promise<ReturnType<typeof duplexSerialLink>>((r) => (open = r));
    const clock = new ManualClock();
    await rejectsWith(
      settle(
        clock,
        openSerialTransport({ path: '/dev/ttyWEDGED', linkFactory: () => pending, openTimeoutMs: 30, clock }),
      ),
      'DEVICE_NOT_FOUND',
      /did not open within 30 ms/,
    );
    const mute = new Duplex({ read() {}, write: (_c, _e, cb) => cb() });
    open({ ...duplexSerialLink(mute), close: () => ((closed = true), Promise.resolve()) });
    await until(() => closed, 'a port that opened after we gave up is closed again');
  });

  it('a write that never drains ends in TIMEOUT at the request deadline, not a hang', { timeout: 5000 }, async () => {
    const [deviceEnd, hostEnd] = duplexPair();
    serveConsole(new FakeDevice(), deviceEnd);
    const base = duplexSerialLink(hostEnd);
    let wedged = false;
    const transport = await openSerialTransport({
      path: 'memory',
      // Flow control stuck or a wedged adapter: after the sync line, writes never complete.
      linkFactory: () =>
        Promise.resolve({ ...base, write: (d: Uint8Array) => (wedged ? new Promise<void>(() => {}) : base.write(d)) }),
      openTimeoutMs: 1000,
    });
    wedged = true;
    await rejectsWith(transport.request('echo', new Uint8Array([1]), { timeoutMs: 50 }), 'TIMEOUT');
    await transport.close();
  });

  it('a missing serialport package is TRANSPORT_UNAVAILABLE with what to do', async () => {
    await rejectsWith(
      loadSerialPort(() => Promise.reject(new Error("Cannot find package 'serialport'"))),
      'TRANSPORT_UNAVAILABLE',
      /npm install serialport/,
    );
  });
});

describe('serial transport: a request given up on while the device still works on it', () => {
  it('the next line waits for that request to end on the device (a line typed meanwhile would merge)', async () => {
    // A scripted console: it echoes what it reads, and the test decides when it answers.
    const [deviceEnd, hostEnd] = duplexPair();
    let received = '';
    deviceEnd.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      if (received.endsWith('esp-prov-sync\r')) deviceEnd.write('esp-prov-sync\r\n\n>> ');
    });
    deviceEnd.write('\n>> ');
    const transport = await openSerialTransport({
      path: 'memory',
      sessionId: 7,
      linkFactory: () => Promise.resolve(duplexSerialLink(hostEnd)),
      openTimeoutMs: 1000,
    });
    try {
      received = '';
      const slow = transport.request('prov-scan', new Uint8Array([1]), { timeoutMs: 20 });
      await until(() => received.includes('\r'), 'the slow request was typed');
      deviceEnd.write(received.replace('\r', '\r\n')); // echo; the device is now busy with it
      await rejectsWith(slow, 'TIMEOUT');
      received = '';
      const next = transport.request('proto-ver', new Uint8Array([3]));
      await turns(20);
      assert.equal(received, '', 'nothing typed while the device is still busy');
      deviceEnd.write('0102\r\n\n>> '); // the late reply to the abandoned request, then the prompt
      await until(() => received.includes('\r'), 'the next request was typed after the prompt');
      assert.equal(received, 'proto-ver 7 03\r');
      deviceEnd.write('proto-ver 7 03\r\n0a0b\r\n\n>> ');
      assert.equal(toHex(await next), '0a0b', 'the late reply was not taken for this one');
    } finally {
      await transport.close();
    }
  });
});

describe('serial transport over a real pseudo-terminal (serialport + python3 openpty)', () => {
  it('talks to the simulated console through /dev/pts/N, twice, with fresh sessions', async () => {
    const device = new FakeDevice();
    const pty = await serveConsoleOnPty(device, { crlf: true });
    try {
      assert.match(pty.path, /^\/dev\//);
      for (const sessionId of [11, 12]) {
        const transport = await openSerialTransport({ path: pty.path, sessionId, openTimeoutMs: 3000 });
        try {
          assert.equal(toHex(await transport.request('echo', new Uint8Array(100).fill(0x5a))), 'aa' + '5a'.repeat(100));
          await rejectsWith(transport.request('fail', new Uint8Array([1])), 'CONNECTION_LOST', /Key mismatch/);
          await rejectsWith(transport.request('slow', new Uint8Array([1]), { timeoutMs: 10 }), 'TIMEOUT');
          assert.equal(toHex(await transport.request('echo', new Uint8Array([3]))), 'aa03');
        } finally {
          await transport.close();
        }
      }
      assert.deepEqual(device.sessionEvents, ['open 11', 'close 11', 'open 12']);
    } finally {
      await pty.close();
    }
  });

  it('without python3 the PTY simulator is TRANSPORT_UNAVAILABLE', async () => {
    await rejectsWith(
      serveConsoleOnPty(new FakeDevice(), { python: 'python3-esp-prov-missing' }),
      'TRANSPORT_UNAVAILABLE',
      /cannot start python3-esp-prov-missing/,
    );
  });

  it('opening a path that does not exist is DEVICE_NOT_FOUND', async () => {
    await rejectsWith(openSerialTransport({ path: '/dev/does-not-exist-esp-prov' }), 'DEVICE_NOT_FOUND');
  });
});
