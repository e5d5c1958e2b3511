/**
 * `--qr` with a SoftAP payload: the computer must join the device's access point first. At a terminal the run
 * says which one and waits for the device's address to answer (Ctrl-C or --timeout end the wait); without a
 * terminal it fails fast with DEVICE_NOT_FOUND and the hint. In-process (run() with injected streams) against
 * the simulator over real loopback HTTP, started only once the CLI has asked the person to join.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { Readable } from 'node:stream';
import { after, describe, test } from 'node:test';
import { utf8 } from '../src/bytes.js';
import { EXIT_CODES } from '../src/errors.js';
import { SimDevice } from '../src/sim/device.js';
import { startHttpServer } from '../src/sim/http-server.js';
import { runCli } from './helpers/cli-run.js';
import { Lines } from './helpers/lines.js';

const POP = 'qr-Pop-4e1d';
const QR = JSON.stringify({ ver: 'v1', name: 'PROV_J01N42', pop: POP, transport: 'softap' });

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanups) await c();
});

/** A loopback port that nothing listens on (yet). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function startDevice(port: number): Promise<void> {
  const device = new SimDevice({
    security: { version: 1, pop: utf8(POP) },
    applyDelayMs: 20,
    connectDelayMs: 50,
  });
  const server = await startHttpServer(device, { port });
  cleanups.push(async () => {
    await server.close();
    device.stop();
  });
}

function cli(argv: string[], terminal: boolean, signal?: AbortSignal) {
  // A run still waiting when its test failed is stopped at the end, so that the file ends (fails) instead of hanging.
  const stop = new AbortController();
  signal?.addEventListener('abort', () => stop.abort(), { once: true });
  const [stdout, stderr] = [new Lines(), new Lines()];
  const stdin = Object.assign(Readable.from([]), terminal ? { isTTY: true } : {});
  if (terminal) [stdout.isTTY, stderr.isTTY] = [true, true];
  const base = ['--qr', QR, '--ssid', 'HomeNetwork', '--passphrase', 'correct-horse-battery'];
  // TERM=dumb: a terminal without the spinner, so that the lines read plainly.
  const run = runCli([...base, ...argv], { env: { TERM: 'dumb' }, stdin, signal: stop.signal, io: { stdout, stderr } });
  cleanups.unshift(async () => {
    stop.abort();
    await run.catch(() => undefined);
  });
  return { stdout, stderr, exit: run.then((r) => r.code) };
}

const JOIN_NOW =
  /Join the device's Wi-Fi access point "PROV_J01N42" now; waiting for the device to answer at 127\.0\.0\.1:\d+/;

// Each test has its own port and device: side by side, the waits for a device to answer overlap.
void describe('--qr with a SoftAP payload', { concurrency: true }, () => {
  test('at a terminal: says which access point to join, waits, then provisions once the device answers', async () => {
    const port = await freePort();
    const r = cli(['--service_name', `127.0.0.1:${port}`], true);
    await r.stderr.next(JOIN_NOW);
    await startDevice(port);
    assert.equal(await r.exit, 0, r.stderr.text);
    assert.match(r.stdout.text + r.stderr.text, /Connected to "HomeNetwork"/);
    assert.ok(!r.stderr.text.includes(POP) && !r.stdout.text.includes(POP), 'the PoP from the QR payload is not shown');
  });

  test('at a terminal: --timeout ends the wait with DEVICE_NOT_FOUND', async () => {
    const port = await freePort();
    const r = cli(['--service_name', `127.0.0.1:${port}`, '--timeout', '1'], true);
    assert.equal(await r.exit, EXIT_CODES.DEVICE_NOT_FOUND, r.stderr.text);
    assert.match(r.stderr.text, JOIN_NOW);
    assert.match(
      r.stderr.text,
      /did not answer at 127\.0\.0\.1:\d+ within 1 s: is this computer joined to "PROV_J01N42"\?/,
    );
  });

  test('at a terminal: Ctrl-C ends the wait', async () => {
    const port = await freePort();
    const stop = new AbortController();
    const r = cli(['--service_name', `127.0.0.1:${port}`], true, stop.signal);
    await r.stderr.next(JOIN_NOW);
    stop.abort();
    assert.equal(await r.exit, EXIT_CODES.CANCELLED, r.stderr.text);
  });

  for (const [what, argv, terminal] of [
    ['without a terminal', [], false],
    ['with --json', ['--json'], true],
    ['with --no-input', ['--no-input'], true],
  ] as const) {
    test(`${what}: fails fast with DEVICE_NOT_FOUND, which says to join`, async () => {
      const port = await freePort();
      const r = cli(['--service_name', `127.0.0.1:${port}`, ...argv], terminal);
      assert.equal(await r.exit, EXIT_CODES.DEVICE_NOT_FOUND, r.stderr.text + r.stdout.text);
      const out = r.stderr.text + r.stdout.text;
      assert.doesNotMatch(out, /waiting for the device/);
      assert.match(out, /is your computer joined to the device's SoftAP/);
      // The transport came from the QR payload: the hints are SoftAP's.
      assert.match(out, /join the device's Wi-Fi access point/);
    });
  }
});
