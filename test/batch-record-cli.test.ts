/**
 * `esp-prov batch MANIFEST --record DIR` end to end against an `esp-prov sim --count` fleet over loopback
 * HTTP: secrets given as plain cells, `env:` and `file:` cells and the environment; one board with a wrong
 * password. Every board gets a transcript (0600, in a DIR created 0700) that parses back and holds none of the
 * manifest's secrets; the failed board's names its outcome; the journal and the JSON, CSV and JUnit reports
 * name each board's transcript. A DIR that cannot be created stops the batch before any board is touched.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { parseCsv } from '../src/batch/csv.js';
import { readJournal } from '../src/batch/journal.js';
import type { BoardResult } from '../src/batch/types.js';
import { run, type CliIo } from '../src/cli/main.js';
import { readTranscriptFile } from '../src/diagnose/transcript-io.js';
import type { TranscriptFile } from '../src/diagnose/transcript.js';
import { EXIT_CODES } from '../src/errors.js';
import { parseXml } from './helpers/xml.js';

const PASSPHRASE = 'correct-horse-battery';
const WRONG = 'wrong-Password-123';
const root = mkdtempSync(join(tmpdir(), 'esp-prov-batch-record-cli-'));
const stops: AbortController[] = [];
const fleets: Promise<number>[] = [];
after(async () => {
  for (const s of stops) s.abort();
  await Promise.all(fleets);
  rmSync(root, { recursive: true, force: true });
});

function io(env: Record<string, string> = {}): {
  io: CliIo;
  out: () => string;
  err: () => string;
  onLine: (f: (l: string) => void) => void;
} {
  let out = '';
  let err = '';
  const listeners: ((l: string) => void)[] = [];
  return {
    io: {
      stdout: {
        write: (s: string) => {
          out += s;
          for (const l of s.split('\n').filter(Boolean)) for (const f of listeners) f(l);
        },
      },
      stderr: { write: (s: string) => (err += s) },
      stdin: Readable.from([]),
      env,
    },
    out: () => out,
    err: () => err,
    onLine: (f) => listeners.push(f),
  };
}

/** A fleet in this process: its devices' addresses and Security 2 passwords, once every device listens. */
async function fleet(count: number, dir: string): Promise<{ devices: string[]; passwords: string[] }> {
  const manifest = join(dir, 'fleet.csv');
  const stop = new AbortController();
  stops.push(stop);
  const s = io();
  const ready = new Promise<void>((res) => s.onLine((l) => /"event":"ready"/.test(l) && res()));
  const argv = ['sim', '--count', String(count), '--fast', '--listen', '127.0.0.1:0', '--seed', dir];
  const running = run([...argv, '--manifest-out', manifest, '--json'], s.io, stop.signal);
  fleets.push(running);
  await Promise.race([ready, running.then((code) => assert.fail(`sim exited ${code}: ${s.err()}`))]);
  const rows = parseCsv(readFileSync(manifest, 'utf8'));
  const col = (name: string): number => rows[0]!.fields.indexOf(name);
  return {
    devices: rows.slice(1).map((r) => r.fields[col('device')]!),
    passwords: rows.slice(1).map((r) => r.fields[col('sec2_password')]!),
  };
}

describe('esp-prov batch --record DIR', () => {
  it('a transcript per board, secret-free (plain, env: and file: cells); the journal and reports name it', async () => {
    const dir = join(root, 'run');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(dir);
    const { devices, passwords } = await fleet(3, dir);
    writeFileSync(join(dir, 'pw3.txt'), `${passwords[2]}\n`);
    // Ids that a file system cannot take as they are (a slash; two that clean up alike).
    const rack = join(dir, 'rack.csv');
    writeFileSync(
      rack,
      [
        'id,device,sec2_username,sec2_password',
        `bay/1,${devices[0]},prov-sim-1,env:PW_ONE`,
        `bay:1,${devices[1]},prov-sim-2,${WRONG}`,
        `bay-3,${devices[2]},prov-sim-3,file:pw3.txt`,
        '',
      ].join('\n'),
    );
    const rec = join(dir, 'transcripts', 'today');
    const f = (n: string): string => join(dir, n);
    const s = io({ PW_ONE: passwords[0]!, ESP_PROV_PASSPHRASE: PASSPHRASE });
    const argv = ['batch', rack, '--ssid', 'HomeNetwork', '--concurrency', '3', '--retries', '1', '--record', rec];
    const reports = [
      '--report',
      `junit:${f('r.xml')}`,
      '--report',
      `csv:${f('r.csv')}`,
      '--report',
      `json:${f('r.json')}`,
    ];
    const code = await run([...argv, '--journal', f('j.ndjson'), ...reports], s.io, new AbortController().signal);
    assert.equal(code, EXIT_CODES.BATCH_PARTIAL, s.out() + s.err());

    assert.equal(statSync(rec).mode & 0o777, 0o700);
    const files = readdirSync(rec);
    assert.equal(files.length, 3, files.join(' '));
    const secrets = [...passwords, WRONG, PASSPHRASE];
    for (const name of files) {
      const path = join(rec, name);
      assert.equal(statSync(path).mode & 0o777, 0o600, name);
      const text = readFileSync(path, 'utf8');
      for (const secret of secrets) assert.ok(!text.includes(secret), `${name} holds a secret`);
      const t = await readTranscriptFile(path);
      assert.ok(
        t.exchanges.some((x) => x.endpoint === 'prov-session'),
        name,
      );
    }

    const report = JSON.parse(readFileSync(f('r.json'), 'utf8')) as { boards: BoardResult[] };
    const byId = new Map(report.boards.map((b) => [b.id, b]));
    assert.deepEqual(
      report.boards.map((b) => [b.id, b.outcome]),
      [
        ['bay/1', 'provisioned'],
        ['bay:1', 'failed'],
        ['bay-3', 'provisioned'],
      ],
    );
    const paths = report.boards.map((b) => b.transcript!);
    assert.equal(new Set(paths).size, 3, 'ids that clean up alike keep their own files');
    assert.deepEqual(paths.map((p) => p.slice(rec.length + 1)).sort(), [...files].sort());
    assert.equal(byId.get('bay-3')!.transcript, join(rec, 'bay-3.json'));
    const failed = JSON.parse(readFileSync(byId.get('bay:1')!.transcript!, 'utf8')) as TranscriptFile;
    assert.equal(failed.outcome?.code, 'HANDSHAKE_FAILED');
    const good = JSON.parse(readFileSync(byId.get('bay/1')!.transcript!, 'utf8')) as TranscriptFile;
    assert.deepEqual(good.outcome, { ok: true });
    assert.ok(
      good.exchanges.some((x) => x.request_cookie !== undefined),
      'SoftAP cookies are recorded',
    );

    const journal = readJournal(readFileSync(f('j.ndjson'), 'utf8'));
    assert.deepEqual([...journal.values()].map((l) => l.transcript).sort(), [...paths].sort());
    const csv = parseCsv(readFileSync(f('r.csv'), 'utf8'));
    const col = csv[0]!.fields.indexOf('transcript');
    assert.deepEqual(
      csv.slice(1).map((r) => r.fields[col]),
      paths,
    );
    const cases = parseXml(readFileSync(f('r.xml'), 'utf8')).children[0]!.children;
    const failure = cases[1]!;
    assert.ok(failure.children.some((k) => k.name === 'failure'));
    const out = failure.children.find((k) => k.name === 'system-out')!;
    assert.ok(out.text.includes(`transcript: ${byId.get('bay:1')!.transcript!}`), out.text);
  });

  it('a --record DIR that cannot be created is a usage error before any board is touched', async () => {
    const dir = join(root, 'bad');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(dir);
    writeFileSync(join(dir, 'taken'), 'a file, not a directory');
    const rack = join(dir, 'rack.csv');
    // Nothing listens at this address: a board that were run would fail, not exit 2.
    writeFileSync(rack, 'id,device,sec2_username,sec2_password\nb,127.0.0.1:9,u,p\n');
    const s = io({ ESP_PROV_PASSPHRASE: PASSPHRASE });
    const journal = join(dir, 'j.ndjson');
    const argv = ['batch', rack, '--ssid', 'HomeNetwork', '--record', join(dir, 'taken', 'rec'), '--journal', journal];
    const code = await run(argv, s.io, new AbortController().signal);
    assert.equal(code, 2, s.out() + s.err());
    assert.match(s.err(), /cannot create the --record directory/);
    assert.equal(s.out(), '');
    assert.ok(!existsSync(journal), 'no board ran');
  });
});
