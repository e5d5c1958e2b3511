/**
 * What the option layer promises beyond argv → options: the help fits 80 columns and lists every exit code
 * from EXIT_CODES; text from files and the environment is decoded strictly; argv bytes that are not UTF-8 are
 * refused (through a real process, where Node does the decoding); and a run that could only finish with a
 * prompt fails before the simulator sees a single request.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { utf8 } from '../src/bytes.js';
import { EXIT_CODES, EspProvError } from '../src/errors.js';
import { parseArgv } from '../src/cli/options.js';
import { decodeUtf8Strict } from '../src/cli/utf8-strict.js';
import { toAccessPoint } from '../src/sim/access-points.js';
import { SimDevice } from '../src/sim/device.js';
import { startHttpServer } from '../src/sim/http-server.js';
import { CLI_ENTRY } from './helpers/cli-bin.js';
import { runCli } from './helpers/cli-run.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

void describe('help', () => {
  const help = (argv: string[], width?: number): string => {
    const r = parseArgv([...argv, '--help'], {}, '0.0.0', width);
    assert.equal(r.command, 'help');
    return r.command === 'help' ? r.text : '';
  };

  void it('every line fits 80 columns, for the program and each command', () => {
    for (const argv of [[], ['gen-cred'], ['sim'], ['qr'], ['demo']]) {
      const long = help(argv)
        .split('\n')
        .filter((l) => [...l].length > 80);
      assert.deepEqual(long, [], `esp-prov ${argv.join(' ')} --help`);
    }
  });

  void it('a wider terminal gets wider lines, never wider than it', () => {
    const text = help([], 120);
    const widest = Math.max(...text.split('\n').map((l) => [...l].length));
    assert.ok(widest > 80 && widest <= 120, String(widest));
  });

  void it('lists every exit code and error code from EXIT_CODES', () => {
    const text = help([]);
    const section = text.slice(text.indexOf('Exit codes'));
    for (const [code, exit] of Object.entries(EXIT_CODES)) {
      assert.match(section, new RegExp(`\\n  ${exit} +[^\\n]*(\\n {8}[^\\n]*)*\\(${code}\\)`), code);
    }
    assert.match(section, /\n {2}0 +success/);
  });

  void it('declares every spelling once (no option defined twice)', () => {
    const text = help([]);
    assert.equal(text.match(/--sec2_salt_len, --sec2-salt-len/g)?.length, 1);
    assert.match(text, /--ssid-hex[\s\S]*--passphrase-hex/);
  });
});

void describe('decodeUtf8Strict', () => {
  void it('returns UTF-8 text unchanged, a leading BOM included', () => {
    assert.equal(decodeUtf8Strict(utf8('Café ☕'), 'x'), 'Café ☕');
    assert.equal(decodeUtf8Strict(new Uint8Array([0xef, 0xbb, 0xbf, 0x41]), 'x'), '\uFEFFA');
    assert.equal(decodeUtf8Strict(new Uint8Array(), 'x'), '');
  });

  void it('refuses what is not UTF-8 with USAGE, naming the source and never the bytes', () => {
    for (const bytes of [[0x43, 0x61, 0x66, 0xe9], [0xc3], [0xed, 0xa0, 0x80], [0xe0, 0x80, 0x80]]) {
      assert.throws(
        () => decodeUtf8Strict(new Uint8Array(bytes), 'the passphrase from wifi.txt'),
        (e: unknown) =>
          e instanceof EspProvError &&
          e.code === 'USAGE' &&
          /^the passphrase from wifi\.txt is not valid UTF-8/.test(e.message) &&
          !e.message.includes('Caf'),
      );
    }
  });
});

void it('argv bytes that are not UTF-8 reach Node as U+FFFD and are refused (a real process)', () => {
  // Latin-1 "Café" (0xE9): the shell passes the byte, Node's argv decoding replaces it.
  const script = `exec "$0" "$1" --transport softap --ssid "$(printf 'Caf\\351')" --no-input`;
  const r = spawnSync('sh', ['-c', script, process.execPath, CLI_ENTRY], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 20_000,
  });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /--ssid is not valid UTF-8[\s\S]*--ssid-hex/);
});

void describe('a run that would need a prompt fails before the device hears anything', () => {
  const cleanups: (() => Promise<void>)[] = [];
  after(async () => {
    for (const c of cleanups) await c();
  });

  async function device(): Promise<{ address: string; requests: () => number }> {
    const dev = new SimDevice({
      security: { version: 0 },
      accessPoints: [
        toAccessPoint({ ssid: 'OpenNet', bssid: '02:00:00:00:00:02', channel: 1, rssi: -60, auth: 'OPEN', ip: '10.0.0.8' }, 'ap'),
      ],
      applyDelayMs: 5,
      connectDelayMs: 5,
      scanDurationMs: 5,
    }); // prettier-ignore
    let requests = 0;
    dev.on('request', () => requests++);
    const server = await startHttpServer(dev);
    cleanups.push(async () => {
      await server.close();
      dev.stop();
    });
    return { address: `127.0.0.1:${server.port}`, requests: () => requests };
  }

  const cli = (argv: string[]) => runCli([...argv, '--json']);

  const error = (r: { last: Record<string, unknown> }) => r.last['error'] as { code: string; message: string };

  void it('no --ssid and no --dataset_tlvs under --no-input: MISSING_INPUT, zero requests', async () => {
    const d = await device();
    for (const extra of [['--no-input'], [], ['--network', 'thread'], ['--network', 'wifi', '--dataset_tlvs', '00']]) {
      const r = await cli(['--transport', 'softap', '--service_name', d.address, '--sec_ver', '0', ...extra]);
      assert.equal(r.code, 2, JSON.stringify(r.last));
      assert.equal(error(r).code, 'MISSING_INPUT');
      assert.match(error(r).message, /--ssid|--dataset_tlvs/);
    }
    assert.equal(d.requests(), 0);
    // The same device answers a complete command line: the counter counts.
    const ok = await cli(['--transport', 'softap', '--service_name', d.address, '--sec_ver', '0', '--ssid', 'OpenNet', '--passphrase', '', '--no-input']); // prettier-ignore
    assert.equal(ok.code, 0, JSON.stringify(ok.last));
    assert.ok(d.requests() > 0);
  });

  void it('--network none and --reset need no network: they reach the device', async () => {
    const d = await device();
    const none = await cli(['--transport', 'softap', '--service_name', d.address, '--sec_ver', '0', '--no-input', '--network', 'none']); // prettier-ignore
    assert.equal(none.code, 0, JSON.stringify(none.last));
    const before = d.requests();
    // The simulator refuses a reset outside a failed attempt (DEVICE_STATUS): what counts is that it was asked.
    const reset = await cli(['--transport', 'softap', '--service_name', d.address, '--sec_ver', '0', '--no-input', '--reset']); // prettier-ignore
    assert.notEqual(reset.code, 2, JSON.stringify(reset.last));
    assert.ok(d.requests() > before);
  });

  void it('a passphrase from a file or the environment breaking the rule: USAGE, zero requests', async () => {
    const d = await device();
    const dir = mkdtempSync(join(tmpdir(), 'esp-prov-opt-'));
    writeFileSync(join(dir, 'short'), 'hunter2\n');
    const r = await cli(['--transport', 'softap', '--service_name', d.address, '--sec_ver', '0', '--ssid', 'OpenNet', '--passphrase-file', join(dir, 'short')]); // prettier-ignore
    assert.equal(r.code, 2);
    assert.equal(error(r).code, 'USAGE');
    assert.match(error(r).message, /^--passphrase-file: a Wi-Fi passphrase is 8 to 63/);
    assert.ok(!error(r).message.includes('hunter2'));
    assert.equal(d.requests(), 0);
  });
});
