/**
 * `esp-prov sim` serves client after client: once a device has been provisioned (its provisioning service
 * stops, PROTOCOL.md §5.4), a fresh device takes its place behind the same address, and the simulator says
 * so. In-process (run() with injected streams) against real loopback HTTP, with the simulator's --fast timing.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { runCli } from './helpers/cli-run.js';
import { Lines } from './helpers/lines.js';

/** `esp-prov sim …` until `signal` aborts, its output read line by line as it comes; resolves with its exit code. */
function sim(argv: string[], stdout: Lines, stderr: Lines, signal: AbortSignal): Promise<number> {
  const io = { stdout: { write: stdout.write }, stderr: { write: stderr.write } };
  return runCli(argv, { io, signal }).then((r) => r.code);
}

async function provision(port: number, json: boolean): Promise<{ code: number; out: string }> {
  const argv = ['--transport', 'softap', '--service_name', `127.0.0.1:${port}`, '--pop', 'abcd1234'];
  argv.push('--ssid', 'HomeNetwork', '--passphrase', 'correct-horse-battery', '--timeout', '15');
  if (json) argv.push('--json');
  const r = await runCli(argv);
  return { code: r.code, out: r.stdout + r.stderr };
}

// Each test has its own simulator on a port the OS chose: side by side, their --fast delays overlap.
void describe('esp-prov sim re-arms after a provisioning', { concurrency: true }, () => {
  test('--json: a second client is provisioned too; the re-arm is an event', async () => {
    const [stdout, stderr] = [new Lines(), new Lines()];
    const stop = new AbortController();
    const running = sim(
      ['sim', '--listen', '127.0.0.1:0', '--sec', '1', '--fast', '--json'],
      stdout,
      stderr,
      stop.signal,
    );
    try {
      const { port } = JSON.parse(await stdout.next(/"event":"ready"/)) as { port: number };
      const first = await provision(port, true);
      assert.equal(first.code, 0, first.out);
      // The device stops its provisioning service once the client has seen Connected; then a fresh one serves.
      assert.deepEqual(JSON.parse(await stdout.next(/"event":"rearmed"/)), { event: 'rearmed', round: 2 });
      assert.ok(stdout.list.includes('{"event":"stopped","reason":"provisioned"}'), stdout.text);
      const again = await provision(port, true);
      assert.equal(again.code, 0, again.out);
    } finally {
      stop.abort();
    }
    assert.equal(await running, 0);
    assert.equal(stdout.list.at(-1), '{"event":"exit"}');
  });

  test('human output says that it is ready for the next client', async () => {
    const [stdout, stderr] = [new Lines(), new Lines()];
    const stop = new AbortController();
    const running = sim(['sim', '--listen', '127.0.0.1:0', '--sec', '1', '--fast'], stdout, stderr, stop.signal);
    try {
      const where = await stderr.next(/--service_name 127\.0\.0\.1:\d+/);
      const port = Number(/127\.0\.0\.1:(\d+)/.exec(where)?.[1]);
      const r = await provision(port, false);
      assert.equal(r.code, 0, r.out);
      await stderr.next(/provisioned; ready for the next client/);
    } finally {
      stop.abort();
    }
    assert.equal(await running, 0);
  });
});
