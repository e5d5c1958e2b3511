/**
 * `esp-prov batch` end to end against `esp-prov sim --count` fleets over loopback HTTP: the manifest the fleet
 * writes provisions every board; a wrong password fails its board alone (exit 16, the JUnit report says which);
 * no secret appears in stdout, stderr, the journal or any report; and a batch process killed with SIGKILL loses
 * no recorded outcome and, resumed, never provisions a finished board again (a finished simulated device stops
 * answering, so a second provisioning would fail the run).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseCsv } from '../src/batch/csv.js';
import { readJournal } from '../src/batch/journal.js';
import type { CliStream } from '../src/cli/context.js';
import { EXIT_CODES } from '../src/errors.js';
import { CLI_ENTRY } from './helpers/cli-bin.js';
import { jsonLines, runCli } from './helpers/cli-run.js';
import { parseXml } from './helpers/xml.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const PASSPHRASE = 'correct-horse-battery';
const stops: AbortController[] = [];
const fleets: Promise<number>[] = [];
after(async () => {
  for (const s of stops) s.abort();
  await Promise.all(fleets);
});

/** A stdout that calls `onLine` with each line as it is written (runCli then leaves it to the test). */
function watched(onLine: (l: string) => void): { stream: CliStream; text: () => string } {
  let text = '';
  return {
    stream: {
      write: (s: string) => {
        text += s;
        for (const l of s.split('\n').filter(Boolean)) onLine(l);
      },
    },
    text: () => text,
  };
}

/** Starts a fleet in this process; resolves with its manifest once every device listens. */
async function fleet(count: number, dir: string): Promise<{ manifest: string; passwords: string[] }> {
  const manifest = join(dir, 'rack.csv');
  const stop = new AbortController();
  stops.push(stop);
  let ready!: () => void;
  const listening = new Promise<void>((res) => (ready = res));
  const out = watched((l) => /"event":"ready"/.test(l) && ready());
  const argv = ['sim', '--count', String(count), '--fast', '--listen', '127.0.0.1:0', '--seed', dir];
  const running = runCli([...argv, '--manifest-out', manifest, '--json'], {
    signal: stop.signal,
    io: { stdout: out.stream },
  });
  fleets.push(running.then((r) => r.code));
  await Promise.race([listening, running.then((r) => assert.fail(`sim exited ${r.code}: ${r.stderr}`))]);
  const rows = parseCsv(readFileSync(manifest, 'utf8'));
  const col = rows[0]!.fields.indexOf('sec2_password');
  return { manifest, passwords: rows.slice(1).map((r) => r.fields[col]!) };
}

function assertNoSecrets(secrets: readonly string[], artefacts: Record<string, string>): void {
  for (const [name, text] of Object.entries(artefacts)) {
    for (const secret of secrets) assert.ok(!text.includes(secret), `${name} holds a secret`);
  }
}

// Each test has its own fleet (ports chosen by the OS) and directory: they run side by side, so that the
// fleets' device delays (wall clock, --fast) overlap instead of adding up.
describe('esp-prov batch', { concurrency: true }, () => {
  it('provisions a fleet from its manifest; events carry board ids; nothing secret is written anywhere', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'esp-prov-batch-'));
    const { manifest, passwords } = await fleet(3, dir);
    assert.equal(passwords.length, 3);
    assert.equal(new Set(passwords).size, 3, 'each device has its own password');
    const f = (n: string): string => join(dir, n);
    const argv = ['batch', manifest, '--json', '--concurrency', '3', '--journal', f('j.ndjson')];
    const reports = [
      '--report',
      `junit:${f('r.xml')}`,
      '--report',
      `csv:${f('r.csv')}`,
      '--report',
      `json:${f('r.json')}`,
    ];
    const s = await runCli([...argv, ...reports]);
    assert.equal(s.code, 0, s.stderr);
    const lines = [...s.lines];
    const last = lines.pop()!;
    assert.deepEqual(last['summary'], { total: 3, provisioned: 3, failed: 0, cancelled: 0, skipped: 0 });
    assert.ok(
      lines.every((l) => typeof l['board'] === 'string'),
      'every event names its board',
    );
    assert.equal(lines.filter((l) => l['event'] === 'board-end').length, 3);
    const suite = parseXml(readFileSync(f('r.xml'), 'utf8')).children[0]!;
    assert.deepEqual(
      suite.children.map((c) => [c.attrs['name'], c.children.some((k) => k.name === 'failure')]),
      [
        ['sim-1', false],
        ['sim-2', false],
        ['sim-3', false],
      ],
    );
    assertNoSecrets([...passwords, PASSPHRASE], {
      stdout: s.stdout,
      stderr: s.stderr,
      journal: readFileSync(f('j.ndjson'), 'utf8'),
      junit: readFileSync(f('r.xml'), 'utf8'),
      csv: readFileSync(f('r.csv'), 'utf8'),
      json: readFileSync(f('r.json'), 'utf8'),
    });
  });

  it('secrets from env: and file: cells (relative to the manifest) and the environment; --ssid for rows without one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'esp-prov-batch-'));
    const { manifest, passwords } = await fleet(2, dir);
    const rows = parseCsv(readFileSync(manifest, 'utf8'));
    const device = (i: number): string => rows[i]!.fields[1]!;
    writeFileSync(join(dir, 'pw2.txt'), `${passwords[1]}\n`);
    const rack = join(dir, 'by-reference.csv');
    writeFileSync(
      rack,
      `id,device,sec2_username,sec2_password\none,${device(1)},prov-sim-1,env:PW_ONE\ntwo,${device(2)},prov-sim-2,file:pw2.txt\n`,
    );
    const s = await runCli(['batch', rack, '--ssid', 'HomeNetwork', '--concurrency', '2'], {
      env: { PW_ONE: passwords[0]!, ESP_PROV_PASSPHRASE: PASSPHRASE },
    });
    assert.equal(s.code, 0, s.stdout + s.stderr);
    assert.match(s.stdout, /provisioned +one /);
    assert.match(s.stdout, /provisioned +two /);
    const missing = await runCli(['batch', rack, '--ssid', 'HomeNetwork'], {
      env: { ESP_PROV_PASSPHRASE: PASSPHRASE },
    });
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /by-reference\.csv:2: sec2_password: the environment variable PW_ONE is not set/);
    assert.equal(missing.stdout, '', 'no board was touched');
  });

  it("rows without a secret fall back to the batch's flag (or its file) before the environment; a row's own wins", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'esp-prov-batch-'));
    const { manifest, passwords } = await fleet(2, dir);
    const rows = parseCsv(readFileSync(manifest, 'utf8'));
    const device = (i: number): string => rows[i]!.fields[1]!;
    writeFileSync(join(dir, 'pw.txt'), `${passwords[0]}\n`);
    const rack = join(dir, 'fallback.csv');
    writeFileSync(
      rack,
      `id,device,sec2_username,sec2_password\none,${device(1)},prov-sim-1,\ntwo,${device(2)},prov-sim-2,${passwords[1]}\n`,
    );
    const argv = ['batch', rack, '--ssid', 'HomeNetwork', '--sec2-pwd-file', join(dir, 'pw.txt'), '--retries', '0'];
    const s = await runCli(argv, {
      env: { ESP_PROV_SEC2_PASSWORD: 'not-the-password', ESP_PROV_PASSPHRASE: PASSPHRASE },
    });
    assert.equal(s.code, 0, s.stdout + s.stderr);
    assert.match(s.stdout, /provisioned +one /);
    assert.match(s.stdout, /provisioned +two /);
  });

  it('a wrong password fails that board alone: exit 16, one line per board, JUnit names the code', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'esp-prov-batch-'));
    const { manifest, passwords } = await fleet(3, dir);
    writeFileSync(manifest, readFileSync(manifest, 'utf8').replace(passwords[1]!, 'wrong-Password-123'));
    const s = await runCli([
      'batch', manifest, '--concurrency', '2', '--retries', '3', '--report', `junit:${join(dir, 'r.xml')}`,
    ]); // prettier-ignore
    assert.equal(s.code, EXIT_CODES.BATCH_PARTIAL);
    assert.equal(s.code, 16);
    const outLines = s.stdout.split('\n').filter(Boolean);
    assert.equal(outLines.length, 3, s.stdout);
    assert.match(
      outLines.find((l) => l.includes('sim-2'))!,
      /^failed +sim-2 +HANDSHAKE_FAILED: /,
    );
    assert.match(s.stderr, /2 provisioned, 1 failed/);
    const cases = parseXml(readFileSync(join(dir, 'r.xml'), 'utf8')).children[0]!.children;
    const failure = cases[1]!.children.find((k) => k.name === 'failure')!;
    assert.equal(failure.attrs['type'], 'HANDSHAKE_FAILED');
    assert.match(failure.text, /^HANDSHAKE_FAILED: the device rejected/);
    assert.ok(!s.stdout.includes('wrong-Password-123') && !s.stderr.includes('wrong-Password-123'));
  });

  it('Ctrl-C starts no new board, still writes the journal and the reports, and exits 130', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'esp-prov-batch-'));
    const { manifest } = await fleet(3, dir);
    const stop = new AbortController();
    const out = watched((l) => /"event":"board-end"/.test(l) && stop.abort());
    const journal = join(dir, 'j.ndjson');
    const argv = ['batch', manifest, '--json', '--concurrency', '1', '--journal', journal];
    const s = await runCli([...argv, '--report', `junit:${join(dir, 'r.xml')}`], {
      signal: stop.signal,
      io: { stdout: out.stream },
    });
    assert.equal(s.code, 130);
    const last = jsonLines(out.text()).at(-1)!;
    assert.deepEqual(last['summary'], { total: 3, provisioned: 1, failed: 0, cancelled: 2, skipped: 0 });
    assert.equal(readFileSync(journal, 'utf8').trim().split('\n').length, 3);
    const cases = parseXml(readFileSync(join(dir, 'r.xml'), 'utf8')).children[0]!.children;
    assert.deepEqual(
      cases.map((c) => c.children.map((k) => k.name).join(' ')),
      ['system-out', 'skipped system-out', 'skipped system-out'],
    );
  });

  it('a batch killed with SIGKILL keeps its recorded outcomes; --resume skips them and finishes the rest', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'esp-prov-batch-'));
    const { manifest } = await fleet(3, dir);
    const journal = join(dir, 'j.ndjson');
    // --concurrency 1: sim-2 starts only after sim-1's outcome is on the disk; the kill lands during sim-2.
    const killed = spawn(
      process.execPath,
      [CLI_ENTRY, 'batch', manifest, '--json', '--journal', journal, '--concurrency', '1'],
      { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' } },
    );
    const deadline = setTimeout(() => killed.kill('SIGKILL'), 60_000);
    await new Promise<void>((res, rej) => {
      createInterface({ input: killed.stdout }).on('line', (l) => {
        if (/"event":"board-end"/.test(l)) {
          killed.kill('SIGKILL');
          res();
        }
      });
      killed.on('close', () => rej(new Error('the batch ended before its first board did')));
    });
    const how = await new Promise<NodeJS.Signals | null>((r) => killed.on('close', (_c, sig) => r(sig)));
    clearTimeout(deadline);
    assert.equal(how, 'SIGKILL');
    const before = readJournal(readFileSync(journal, 'utf8'));
    assert.deepEqual(
      [...before.values()].map((l) => [l.id, l.outcome]),
      [['sim-1', 'provisioned']],
    );
    const s = await runCli(['batch', manifest, '--journal', journal, '--resume', '--json']);
    assert.equal(s.code, 0, s.stdout + s.stderr);
    const ends = s.lines
      .filter((l) => l['event'] === 'board-end')
      .map((l) => (l as { result: { id: string; outcome: string } }).result);
    assert.deepEqual(ends.map((r) => [r.id, r.outcome]).sort(), [
      ['sim-1', 'skipped'],
      ['sim-2', 'provisioned'],
      ['sim-3', 'provisioned'],
    ]);
    const lines = readFileSync(journal, 'utf8').split('\n').filter(Boolean);
    const provisioned = lines
      .map((l) => JSON.parse(l) as { id: string; outcome: string })
      .filter((l) => l.outcome === 'provisioned');
    assert.deepEqual(provisioned.map((l) => l.id).sort(), ['sim-1', 'sim-2', 'sim-3'], 'each board provisioned once');
  });
});
