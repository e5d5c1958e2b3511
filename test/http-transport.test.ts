/**
 * HttpTransport against the simulated device server (src/sim/http-server.ts) and against a raw capture
 * server that records the exact bytes the transport sends. PROTOCOL.md §2.1, §6.2, §9 items 19-20.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { afterEach, describe, test } from 'node:test';
import { startHttpServer, type HttpServerEvent } from '../src/sim/http-server.js';
import { provision } from '../src/provision/flow.js';
import { ManualClock } from '../src/timers.js';
import { SimDevice } from '../src/sim/device.js';
import type { ProtocommDevice } from '../src/protocol/device.js';
import { HttpTransport, parseServiceAddress } from '../src/transport/http.js';
import { FakeDevice, sequenceRandom } from './helpers/http-fakes.js';
import { isCode, rejectsWith } from './helpers/rejects.js';

const bytes = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'latin1'));
const str = (b: Uint8Array): string => Buffer.from(b).toString('latin1');

let cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const f of cleanup.reverse()) await f();
  cleanup = [];
});

async function sim<D extends ProtocommDevice = FakeDevice>(
  device: D = new FakeDevice() as unknown as D,
  host = '127.0.0.1',
  port = 0,
) {
  const events: HttpServerEvent[] = [];
  const server = await startHttpServer(device, {
    host,
    port,
    random: sequenceRandom([1001, 1002, 1003, 1004]),
    onEvent: (e) => events.push(e),
  });
  cleanup.push(() => server.close());
  const connects = (): number => events.filter((e) => e.event === 'connect').length;
  const requests = () => events.flatMap((e) => (e.event === 'request' ? [e] : []));
  return { server, device, events, connects, requests };
}

function transport(server: { host: string; port: number }, timeoutMs?: number, clock?: ManualClock): HttpTransport {
  const host = server.host.includes(':') ? `[${server.host}]` : server.host;
  const t = new HttpTransport({
    address: `${host}:${server.port}`,
    ...(timeoutMs ? { timeoutMs } : {}),
    ...(clock ? { clock } : {}),
  });
  cleanup.push(() => t.close());
  return t;
}

/** A TCP server answering each request with the next canned response and recording the raw requests. */
async function captureServer(responses: Array<string | [string, 'close']>) {
  const requests: string[] = [];
  let connections = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    connections++;
    sockets.add(socket);
    let buf = '';
    socket.on('error', () => undefined);
    socket.on('data', (c: Buffer) => {
      buf += c.toString('latin1');
      for (;;) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const length = Number(/\r\ncontent-length: *(\d+)/i.exec(buf.slice(0, end))?.[1] ?? 0);
        if (buf.length < end + 4 + length) return;
        requests.push(buf.slice(0, end + 4 + length));
        buf = buf.slice(end + 4 + length);
        const r = responses.shift();
        if (r === undefined) socket.destroy();
        else if (typeof r === 'string') socket.write(Buffer.from(r, 'latin1'));
        else socket.end(Buffer.from(r[0], 'latin1'));
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanup.push(
    () =>
      new Promise<void>((r) => {
        server.close(() => r());
        for (const s of sockets) s.destroy();
      }),
  );
  const port = (server.address() as net.AddressInfo).port;
  return { host: '127.0.0.1', port, requests, connections: () => connections };
}

const okResponse = (body: string, extra = ''): string =>
  `HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: ${body.length}\r\n${extra}\r\n${body}`;

void describe('parseServiceAddress', { timeout: 10_000 }, () => {
  const good: Array<[string, string, number]> = [
    ['192.168.4.1', '192.168.4.1', 80],
    ['192.168.4.1:80', '192.168.4.1', 80],
    ['10.0.0.7:8080', '10.0.0.7', 8080],
    ['  esp32.local:81 ', 'esp32.local', 81],
    ['my-device', 'my-device', 80],
    ['localhost:65535', 'localhost', 65535],
    ['[::1]:8080', '::1', 8080],
    ['[fe80::1%eth0]:80', 'fe80::1%eth0', 80],
    ['[::1]', '::1', 80],
    ['::1', '::1', 80],
    ['2001:db8::42', '2001:db8::42', 80],
    ['http://192.168.4.1/', '192.168.4.1', 80],
  ];
  for (const [input, host, port] of good) {
    void test(`accepts ${JSON.stringify(input)}`, () => {
      assert.deepEqual(parseServiceAddress(input), { host, port });
    });
  }
  const bad = [
    '',
    '   ',
    'host:',
    ':80',
    'host:0',
    'host:65536',
    'host:8o',
    '192.168.4.300',
    '1.2.3',
    '[::1',
    '[nothex]:80',
    '::1:zz',
    'bad host',
    'host/path',
    'https://192.168.4.1',
    'user@host',
    '-lead.example',
    'a..b',
  ];
  for (const input of bad) {
    void test(`rejects ${JSON.stringify(input)} with USAGE`, () => {
      assert.throws(() => parseServiceAddress(input), isCode('USAGE'));
    });
  }
  void test('the default is the ESP-IDF SoftAP address', () => {
    const t = new HttpTransport();
    assert.deepEqual(t.address, { host: '192.168.4.1', port: 80 });
    assert.equal(t.kind, 'softap');
    assert.deepEqual(t.limits, { maxRequestBytes: 4096, maxResponseBytes: 65536 });
  });
});

void describe('what goes on the wire', { timeout: 10_000 }, () => {
  void test('POST /<endpoint>, minimal headers, then exactly "Cookie: session=<id>" once issued', async () => {
    const cap = await captureServer([
      okResponse('first', 'Set-Cookie: session=1882305139\r\n'),
      okResponse('second'),
      okResponse('third', 'Set-Cookie: session=77; Path=/; HttpOnly\r\n'),
      okResponse('fourth'),
    ]);
    const t = transport(cap);
    assert.equal(t.cookie, undefined);
    assert.equal(str(await t.request('proto-ver', bytes('---'))), 'first');
    assert.equal(t.cookie, 'session=1882305139');
    assert.equal(str(await t.request('prov-session', bytes('\x10\x01'))), 'second');
    assert.equal(str(await t.request('custom-data', bytes('x'))), 'third');
    assert.equal(t.cookie, 'session=77', 'attributes after the pair are not sent back');
    await t.request('custom-data', bytes('y'));

    const [r0, r1, , r3] = cap.requests as [string, string, string, string];
    const headerLines = (r: string): string[] => r.slice(0, r.indexOf('\r\n\r\n')).split('\r\n');
    assert.equal(headerLines(r0)[0], 'POST /proto-ver HTTP/1.1');
    assert.ok(r0.endsWith('\r\n\r\n---'));
    assert.equal(headerLines(r0).filter((l) => /^cookie:/i.test(l)).length, 0);
    const h1 = headerLines(r1);
    assert.equal(h1[0], 'POST /prov-session HTTP/1.1');
    assert.deepEqual(
      h1.filter((l) => /^cookie:/i.test(l)),
      ['Cookie: session=1882305139'],
    );
    assert.ok(h1.includes('Content-Type: application/x-www-form-urlencoded'));
    assert.ok(h1.includes('Accept: text/plain'));
    assert.ok(h1.includes('Content-Length: 2'));
    assert.ok(!h1.some((l) => /^transfer-encoding:/i.test(l)));
    // esp_http_server's scratch buffer: the header section must stay under 512 bytes.
    const section = r1.slice(r1.indexOf('\r\n') + 2, r1.indexOf('\r\n\r\n') + 4);
    assert.ok(section.length < 300, `header section is ${section.length} bytes`);
    assert.deepEqual(
      headerLines(r3).filter((l) => /^cookie:/i.test(l)),
      ['Cookie: session=77'],
    );
    assert.equal(cap.connections(), 1, 'one persistent connection');
  });

  void test('non-200 statuses become coded errors naming the status', async () => {
    const cap = await captureServer([
      'HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n',
      'HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Length: 0\r\n\r\n',
      'HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n',
    ]);
    const t = transport(cap);
    // The device refusing (4xx/5xx) is the device's status, not a bug in esp-prov.
    const e500 = await rejectsWith(t.request('proto-ver', bytes('x')), 'DEVICE_STATUS');
    assert.match(e500.message, /HTTP 500/);
    assert.equal(e500.details?.['httpStatus'], 500);
    const e431 = await rejectsWith(t.request('proto-ver', bytes('x')), 'DEVICE_STATUS');
    assert.match(e431.message, /431/);
    await rejectsWith(t.request('proto-ver', bytes('x')), 'DEVICE_STATUS', /405/);
  });

  void test('an oversized response is DECODE_FAILED, a garbled one too, a truncated one CONNECTION_LOST', async () => {
    const huge = await captureServer(['HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\nabc']);
    await rejectsWith(transport(huge).request('prov-scan', bytes('x')), 'DECODE_FAILED');
    const streamed = await captureServer([`HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n${'z'.repeat(70_000)}`]);
    await rejectsWith(transport(streamed).request('prov-scan', bytes('x')), 'DECODE_FAILED');
    const garbled = await captureServer(['HTTP/1.1 2OO OK\r\n\r\n']);
    await rejectsWith(transport(garbled).request('prov-scan', bytes('x')), 'DECODE_FAILED');
    const cut = await captureServer([['HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc', 'close']]);
    const lost = await rejectsWith(transport(cut).request('prov-scan', bytes('x')), 'CONNECTION_LOST');
    assert.equal(lost.endpoint, 'prov-scan');
  });
});

void describe('against the simulated device', { timeout: 10_000 }, () => {
  void test('one TCP connection carries every request; the device issues one session', async () => {
    const { server, device, connects, requests } = await sim();
    const t = transport(server);
    for (let i = 0; i < 5; i++)
      assert.equal(str(await t.request('custom-data', bytes(`m${i}`))), `custom-data|1001|m${i}`);
    assert.equal(connects(), 1);
    assert.deepEqual(device.opened, [1001]);
    assert.equal(t.cookie, 'session=1001');
    assert.deepEqual(
      requests().map((r) => r.cookie),
      [null, 'session=1001', 'session=1001', 'session=1001', 'session=1001'],
    );
  });

  void test('concurrent callers are serialised: never two requests in flight, order kept', async () => {
    const { server, device, connects } = await sim();
    const t = transport(server);
    const replies = await Promise.all(
      ['slow1', 'slow2', 'slow3', 'slow4'].map((p) => t.request('custom-data', bytes(p))),
    );
    assert.deepEqual(
      replies.map(str),
      ['slow1', 'slow2', 'slow3', 'slow4'].map((p) => `custom-data|1001|${p}`),
    );
    assert.equal(device.maxInFlight, 1);
    assert.deepEqual(
      device.calls.map((c) => c.payload),
      ['slow1', 'slow2', 'slow3', 'slow4'],
    );
    assert.equal(connects(), 1);
  });

  void test('close without response → CONNECTION_LOST naming the endpoint; next request reconnects with the cookie', async () => {
    const { server, device, connects, requests } = await sim();
    const t = transport(server);
    await t.request('proto-ver', bytes('v'));
    const hs = await rejectsWith(t.request('prov-session', bytes('fail')), 'CONNECTION_LOST');
    assert.equal(hs.endpoint, 'prov-session');
    assert.match(hs.message, /prov-session/);
    assert.equal(hs.details?.['refused'], true, "the device's own refusal, which the session layer interprets");
    const other = await rejectsWith(t.request('prov-config', bytes('boom')), 'CONNECTION_LOST');
    assert.match(other.message, /prov-config.*handler failed or the session was lost/);

    assert.equal(str(await t.request('custom-data', bytes('after'))), 'custom-data|1001|after');
    assert.equal(connects(), 3, 'each failure cost the connection; each retry opened a fresh one');
    assert.equal(requests().at(-1)?.cookie, 'session=1001');
    assert.deepEqual(device.opened, [1001], 'the cookie kept the session across connections');
  });

  void test('a second client displaces the first; the first adopts the new session the device gives it', async () => {
    const { server, device, events } = await sim();
    const a = transport(server);
    const b = transport(server);
    await a.request('proto-ver', bytes('a1'));
    await b.request('proto-ver', bytes('b1'));
    assert.equal(a.cookie, 'session=1001');
    assert.equal(b.cookie, 'session=1002');
    assert.deepEqual(device.closed, [1001]);
    assert.ok(events.some((e) => e.event === 'disconnect' && e.by === 'evicted'));
    // A's socket was evicted; its next request may land on that dead socket (CONNECTION_LOST) or a new one.
    let reply: Uint8Array | undefined;
    for (let i = 0; i < 2 && !reply; i++) reply = await a.request('proto-ver', bytes('a2')).catch(() => undefined);
    assert.equal(str(reply!), 'proto-ver|1003|a2');
    assert.equal(a.cookie, 'session=1003');
    assert.deepEqual(device.closed, [1001, 1002]);
  });

  void test('stale cookie after a device restart: a new session is issued and adopted', async () => {
    const first = await sim();
    const t = transport(first.server);
    await t.request('proto-ver', bytes('x'));
    assert.equal(t.cookie, 'session=1001');
    await first.server.close();

    const rebooted = new FakeDevice();
    const events: HttpServerEvent[] = [];
    const again = await startHttpServer(rebooted, {
      port: first.server.port,
      random: sequenceRandom([5005, 6006]),
      onEvent: (e) => events.push(e),
    });
    cleanup.push(() => again.close());
    // Stale cookie on a failing request: the device starts a session but a failure carries no Set-Cookie.
    await rejectsWith(t.request('custom-data', bytes('fail')), 'CONNECTION_LOST');
    assert.equal(t.cookie, 'session=1001');
    const reply = await t.request('proto-ver', bytes('y'));
    const id = rebooted.opened.at(-1);
    assert.equal(str(reply), `proto-ver|${id}|y`);
    assert.equal(t.cookie, `session=${id}`);
    const seen = events.flatMap((e) => (e.event === 'request' ? [e] : []));
    assert.equal(seen.at(-1)?.cookie, 'session=1001');
    assert.equal(seen.at(-1)?.newSession, true);
  });

  void test('a hang ends in TIMEOUT at the deadline while the device is still busy', async () => {
    // On a manual clock: a real 40 ms deadline also bounds the connect, which a loaded machine can miss.
    const { server, device } = await sim();
    const clock = new ManualClock();
    const t = transport(server, undefined, clock);
    const started = device.started();
    const p = t.request('prov-config', bytes('hang'), { timeoutMs: 40 });
    await started;
    clock.advance(40);
    const e = await rejectsWith(p, 'TIMEOUT');
    assert.equal(e.endpoint, 'prov-config');
    assert.equal(device.inFlight, 1, 'the transport gave up on its own deadline');
    device.release();
  });

  void test('the default deadline comes from the options', async () => {
    const { server, device } = await sim();
    const clock = new ManualClock();
    const t = transport(server, 30, clock);
    const started = device.started();
    const p = rejectsWith(t.request('prov-config', bytes('hang')), 'TIMEOUT');
    await started;
    clock.advance(29);
    assert.equal(device.inFlight, 1);
    clock.advance(1);
    await p;
    device.release();
  });

  void test("a queued request's deadline starts when its turn comes", async () => {
    const { server, device } = await sim();
    const clock = new ManualClock();
    const t = new HttpTransport({ address: `${server.host}:${server.port}`, clock });
    cleanup.push(() => t.close());
    const started = device.started();
    const first = rejectsWith(t.request('prov-config', bytes('hang'), { timeoutMs: 100 }), 'TIMEOUT');
    const second = t.request('proto-ver', bytes('x'), { timeoutMs: 20 });
    await started;
    assert.equal(device.calls.length, 1, 'the queued request waits for its turn');
    clock.advance(100);
    await first;
    device.release();
    // 100 ms after it was made, well past its own 20 ms: still answered, because its deadline began at its turn.
    assert.equal(str(await second).length > 0, true);
  });

  void test('abort → CANCELLED, before sending and while waiting', async () => {
    const { server, device } = await sim();
    const t = transport(server);
    const pre = new AbortController();
    pre.abort();
    await rejectsWith(t.request('proto-ver', bytes('x'), { signal: pre.signal }), 'CANCELLED');
    assert.equal(device.calls.length, 0);

    await t.request('proto-ver', bytes('v'));
    const ac = new AbortController();
    const started = device.started();
    const p = t.request('prov-config', bytes('hang'), { signal: ac.signal });
    await started;
    ac.abort();
    await rejectsWith(p, 'CANCELLED');
    device.release();
    // The aborted exchange cost the connection, not the session: the cookie still works.
    assert.equal(str(await t.request('proto-ver', bytes('z'))), 'proto-ver|1001|z');
  });

  void test('close() cancels the pending request, is idempotent, and refuses later requests', async () => {
    const { server, device } = await sim();
    const t = transport(server);
    const started = device.started();
    const p = t.request('prov-config', bytes('hang'));
    const queued = t.request('proto-ver', bytes('q'));
    await started;
    await t.close();
    await t.close();
    await rejectsWith(p, 'CANCELLED');
    await rejectsWith(queued, 'CANCELLED');
    await rejectsWith(t.request('proto-ver', bytes('x')), 'CANCELLED');
    device.release();
  });

  void test('empty and oversized payloads are refused before anything is sent', async () => {
    const { server, connects } = await sim();
    const t = transport(server);
    await rejectsWith(t.request('proto-ver', new Uint8Array(0)), 'INTERNAL');
    await rejectsWith(t.request('proto-ver', new Uint8Array(4097)), 'UNSUPPORTED');
    await rejectsWith(t.request('bad/name', bytes('x')), 'USAGE');
    assert.equal(connects(), 0);
    assert.equal(
      (await t.request('proto-ver', new Uint8Array(4096).fill(0x41))).length,
      'proto-ver|1001|'.length + 4096,
    );
  });

  void test('unknown endpoint → UNSUPPORTED naming it (404)', async () => {
    const { server } = await sim();
    const e = await rejectsWith(transport(server).request('prov-thread', bytes('x')), 'UNSUPPORTED');
    assert.match(e.message, /endpoint prov-thread not found on device/);
    assert.equal(e.details?.['httpStatus'], 404);
  });

  void test('nothing listening → DEVICE_NOT_FOUND with a hint to join the SoftAP', async () => {
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const e = await rejectsWith(
      transport({ host: '127.0.0.1', port }).request('proto-ver', bytes('x')),
      'DEVICE_NOT_FOUND',
    );
    assert.match(e.message, /SoftAP/);
    assert.match(e.message, /ECONNREFUSED/);
  });

  void test('an unroutable address → DEVICE_NOT_FOUND (refused by the OS or no connection by the deadline)', async () => {
    // 192.0.2.0/24 is TEST-NET-1 (RFC 5737): never routed, so the connect either fails or hangs.
    const e = await rejectsWith(
      transport({ host: '192.0.2.1', port: 9 }, 100).request('proto-ver', bytes('x')),
      'DEVICE_NOT_FOUND',
    );
    assert.match(e.message, /192\.0\.2\.1:9/);
  });

  void test('an invalid deadline is a usage error', async () => {
    const t = new HttpTransport();
    await rejectsWith(t.request('proto-ver', bytes('x'), { timeoutMs: 0 }), 'USAGE');
    await rejectsWith(t.request('proto-ver', bytes('x'), { timeoutMs: NaN }), 'USAGE');
  });

  void test('IPv6 loopback [::1]', async (t) => {
    const v6 = await hasIpv6Loopback();
    if (!v6) return t.skip('this machine has no IPv6 loopback');
    const { server } = await sim(new FakeDevice(), '::1');
    assert.equal(server.host, '::1');
    const tr = transport(server);
    assert.equal(str(await tr.request('proto-ver', bytes('six'))), 'proto-ver|1001|six');
    assert.equal(tr.cookie, 'session=1001');
  });
});

void describe('smoke: provisioning the simulated device over HTTP only', { timeout: 20_000 }, () => {
  const fast = { applyDelayMs: 10, connectDelayMs: 10, scanDurationMs: 10, cleanupDelayMs: 100 };

  void test('Security 2 (example credentials): handshake, custom data, Wi-Fi join', async () => {
    const device = new SimDevice(fast);
    const { server, connects } = await sim(device);
    const t = transport(server);
    const result = await provision({
      transport: t,
      security: { username: 'wifiprov', password: 'abcd1234' },
      custom: [{ endpoint: 'custom-data', data: bytes('hello') }],
      wifi: { ssid: bytes('HomeNetwork'), passphrase: bytes('correct-horse-battery') },
    });
    assert.equal(result.network, 'wifi');
    assert.equal(result.network === 'wifi' && result.connected.ip, '192.168.1.100');
    assert.equal(connects(), 1, 'the whole run used one TCP connection');
    assert.equal(t.cookie, 'session=1001');
  });

  void test('a wrong password is refused by closing the connection → HANDSHAKE_FAILED', async () => {
    const { server } = await sim(new SimDevice(fast));
    await rejectsWith(
      provision({
        transport: transport(server),
        security: { username: 'wifiprov', password: 'wrong-password' },
        network: 'none',
      }),
      'HANDSHAKE_FAILED',
      { cause: isCode('CONNECTION_LOST') },
    );
  });
});

/** True when a socket can bind to ::1 (the OS has IPv6 loopback); detected, not assumed. */
async function hasIpv6Loopback(): Promise<boolean> {
  const s = net.createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.listen(0, '::1', resolve);
    });
    return true;
  } catch {
    return false;
  } finally {
    s.close();
  }
}
