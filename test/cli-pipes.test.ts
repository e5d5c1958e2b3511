/**
 * Output streams that close early (src/cli/streams.ts): the real CLI as a child process, its stdout (and
 * stderr) read by something that goes away after the first line or byte, like `| head -1`. The run must
 * finish the device work and exit with its outcome's own code: no "Unhandled 'error' event", no stack, no 1.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { guardStream, rawStream } from '../src/cli/streams.js';
import { CLI_ENTRY } from './helpers/cli-bin.js';
import { simInProcess } from './hostile-harness.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DEADLINE_MS = 20_000;

interface Run {
  code: number | null;
  stderr: string;
}

/** Runs esp-prov; closes its stdout after the first line (and its stderr too after the first byte when `both`). */
function espClosingEarly(args: string[], both = false): Promise<Run> {
  const child = spawn(process.execPath, [CLI_ENTRY, ...args], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: '1' },
  });
  let stderr = '';
  createInterface({ input: child.stdout }).once('line', () => child.stdout.destroy());
  child.stderr.on('data', (d: Buffer) => {
    if (both) child.stderr.destroy();
    else stderr += d.toString();
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), DEADLINE_MS);
  return new Promise((resolve) =>
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    }),
  );
}

// Each test starts its own processes (and device): side by side, their device delays overlap.
void describe('a reader that goes away early', { concurrency: true }, () => {
  void it('`--json -v | head -1`: a wrong passphrase still exits 11, the right one 0 and the device joins', async () => {
    // The device is served here (the CLI child's streams are the point), with short delays.
    const s = await simInProcess({ sec: 2 }, {});
    let joined = false;
    s.device.on('state', (e) => (joined ||= e.kind === 'wifi' && e.state.kind === 'connected'));
    try {
      const base = ['--transport', 'softap', '--service_name', s.address, '--sec2_username', 'wifiprov', '--sec2_pwd', 'abcd1234', '--ssid', 'HomeNetwork', '--json', '-v']; // prettier-ignore
      const bad = await espClosingEarly([...base, '--passphrase', 'wrong-horse-battery']);
      assert.equal(bad.code, 11, bad.stderr);
      const good = await espClosingEarly([...base, '--passphrase', 'correct-horse-battery']);
      assert.equal(good.code, 0, good.stderr);
      assert.equal(good.stderr, '', '--json keeps stderr quiet, and there is no stack');
      assert.ok(joined, 'the device joined');
    } finally {
      await s.stop();
    }
  });

  void it('`2>&1 | head -c1`: stdout and stderr both closed, the demo still finishes with exit 0', async () => {
    const r = await espClosingEarly(['demo', '-v'], true);
    assert.equal(r.code, 0);
  });

  void it('human output with stdout closed: no "Unhandled \'error\' event", no stack on stderr', async () => {
    const r = await espClosingEarly(['demo', '-v']);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /Unhandled|EPIPE|at .*\.js:\d+/);
  });
});

void describe('guardStream', () => {
  void it('an EPIPE thrown by write, or raised as an event, closes the stream; later writes are dropped', () => {
    const written: string[] = [];
    const listeners: ((e: Error) => void)[] = [];
    let fail = false;
    const raw = {
      write(text: string) {
        if (fail) throw Object.assign(new Error('write EPIPE'), { code: 'EPIPE' });
        written.push(text);
        return true;
      },
      on(_event: 'error', l: (e: Error) => void) {
        listeners.push(l);
      },
    };
    const s = guardStream(raw);
    assert.equal(listeners.length, 1, 'listens for errors before the first write');
    assert.equal(s.write('a'), true);
    fail = true;
    assert.equal(s.write('b'), false);
    assert.equal(s.closedBy, 'EPIPE');
    fail = false;
    assert.equal(s.write('c'), false);
    assert.deepEqual(written, ['a']);
    const t = guardStream(raw);
    listeners[1]!(Object.assign(new Error('bad fd'), { code: 'EBADF' }));
    assert.equal(t.closed, true);
    assert.equal(t.write('d'), false);
    assert.equal(rawStream(t), raw);
  });
});
