/**
 * The simulated protocomm_httpd + esp_http_server, driven with raw bytes so that every behaviour of
 * PROTOCOL.md §2.1 is checked on the wire: exact response bytes, cookie rules, routing errors, closing
 * without a response, one socket with LRU eviction.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import {
  startHttpServer,
  type HttpServerEvent,
  type HttpServerHandle,
  type HttpServerOptions,
} from '../src/sim/http-server.js';
import { FakeDevice, RawClient, post, sequenceRandom } from './helpers/http-fakes.js';

let servers: HttpServerHandle[] = [];
let clients: RawClient[] = [];

afterEach(async () => {
  for (const c of clients) c.end();
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
  clients = [];
});

async function setup(options: Partial<HttpServerOptions> = {}, device = new FakeDevice()) {
  const events: HttpServerEvent[] = [];
  const server = await startHttpServer(device, {
    random: sequenceRandom([1882305139, 42, 7, 99, 1234]),
    onEvent: (e) => events.push(e),
    ...options,
  });
  servers.push(server);
  const connect = async (): Promise<RawClient> => {
    const c = await RawClient.connect(server.port);
    clients.push(c);
    return c;
  };
  return { server, device, events, connect };
}

async function ok(c: RawClient) {
  const r = await c.response();
  assert.notEqual(r, 'closed', 'expected a response, the server closed the connection');
  return r as Exclude<typeof r, 'closed'>;
}

void describe('responses', { timeout: 10_000 }, () => {
  void test('a successful POST gets exactly status, Content-Type, Content-Length and Set-Cookie, nothing else', async () => {
    const { connect } = await setup();
    const c = await connect();
    c.send(post('/proto-ver', 'v1.1'));
    const r = await ok(c);
    assert.equal(
      r.head,
      'HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 25\r\nSet-Cookie: session=1882305139',
    );
    assert.equal(r.body, 'proto-ver|1882305139|v1.1');
    // The connection stays open: a second request on it continues the session and gets no Set-Cookie.
    c.send(post('/proto-ver', 'again', ['Cookie: session=1882305139']));
    const r2 = await ok(c);
    assert.equal(r2.head, 'HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 26');
    assert.equal(c.isClosed, false);
  });

  void test('session ids are drawn from the injected random source as little-endian u32', async () => {
    const { connect } = await setup({ random: () => new Uint8Array([0x73, 0xb2, 0x31, 0x70]) });
    const c = await connect();
    c.send(post('/proto-ver', 'x'));
    const r = await ok(c);
    assert.deepEqual(r.headers.at(-1), ['Set-Cookie', 'session=1882305139']);
  });

  void test('pipelined requests are answered in order', async () => {
    const { connect } = await setup();
    const c = await connect();
    c.send(post('/proto-ver', 'one') + post('/custom-data', 'two'));
    assert.equal((await ok(c)).body, 'proto-ver|1882305139|one');
    assert.equal((await ok(c)).body, 'custom-data|1882305139|two');
  });
});

void describe('routing errors are real HTTP responses followed by close', { timeout: 10_000 }, () => {
  const cases: Array<[string, string, string]> = [
    [
      'GET on an endpoint',
      'GET /proto-ver HTTP/1.1\r\nHost: d\r\n\r\n',
      'HTTP/1.1 405 Method Not Allowed\r\nContent-Type: text/html\r\nContent-Length: 45\r\n\r\nSpecified method is invalid for this resource',
    ],
    [
      'unknown path',
      post('/nope', 'x'),
      'HTTP/1.1 404 Not Found\r\nContent-Type: text/html\r\nContent-Length: 29\r\n\r\nNothing matches the given URI',
    ],
    [
      'path differing in case',
      post('/Proto-Ver', 'x'),
      'HTTP/1.1 404 Not Found\r\nContent-Type: text/html\r\nContent-Length: 29\r\n\r\nNothing matches the given URI',
    ],
    [
      'unknown method token',
      'BREW /proto-ver HTTP/1.1\r\n\r\n',
      'HTTP/1.1 400 Bad Request\r\nContent-Type: text/html\r\nContent-Length: 18\r\n\r\nBad request syntax',
    ],
    [
      'HTTP/2.0',
      'POST /proto-ver HTTP/2.0\r\nContent-Length: 1\r\n\r\nx',
      'HTTP/1.1 505 Version Not Supported\r\nContent-Type: text/html\r\nContent-Length: 36\r\n\r\nHTTP version not supported by server',
    ],
    [
      'URI over 512 bytes',
      post('/' + 'a'.repeat(512), 'x'),
      'HTTP/1.1 414 URI Too Long\r\nContent-Type: text/html\r\nContent-Length: 15\r\n\r\nURI is too long',
    ],
    [
      'header section over the 512-byte scratch buffer',
      post('/proto-ver', 'x', ['X-Pad: ' + 'p'.repeat(500)]),
      'HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Type: text/html\r\nContent-Length: 26\r\n\r\nHeader fields are too long',
    ],
  ];
  for (const [name, request, expected] of cases) {
    void test(name, async () => {
      const { connect, device, events } = await setup();
      const c = await connect();
      c.send(request);
      await c.closed;
      assert.equal(c.leftover, expected);
      assert.equal(device.calls.length, 0);
      assert.equal(device.opened.length, 0, 'routing errors never reach the session logic');
      assert.ok(events.some((e) => e.event === 'http-error'));
    });
  }

  void test('HTTP/1.0 is accepted (the firmware only rejects when major and minor both differ from 1)', async () => {
    const { connect } = await setup();
    const c = await connect();
    c.send('POST /proto-ver HTTP/1.0\r\nContent-Length: 2\r\n\r\nhi');
    assert.equal((await ok(c)).body, 'proto-ver|1882305139|hi');
  });

  void test('a header section that just fits is accepted', async () => {
    const { connect } = await setup();
    const c = await connect();
    const base = post('/proto-ver', 'x', ['X-Pad: ']);
    const section = base.slice(base.indexOf('\r\n') + 2, base.indexOf('\r\n\r\n') + 4);
    c.send(post('/proto-ver', 'x', ['X-Pad: ' + 'p'.repeat(513 - section.length)]));
    assert.equal((await ok(c)).status, 200);
  });
});

void describe('handler failures close the connection without any response', { timeout: 10_000 }, () => {
  const cases: Array<[string, string]> = [
    ['DeviceFailure', post('/prov-session', 'fail: wrong pop')],
    ['any other error', post('/prov-session', 'boom')],
    ['empty body', post('/proto-ver', '')],
    ['no Content-Length', 'POST /proto-ver HTTP/1.1\r\nHost: d\r\n\r\n'],
    ['body of 4097 bytes', post('/proto-ver', 'x'.repeat(4097))],
    ['chunked body', 'POST /proto-ver HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n'],
    ['query string (the endpoint name is the whole URI)', post('/proto-ver?x=1', 'x')],
  ];
  for (const [name, request] of cases) {
    void test(name, async () => {
      const { connect, events } = await setup();
      const c = await connect();
      c.send(request);
      assert.equal(await c.response(), 'closed');
      assert.equal(c.leftover, '');
      const req = events.find((e) => e.event === 'request');
      assert.equal(req?.event === 'request' && req.status, 'closed');
    });
  }

  void test('the session is bound before the body is checked: an empty first request still creates a session', async () => {
    const { connect, device } = await setup();
    const c = await connect();
    c.send(post('/proto-ver', ''));
    await c.closed;
    assert.deepEqual(device.opened, [1882305139]);
    // No Set-Cookie was sent, so a cookie-less client on a new socket starts yet another session.
    const c2 = await connect();
    c2.send(post('/proto-ver', 'x'));
    assert.deepEqual((await ok(c2)).headers.at(-1), ['Set-Cookie', 'session=42']);
    assert.deepEqual(device.closed, [1882305139]);
  });

  void test('a body of exactly 4096 bytes is accepted', async () => {
    const { connect } = await setup();
    const c = await connect();
    c.send(post('/proto-ver', 'y'.repeat(4096)));
    assert.equal((await ok(c)).body.length, 'proto-ver|1882305139|'.length + 4096);
  });

  void test('a partial head times out with 408, a partial body closes silently', async () => {
    const { connect } = await setup({ recvTimeoutMs: 30 });
    const a = await connect();
    a.send('POST /proto-ver HTTP/1.1\r\nContent-Le');
    await a.closed;
    assert.match(a.leftover, /^HTTP\/1\.1 408 Request Timeout\r\n/);
    const b = await connect();
    b.send(post('/proto-ver', 'abcdef').slice(0, -3));
    assert.equal(await b.response(), 'closed');
    assert.equal(b.leftover, '');
  });
});

void describe('session cookie rules (protocomm_httpd common_post_handler)', { timeout: 10_000 }, () => {
  async function firstSession(connect: () => Promise<RawClient>) {
    const c = await connect();
    c.send(post('/proto-ver', 'a'));
    await ok(c);
    return c;
  }

  void test('only the first Cookie header counts', async () => {
    const { connect, device } = await setup();
    const c = await firstSession(connect);
    c.send(post('/proto-ver', 'b', ['Cookie: session=1882305139', 'Cookie: other=1']));
    assert.equal((await ok(c)).headers.length, 2, 'same session: no Set-Cookie');
    c.send(post('/proto-ver', 'c', ['Cookie: other=1', 'Cookie: session=1882305139']));
    const r = await ok(c);
    assert.deepEqual(r.headers.at(-1), ['Set-Cookie', 'session=42']);
    assert.deepEqual(device.opened, [1882305139, 42]);
    assert.deepEqual(device.closed, [1882305139]);
  });

  void test('the value must equal "session=<id>" exactly (leading zeros, spaces, case start a new session)', async () => {
    for (const cookie of ['session=01882305139', 'session=1882305139 ', 'Session=1882305139', '']) {
      const { connect, device } = await setup();
      const c = await firstSession(connect);
      c.send(post('/proto-ver', 'b', [`Cookie: ${cookie}`]));
      assert.deepEqual((await ok(c)).headers.at(-1), ['Set-Cookie', 'session=42'], cookie);
      assert.deepEqual(device.opened, [1882305139, 42], cookie);
    }
  });

  void test('extra cookies: a short id makes the value differ; a long one overflows the buffer and the socket decides', async () => {
    const short = await setup({ random: sequenceRandom([42, 7]) });
    const a = await firstSession(short.connect);
    a.send(post('/proto-ver', 'b', ['Cookie: session=42; a=b']));
    assert.deepEqual((await ok(a)).headers.at(-1), ['Set-Cookie', 'session=7']);

    const long = await setup();
    const b = await firstSession(long.connect);
    b.send(post('/proto-ver', 'b', ['Cookie: session=1882305139; a=b']));
    assert.equal((await ok(b)).headers.length, 2, 'same socket: same session');
    const b2 = await long.connect();
    b2.send(post('/proto-ver', 'b', ['Cookie: session=1882305139; a=b']));
    assert.deepEqual((await ok(b2)).headers.at(-1), ['Set-Cookie', 'session=42'], 'new socket: new session');
  });

  void test('header name is case-insensitive and leading blanks are skipped', async () => {
    const { connect, device } = await setup();
    const c = await firstSession(connect);
    c.send(post('/proto-ver', 'b', ['cOOkIE:    session=1882305139']));
    assert.equal((await ok(c)).headers.length, 2);
    assert.deepEqual(device.opened, [1882305139]);
  });

  void test('a cookie of 20 characters or more reads as "no cookie": the socket decides', async () => {
    const { connect, device } = await setup();
    const c = await firstSession(connect);
    const long = 'session=1882305139xxxxxxx'; // 25 characters
    c.send(post('/proto-ver', 'b', [`Cookie: ${long}`]));
    assert.equal((await ok(c)).headers.length, 2, 'same socket → same session');
    assert.deepEqual(device.opened, [1882305139]);
    const c2 = await connect();
    c2.send(post('/proto-ver', 'b', [`Cookie: ${long}`]));
    assert.deepEqual((await ok(c2)).headers.at(-1), ['Set-Cookie', 'session=42'], 'new socket → new session');
    // 19 characters fit the buffer and are compared (and differ).
    c2.send(post('/proto-ver', 'c', ['Cookie: session=12345678901']));
    assert.deepEqual((await ok(c2)).headers.at(-1), ['Set-Cookie', 'session=7']);
  });

  void test('once the cookie was returned, the socket no longer identifies the session', async () => {
    const { connect, device } = await setup();
    const c = await firstSession(connect);
    c.send(post('/proto-ver', 'b', ['Cookie: session=1882305139']));
    await ok(c);
    c.send(post('/proto-ver', 'c')); // no cookie on the same socket
    assert.deepEqual((await ok(c)).headers.at(-1), ['Set-Cookie', 'session=42']);
    assert.deepEqual(device.opened, [1882305139, 42]);
  });

  void test('the cookie keeps working on a new socket; a cookie-less new socket starts a new session', async () => {
    const { connect, device } = await setup();
    const a = await firstSession(connect);
    a.end();
    const b = await connect();
    b.send(post('/custom-data', 'x', ['Cookie: session=1882305139']));
    const r = await ok(b);
    assert.equal(r.body, 'custom-data|1882305139|x');
    assert.equal(r.headers.length, 2);
    const c = await connect();
    c.send(post('/proto-ver', 'y'));
    assert.deepEqual((await ok(c)).headers.at(-1), ['Set-Cookie', 'session=42']);
    assert.deepEqual(device.opened, [1882305139, 42]);
  });

  void test('without socket tagging (Security 0) a reused socket number continues a cookie-less session', async () => {
    const { connect, device } = await setup({ tagSockets: false });
    const a = await firstSession(connect);
    a.end();
    await a.closed;
    const b = await connect(); // gets the same descriptor number, as lwIP would hand out
    b.send(post('/proto-ver', 'y'));
    assert.equal((await ok(b)).headers.length, 2);
    assert.deepEqual(device.opened, [1882305139]);
  });
});

void describe('one socket at a time', { timeout: 10_000 }, () => {
  void test('a new connection evicts the older one (LRU purge)', async () => {
    const { connect, events } = await setup();
    const a = await firstSession(connect);
    const b = await connect();
    await a.closed;
    assert.equal(b.isClosed, false);
    b.send(post('/proto-ver', 'b', ['Cookie: session=1882305139']));
    assert.equal((await ok(b)).body, 'proto-ver|1882305139|b');
    const kinds = events
      .filter((e) => e.event === 'connect' || e.event === 'disconnect')
      .map((e) => (e.event === 'disconnect' ? `disconnect:${e.by}` : e.event));
    assert.deepEqual(kinds, ['connect', 'disconnect:evicted', 'connect']);
  });

  void test('a connection arriving during a request waits for it (one server task), then evicts it', async () => {
    const { connect, device } = await setup();
    const a = await connect();
    const started = device.started();
    a.send(post('/proto-ver', 'hang'));
    await started;
    const b = await connect();
    b.send(post('/proto-ver', 'b'));
    device.release();
    assert.equal((await ok(a)).body, 'proto-ver|1882305139|hang');
    await a.closed;
    assert.equal((await ok(b)).body, 'proto-ver|42|b');
    assert.equal(device.maxInFlight, 1);
  });

  async function firstSession(connect: () => Promise<RawClient>) {
    const c = await connect();
    c.send(post('/proto-ver', 'a'));
    await ok(c);
    return c;
  }
});

void describe('lifecycle', { timeout: 10_000 }, () => {
  void test('request events carry endpoint, sizes, status and session', async () => {
    const { connect, events } = await setup();
    const c = await connect();
    c.send(post('/proto-ver', 'abc'));
    await ok(c);
    c.send(post('/prov-session', 'fail', ['Cookie: session=1882305139']));
    await c.closed;
    const reqs = events.filter((e) => e.event === 'request');
    assert.deepEqual(reqs, [
      {
        event: 'request',
        endpoint: 'proto-ver',
        bytesIn: 3,
        bytesOut: 24,
        status: 'ok',
        session: 1882305139,
        newSession: true,
        cookie: null,
      },
      {
        event: 'request',
        endpoint: 'prov-session',
        bytesIn: 4,
        bytesOut: null,
        status: 'closed',
        session: 1882305139,
        newSession: false,
        cookie: 'session=1882305139',
      },
    ]);
  });

  void test('close() drops open connections and stops listening; an abort signal does the same', async () => {
    const { server, connect } = await setup();
    const c = await connect();
    await server.close();
    await c.closed;
    await assert.rejects(RawClient.connect(server.port));

    const ac = new AbortController();
    const { server: s2 } = await setup({ signal: ac.signal });
    ac.abort();
    await s2.close();
    await assert.rejects(RawClient.connect(s2.port));
  });

  void test('a throwing event listener does not stop the server', async () => {
    const { connect } = await setup({
      onEvent: () => {
        throw new Error('listener bug');
      },
    });
    const c = await connect();
    c.send(post('/proto-ver', 'a') + post('/proto-ver', 'b', ['Cookie: session=1882305139']));
    assert.equal((await ok(c)).body, 'proto-ver|1882305139|a');
    assert.equal((await ok(c)).body, 'proto-ver|1882305139|b');
  });

  void test('a port in use is a coded error', async () => {
    const { server } = await setup();
    await assert.rejects(startHttpServer(new FakeDevice(), { port: server.port }), { code: 'TRANSPORT_UNAVAILABLE' });
  });
});
