/**
 * The process exits by itself after BLE use: noble keeps the event loop alive until stop() (research/deps.md
 * §1), so a missing stop() shows up here as a child that never ends (the test's timeout). Also checks that
 * noble's console output stays off stdout, with the real @stoprocent/noble when it is installed.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

const CHILD = fileURLToPath(new URL('./ble-exit-child.ts', import.meta.url));

function run(mode: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, mode], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

const outcome = (stderr: string): { code?: string; reply?: string } =>
  JSON.parse(
    stderr
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .pop() ?? '{}',
  ) as { code?: string };

void test('after close() the process exits: noble is stopped', { timeout: 30_000 }, async () => {
  const r = await run('fake');
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(outcome(r.stderr), { code: 'OK', reply: 'proto-ver:---' });
  assert.equal(r.stdout, '');
});

void test(
  'real noble: a coded error (or nothing found), nothing on stdout, and the process exits',
  { timeout: 30_000 },
  async () => {
    const r = await run('real');
    assert.equal(r.code, 0, r.stderr);
    assert.ok(['TRANSPORT_UNAVAILABLE', 'DEVICE_NOT_FOUND'].includes(outcome(r.stderr).code ?? ''), r.stderr);
    assert.equal(r.stdout, '');
  },
);
