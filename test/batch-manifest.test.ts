/**
 * Manifest tables: good files in each format give the rows meant; every bad file is a USAGE error naming the
 * file and the line of the offending row. Secret cells resolve from the environment and files, and a secret
 * never appears in a complaint.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCsv } from '../src/batch/csv.js';
import { parseManifest, resolveCells } from '../src/batch/manifest.js';
import { EspProvError } from '../src/errors.js';

describe('CSV (RFC 4180)', () => {
  it('quoted commas, doubled quotes, line breaks inside quotes, CRLF, blank lines', () => {
    const text = 'a,b\r\n"x,1","say ""hi"""\r\n\r\n"two\nlines",\n';
    assert.deepEqual(parseCsv(text), [
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: ['x,1', 'say "hi"'] },
      { line: 4, fields: ['two\nlines', ''] },
    ]);
  });
  it('refuses an unclosed quote and stray quotes', () => {
    assert.throws(() => parseCsv('a\n"open'), /not closed/);
    assert.throws(() => parseCsv('a\nx"y'), /quote inside/);
    assert.throws(() => parseCsv('a\n"x"y'), /after a closing quote/);
  });
});

describe('parseManifest', () => {
  it('CSV with a header: ids default to the device, secrets stay cells', () => {
    const rows = parseManifest(
      'device,pop,ssid,passphrase\n127.0.0.1:8001,env:POP_1,Lab,file:/run/pass\nPROV_aa,raw:env:lit,Lab,\n',
      'rack.csv',
    );
    assert.deepEqual(
      rows.map((r) => [r.where, r.id, r.device, r.ssid, r.secrets]),
      [
        [
          'rack.csv:2',
          '127.0.0.1:8001',
          '127.0.0.1:8001',
          'Lab',
          { pop: { kind: 'env', name: 'POP_1' }, passphrase: { kind: 'file', path: '/run/pass' } },
        ],
        ['rack.csv:3', 'PROV_aa', 'PROV_aa', 'Lab', { pop: { kind: 'value', value: 'env:lit' } }],
      ],
    );
  });

  it('a JSON array and NDJSON give the same rows, with their own line numbers', () => {
    const json = '[\n  {"device": "PROV_1", "id": "one"},\n\n  {"device": "PROV_2", "transport": "BLE"}\n]';
    const nd = '{"device": "PROV_1", "id": "one"}\n\n{"device": "PROV_2", "transport": "ble", "ssid": null}\n';
    const a = parseManifest(json, 'r.json');
    const b = parseManifest(nd, 'r.ndjson');
    assert.deepEqual(
      a.map((r) => [r.where, r.id, r.transport]),
      [
        ['r.json:2', 'one', undefined],
        ['r.json:4', 'PROV_2', 'ble'],
      ],
    );
    assert.deepEqual(
      b.map((r) => [r.where, r.id, r.transport]),
      [
        ['r.ndjson:1', 'one', undefined],
        ['r.ndjson:3', 'PROV_2', 'ble'],
      ],
    );
  });

  const BAD: [string, string, string, RegExp][] = [
    ['unknown column', 'device,colour\nPROV_1,red\n', 'm.csv:1', /unknown column "colour"/],
    ['column twice', 'device,device\nA,B\n', 'm.csv:1', /twice/],
    ['short row', 'device,pop\nPROV_1,x\nPROV_2\n', 'm.csv:3', /1 fields where the header has 2/],
    ['empty device', 'device,id\n,x\n', 'm.csv:2', /no device/],
    ['bad transport', 'device,transport\nPROV_1,carrier-pigeon\n', 'm.csv:2', /transport "carrier-pigeon"/],
    ['duplicate device', 'device\nPROV_1\nPROV_2\nprov_1\n', 'm.csv:4', /listed twice \(also at m\.csv:2\)/],
    ['duplicate id', 'device,id\nA,x\nB,x\n', 'm.csv:3', /id "x" is used twice/],
    ['bad dataset', 'device,thread_dataset\nA,0e08zz\n', 'm.csv:2', /thread_dataset must be hex/],
    ['empty env name', 'device,pop\nA,env:\n', 'm.csv:2', /variable name/],
    ['long ssid', `device,ssid\nA,${'s'.repeat(33)}\n`, 'm.csv:2', /32 bytes/],
    ['unclosed quote', 'device\nA\n"B\n', 'm.csv:3', /not closed/],
    ['no boards', 'device\n', 'm.csv:1', /no boards/],
    ['json not array', '[1', 'm.csv:1', /not valid JSON/],
    ['json non-object', '[\n {"device":"A"},\n 7\n]', 'm.csv:3', /JSON object/],
    ['json non-string', '[{"device":"A","pop":1234}]', 'm.csv:1', /pop must be a string/],
    ['ndjson bad line', '{"device":"A"}\n{"device":\n', 'm.csv:2', /NDJSON/],
    ['ndjson unknown key', '{"device":"A"}\n{"device":"B","pasphrase":"x"}\n', 'm.csv:2', /unknown column "pasphrase"/],
  ];
  for (const [name, text, where, message] of BAD) {
    it(`refuses: ${name} (${where})`, () => {
      assert.throws(
        () => parseManifest(text, 'm.csv'),
        (e: unknown) =>
          e instanceof EspProvError &&
          e.code === 'USAGE' &&
          e.message.startsWith(`${where}: `) &&
          message.test(e.message),
      );
    });
  }

  it('a bad secret cell is named by column, never echoed', () => {
    const secret = 'hunter2-Zebra';
    assert.throws(
      () => parseManifest(`device,thread_dataset\nA,${secret}\n`, 'm.csv'),
      (e: unknown) => e instanceof EspProvError && !e.message.includes(secret) && /thread_dataset/.test(e.message),
    );
  });
});

describe('resolveCells', () => {
  it('reads env: and file: cells, strips one trailing newline, names file:line when a source is missing', async () => {
    const rows = parseManifest('device,pop,passphrase\nA,env:P,file:/p\nB,lit,\n', 'm.csv');
    const files: Record<string, string> = { '/p': 'pass phrase \n' };
    const readFile = (p: string): Promise<string> =>
      files[p] === undefined ? Promise.reject(new Error('no such file')) : Promise.resolve(files[p]);
    const got = await resolveCells(rows, { env: { P: 'pop-from-env' }, readFile });
    assert.deepEqual(Object.fromEntries(got), {
      A: { pop: 'pop-from-env', passphrase: 'pass phrase ' },
      B: { pop: 'lit' },
    });
    await assert.rejects(
      resolveCells(rows, { env: {}, readFile }),
      /^EspProvError: m\.csv:2: pop: the environment variable P is not set$/,
    );
    const missing = parseManifest('device,passphrase\nA,file:/nope\n', 'm.csv');
    await assert.rejects(resolveCells(missing, { env: {}, readFile }), /m\.csv:2: passphrase: cannot read "\/nope"/);
  });
});
