/**
 * argv → options, as a table: esp_prov's spellings and kebab-case give the same options; environment and file
 * sources and their precedence; every usage error is USAGE (exit 2) with a message naming the problem.
 * Also the other pure pieces of the CLI: QR payload parsing, byte formatting, the AP list, the redactor.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import type { AccessPoint } from '../src/endpoints/scan.js';
import { displayBytes, responseText, signalLevel, ssidText } from '../src/cli/format.js';
import { parseDuration } from '../src/cli/option-values.js';
import { parseArgv, type ProvisionArgs } from '../src/cli/options.js';
import { accessPointChoices, groupAccessPoints, validatePassphrase } from '../src/cli/pickers.js';
import { parseQrPayload, qrSecurityHint } from '../src/cli/qr-payload.js';
import { Redactor } from '../src/cli/redact.js';
import { missing, resolveSecret, StdinOnce } from '../src/cli/secrets.js';
import { isCode } from './helpers/rejects.js';
import { EspProvError } from '../src/errors.js';

function provision(argv: string[], env: Record<string, string> = {}): ProvisionArgs {
  const r = parseArgv(argv, env);
  assert.equal(r.command, 'provision');
  if (r.command !== 'provision') throw new Error('not provision');
  return r.args;
}

function usage(argv: string[], pattern: RegExp): void {
  assert.throws(() => parseArgv(argv, {}), isCode('USAGE', { exitCode: 2, message: pattern }));
}

void describe('esp_prov spellings and kebab-case', () => {
  const pairs: [string, string, string, keyof ProvisionArgs, unknown][] = [
    ['--service_name', '--service-name', 'PROV_1', 'serviceName', 'PROV_1'],
    ['--proto_ver', '--proto-ver', 'v1.1', 'protoVer', 'v1.1'],
    ['--sec_ver', '--sec-ver', '2', 'secVer', 2],
    ['--sec2_salt_len', '--sec2-salt-len', '32', 'saltLength', 32],
    ['--ble_adapter', '--ble-adapter', 'hci1', 'bleAdapter', 'hci1'],
    ['--ssid', '--ssid', 'home', 'ssid', new TextEncoder().encode('home')],
  ];
  for (const [orig, kebab, value, key, expected] of pairs) {
    void it(`${orig} and ${kebab}`, () => {
      assert.deepEqual(provision(['--transport', 'softap', orig, value])[key], expected);
      assert.deepEqual(provision(['--transport', 'softap', kebab, value])[key], expected);
    });
  }

  void it('secrets: --pop, --sec2_username/--sec2-username, --sec2_pwd/--sec2-pwd, --passphrase', () => {
    for (const [u, p] of [
      ['--sec2_username', '--sec2_pwd'],
      ['--sec2-username', '--sec2-pwd'],
    ] as const) {
      const a = provision([
        '--transport',
        'ble',
        u,
        'wifiprov',
        p,
        'abcd1234',
        '--pop',
        'P',
        '--passphrase',
        'x'.repeat(8),
      ]);
      assert.equal(a.username.flag, 'wifiprov');
      assert.equal(a.password.flag, 'abcd1234');
      assert.equal(a.pop.flag, 'P');
      assert.equal(a.passphrase.flag, 'xxxxxxxx');
    }
  });

  void it('flags without values: --reset, --reprov, --sec2_gen_cred, -v/--verbose', () => {
    assert.equal(provision(['--transport', 'softap', '--reset']).ctrl, 'reset');
    assert.equal(provision(['--transport', 'softap', '--reprov']).ctrl, 'reprov');
    assert.equal(provision(['--transport', 'softap', '--sec2_gen_cred']).genCred, true);
    assert.equal(provision(['--transport', 'softap', '--sec2-gen-cred']).genCred, true);
    assert.equal(provision(['--transport', 'softap', '-v']).verbose, true);
    assert.equal(provision(['--transport', 'softap', '--verbose']).verbose, true);
  });

  void it('--transport is case-insensitive, httpd is softap, all modes are known', () => {
    assert.equal(provision(['--transport', 'HTTPD']).transport, 'softap');
    assert.equal(provision(['--transport', 'SoftAP']).transport, 'softap');
    for (const t of ['ble', 'ble-manual', 'console', 'serial', 'sim'])
      assert.equal(provision(['--transport', t]).transport, t);
    usage(['--transport', 'wifi'], /transport must be one of softap, ble, ble-manual, console, serial, sim/);
  });

  void it('defaults match esp_prov: salt length 16, adapter hci0; no secret sources', () => {
    const a = provision([]);
    assert.equal(a.transport, undefined);
    assert.equal(a.saltLength, 16);
    assert.equal(a.bleAdapter, 'hci0');
    assert.equal(a.network, 'auto');
    assert.deepEqual(a.pop, { envName: 'ESP_PROV_POP', flagName: '--pop', fileFlag: '--pop-file' });
    assert.equal(a.json, false);
    assert.equal(a.input, true);
    assert.equal(a.color, true);
    assert.equal(a.showSecrets, false);
  });

  void it('the seed README commands parse', () => {
    const a = provision(
      '--transport ble --service_name PROV_261FCC --sec_ver 1 --pop abcd1234 --ssid myssid --passphrase mypassword'.split(
        ' ',
      ),
    );
    assert.equal(a.transport, 'ble');
    assert.equal(a.secVer, 1);
    const b = provision(
      '--transport softap --sec_ver 2 --sec2_gen_cred --sec2_username wifiprov --sec2_pwd abcd1234'.split(' '),
    );
    assert.equal(b.genCred, true);
    const c = provision('--transport ble --service_name PROV_261FCC --pop abcd1234'.split(' '));
    assert.equal(c.ssid, undefined);
    const d = provision(['--transport', 'ble', '--service_name', 'PROV_261FCC', '--custom_data', 'MyCustomData']);
    assert.deepEqual(d.custom, [
      { endpoint: 'custom-data', data: { kind: 'bytes', bytes: new TextEncoder().encode('MyCustomData') } },
    ]);
  });
});

void describe('environment and file sources', () => {
  void it('environment variables are captured under their names; empty ones count as unset', () => {
    const a = provision([], {
      ESP_PROV_POP: 'envpop',
      ESP_PROV_SEC2_USERNAME: 'envuser',
      ESP_PROV_SEC2_PASSWORD: 'envpw',
      ESP_PROV_PASSPHRASE: '',
    });
    assert.equal(a.pop.env, 'envpop');
    assert.equal(a.username.env, 'envuser');
    assert.equal(a.password.env, 'envpw');
    assert.equal(a.passphrase.env, undefined);
  });

  void it('file flags are recorded; giving a flag and its file is a usage error', () => {
    const a = provision(['--pop-file', 'p.txt', '--sec2-pwd-file', '-', '--passphrase-file', 'w.txt']);
    assert.equal(a.pop.file, 'p.txt');
    assert.equal(a.password.file, '-');
    assert.equal(a.passphrase.file, 'w.txt');
    usage(['--pop', 'a', '--pop-file', 'b'], /either --pop or --pop-file/);
    usage(['--sec2_pwd', 'a', '--sec2-pwd-file', 'b'], /either --sec2_pwd or --sec2-pwd-file/);
    usage(['--passphrase', 'abcdefgh', '--passphrase-file', 'b'], /either --passphrase or --passphrase-file/);
  });

  void it('precedence: flag > file > QR payload > environment', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'esp-prov-cli-'));
    const file = join(dir, 'secret');
    writeFileSync(file, 'from-file\n');
    const stdin = () => new StdinOnce(Readable.from(['from-stdin\r\n']));
    const base = { envName: 'E', flagName: '--x', fileFlag: '--x-file' };
    const cases: [Parameters<typeof resolveSecret>[0], string | undefined, string | undefined, string | undefined][] = [
      [{ ...base, flag: 'from-flag', env: 'from-env' }, 'from-qr', 'from-flag', 'flag'],
      [{ ...base, file, env: 'from-env' }, 'from-qr', 'from-file', 'file'],
      [{ ...base, file: '-' }, undefined, 'from-stdin', 'file'],
      [{ ...base, env: 'from-env' }, 'from-qr', 'from-qr', 'qr'],
      [{ ...base, env: 'from-env' }, undefined, 'from-env', 'env'],
      [{ ...base }, undefined, undefined, undefined],
    ];
    for (const [sources, qr, value, from] of cases) {
      const r = await resolveSecret(sources, 'x', qr, stdin());
      assert.equal(r?.value, value);
      assert.equal(r?.from, from);
    }
    // An empty flag is a value (an open network's passphrase), not "absent".
    assert.equal((await resolveSecret({ ...base, flag: '' }, 'x', 'q', stdin()))?.value, '');
  });

  void it('stdin gives at most one value; unreadable files are usage errors naming the path', async () => {
    const once = new StdinOnce(Readable.from(['a']));
    const base = { envName: 'E', flagName: '--x' };
    await resolveSecret({ ...base, file: '-' }, 'the PoP', undefined, once);
    await assert.rejects(
      resolveSecret({ ...base, file: '-' }, 'the password', undefined, once),
      /already used for the PoP/,
    );
    await assert.rejects(
      resolveSecret({ ...base, file: '/nonexistent/x' }, 'the PoP', undefined, once),
      isCode('USAGE', /nonexistent.*no such file/),
    );
  });

  void it('MISSING_INPUT names the flag, the file flag and the variable', () => {
    const e = missing({ envName: 'ESP_PROV_POP', flagName: '--pop', fileFlag: '--pop-file' }, 'a PoP');
    assert.equal(e.code, 'MISSING_INPUT');
    assert.equal(e.exitCode, 2);
    assert.match(e.message, /--pop, or --pop-file, or the ESP_PROV_POP environment variable/);
  });
});

void describe('other options and usage errors', () => {
  void it('--custom-endpoint pairs with --data in order; data specs', () => {
    const a = provision([
      '--custom-endpoint', 'a', '--data', 'hex:0102ff',
      '--custom-endpoint', 'b', '--data', 'text:hex:not',
      '--custom-endpoint', 'c', '--data', '@/tmp/f',
      '--custom-endpoint', 'd', '--data', '@-',
      '--custom-endpoint', 'e', '--data', 'plain',
    ]); // prettier-ignore
    assert.deepEqual(
      a.custom.map((c) => [c.endpoint, c.data]),
      [
        ['a', { kind: 'bytes', bytes: new Uint8Array([1, 2, 255]) }],
        ['b', { kind: 'bytes', bytes: new TextEncoder().encode('hex:not') }],
        ['c', { kind: 'file', path: '/tmp/f' }],
        ['d', { kind: 'file', path: '-' }],
        ['e', { kind: 'bytes', bytes: new TextEncoder().encode('plain') }],
      ],
    );
    usage(['--custom-endpoint', 'a'], /each --custom-endpoint needs one --data/);
    usage(['--custom-endpoint', 'a', '--data', 'hex:0g'], /hex digits/);
  });

  void it('--timeout takes seconds or units', () => {
    assert.equal(provision(['--timeout', '30']).timeoutMs, 30_000);
    assert.equal(provision(['--timeout', '1.5s']).timeoutMs, 1500);
    assert.equal(provision(['--timeout', '250ms']).timeoutMs, 250);
    assert.equal(provision(['--timeout', '2m']).timeoutMs, 120_000);
    usage(['--timeout', 'soon'], /--timeout/);
    usage(['--timeout', '0'], /--timeout/);
  });

  void it('--dataset_tlvs is hex', () => {
    assert.deepEqual(provision(['--dataset_tlvs', '0e08000000']).datasetTlvs, new Uint8Array([14, 8, 0, 0, 0]));
    usage(['--dataset-tlvs', 'xyz'], /hex/);
  });

  void it('--json, --no-input, --no-color, --show-secrets, --network, --qr', () => {
    const a = provision(['--json', '--no-input', '--no-color', '--show-secrets', '--network', 'none', '--qr', '-']);
    assert.deepEqual(
      [a.json, a.input, a.color, a.showSecrets, a.network, a.qr],
      [true, false, false, true, 'none', '-'],
    );
    usage(['--network', 'zigbee'], /zigbee/);
  });

  void it('usage errors', () => {
    usage(['--sec_ver', '3'], /security version must be 0, 1 or 2/);
    usage(['--popp', 'x'], /unknown option '--popp'[\s\S]*--pop/);
    usage(['--reset', '--reprov'], /--reset or --reprov, not both/);
    usage(['gen-cerd'], /unknown command "gen-cerd"/);
    // A stray value (its flag forgotten) may be a secret: not echoed.
    usage(['provision-me'], /^unexpected argument #1 \(not shown: it may be a value whose option is missing/);
    assert.throws(
      () => parseArgv(['--ssid', 'x', 'hunter2-secret'], {}),
      (e: Error) => !e.message.includes('hunter2'),
    );
    usage(['--sec2_salt_len', '0'], /1 to 64/);
    usage(['--baud', 'fast'], /whole number/);
  });

  void it('help and version are returned, not printed', () => {
    const h = parseArgv(['--help'], {});
    assert.equal(h.command, 'help');
    assert.match((h as { text: string }).text, /--service_name, --service-name/);
    assert.match((h as { text: string }).text, /Porting a script[\s\S]*At a bench[\s\S]*In CI/);
    assert.deepEqual(parseArgv(['--version'], {}, '9.9.9'), { command: 'version', text: '9.9.9\n' });
    assert.equal(parseArgv(['-V'], {}, '9.9.9').command, 'version');
  });

  void it('subcommands', () => {
    const g = parseArgv(
      ['gen-cred', '--sec2_username', 'u', '--sec2_pwd', 'p', '--salt', '0a0b', '--format', 'hex'],
      {},
    );
    assert.equal(g.command, 'gen-cred');
    if (g.command === 'gen-cred') {
      assert.equal(g.args.username.flag, 'u');
      assert.deepEqual(g.args.salt, new Uint8Array([10, 11]));
      assert.equal(g.args.format, 'hex');
    }
    const gj = parseArgv(['gen-cred', '--json'], {});
    assert.equal(gj.command === 'gen-cred' && gj.args.format, 'json');
    const s = parseArgv(
      ['sim', '--transport', 'softap', '--listen', '127.0.0.1:0', '--sec', '1', '--pop', 'P', '--json'],
      {},
    );
    assert.equal(s.command, 'sim');
    if (s.command === 'sim')
      assert.deepEqual(
        [s.args.sec, s.args.pop, s.args.listen, s.args.json, s.args.secPatch],
        [1, 'P', { host: '127.0.0.1', port: 0 }, true, 1],
      );
    assert.throws(() => parseArgv(['sim', '--salt', '00'], {}), /--salt and --verifier together/);
    const q = parseArgv(['qr', '{"ver":"v1"}'], {});
    assert.equal(q.command === 'qr' && q.args.payload, '{"ver":"v1"}');
    assert.equal(parseArgv(['demo'], {}).command, 'demo');
  });
});

void describe('QR payload', () => {
  const json = '{"ver":"v1","name":"PROV_EA69FC","pop":"abcd1234","transport":"ble"}';
  void it('JSON and the esp-jumpstart URL, raw or URL-encoded', () => {
    for (const input of [
      json,
      `  ${json}\n`,
      `https://espressif.github.io/esp-jumpstart/qrcode.html?data=${json}`,
      `https://espressif.github.io/esp-jumpstart/qrcode.html?data=${encodeURIComponent(json)}`,
      `https://espressif.github.io/esp-jumpstart/qrcode.html?x=1&data=${encodeURIComponent(json)}#top`,
    ]) {
      const p = parseQrPayload(input);
      assert.deepEqual(
        [p.name, p.transport, p.pop, p.username, p.ver],
        ['PROV_EA69FC', 'ble', 'abcd1234', undefined, 'v1'],
      );
      assert.equal(qrSecurityHint(p), 1);
    }
  });
  void it('Security 2: the password travels in "pop"; raw JSON with & in it', () => {
    const p = parseQrPayload(
      'https://espressif.github.io/esp-jumpstart/qrcode.html?data={"ver":"v1","name":"PROV_1","username":"wifiprov","pop":"a&b#c","transport":"softap"}',
    );
    assert.deepEqual([p.username, p.pop, p.transport], ['wifiprov', 'a&b#c', 'softap']);
    assert.equal(qrSecurityHint(p), 2);
    assert.equal(qrSecurityHint(parseQrPayload('{"ver":"v1","name":"x","transport":"softap"}')), undefined);
  });
  void it('rejects what is not a payload', () => {
    for (const bad of ['', 'hello', '[1]', '{"transport":"zigbee"}', '{"name":5}', 'https://x/?data=notjson']) {
      assert.throws(() => parseQrPayload(bad), isCode('USAGE', { message: /./ }), bad);
    }
  });
});

void describe('formatting device bytes', () => {
  const b = (...x: number[]) => new Uint8Array(x);
  void it('SSIDs: UTF-8 as text, invalid bytes and controls escaped, backslash doubled', () => {
    assert.equal(displayBytes(new TextEncoder().encode('Café-☕')), 'Café-☕');
    assert.equal(displayBytes(b(0x41, 0xff, 0x42)), 'A\\xffB');
    assert.equal(displayBytes(b(0xc3)), '\\xc3'); // truncated sequence
    assert.equal(displayBytes(b(0xe0, 0x80, 0x80)), '\\xe0\\x80\\x80'); // overlong
    assert.equal(displayBytes(b(0xed, 0xa0, 0x80)), '\\xed\\xa0\\x80'); // surrogate
    assert.equal(displayBytes(b(0x61, 0x0a, 0x1b, 0x5b)), 'a\\x0a\\x1b[');
    assert.equal(displayBytes(b(0xc2, 0x85)), '\\u{85}'); // C1 control
    assert.equal(displayBytes(new TextEncoder().encode('a\\x41')), 'a\\\\x41');
    assert.equal(ssidText(b()), '(hidden)');
  });
  void it('responses: text when printable (trailing NULs dropped), else hex', () => {
    assert.deepEqual(responseText(new TextEncoder().encode('SUCCESS\0')), { text: 'SUCCESS', kind: 'text' });
    assert.deepEqual(responseText(b(1, 2, 0xff)), { text: '0102ff', kind: 'hex' });
    assert.deepEqual(responseText(b(0)), { text: '00', kind: 'hex' });
  });
  void it('durations and signal levels', () => {
    assert.equal(parseDuration('10'), 10_000);
    assert.equal(parseDuration('-1'), undefined);
    assert.deepEqual([-40, -60, -70, -80, -90].map(signalLevel), [4, 3, 2, 1, 0]);
  });
});

void describe('the access point list', () => {
  const ap = (ssid: string | Uint8Array, bssid: number, rssi: number, auth: number, channel = 6): AccessPoint => ({
    ssid: typeof ssid === 'string' ? new TextEncoder().encode(ssid) : ssid,
    bssid: new Uint8Array([2, 0, 0, 0, 0, bssid]),
    rssi,
    auth,
    channel,
  });
  const aps = [
    ap('Home', 1, -70, 3),
    ap('Lab', 2, -50, 200),
    ap('Home', 3, -40, 3, 11),
    ap('', 4, -30, 3),
    ap(new Uint8Array([0x4e, 0xff]), 5, -60, 0),
  ];
  void it('one entry per SSID (strongest BSSID), sorted by signal, hidden SSIDs left to "Other network"', () => {
    const groups = groupAccessPoints(aps);
    assert.deepEqual(
      groups.map((g) => [ssidText(g.ssid), g.aps.map((a) => a.bssid[5])]),
      [
        ['Home', [3, 1]],
        ['Lab', [2]],
        ['N\\xff', [5]],
      ],
    );
    const names = accessPointChoices(groups).map((c) => ('name' in c ? c.name : '---'));
    assert.match(names[0]!, /Home +ch +11 +WPA2_PSK \(\+1 more\)/);
    assert.match(names[1]!, /Lab .* unknown \(200\)/);
    assert.match(names[2]!, /N\\xff .* Open/);
    assert.deepEqual(names.slice(3), [
      '---',
      'Choose a specific access point (BSSID)…',
      'Other network (hidden SSID)…',
      '↻ Rescan',
    ]);
  });
  void it('passphrase rules: ≤ 63 bytes (the device refuses 64, hex or not); empty only for open networks', () => {
    const needs = validatePassphrase(true);
    const open = validatePassphrase(false);
    assert.equal(open(''), true);
    assert.notEqual(needs(''), true);
    assert.notEqual(needs('short'), true);
    assert.equal(needs('a'.repeat(63)), true);
    assert.equal(open('short'), true, 'an open or WEP network may take a short key');
    assert.notEqual(needs('a'.repeat(64).replace('a', 'g')), true);
    assert.match(String(needs('a'.repeat(64))), /at most 63 bytes \(the device refuses more\)/);
  });
});

void describe('redactor', () => {
  void it('replaces secret values (never words inside text) and cuts secret bytes out of hex; off with --show-secrets', () => {
    const r = new Redactor(true);
    r.add('hunter22');
    r.add('ab');
    assert.deepEqual(r.value({ pw: 'hunter22', said: 'pw hunter22', list: ['ab'] }), { pw: '‹redacted›', said: 'pw hunter22', list: ['‹redacted›'] });
    const bytes = new TextEncoder().encode('xhunter22y');
    assert.equal(r.hex(bytes), '78‹redacted 8 B›79');
    assert.equal(r.hex(new TextEncoder().encode('ab'), true), '‹redacted 2 B›');
    const off = new Redactor(false);
    off.add('hunter22');
    assert.equal(off.value('hunter22'), 'hunter22');
  }); // prettier-ignore
  void it('reads stdin once through the injected stream', async () => {
    const s = Readable.from(['x']);
    const once = new StdinOnce(s);
    assert.equal(await once.take('a', 'secret'), 'x');
  });
});

void describe('checked at parse time, before any device is contacted', () => {
  /** The USAGE message for argv, asserting that `secret` is nowhere in it. */
  function usageWithout(argv: string[], secret: string): string {
    try {
      parseArgv(argv, {});
    } catch (e) {
      assert.ok(e instanceof EspProvError && e.code === 'USAGE', String(e));
      assert.ok(!e.message.includes(secret), `the message echoes the value: ${e.message}`);
      return e.message;
    }
    assert.fail(`${argv.join(' ')} parsed`);
  }

  void it('durations: rounding to 0 ms, beyond what a timer holds, not numbers', () => {
    assert.equal(provision(['--timeout', '2147483647ms']).timeoutMs, 2 ** 31 - 1);
    usage(['--timeout', '0.0001'], /--timeout must be a positive duration/); // rounds to 0 ms
    usage(['--timeout', '0.4ms'], /--timeout must be a positive duration/);
    usage(['--timeout', '2147483648ms'], /at most 24 days/);
    usage(['--timeout', '99999999999'], /at most 24 days/);
    usage(['--timeout', 'Infinity'], /--timeout/);
    usage(['--timeout', '1e3'], /--timeout/);
  });

  void it('counts and sizes: salt length, baud, sim join attempts, fault delays, listen port', () => {
    usage(['--sec2_salt_len', '65'], /1 to 64/);
    usage(['gen-cred', '--sec2-salt-len', '0'], /1 to 64/);
    usage(['gen-cred', '--salt', ''], /must not be empty/);
    usage(['--baud', '1'], /1200 to 4000000/);
    usage(['sim', '--conn-attempts', '256'], /0 to 255/);
    usage(['sim', '--conn-attempts', '-1'], /--conn-attempts/);
    usage(['sim', '--fault', 'delay:status:always:2147483648'], /at most 2147483647 ms/);
    usage(['sim', '--fault', 'delay:status:soon'], /neither once, always nor a delay/);
    usage(['sim', '--fault', 'close'], /kind:phase/);
    usage(['sim', '--listen', '127.0.0.1:70000'], /host:port/);
    usage(['sim', '--listen', 'localhost'], /host:port/);
    const s = parseArgv(['sim', '--fault', 'delay:status:always:2147483647', '--listen', '[::1]:0'], {});
    assert.ok(s.command === 'sim');
    assert.deepEqual([s.args.faults, s.args.listen], [['delay:status:always:2147483647'], { host: '::1', port: 0 }]);
  });

  void it('an unknown --name=VALUE is reported by its name only (a typo must not print a passphrase)', () => {
    const m = usageWithout(['--transport', 'softap', '--pasphrase=hunter2-secret'], 'hunter2');
    assert.match(m, /unknown option '--pasphrase'[\s\S]*Did you mean --passphrase\?/);
    usageWithout(['sim', '--sec2-passwrd=hunter2-secret'], 'hunter2');
    usageWithout(['gen-cred', '--sec2_pwdd=hunter2-secret'], 'hunter2');
    usageWithout(['-Phunter2-secret'], 'hunter2');
    usageWithout(['passphrase=hunter2-secret'], 'hunter2');
  });

  void it('a rejected secret is never echoed', () => {
    usageWithout(['--passphrase', 'hunter2'], 'hunter2'); // 7 characters
    usageWithout(['--passphrase=hunter2'], 'hunter2');
    usageWithout(['--pop', 'hunter2\uFFFD'], 'hunter2');
    usageWithout(['--sec2_pwd', 'hunter2\uFFFD'], 'hunter2');
    usageWithout(['sim', '--sec2-password', 'hunter2\uFFFD'], 'hunter2');
    usageWithout(['--passphrase-hex', '68756e74657232'], '68756e74657232');
  });

  void it('sim takes the provisioning spellings of its security options', () => {
    const sim = (argv: string[]) => {
      const r = parseArgv(['sim', ...argv], {});
      if (r.command !== 'sim') throw new Error('not sim');
      return r.args;
    };
    for (const spelling of ['--sec', '--sec_ver', '--sec-ver']) assert.equal(sim([spelling, '1']).sec, 1);
    for (const spelling of ['--sec2-username', '--sec2_username']) assert.equal(sim([spelling, 'u']).username, 'u');
    for (const spelling of ['--sec2-password', '--sec2_pwd', '--sec2-pwd'])
      assert.equal(sim([spelling, 'pw']).password, 'pw');
    assert.equal(sim([]).sec, 2);
    usage(['sim', '--sec', '1', '--sec-ver', '2'], /--sec, --sec_ver, --sec-ver name one option/);
    usage(['sim', '--sec_ver', '3'], /security version must be 0, 1 or 2/);
    const help = parseArgv(['sim', '--help'], {});
    assert.match(help.command === 'help' ? help.text : '', /--sec, --sec_ver <n>[\s\S]*also[\s\S]*--sec-ver/);
  });

  void it('hex forms for bytes that are not UTF-8: --ssid-hex, --passphrase-hex', () => {
    assert.deepEqual(provision(['--ssid-hex', '4361 66e9']).ssid, new Uint8Array([0x43, 0x61, 0x66, 0xe9]));
    assert.deepEqual(provision(['--ssid_hex', 'c4e3bac3']).ssid, new Uint8Array([0xc4, 0xe3, 0xba, 0xc3]));
    assert.deepEqual(provision(['--ssid', 'Café']).ssid, new TextEncoder().encode('Café'));
    const p = provision(['--passphrase-hex', 'e9e9e9e9e9e9e9e9']);
    assert.deepEqual(p.passphraseBytes, new Uint8Array(8).fill(0xe9));
    assert.equal(p.passphrase.flag, undefined);
    assert.equal(provision(['--passphrase', 'abcdefgh']).passphraseBytes, undefined);
    usage(['--ssid', 'a', '--ssid-hex', '61'], /either --ssid or --ssid-hex/);
    usage(['--passphrase', 'abcdefgh', '--passphrase-hex', '6162636465666768'], /one of --passphrase/);
    usage(['--passphrase-file', 'f', '--passphrase-hex', '6162636465666768'], /one of --passphrase/);
    usage(['--ssid-hex', ''], /at least 1 byte/);
    usage(['--ssid-hex', '61'.repeat(33)], /at most 32 bytes/);
    usage(['--ssid', 'é'.repeat(17)], /at most 32 bytes \(this one is 34\)/);
    usage(['--ssid-hex', 'zz'], /hex digits/);
    usage(['--passphrase-hex', 'e9'], /8 to 63/);
  });

  void it('argv that was not UTF-8 (Node hands it over as U+FFFD) is refused, pointing at the hex form', () => {
    usage(['--ssid', 'Caf\uFFFD'], /--ssid is not valid UTF-8[\s\S]*--ssid-hex/);
    usage(['--passphrase', 'caf\uFFFD-passphrase'], /--passphrase is not valid UTF-8[\s\S]*--passphrase-hex/);
    usage(['--pop', '\uFFFD'], /--pop is not valid UTF-8/);
    usage(['--sec2_username', 'u\uFFFD'], /--sec2_username is not valid UTF-8/);
    usage(['--custom_data', '\uFFFD'], /--custom_data is not valid UTF-8/);
    usage(['--custom-endpoint', 'e', '--data', 'text:\uFFFD'], /--data is not valid UTF-8/);
    usage(['sim', '--pop', '\uFFFD'], /--pop is not valid UTF-8/);
  });

  void it('the passphrase rule: "" (open) or 8–63 characters; a 64-hex PSK is refused, saying the device refuses it', () => {
    const ok = ['', 'a'.repeat(8), 'a'.repeat(63), 'é'.repeat(31)];
    for (const p of ok) assert.equal(provision(['--passphrase', p]).passphrase.flag, p);
    const bad = ['a', 'a'.repeat(7), 'x'.repeat(64), 'g'.repeat(64), 'a'.repeat(65), 'é'.repeat(32)];
    for (const p of bad) usage(['--passphrase', p], /8 to 63 characters \(bytes in UTF-8\), or "" for an open network/);
    usage(['--passphrase', 'ab12'.repeat(16)], /64-hex-digit raw PSK is not accepted: the device refuses 64 bytes/);
    usage(['--passphrase-hex', '61'.repeat(64)], /--passphrase-hex: .*the device refuses 64 bytes/);
  });
});
