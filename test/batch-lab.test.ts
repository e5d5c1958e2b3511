/**
 * The rack-running features of `esp-prov batch` against `esp-prov sim --count` fleets over loopback HTTP:
 * `--shard K/N` runners together provision every board exactly once and say which shard they ran; a device
 * cell may be the QR payload from a board's label; a journal that cannot record stops the batch from starting
 * boards (exit JOURNAL_FAILED) while every outcome is still printed and reported.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { parseCsv } from '../src/batch/csv.js';
import { parseManifest } from '../src/batch/manifest.js';
import { run, type CliIo } from '../src/cli/main.js';
import { parseQrPayload } from '../src/cli/qr-payload.js';
import { EXIT_CODES } from '../src/errors.js';
import { jsonLines, runCli } from './helpers/cli-run.js';
import { parseXml } from './helpers/xml.js';

const stops: AbortController[] = [];
const fleets: Promise<number>[] = [];
after(async () => {
  for (const s of stops) s.abort();
  await Promise.all(fleets);
});

/** A fleet in this process; resolves with its manifest (header + rows) once every device listens. */
async function fleet(count: number, dir: string): Promise<{ manifest: string; rows: Record<string, string>[] }> {
  const manifest = join(dir, 'rack.csv');
  const stop = new AbortController();
  stops.push(stop);
  let out = '';
  let ready!: () => void;
  const listening = new Promise<void>((res) => (ready = res));
  const s: CliIo = {
    stdout: {
      write: (t: string) => {
        out += t;
        if (/"event":"ready"/.test(out)) ready();
      },
    },
    stderr: { write: () => undefined },
    stdin: Readable.from([]),
    env: {},
  };
  const argv = ['sim', '--count', String(count), '--fast', '--listen', '127.0.0.1:0', '--seed', dir];
  const running = run([...argv, '--manifest-out', manifest, '--json'], s, stop.signal);
  fleets.push(running);
  await Promise.race([listening, running.then((code) => assert.fail(`sim exited ${code}`))]);
  const [header, ...body] = parseCsv(readFileSync(manifest, 'utf8'));
  const rows = body.map((r) => Object.fromEntries(header!.fields.map((n, i) => [n, r.fields[i]!])));
  return { manifest, rows };
}

// Each test has its own fleet (ports chosen by the OS) and directory: side by side, the fleets' device
// delays (wall clock, --fast) overlap instead of adding up.
describe('esp-prov batch in a rack', { concurrency: true }, () => {
  it('--shard: two runners provision every board exactly once; summary and reports name the shard', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'esp-prov-lab-'));
    const { manifest, rows } = await fleet(6, dir);
    const ids: string[] = [];
    for (const k of [1, 2]) {
      const xml = join(dir, `shard-${k}.xml`);
      const argv = ['batch', manifest, '--json', '--concurrency', '6', '--shard', `${k}/2`, '--report', `junit:${xml}`];
      const r = await runCli(argv);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      const lines = jsonLines(r.stdout);
      const last = lines.pop()!;
      assert.equal(last['shard'], `${k}/2`);
      ids.push(...lines.filter((l) => l['event'] === 'board-end').map((l) => String(l['board'])));
      const suite = parseXml(readFileSync(xml, 'utf8')).children[0]!;
      assert.equal(suite.attrs['name'], `esp-prov batch shard ${k}/2`);
    }
    assert.deepEqual(ids.sort(), rows.map((r) => r['id']).sort(), 'each board once, over both shards');
    const bad = await runCli(['batch', manifest, '--shard', '3/2']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--shard must be K\/N with 1 ≤ K ≤ N/);
  });

  it('a device cell may be the QR payload or esp-jumpstart URL; the row’s own cells win', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'esp-prov-lab-'));
    const { rows } = await fleet(2, dir);
    const [a, b] = rows as [Record<string, string>, Record<string, string>];
    const qr = (r: Record<string, string>, pop: string): string =>
      JSON.stringify({ ver: 'v1', name: r['device'], transport: 'softap', username: r['sec2_username'], pop });
    const url = `https://espressif.github.io/esp-jumpstart/qrcode.html?data=${encodeURIComponent(qr(b, b['sec2_password']!))}`;
    const rack = join(dir, 'labels.ndjson');
    // Board one's label carries a stale password: its row's own cell overrides it.
    writeFileSync(
      rack,
      [
        { device: qr(a, 'stale-label-password'), sec2_password: a['sec2_password'] },
        { id: 'two', device: url },
      ]
        .map((r) => JSON.stringify(r))
        .join('\n') + '\n',
    );
    const s = await runCli(['batch', rack, '--json', '--ssid', a['ssid']!], {
      env: { ESP_PROV_PASSPHRASE: rows[0]!['passphrase']! },
    });
    assert.equal(s.code, 0, s.stdout + s.stderr);
    const ends = s.lines.filter((l) => l['event'] === 'board-end');
    assert.deepEqual(
      ends.map((l) => [l['board'], (l['result'] as Record<string, unknown>)['device']]).sort(),
      [
        [a['device'], a['device']],
        ['two', b['device']],
      ].sort(),
    );
    for (const secret of [a['sec2_password']!, b['sec2_password']!, 'stale-label-password'])
      assert.ok(!s.stdout.includes(secret) && !s.stderr.includes(secret), 'no password in the output');
  });

  it('QR cells in parseManifest: name, transport and credentials; a payload without a name is refused', () => {
    const devicePayload = (c: string) => (c.startsWith('{') ? parseQrPayload(c) : undefined);
    const csv =
      'device,transport,pop\n' +
      '"{""ver"":""v1"",""name"":""PROV_aa"",""transport"":""ble"",""pop"":""label-pop""}",,\n' +
      '"{""ver"":""v1"",""name"":""PROV_bb"",""transport"":""ble"",""pop"":""label-pop""}",softap,row-pop\n';
    const rows = parseManifest(csv, 'rack.csv', { devicePayload });
    assert.deepEqual(
      rows.map((r) => [r.id, r.device, r.transport, r.secrets.pop]),
      [
        ['PROV_aa', 'PROV_aa', 'ble', { kind: 'value', value: 'label-pop' }],
        ['PROV_bb', 'PROV_bb', 'softap', { kind: 'value', value: 'row-pop' }],
      ],
    );
    assert.throws(
      () => parseManifest('device\n"{""ver"":""v1"",""pop"":""secret-pop""}"\n', 'rack.csv', { devicePayload }),
      (e: Error) =>
        /rack\.csv:2: device: the QR payload has no "name"/.test(e.message) && !e.message.includes('secret-pop'),
    );
  });

  it('at a terminal: the live table, no colour with NO_COLOR, the final frame kept, the cursor given back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'esp-prov-lab-'));
    const { manifest } = await fleet(3, dir);
    let err = '';
    let out = '';
    const tty: CliIo = {
      stdout: { write: (t: string) => (out += t) },
      stderr: Object.assign({ write: (t: string) => (err += t) }, { isTTY: true, columns: 60 }),
      stdin: Readable.from([]),
      env: { NO_COLOR: '1' },
    };
    const code = await run(['batch', manifest, '--concurrency', '3'], tty, new AbortController().signal);
    assert.equal(code, 0, out + err);
    assert.ok(err.startsWith('\u001b[?25l'), 'cursor hidden while the table is up');
    const ESC = '\u001b';
    assert.match(err, new RegExp(`3/3 provisioned · [\\d.]+/s · [\\d.]+ s\\n${ESC}\\[\\?25h3 provisioned, 0 failed`));
    assert.doesNotMatch(err, new RegExp(`${ESC}\\[[\\d;]*m`), 'NO_COLOR: no colour codes');
    assert.equal(out.split('\n').filter((l) => l.startsWith('provisioned ')).length, 3, 'one line per outcome');
  });

  it('a journal that cannot record (disk full): no new board starts, outcomes still reported, exit 18', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'esp-prov-lab-'));
    const { manifest, rows } = await fleet(4, dir);
    const report = join(dir, 'r.json');
    // /dev/full opens for appending and fails every write with ENOSPC: a disk that filled up mid-batch.
    const argv = ['batch', manifest, '--concurrency', '1', '--journal', '/dev/full', '--report', `json:${report}`];
    const s = await runCli(argv);
    assert.equal(s.code, EXIT_CODES.JOURNAL_FAILED, s.stdout + s.stderr);
    assert.match(s.stderr, /journal could not record the outcome of "sim-1" \(ENOSPC/);
    const boards = (JSON.parse(readFileSync(report, 'utf8')) as { boards: { id: string; outcome: string }[] }).boards;
    assert.deepEqual(
      boards.map((b) => [b.id, b.outcome]),
      rows.map((r, i) => [r['id'], i === 0 ? 'provisioned' : 'cancelled']),
      'the first board ran; no other board was started',
    );
    assert.match(s.stdout, /provisioned +sim-1 /);
    assert.match(s.stdout, /cancelled +sim-2 +CANCELLED: not started: the journal could not record/);
  });
});
