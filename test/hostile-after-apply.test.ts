/**
 * Hostile input, part 3: after Apply, tell the truth. Once the device has the credentials, a failure to learn
 * the outcome is not a failure to provision: the device may have joined. Every fault on the status poll (once:
 * the poll is retried and the run succeeds; always: the run ends with the code for "applied, outcome unknown"),
 * and HTTP error statuses (a device's answer, never INTERNAL).
 *
 * Each row runs the CLI in-process against the simulator served over loopback HTTP, built as `esp-prov sim
 * --sec 2 --fast` builds it, with client, device and server on one ManualClock: a delayed answer, a request
 * deadline and every status poll's interval cost device time, not wall time, and the bound on a run is in
 * device time. Two rows also run as child processes (the CLI and `esp-prov sim`), where the exit code of the
 * process itself is what is tested.
 *
 * The code for a failure after Apply is looked up in ERROR_CODES by name (one containing "APPL"), so that these
 * rows state the rule without guessing the spelling; until it exists they fail saying so.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ERROR_CODES, EXIT_CODES, type ErrorCode } from '../src/errors.js';
import { parseHttpStatus } from '../src/sim/answers.js';
import { parseFaultSpec } from '../src/sim/faults.js';
import { ManualClock } from '../src/timers.js';
import { check, esp, espOnClock, last, sim, simInProcess } from './hostile-harness.js';

const PASSPHRASE = 'correct-horse-battery'; // the simulator's HomeNetwork
const AFTER_APPLY: ErrorCode | undefined = ERROR_CODES.find((c) => /APPL/.test(c));
/** Bound on one run, in device time: the slowest row polls six times, each waiting out a 2 s deadline. */
const RUN_BOUND_MS = 30_000;

interface Row {
  name: string;
  /** `esp-prov sim --fault` spec. */
  fault?: string;
  /** `esp-prov sim --http-status` spec. */
  httpStatus?: string;
  client?: string[];
  /** 'after-apply': the code for a failure after Apply; else an error code, or 'ok'. */
  expect: 'ok' | 'after-apply' | ErrorCode;
}

const KINDS = ['close', 'delay', 'corrupt', 'truncate', 'unknown-enum'] as const;
const ROWS: Row[] = [
  // Once: a single bad status answer is polled again.
  ...KINDS.map((k): Row => ({ name: `${k} on one status poll: polled again, 0`, fault: `${k}:status:once:1500`, expect: 'ok' })),
  // Always: every status poll fails; the device has the credentials and may well have joined.
  ...KINDS.map((k): Row => ({ name: `${k} on every status poll: applied, outcome unknown`, fault: `${k}:status:always:3000`, client: k === 'delay' ? ['--timeout', '2'] : [], expect: 'after-apply' })),
  { name: 'HTTP 500 on one status poll: polled again, 0', httpStatus: '500:status', expect: 'ok' },
  { name: 'HTTP 500 on every status poll: applied, outcome unknown', httpStatus: '500:status:always', expect: 'after-apply' },
  { name: 'HTTP 503 answering Apply (the device applied): applied, outcome unknown', httpStatus: '503:apply', expect: 'after-apply' },
  // Before Apply: an HTTP error status is the device's answer, not a bug of ours (INTERNAL, exit 1).
  { name: 'HTTP 500 on proto-ver: a device status', httpStatus: '500:version', expect: 'DEVICE_STATUS' },
  { name: 'HTTP 400 on the first handshake message: a device status, not INTERNAL', httpStatus: '400:handshake0', expect: 'DEVICE_STATUS' },
  { name: 'HTTP 418 on SetConfig: a device status', httpStatus: '418:set', expect: 'DEVICE_STATUS' },
]; // prettier-ignore

/** The rows that also run as processes: an exit code after Apply, and one before it. */
const PROCESS_ROWS = [
  'HTTP 503 answering Apply (the device applied): applied, outcome unknown',
  'HTTP 400 on the first handshake message: a device status, not INTERNAL',
];

function provisionArgs(address: string, row: Row): string[] {
  return ['--transport', 'softap', '--service_name', address, '--sec2_username', 'wifiprov', '--sec2_pwd', 'abcd1234', '--ssid', 'HomeNetwork', '--passphrase', PASSPHRASE, '--no-input', '--json', '--timeout', '10', ...(row.client ?? [])]; // prettier-ignore
}

function expected(row: Row): { exit: number; code: ErrorCode | undefined } {
  const code = row.expect === 'after-apply' ? AFTER_APPLY : row.expect === 'ok' ? undefined : row.expect;
  return { exit: row.expect === 'ok' ? 0 : code ? EXIT_CODES[code] : -1, code };
}

function checkResult(row: Row, result: Record<string, unknown>): void {
  if (row.expect === 'ok') assert.equal(result['ok'], true, row.name);
  else assert.equal((result['error'] as { code?: string } | undefined)?.code, expected(row).code, row.name);
}

void describe('after Apply, tell the truth (faults on every status poll, HTTP statuses)', () => {
  void it('a code for failures after Apply exists', () => {
    assert.ok(AFTER_APPLY, `no error code for "applied, outcome unknown" in ERROR_CODES: ${ERROR_CODES.join(', ')}`);
  });

  for (const row of ROWS) {
    void it(row.name, async () => {
      const clock = new ManualClock(Date.UTC(2026, 0, 1));
      const device = await simInProcess({ sec: 2 }, {
        faults: row.fault ? [parseFaultSpec(row.fault)] : [],
        ...(row.httpStatus ? { answers: { httpStatus: parseHttpStatus(row.httpStatus) } } : {}),
      }, clock); // prettier-ignore
      try {
        const r = await espOnClock(provisionArgs(device.address, row), clock);
        check(row.name, r, { exit: expected(row).exit, secrets: ['abcd1234', PASSPHRASE], json: true, maxMs: RUN_BOUND_MS }); // prettier-ignore
        checkResult(row, last(r));
      } finally {
        await device.stop();
      }
    });
  }

  for (const name of PROCESS_ROWS) {
    const row = ROWS.find((r) => r.name === name)!;
    void it(`as processes: ${row.name}`, { timeout: 60_000 }, async () => {
      const httpStatus = row.httpStatus ? ['--http-status', row.httpStatus] : [];
      const simulator = await sim(['--sec', '2', ...(row.fault ? ['--fault', row.fault] : []), ...httpStatus]);
      try {
        const r = await esp(provisionArgs(simulator.address, row));
        check(row.name, r, { exit: expected(row).exit, secrets: ['abcd1234', PASSPHRASE], json: true, maxMs: 30_000 }); // prettier-ignore
        checkResult(row, last(r));
      } finally {
        assert.equal(await simulator.stop(), 0);
      }
    });
  }
});
