/**
 * The journal (append, fsync'd lines, read back for --resume, a torn last line ignored) and the reports: JUnit
 * parsed back per board with a strict XML reader, hostile device texts escaped, CSV that a spreadsheet cannot
 * run as formulas.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Journal, provisionedBefore, readJournal } from '../src/batch/journal.js';
import { csvReport, jsonReport, junitReport } from '../src/batch/report.js';
import { parseCsv } from '../src/batch/csv.js';
import type { BoardResult } from '../src/batch/types.js';
import { parseXml } from './helpers/xml.js';

const T0 = '2026-01-01T00:00:00.000Z';
const T1 = '2026-01-01T00:00:02.500Z';

const OK: BoardResult = {
  id: 'rack-1',
  device: '127.0.0.1:8001',
  transport: 'softap',
  outcome: 'provisioned',
  attempts: 1,
  phases: { connectMs: 10, handshakeMs: 200, applyMs: 1500 },
  wifi: { ip: '192.168.1.100', bssid: '02:11:22:33:44:10', channel: 6, ssid: 'HomeNetwork' },
  protoVer: 'v1.1',
  capabilities: ['wifi_scan'],
  startedAt: T0,
  endedAt: T1,
};
const HOSTILE = 'device said <b>"no" & \'bye\'</b>\u0001]]>';
const { wifi: _connected, ...NOT_CONNECTED } = OK;
const FAILED: BoardResult = {
  ...NOT_CONNECTED,
  id: 'rack-2 <&>',
  device: '127.0.0.1:8002',
  outcome: 'failed',
  error: { code: 'HANDSHAKE_FAILED', message: HOSTILE, exitCode: 7 },
};
const CANCELLED: BoardResult = {
  ...OK,
  id: 'rack-3',
  device: '127.0.0.1:8003',
  outcome: 'cancelled',
  attempts: 0,
  error: { code: 'CANCELLED', message: 'not started: the batch was stopped', exitCode: 130 },
};

describe('journal', () => {
  it('appends one line per outcome, keeps earlier runs, and resume sees the last outcome per board', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'esp-prov-journal-')), 'j.ndjson');
    const first = await Journal.open(path);
    await Promise.all([first.record({ ...OK, outcome: 'failed' }), first.record(FAILED)]);
    await first.close();
    const second = await Journal.open(path);
    await second.record(OK);
    await second.close();
    // A process killed mid-write leaves a torn line: that outcome was never recorded.
    appendFileSync(path, '{"journal":1,"id":"rack-3","device":"127.0.0.1:8003","outcome":"provis');
    const text = readFileSync(path, 'utf8');
    assert.equal(text.split('\n').filter(Boolean).length, 4);
    const j = readJournal(text);
    assert.equal(provisionedBefore(j, OK), true, 'the later line wins');
    assert.equal(provisionedBefore(j, FAILED), false);
    assert.equal(provisionedBefore(j, CANCELLED), false, 'the torn line is ignored');
    assert.equal(provisionedBefore(j, { id: 'rack-1', device: '127.0.0.1:9999' }), false, 'same id, other board');
  });
});

describe('reports', () => {
  it('JUnit: one testcase per board, failure text = code + message, hostile text escaped', () => {
    const xml = junitReport([OK, FAILED, CANCELLED]);
    const root = parseXml(xml);
    assert.equal(root.name, 'testsuites');
    const suite = root.children[0]!;
    assert.deepEqual(
      [suite.attrs['tests'], suite.attrs['failures'], suite.attrs['skipped'], suite.attrs['time']],
      ['3', '1', '1', '2.500'],
    );
    const cases = suite.children.filter((c) => c.name === 'testcase');
    assert.deepEqual(
      cases.map((c) => [c.attrs['name'], c.attrs['time'], c.children.map((k) => k.name)]),
      [
        ['rack-1', '2.500', ['system-out']],
        ['rack-2 <&>', '2.500', ['failure', 'system-out']],
        ['rack-3', '2.500', ['skipped', 'system-out']],
      ],
    );
    const failure = cases[1]!.children[0]!;
    const expected = `HANDSHAKE_FAILED: ${HOSTILE.replace('\u0001', '\uFFFD')}`;
    assert.equal(failure.attrs['message'], expected);
    assert.equal(failure.text, expected);
    assert.equal(failure.attrs['type'], 'HANDSHAKE_FAILED');
    assert.match(cases[0]!.children[0]!.text, /ip 192\.168\.1\.100, bssid 02:11:22:33:44:10/);
  });

  it('CSV: a header and one row per board; formulas defused; quotes survive a round trip', () => {
    const evil: BoardResult = { ...FAILED, id: '=HYPERLINK("x")', error: { ...FAILED.error!, message: 'a,"b"\nc' } };
    const rows = parseCsv(csvReport([OK, evil]));
    assert.equal(rows.length, 3);
    const header = rows[0]!.fields;
    const row = (i: number): Record<string, string> =>
      Object.fromEntries(header.map((h, k) => [h, rows[i]!.fields[k]!]));
    assert.equal(row(1)['exit_code'], '0');
    assert.equal(row(1)['bssid'], '02:11:22:33:44:10');
    assert.equal(row(2)['id'], `'=HYPERLINK("x")`);
    assert.equal(row(2)['error_message'], 'a,"b"\nc');
    assert.equal(row(2)['exit_code'], '7');
  });

  it('JSON: summary and the results as they are', () => {
    const j = JSON.parse(jsonReport([OK, FAILED])) as { summary: unknown; boards: BoardResult[] };
    assert.deepEqual(j.summary, { total: 2, provisioned: 1, failed: 1, cancelled: 0, skipped: 0 });
    assert.deepEqual(j.boards[0], OK);
  });
});
