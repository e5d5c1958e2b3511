/**
 * Hostile input, part 1: what a person (or a script) hands the built CLI — argv, environment, files, pipes —
 * run as a real child process. Each row: the exit code, no stack trace or Node warning, no secret in stdout,
 * stderr or any file written, a bound on time, and for the large inputs a bound on peak RSS (/usr/bin/time).
 * Device answers are in hostile-device.test.ts; failures after Apply in hostile-after-apply.test.ts.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  check,
  esp,
  HAVE_TIME,
  inBatches,
  last,
  sim,
  simInProcess,
  type Expect,
  type RunOptions,
} from './hostile-harness.js';

const SECRET = 'Hostile-Secret-4b9e1d';
const PASSPHRASE = 'correct-horse-battery'; // the simulator's HomeNetwork
const DIR = mkdtempSync(join(tmpdir(), 'esp-prov-hostile-in-'));
const F = {
  empty: join(DIR, 'empty'),
  missing: join(DIR, 'missing'),
  dir: join(DIR, 'a-directory'),
  fifo: join(DIR, 'fifo'),
  latin1: join(DIR, 'latin1'),
  binary: join(DIR, 'binary'),
  big: join(DIR, 'big'),
};
writeFileSync(F.empty, '');
mkdirSync(F.dir);
execFileSync('mkfifo', [F.fifo]);
writeFileSync(F.latin1, Buffer.from(`caf\xe9-${SECRET}\n`, 'latin1'));
writeFileSync(F.binary, Buffer.from([0x00, 0xff, 0x1b, 0x5b, 0x32, 0x4a, ...Buffer.from(SECRET), 0x00]));
execFileSync('truncate', ['-s', '100M', F.big]); // sparse: 100 MB of zeros that take no disk

/** No device answers here: the argv and input rows must fail (or not) before one is needed. */
const NOWHERE = [
  '--transport',
  'softap',
  '--service_name',
  '127.0.0.1:1',
  '--sec_ver',
  '0',
  '--ssid',
  'X',
  '--no-input',
];
const MB = 1024 * 1024;
/**
 * A child (the bundled CLI, helpers/cli-bin.ts) idles at ~55 MiB; reading 100 MB into memory would add 100.
 * The bound leaves ~70 MiB of headroom over idle, as it did when the children ran through tsx (~90 + 70).
 */
const LARGE_RSS_KB = 125 * 1024;

interface Row {
  name: string;
  args: string[];
  opts?: RunOptions;
  expect: Omit<Expect, 'maxMs'> & { maxMs?: number };
  /** More to assert about the result. */
  more?: (r: Awaited<ReturnType<typeof esp>>) => void;
}

const usageNames = (r: Awaited<ReturnType<typeof esp>>, re: RegExp): void => assert.match(r.stderr + r.stdout, re);

const ARGV: Row[] = [
  { name: '--baud out of range', args: ['--baud', '99999999999'], expect: { exit: 2 }, more: (r) => usageNames(r, /--baud must be 1200 to 4000000/) },
  { name: '--timeout 0', args: [...NOWHERE, '--timeout', '0'], expect: { exit: 2 } },
  { name: '--timeout past what a timer holds', args: [...NOWHERE, '--timeout', '99999999999'], expect: { exit: 2 }, more: (r) => usageNames(r, /at most 24 days/) },
  { name: '--sec_ver 3', args: [...NOWHERE, '--sec_ver', '3'], expect: { exit: 2 } },
  { name: '--sec2_salt_len 65', args: ['gen-cred', '--sec2_salt_len', '65'], expect: { exit: 2 } },
  { name: 'sim --conn-attempts 256', args: ['sim', '--conn-attempts', '256'], expect: { exit: 2 } },
  { name: 'sim --fault delay past a timer', args: ['sim', '--fault', 'delay:status:always:99999999999'], expect: { exit: 2 } },
  { name: 'sim --http-status 99', args: ['sim', '--http-status', '99:status'], expect: { exit: 2 } },
  { name: 'typo --pasphrase=SECRET', args: [...NOWHERE, `--pasphrase=${SECRET}`], expect: { exit: 2, secrets: [SECRET] }, more: (r) => usageNames(r, /--pasphrase/) },
  { name: 'typo --pop-fil=SECRET, --json', args: [`--pop-fil=${SECRET}`, '--json'], expect: { exit: 2, secrets: [SECRET], json: true } },
  { name: 'typo -PSECRET', args: [`-P${SECRET}`], expect: { exit: 2, secrets: [SECRET] } },
  { name: 'typo as a command: SECRET=x', args: [`${SECRET}=x`], expect: { exit: 2, secrets: [SECRET] } },
  { name: 'a value without its flag', args: ['--transport', 'softap', '--ssid', 'HomeNetwork', SECRET], expect: { exit: 2, secrets: [SECRET] } },
  { name: 'a misspelt command is named', args: ['gen-cre'], expect: { exit: 2 }, more: (r) => usageNames(r, /unknown command "gen-cre"/) },
  { name: 'a rejected --passphrase is not echoed', args: [...NOWHERE, '--passphrase', `${SECRET}${'x'.repeat(60)}`], expect: { exit: 2, secrets: [SECRET] } },
  { name: 'a 128 KiB --passphrase (the longest single argument Linux passes)', args: [...NOWHERE, '--passphrase', SECRET + 'p'.repeat(128 * 1024 - 1 - SECRET.length)], expect: { exit: 2, secrets: [SECRET] } },
  { name: 'a 128 KiB --ssid', args: [...NOWHERE.slice(0, -3), '--ssid', 's'.repeat(128 * 1024 - 1), '--no-input'], expect: { exit: 2 }, more: (r) => usageNames(r, /at most 32 bytes/) },
  // 1 MB of argv in eight arguments (one argument may not exceed 128 KiB on Linux).
  { name: '1 MB of argv', args: [...NOWHERE, '--passphrase', '', ...Array.from({ length: 8 }, () => ['--custom-endpoint', 'e', '--data', `text:${'d'.repeat(MB / 8 - 1024)}`]).flat(), '--timeout', '2'], expect: { exit: 3, maxMs: 20_000 } },
  { name: 'a non-UTF-8 --ssid', args: [...NOWHERE.slice(0, -3), '--no-input', '--passphrase', '', '--ssid'], opts: { rawArgs: [Buffer.from([0x63, 0x61, 0x66, 0xe9])] }, expect: { exit: 2 }, more: (r) => usageNames(r, /--ssid is not valid UTF-8.*--ssid-hex/) },
  { name: 'a non-UTF-8 --passphrase', args: [...NOWHERE, '--passphrase'], opts: { rawArgs: [Buffer.from(`${SECRET}\xe9`, 'latin1')] }, expect: { exit: 2, secrets: [SECRET] }, more: (r) => usageNames(r, /--passphrase-hex/) },
]; // prettier-ignore

const withFile = (flag: string, path: string): string[] => [...NOWHERE, flag, path, '--timeout', '2'];
const FILES: Row[] = [
  // An empty passphrase file is the empty passphrase (an open network): the run goes on to the device.
  { name: 'empty --passphrase-file', args: withFile('--passphrase-file', F.empty), expect: { exit: 3 } },
  { name: 'missing --passphrase-file', args: withFile('--passphrase-file', F.missing), expect: { exit: 2 }, more: (r) => usageNames(r, /no such file/) },
  { name: 'a directory as --pop-file', args: withFile('--pop-file', F.dir), expect: { exit: 2 }, more: (r) => usageNames(r, /is a directory/) },
  { name: 'a FIFO nobody writes, with --timeout', args: withFile('--passphrase-file', F.fifo), expect: { exit: 5, maxMs: 12_000 }, more: (r) => usageNames(r, /within 2 s/) },
  { name: '/dev/zero as --passphrase-file', args: withFile('--passphrase-file', '/dev/zero'), opts: { rss: true }, expect: { exit: 2, maxRssKb: LARGE_RSS_KB } },
  { name: '/dev/urandom as --sec2-pwd-file', args: withFile('--sec2-pwd-file', '/dev/urandom'), opts: { rss: true }, expect: { exit: 2, maxRssKb: LARGE_RSS_KB } },
  { name: 'a Latin-1 --passphrase-file', args: withFile('--passphrase-file', F.latin1), expect: { exit: 2, secrets: [SECRET] }, more: (r) => usageNames(r, /not valid UTF-8/) },
  { name: 'a binary --pop-file', args: withFile('--pop-file', F.binary), expect: { exit: 2, secrets: [SECRET] } },
  { name: 'a 100 MB sparse --passphrase-file', args: withFile('--passphrase-file', F.big), opts: { rss: true }, expect: { exit: 2, maxRssKb: LARGE_RSS_KB } },
  { name: 'a 100 MB sparse --data @file', args: [...NOWHERE, '--passphrase', '', '--custom-endpoint', 'e', '--data', `@${F.big}`], opts: { rss: true }, expect: { exit: 2, maxRssKb: LARGE_RSS_KB }, more: (r) => usageNames(r, /longer than 64 KiB/) },
  { name: 'a 100 MB sparse sim --aps', args: ['sim', '--listen', '127.0.0.1:0', '--aps', F.big], opts: { rss: true }, expect: { exit: 2, maxRssKb: LARGE_RSS_KB } },
  { name: 'a 100 MB sparse sim --answers', args: ['sim', '--listen', '127.0.0.1:0', '--answers', F.big], opts: { rss: true }, expect: { exit: 2, maxRssKb: LARGE_RSS_KB } },
  { name: '100 MB on stdin for --qr -', args: ['--qr', '-', '--no-input'], opts: { rss: true, stdin: F.big }, expect: { exit: 2, maxRssKb: LARGE_RSS_KB } },
  { name: '/dev/zero on stdin for --passphrase-file -', args: withFile('--passphrase-file', '-'), opts: { rss: true, stdin: '/dev/zero' }, expect: { exit: 2, maxRssKb: LARGE_RSS_KB } },
  { name: 'stdin closed for --passphrase-file -', args: withFile('--passphrase-file', '-'), opts: { stdin: 'ignore' }, expect: { exit: 3 } },
  { name: 'an empty ESP_PROV_PASSPHRASE counts as unset', args: NOWHERE, opts: { env: { ESP_PROV_PASSPHRASE: '' } }, expect: { exit: 2 }, more: (r) => usageNames(r, /ESP_PROV_PASSPHRASE/) },
  { name: 'ESP_PROV_PASSPHRASE of 64 bytes', args: NOWHERE, opts: { env: { ESP_PROV_PASSPHRASE: `${SECRET}x${'é'.repeat(21)}` } }, expect: { exit: 2, secrets: [SECRET] }, more: (r) => usageNames(r, /ESP_PROV_PASSPHRASE: a Wi-Fi passphrase is 8 to 63/) },
  { name: 'ESP_PROV_POP with an escape sequence', args: [...NOWHERE, '--sec_ver', '1', '--passphrase', '', '--timeout', '2'], opts: { env: { ESP_PROV_POP: `${SECRET}\x1b[2J` } }, expect: { exit: 3, secrets: [SECRET] } },
]; // prettier-ignore

async function runRows(rows: readonly Row[]): Promise<string[]> {
  const failures: string[] = [];
  await inBatches(rows, 3, async (row) => {
    const r = await esp(row.args, row.opts);
    try {
      check(row.name, r, { maxMs: 15_000, ...row.expect });
      row.more?.(r);
    } catch (e) {
      failures.push((e as Error).message);
    }
  });
  return failures;
}

void describe('hostile input: argv, environment, files', { timeout: 300_000 }, () => {
  void it('argv: ranges, typos that carry secrets, 128 KiB and 1 MB arguments, non-UTF-8 bytes', async () => {
    assert.deepEqual(await runRows(ARGV), []);
  });

  void it(`files and stdin: empty, missing, directory, FIFO, /dev/zero, /dev/urandom, Latin-1, binary, 100 MB${HAVE_TIME ? '' : ' (no /usr/bin/time: RSS not measured)'}`, async () => {
    assert.deepEqual(await runRows(FILES), []);
  });
});

void describe('hostile input: pipes', { timeout: 300_000 }, () => {
  const secrets = ['abcd1234', PASSPHRASE];
  interface PipeRow {
    name: string;
    flags: string[];
    opts: RunOptions;
    passphrase?: string;
    exit: number;
  }
  const ROWS: PipeRow[] = [
    { name: 'stdout read by `head -c1`, human', flags: [], opts: { closeStdoutAfterFirstByte: true }, exit: 0 },
    { name: 'stdout read by `head -c1`, --json -v', flags: ['--json', '-v'], opts: { closeStdoutAfterFirstByte: true }, exit: 0 },
    { name: 'stdout fd closed (1>&-), -v', flags: ['-v'], opts: { redirect: '1>&-' }, exit: 0 },
    { name: 'stdout and stderr fds closed, --json', flags: ['--json'], opts: { redirect: '1>&- 2>&-' }, exit: 0 },
    { name: 'stdout and stderr to /dev/null (stdio ignore)', flags: ['-v'], opts: { redirect: '1>/dev/null 2>/dev/null' }, exit: 0 },
    { name: 'both fds closed, wrong passphrase: still 11', flags: [], opts: { redirect: '1>&- 2>&-' }, passphrase: 'wrong-passphrase-x', exit: 11 },
  ]; // prettier-ignore

  // A device takes one provisioning: each row gets its own simulator, in this process (the CLI's descriptors are
  // the point; a whole `esp-prov sim` child is the next test's).
  void it('a reader that goes away, a closed descriptor: the run ends with its own outcome', async () => {
    const failures: string[] = [];
    await inBatches(ROWS, 2, async (row) => {
      const device = await simInProcess({ sec: 2 }, {});
      const args = ['--transport', 'softap', '--service_name', device.address, '--sec2_username', 'wifiprov', '--sec2_pwd', 'abcd1234', '--ssid', 'HomeNetwork', '--passphrase', row.passphrase ?? PASSPHRASE, '--no-input', '--timeout', '10', ...row.flags]; // prettier-ignore
      const r = await esp(args, row.opts);
      try {
        check(row.name, r, { exit: row.exit, secrets, maxMs: 20_000 });
      } catch (e) {
        failures.push((e as Error).message);
      }
      await device.stop();
    });
    assert.deepEqual(failures, []);
  });

  void it('--json with every stream open: each line parses, the last is the result', async () => {
    const device = await sim(['--sec', '2']);
    const r = await esp(['--transport', 'softap', '--service_name', device.address, '--sec2_username', 'wifiprov', '--sec2_pwd', 'abcd1234', '--ssid', 'HomeNetwork', '--passphrase', PASSPHRASE, '--json', '-v', '--timeout', '10']); // prettier-ignore
    check('--json -v', r, { exit: 0, secrets, json: true, maxMs: 20_000 });
    assert.equal(last(r)['ok'], true);
    assert.equal(await device.stop(), 0);
  });
});
