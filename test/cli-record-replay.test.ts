/**
 * `--record` and `sim --replay` through the CLI (run() in-process, real loopback HTTP): the transcript of a
 * real run holds none of the secrets given and has mode 0600; `sim --replay` serves it, the same command line
 * succeeds against it (the scheme taken from the recording), another SSID is reported as a divergence (a JSON
 * event and a stderr line), and a --sec the recording contradicts is a usage error.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, test } from 'node:test';
import { toHex, utf8 } from '../src/bytes.js';
import { run, type CliIo } from '../src/cli/main.js';
import { SimDevice } from '../src/sim/device.js';
import { startHttpServer } from '../src/sim/http-server.js';
import { QUICK } from './helpers/e2e.js';
import { loadVectors, VECTORS_DIR } from './helpers/vectors.js';

const PASSWORD = 'rec-Password-31x';
// The default access point HomeNetwork's passphrase (sim/default-aps.ts).
const PASSPHRASE = 'correct-horse-battery';
const dir = mkdtempSync(join(tmpdir(), 'esp-prov-record-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function io(): { io: CliIo; out: () => string; err: () => string } {
  let stdout = '';
  let stderr = '';
  return {
    io: {
      stdout: { write: (s: string) => (stdout += s) },
      stderr: { write: (s: string) => (stderr += s) },
      stdin: Readable.from([]),
      env: {},
    },
    out: () => stdout,
    err: () => stderr,
  };
}

function provisionArgs(where: string, ssid: string, extra: string[] = []): string[] {
  return [
    ...['--transport', 'softap', '--service_name', where, '--sec_ver', '2', '--sec2_username', 'lab'],
    ...['--sec2_pwd', PASSWORD, '--ssid', ssid, '--passphrase', PASSPHRASE, '--custom_data', 'hi', '--json'],
    ...extra,
  ];
}

/** Starts `sim --replay` in-process; resolves with its address once it printed its ready line. */
async function replaySim(file: string, sec: string[] = ['--sec', '2']) {
  const stop = new AbortController();
  const s = io();
  const args = ['sim', '--replay', file, '--listen', '127.0.0.1:0', ...sec];
  const exit = run([...args, '--sec2-username', 'lab', '--sec2-password', PASSWORD, '--json'], s.io, stop.signal);
  const deadline = Date.now() + 5000;
  let ready: { host: string; port: number } | undefined;
  while (!ready) {
    assert.ok(Date.now() < deadline, `no ready line: ${s.out()} ${s.err()}`);
    await new Promise((r) => setImmediate(r));
    const line = s.out().split('\n')[0];
    if (line) ready = JSON.parse(line) as { host: string; port: number };
  }
  return { where: `${ready.host}:${ready.port}`, s, stop: async () => (stop.abort(), exit) };
}

test('record a run, replay it, and see a changed request reported', async () => {
  const device = new SimDevice({
    ...QUICK,
    security: { version: 2, username: utf8('lab'), password: utf8(PASSWORD) },
  });
  const server = await startHttpServer(device, { tagSockets: true });
  const file = join(dir, 'run.json');
  const rec = io();
  const code = await run(
    provisionArgs(`127.0.0.1:${server.port}`, 'HomeNetwork', ['--record', file]),
    rec.io,
    new AbortController().signal,
  );
  await server.close();
  device.stop();
  assert.equal(code, 0, rec.err() + rec.out());
  assert.equal(statSync(file).mode & 0o777, 0o600);
  const text = readFileSync(file, 'utf8');
  for (const secret of [PASSWORD, PASSPHRASE]) {
    assert.ok(!text.includes(secret) && !text.includes(toHex(utf8(secret))), `${secret} in the transcript`);
  }
  const json = JSON.parse(text) as { transport: string; outcome: { ok: boolean }; tool: { name: string } };
  assert.equal(json.transport, 'softap');
  assert.deepEqual(json.outcome, { ok: true });
  // The session cookie per exchange: set by the first answer, then carried by every request.
  const x = (JSON.parse(text) as { exchanges: { request_cookie?: string; response_set_cookie?: string }[] }).exchanges;
  const issued = x[0]?.response_set_cookie;
  assert.match(issued ?? '', /^session=\d+$/);
  assert.equal(x[0]?.request_cookie, undefined);
  assert.ok(x.length > 3 && x.slice(1).every((e) => e.request_cookie === issued && !e.response_set_cookie));

  // No --sec: the scheme comes from the recording.
  const same = await replaySim(file, []);
  const ok = io();
  assert.equal(await run(provisionArgs(same.where, 'HomeNetwork'), ok.io, new AbortController().signal), 0, ok.out());
  assert.equal(await same.stop(), 0);
  assert.match(same.s.out(), /"event":"replayed"/);
  assert.match(same.s.out(), /"security":2/);

  const other = await replaySim(file);
  const bad = io();
  assert.notEqual(await run(provisionArgs(other.where, 'OtherNet'), bad.io, new AbortController().signal), 0);
  assert.equal(await other.stop(), 1);
  assert.match(other.s.out(), /"event":"divergence".*"endpoint":"prov-config"/);
  assert.match(other.s.err(), /divergence from the recording at request \d+ \(prov-config\).*OtherNet/);
  assert.ok(!other.s.err().includes(PASSPHRASE) && !other.s.out().includes(PASSPHRASE));

  const wrong = io();
  const argv = ['sim', '--replay', file, '--listen', '127.0.0.1:0', '--sec', '1'];
  assert.equal(await run(argv, wrong.io, new AbortController().signal), 2, wrong.out());
  assert.match(wrong.err(), /the recording used Security 2, not 1: give --sec 2 \(or no --sec\)/);
});

test('--replay refuses options that shape a simulated device, and files that are not transcripts', async () => {
  const file = join(dir, 'not-a-transcript.json');
  writeFileSync(file, '{"format":"something-else","exchanges":[]}');
  const a = io();
  assert.equal(
    await run(['sim', '--replay', file, '--fault', 'close:handshake1'], a.io, new AbortController().signal),
    2,
  );
  assert.match(a.err(), /--fault cannot be combined/);
  const b = io();
  assert.equal(await run(['sim', '--replay', file], b.io, new AbortController().signal), 2);
  assert.match(b.err(), /not a transcript/);
});

test('--replay without --sec serves a Security 0 or 1 recording in its own scheme', async () => {
  for (const sec of [0, 1]) {
    const v = loadVectors().find((x) => x.inputs['device_sec'] === sec && !x.name.includes('wrong'));
    assert.ok(v, `a Security ${sec} vector`);
    const r = await replaySim(join(VECTORS_DIR, v.file), []);
    assert.match(r.s.out(), new RegExp(`"security":${sec}`));
    assert.equal(await r.stop(), 0, r.s.err());
  }
});
