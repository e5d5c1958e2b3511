/**
 * `batch --record DIR` below the CLI: provisionMany's per-attempt hook driving the CLI's recorder
 * (cli/commands/batch-record.ts) over simulated boards on one ManualClock. Three boards — one provisioned, one
 * with a wrong PoP, one whose first attempt times out (an injected delay) and is retried — give a transcript
 * per attempt, 0600 in a 0700 directory, that parses back, holds no secret, names its outcome, and (the
 * provisioned one) replays through the ReplayDevice. Ids that clean up to the same name keep their own files.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parseCsv } from '../src/batch/csv.js';
import { csvReport, junitReport } from '../src/batch/report.js';
import { provisionMany } from '../src/batch/run.js';
import type { Board } from '../src/batch/types.js';
import { utf8 } from '../src/bytes.js';
import { batchRecorder, safeName } from '../src/cli/commands/batch-record.js';
import { readTranscriptFile } from '../src/diagnose/transcript-io.js';
import type { TranscriptFile } from '../src/diagnose/transcript.js';
import { provision } from '../src/provision/flow.js';
import { SimDevice } from '../src/sim/device.js';
import { parseFaultSpec } from '../src/sim/faults.js';
import type { SimDeviceOptions } from '../src/sim/options.js';
import { ReplayDevice, type ReplayDivergence } from '../src/sim/replay.js';
import { ManualClock } from '../src/timers.js';
import { MemoryTransport } from '../src/transport/memory.js';
import { settle } from './helpers/settle.js';
import { parseXml } from './helpers/xml.js';
import { FAST } from './sim-harness.js';

const PASSPHRASE = 'correct-horse-battery';
const WIFI = { ssid: utf8('HomeNetwork'), passphrase: utf8(PASSPHRASE) };
const root = mkdtempSync(join(tmpdir(), 'esp-prov-batch-record-'));
after(() => rmSync(root, { recursive: true, force: true }));

const pop = (id: string): string => `pop-${id}-Q7x`;

function board(clock: ManualClock, id: string, sim: SimDeviceOptions = {}, given = pop(id)): Board {
  const device = new SimDevice({ security: { version: 1, pop: utf8(pop(id)) }, ...FAST, ...sim, clock });
  return {
    id,
    device: `sim/${id}`,
    transport: 'memory',
    connect: () => Promise.resolve(new MemoryTransport(device, { clock })),
    options: {
      security: { pop: given },
      wifi: WIFI,
      statusPoll: { firstMs: 10, maxMs: 40 },
      requestTimeoutMs: 2000,
    },
  };
}

function transcriptJson(path: string): TranscriptFile {
  return JSON.parse(readFileSync(path, 'utf8')) as TranscriptFile;
}

describe('safeName', () => {
  it('keeps a safe id; makes any other safe with a hash, so ids that clean up alike differ', () => {
    assert.equal(safeName('rack-A_01.b'), 'rack-A_01.b');
    const a = safeName('rack/1');
    const b = safeName('rack:1');
    assert.match(a, /^rack_1~[0-9a-f]{8}$/);
    assert.match(b, /^rack_1~[0-9a-f]{8}$/);
    assert.notEqual(a, b);
    assert.notEqual(safeName('rack_1'), a);
    for (const id of ['../../etc/passwd', '.hidden', '', 'NUL', 'com1', 'x.attempt-1', 'é', 'a'.repeat(300)]) {
      const name = safeName(id);
      assert.match(name, /^[A-Za-z0-9_-][A-Za-z0-9._-]*~[0-9a-f]{8}$/, `${JSON.stringify(id)} → ${name}`);
      assert.ok(name.length <= 130);
    }
  });
});

describe('provisionMany with batch --record', () => {
  it('one transcript per attempt: 0600 in a 0700 DIR, secret-free, outcomes recorded, the provisioned one replays', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const dir = join(root, 'new', 'rec');
    const warnings: string[] = [];
    const onAttempt = await batchRecorder(dir, (w) => warnings.push(w));
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    // 'lab/1' and 'lab:1' clean up to the same name; each keeps its own file.
    const boards = [
      board(clock, 'lab/1'),
      board(clock, 'lab:1', {}, 'not-the-pop'),
      board(clock, 'slow', { faults: [parseFaultSpec('delay:version:once:5000')] }),
    ];
    const results = await settle(
      clock,
      provisionMany(boards, { concurrency: 3, retries: 2, clock, random: () => 0.5, onAttempt }),
    );
    assert.deepEqual(
      results.map((r) => [r.id, r.outcome, r.error?.code, r.attempts]),
      [
        ['lab/1', 'provisioned', undefined, 1],
        ['lab:1', 'failed', 'HANDSHAKE_FAILED', 1],
        ['slow', 'provisioned', undefined, 2],
      ],
    );
    assert.deepEqual(warnings, []);
    const files = readdirSync(dir).sort();
    assert.equal(files.length, 4, files.join(' '));
    assert.deepEqual(
      results.map((r) => r.transcript),
      [`${safeName('lab/1')}.json`, `${safeName('lab:1')}.json`, 'slow.json'].map((f) => join(dir, f)),
    );
    assert.ok(files.includes('slow.attempt-1.json'));

    const secrets = [pop('lab/1'), pop('lab:1'), 'not-the-pop', pop('slow'), PASSPHRASE];
    for (const f of files) {
      const path = join(dir, f);
      assert.equal(statSync(path).mode & 0o777, 0o600, f);
      const text = readFileSync(path, 'utf8');
      for (const s of secrets) assert.ok(!text.includes(s), `${f} holds a secret`);
      // Parses back with the one reader replay and inspect use.
      assert.ok((await readTranscriptFile(path)).exchanges.length > 0, f);
    }

    const [good, wrong, slow] = results.map((r) => transcriptJson(r.transcript!));
    assert.deepEqual(good!.outcome, { ok: true });
    assert.equal(wrong!.outcome?.ok, false);
    assert.equal(wrong!.outcome?.code, 'HANDSHAKE_FAILED');
    assert.deepEqual(slow!.outcome, { ok: true });
    const first = transcriptJson(join(dir, 'slow.attempt-1.json'));
    assert.equal(first.outcome?.code, 'TIMEOUT');
    assert.match(first.exchanges[0]!.error ?? '', /^TIMEOUT/, 'the unanswered exchange says why');

    // The provisioned board's transcript replays: the same run against the ReplayDevice, no divergence.
    const replay = new ReplayDevice(await readTranscriptFile(results[0]!.transcript!), {
      security: { version: 1, pop: utf8(pop('lab/1')) },
    });
    const divergences: ReplayDivergence[] = [];
    replay.on('divergence', (d) => divergences.push(d));
    const transport = new MemoryTransport(replay, { clock });
    try {
      const result = await settle(clock, provision({ ...boards[0]!.options, transport, clock }));
      assert.equal(result.network, 'wifi');
    } finally {
      await transport.close();
    }
    assert.deepEqual(divergences, []);
    assert.equal(replay.progress.replayed, replay.progress.total);

    // The reports link each board to its exchange.
    const csv = parseCsv(csvReport(results));
    const col = csv[0]!.fields.indexOf('transcript');
    assert.deepEqual(
      csv.slice(1).map((r) => r.fields[col]),
      results.map((r) => r.transcript),
    );
    const cases = parseXml(junitReport(results)).children[0]!.children;
    const out = cases[1]!.children.find((k) => k.name === 'system-out')!;
    assert.ok(out.text.includes(`transcript: ${results[1]!.transcript!}`), out.text);
  });

  it('a retried board in a reused DIR: earlier attempt files of a former run are removed, the last is <name>.json', async () => {
    const clock = new ManualClock(Date.UTC(2026, 0, 1));
    const dir = join(root, 'reused');
    const onAttempt = await batchRecorder(dir, () => undefined);
    const flaky = (): Board => board(clock, 'b', { faults: [parseFaultSpec('close:version:once')] });
    await settle(clock, provisionMany([flaky()], { retries: 1, clock, random: () => 0, onAttempt }));
    assert.deepEqual(readdirSync(dir).sort(), ['b.attempt-1.json', 'b.json']);
    const [r] = await settle(clock, provisionMany([board(clock, 'b')], { clock, onAttempt }));
    assert.equal(r!.attempts, 1);
    assert.deepEqual(readdirSync(dir), ['b.json']);
    assert.deepEqual(transcriptJson(join(dir, 'b.json')).outcome, { ok: true });
  });

  it('ids that differ only in case get different files (one file on macOS and Windows otherwise)', async () => {
    const dir = join(root, 'case');
    const onAttempt = await batchRecorder(dir, () => undefined);
    const clock = new ManualClock(0);
    const upper = await onAttempt(board(clock, 'Rack-1'), 1);
    const lower = await onAttempt(board(clock, 'rack-1'), 1);
    await Promise.all([upper.end(), lower.end()]);
    assert.equal(upper.transcript, join(dir, 'Rack-1.json'));
    assert.match(lower.transcript!, /rack-1~[0-9a-f]{8}\.json$/);
    assert.equal(readdirSync(dir).length, 2);
  });

  it('a DIR that cannot be created is a usage error before any board', async () => {
    const file = join(root, 'plain-file');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(file, 'x');
    await assert.rejects(
      batchRecorder(join(file, 'sub'), () => undefined),
      (e: unknown) => {
        assert.equal((e as { code?: string }).code, 'USAGE');
        return true;
      },
    );
  });
});
