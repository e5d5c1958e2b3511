/**
 * Bounded, interruptible reads of what a person names (src/cli/read-input.ts): endless devices, FIFOs nobody
 * writes to, directories, missing files, files that are not UTF-8 — through the reader and through the CLI.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, constants, mkdirSync, mkdtempSync, openSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { INPUT_LIMITS, readInputFile, readStreamBounded, valueText } from '../src/cli/read-input.js';
import { EspProvError } from '../src/errors.js';
import { CLI_ENTRY } from './helpers/cli-bin.js';
import { runCli } from './helpers/cli-run.js';

const DIR = mkdtempSync(join(tmpdir(), 'esp-prov-read-'));
const HAVE_MKFIFO = spawnSync('mkfifo', ['--version']).status === 0;

function fifo(name: string): string {
  const path = join(DIR, name);
  assert.equal(spawnSync('mkfifo', [path]).status, 0);
  return path;
}

function cli(argv: string[], stdin: readonly (string | Buffer)[] = []) {
  return runCli(argv, { stdin, env: { NO_COLOR: '1' } });
}

const rejectsWith = (code: string, re: RegExp) => (e: unknown) =>
  e instanceof EspProvError && e.code === code && re.test(e.message);

// Fails before any device is contacted: the address is never used.
const PROVISION = [
  '--transport',
  'softap',
  '--service_name',
  '127.0.0.1:9',
  '--sec_ver',
  '1',
  '--ssid',
  'x',
  '--no-input',
];

void describe('bounded reads', () => {
  void it('/dev/zero and /dev/urandom as a passphrase: "longer than 1 KiB", quickly and in little memory', async () => {
    const before = process.memoryUsage().rss;
    for (const dev of ['/dev/zero', '/dev/urandom']) {
      const r = await cli([...PROVISION, '--pop', 'p', '--passphrase-file', dev]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, new RegExp(`the passphrase from "${dev}" is longer than 1 KiB, the limit for a secret`));
    }
    assert.ok(process.memoryUsage().rss - before < 64 * 1024 * 1024, 'memory stays small');
  });

  void it('--data and sim --aps from /dev/zero stop at their limits; a big stdin PoP stops at the secret limit', async () => {
    const d = await cli([
      ...PROVISION,
      '--pop',
      'p',
      '--passphrase',
      '',
      '--custom-endpoint',
      'x',
      '--data',
      '@/dev/zero',
    ]);
    assert.equal(d.code, 2);
    assert.match(d.stderr, /data for x from "\/dev\/zero" is longer than 64 KiB/);
    const aps = await cli(['sim', '--aps', '/dev/zero']);
    assert.equal(aps.code, 2);
    assert.match(
      aps.stderr,
      /the --aps access points from "\/dev\/zero" is longer than 1 MiB, the limit for this input \(aps\)/,
    );
    const s = await cli([...PROVISION, '--pop-file', '-', '--passphrase', ''], [Buffer.alloc(5000, 0x61)]);
    assert.equal(s.code, 2);
    assert.match(s.stderr, /the PoP from stdin is longer than 1 KiB/);
  });

  void it('a short file of NULs, a Latin-1 file, a directory, a missing file: USAGE naming the path', async () => {
    writeFileSync(join(DIR, 'nuls'), Buffer.alloc(16));
    writeFileSync(join(DIR, 'latin1'), Buffer.from('caf\xe9 au lait', 'latin1'));
    mkdirSync(join(DIR, 'dir'));
    const cases: [string, RegExp][] = [
      ['nuls', /"[^"]*nuls" is not a line of text: it holds the control character 0x00/],
      ['latin1', /"[^"]*latin1" is not valid UTF-8 text/],
      ['dir', /cannot read the passphrase from "[^"]*dir": it is a directory/],
      ['missing', /cannot read the passphrase from "[^"]*missing": there is no such file/],
    ];
    for (const [name, re] of cases) {
      const r = await cli([...PROVISION, '--pop', 'p', '--passphrase-file', join(DIR, name)]);
      assert.equal(r.code, 2, name);
      assert.match(r.stderr, re, name);
    }
  });

  void it('valueText keeps tabs and drops one trailing newline; the limits are exported', () => {
    assert.equal(valueText(new TextEncoder().encode('a\tb\r\n'), 'x'), 'a\tb');
    assert.throws(() => valueText(new TextEncoder().encode('a\nb'), 'x'), /control character 0x0a/);
    assert.deepEqual(INPUT_LIMITS, { secret: 1024, qr: 4096, data: 65536, aps: 1048576, manifest: 16777216 });
  });

  void it('a stream past its limit is destroyed and refused; an aborted read is CANCELLED', async () => {
    const big = Readable.from([Buffer.alloc(3000), Buffer.alloc(3000)]);
    await assert.rejects(readStreamBounded(big, 'stdin', { what: 'the QR payload', kind: 'qr' }), /longer than 4 KiB/);
    assert.equal(big.destroyed, true);
    const ctl = new AbortController();
    const never = new Readable({ read: () => undefined });
    const p = readStreamBounded(never, 'stdin', { what: 'the PoP', kind: 'secret', signal: ctl.signal });
    ctl.abort();
    await assert.rejects(p, rejectsWith('CANCELLED', /while reading the PoP from stdin/));
  });
});

void describe('FIFOs nobody writes to', { skip: HAVE_MKFIFO ? false : 'needs mkfifo' }, () => {
  void it('TIMEOUT within --timeout naming the file, then the blocked open is released', async () => {
    const path = fifo('never');
    await assert.rejects(
      readInputFile(path, { what: 'the PoP', kind: 'secret', timeoutMs: 100 }),
      rejectsWith('TIMEOUT', /the PoP: nothing more came from ".*never" within 0.1 s \(--timeout\)/),
    );
    // No reader is left behind: a non-blocking write open finds nobody (ENXIO).
    assert.throws(() => openSync(path, constants.O_WRONLY | constants.O_NONBLOCK), /ENXIO/);
    const r = await cli([...PROVISION, '--pop-file', path, '--passphrase', '', '--timeout', '0.2']);
    assert.equal(r.code, 5);
    assert.match(r.stderr, /never" within 0.2 s/);
  });

  void it("the run's signal ends a blocked open, and a writer that never writes", async () => {
    const path = fifo('abort');
    const ctl = new AbortController();
    const p = readInputFile(path, { what: 'the PoP', kind: 'secret', signal: ctl.signal });
    ctl.abort();
    await assert.rejects(p, rejectsWith('CANCELLED', /interrupted while reading the PoP/));
    const ctl2 = new AbortController();
    const r = readInputFile(path, { what: 'the PoP', kind: 'secret', signal: ctl2.signal });
    const writer = await openWriter(path);
    ctl2.abort();
    await assert.rejects(r, rejectsWith('CANCELLED', /interrupted/));
    closeSync(writer);
  });

  void it('SIGTERM ends esp-prov waiting on a FIFO (exit 130)', async () => {
    const path = fifo('sigterm');
    const child = spawn(process.execPath, [CLI_ENTRY, ...PROVISION, '--pop-file', path, '--passphrase', '']);
    const exit = new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    const writer = await openWriter(path);
    child.kill('SIGTERM');
    assert.equal(await exit, 130);
    clearTimeout(killer);
    closeSync(writer);
  });
});

/** Opens the FIFO's write end once a reader has it open (a reader's blocked open counts); deadline 15 s. */
async function openWriter(path: string): Promise<number> {
  const until = Date.now() + 15_000;
  for (;;) {
    try {
      return openSync(path, constants.O_WRONLY | constants.O_NONBLOCK);
    } catch (e) {
      if ((e as { code?: string }).code !== 'ENXIO' || Date.now() > until) throw e;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}
