/**
 * Hostile input, part 3: after Apply, tell the truth. Once the device has the credentials, a failure to learn
 * the outcome is not a failure to provision: the device may have joined. Every fault on the status poll (once:
 * the poll is retried and the run succeeds; always: the run ends with the code for "applied, outcome unknown"),
 * and HTTP error statuses (a device's answer, never INTERNAL). The CLI and the simulator are child processes.
 *
 * The code for a failure after Apply is looked up in ERROR_CODES by name (one containing "APPL"), so that these
 * rows state the rule without guessing the spelling; until it exists they fail saying so.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ERROR_CODES, EXIT_CODES, type ErrorCode } from '../src/errors.js';
import { check, esp, inBatches, last, sim } from './hostile-harness.js';

const PASSPHRASE = 'correct-horse-battery'; // the simulator's HomeNetwork
const AFTER_APPLY: ErrorCode | undefined = ERROR_CODES.find((c) => /APPL/.test(c));

interface Row {
  name: string;
  sim: string[];
  client?: string[];
  /** 'after-apply': the code for a failure after Apply; else an error code, or 'ok'. */
  expect: 'ok' | 'after-apply' | ErrorCode;
}

const KINDS = ['close', 'delay', 'corrupt', 'truncate', 'unknown-enum'] as const;
const ROWS: Row[] = [
  // Once: a single bad status answer is polled again.
  ...KINDS.map((k): Row => ({ name: `${k} on one status poll: polled again, 0`, sim: ['--fault', `${k}:status:once:1500`], expect: 'ok' })),
  // Always: every status poll fails; the device has the credentials and may well have joined.
  ...KINDS.map((k): Row => ({ name: `${k} on every status poll: applied, outcome unknown`, sim: ['--fault', `${k}:status:always:3000`], client: k === 'delay' ? ['--timeout', '2'] : [], expect: 'after-apply' })),
  { name: 'HTTP 500 on one status poll: polled again, 0', sim: ['--http-status', '500:status'], expect: 'ok' },
  { name: 'HTTP 500 on every status poll: applied, outcome unknown', sim: ['--http-status', '500:status:always'], expect: 'after-apply' },
  { name: 'HTTP 503 answering Apply (the device applied): applied, outcome unknown', sim: ['--http-status', '503:apply'], expect: 'after-apply' },
  // Before Apply: an HTTP error status is the device's answer, not a bug of ours (INTERNAL, exit 1).
  { name: 'HTTP 500 on proto-ver: a device status', sim: ['--http-status', '500:version'], expect: 'DEVICE_STATUS' },
  { name: 'HTTP 400 on the first handshake message: a device status, not INTERNAL', sim: ['--http-status', '400:handshake0'], expect: 'DEVICE_STATUS' },
  { name: 'HTTP 418 on SetConfig: a device status', sim: ['--http-status', '418:set'], expect: 'DEVICE_STATUS' },
]; // prettier-ignore

void describe('after Apply, tell the truth (faults on every status poll, HTTP statuses)', { timeout: 300_000 }, () => {
  void it('a code for failures after Apply exists', () => {
    assert.ok(AFTER_APPLY, `no error code for "applied, outcome unknown" in ERROR_CODES: ${ERROR_CODES.join(', ')}`);
  });

  void it('every row ends with the truthful code', async () => {
    const failures: string[] = [];
    await inBatches(ROWS, 2, async (row) => {
      const device = await sim(['--sec', '2', ...row.sim]);
      const args = ['--transport', 'softap', '--service_name', device.address, '--sec2_username', 'wifiprov', '--sec2_pwd', 'abcd1234', '--ssid', 'HomeNetwork', '--passphrase', PASSPHRASE, '--no-input', '--json', '--timeout', '10', ...(row.client ?? [])]; // prettier-ignore
      const r = await esp(args);
      const code = row.expect === 'after-apply' ? AFTER_APPLY : row.expect === 'ok' ? undefined : row.expect;
      try {
        const exit = row.expect === 'ok' ? 0 : code ? EXIT_CODES[code] : -1;
        check(row.name, r, { exit, secrets: ['abcd1234', PASSPHRASE], json: true, maxMs: 30_000 });
        const result = last(r);
        if (row.expect === 'ok') assert.equal(result['ok'], true, row.name);
        else assert.equal((result['error'] as { code?: string } | undefined)?.code, code, row.name);
      } catch (e) {
        failures.push(`${row.name}: ${(e as Error).message.split('\n--- stdout')[0]}\n  last line: ${r.stdout.trim().split('\n').at(-1)}`); // prettier-ignore
      }
      assert.equal(await device.stop(), 0);
    });
    assert.deepEqual(failures, []);
  });
});
