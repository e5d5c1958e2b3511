/**
 * `esp-prov batch --discover` end to end over BLE without a radio: three simulated devices advertise through
 * fake noble bindings (two named with the prefix, one not); exactly the two are provisioned, each once, over
 * one noble instance for the whole run; the third is never connected. Then the option checks: a manifest and
 * --discover together, --count without --discover, --discover without a way to end outside a terminal.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { readJournal } from '../src/batch/journal.js';
import { run, type CliIo } from '../src/cli/main.js';
import { SimDevice } from '../src/sim/device.js';
import { BleGattModel } from '../src/sim/ble-gatt-model.js';
import type { SimDeviceOptions } from '../src/sim/options.js';
import { buildThreadDataset } from '../src/endpoints/thread-dataset.js';
import { fromHex, toHex } from '../src/bytes.js';
import { fakeNobleLoader } from '../src/testing/ble-fake-bindings.js';
import { FAST } from './sim-harness.js';

const PASSPHRASE = 'correct-horse-battery';

function io(extra: Partial<CliIo> = {}): { io: CliIo; out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    io: {
      stdout: { write: (s: string) => (out += s) },
      stderr: { write: (s: string) => (err += s) },
      stdin: Readable.from([]),
      env: { ESP_PROV_PASSPHRASE: PASSPHRASE },
      ...extra,
    },
    out: () => out,
    err: () => err,
  };
}

/** A simulated board advertising `name`; `requests` counts what reached it. */
function board(
  name: string,
  address: string,
  extra: SimDeviceOptions = {},
): { model: BleGattModel; requests: () => number } {
  const device = new SimDevice({ ...FAST, ...extra });
  let requests = 0;
  device.on('request', () => requests++);
  return { model: new BleGattModel({ device, name, address }), requests: () => requests };
}

describe('batch --discover over BLE', () => {
  it('provisions exactly the devices with the prefix, each once, over one noble instance', async () => {
    const boards = [
      board('PROV_AA0001', 'e4:65:b8:00:00:01'),
      board('OTHER_0002', 'e4:65:b8:00:00:02'),
      board('PROV_AA0003', 'e4:65:b8:00:00:03'),
    ];
    const fake = fakeNobleLoader({ peripherals: boards.map((b) => b.model) });
    const dir = mkdtempSync(join(tmpdir(), 'esp-prov-discover-'));
    const journal = join(dir, 'journal.ndjson');
    const s = io({ bleLoader: fake.loader });
    const code = await run(
      [
        'batch',
        '--discover',
        'PROV_',
        '--count',
        '2',
        '--ssid',
        'HomeNetwork',
        '--sec2_username',
        'wifiprov',
        '--sec2_pwd',
        'abcd1234',
        '--journal',
        journal,
        '--json',
      ],
      s.io,
      new AbortController().signal,
    );
    assert.equal(code, 0, s.err() + s.out());
    const lines = s
      .out()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const ends = lines.filter((l) => l['event'] === 'board-end');
    assert.deepEqual(ends.map((l) => l['board']).sort(), ['PROV_AA0001', 'PROV_AA0003']);
    assert.ok(ends.every((l) => (l['result'] as { outcome: string }).outcome === 'provisioned'));
    assert.deepEqual(lines.at(-1), {
      ok: true,
      summary: { total: 2, provisioned: 2, failed: 0, cancelled: 0, skipped: 0 },
      exitCode: 0,
      schemaVersion: 1,
    });
    assert.deepEqual(
      lines.filter((l) => l['event'] === 'device-found').map((l) => l['name']),
      ['PROV_AA0001', 'PROV_AA0003'],
    );
    assert.deepEqual(
      lines.filter((l) => l['event'] === 'discovery-end').map((l) => [l['reason'], l['found']]),
      [['count', 2]],
    );
    assert.equal(boards[1]!.requests(), 0, 'the device without the prefix was never asked anything');
    assert.ok(boards[0]!.requests() > 0 && boards[2]!.requests() > 0);
    assert.equal(fake.bindings.length, 1, 'one noble instance served the scan and both links');
    assert.equal(fake.bindings[0]!.stopped, true, 'and it was released at the end');
    const recorded = [...readJournal(readFileSync(journal, 'utf8')).values()];
    assert.deepEqual(recorded.map((r) => [r.id, r.device, r.transport, r.outcome]).sort(), [
      ['PROV_AA0001', 'e4:65:b8:00:00:01', 'ble', 'provisioned'],
      ['PROV_AA0003', 'e4:65:b8:00:00:03', 'ble', 'provisioned'],
    ]);
    assert.doesNotMatch(s.out() + s.err() + readFileSync(journal, 'utf8'), new RegExp(`abcd1234|${PASSPHRASE}`));
  });

  it('--resume skips a name the journal shows provisioned, at whatever address', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'esp-prov-discover-'));
    const journal = join(dir, 'journal.ndjson');
    const first = board('PROV_BB0001', 'e4:65:b8:00:01:01');
    const argv = ['batch', '--discover', 'PROV_', '--count', '1', '--ssid', 'HomeNetwork', '--journal', journal];
    const env = {
      ESP_PROV_PASSPHRASE: PASSPHRASE,
      ESP_PROV_SEC2_USERNAME: 'wifiprov',
      ESP_PROV_SEC2_PASSWORD: 'abcd1234',
    };
    const s1 = io({ bleLoader: fakeNobleLoader({ peripherals: [first.model] }).loader, env });
    assert.equal(await run(argv, s1.io, new AbortController().signal), 0, s1.err());
    // The same board after a reboot, under a new random address.
    const again = board('PROV_BB0001', 'e4:65:b8:00:01:99');
    const s2 = io({ bleLoader: fakeNobleLoader({ peripherals: [again.model] }).loader, env });
    assert.equal(await run([...argv, '--resume'], s2.io, new AbortController().signal), 0, s2.err());
    assert.match(s2.out(), /skipped\s+PROV_BB0001/);
    assert.equal(again.requests(), 0);
  });
});

describe('batch --discover with a Thread dataset', () => {
  it('gives every discovered board the Thread network (--dataset_tlvs instead of --ssid); the key never shown', async () => {
    const networkKey = '00112233445566778899aabbccddeeff';
    const dataset = toHex(
      buildThreadDataset({
        channel: 15,
        panId: 0x1234,
        extPanId: fromHex('dead00beef00cafe'),
        networkKey: fromHex(networkKey),
      }),
    );
    const thread = { flavour: 'netprov-thread', attachDelayMs: 50 } as const;
    const boards = [
      board('PROV_TT0001', 'e4:65:b8:00:05:01', thread),
      board('PROV_TT0002', 'e4:65:b8:00:05:02', thread),
    ];
    const s = io({
      bleLoader: fakeNobleLoader({ peripherals: boards.map((b) => b.model) }).loader,
      env: { ESP_PROV_SEC2_USERNAME: 'threadprov', ESP_PROV_SEC2_PASSWORD: 'abcd1234' },
    });
    const argv = ['batch', '--discover', 'PROV_', '--count', '2', '--dataset_tlvs', dataset, '--json', '-v'];
    assert.equal(await run(argv, s.io, new AbortController().signal), 0, s.err() + s.out());
    const ends = s
      .out()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l['event'] === 'board-end');
    assert.deepEqual(
      ends.map((l) => [l['board'], (l['result'] as { outcome: string; thread?: unknown }).outcome]).sort(),
      [
        ['PROV_TT0001', 'provisioned'],
        ['PROV_TT0002', 'provisioned'],
      ],
    );
    assert.ok(
      ends.every((l) => (l['result'] as { thread?: unknown }).thread !== undefined),
      'attached to Thread',
    );
    assert.ok(!(s.out() + s.err()).includes(networkKey), 'the network key is not shown');
  });
});

describe('batch --discover until Ctrl-C', () => {
  it('at a terminal runs without --count until stopped; exit 130, the report still written', async () => {
    const boards = [board('PROV_CC0001', 'e4:65:b8:00:03:01'), board('PROV_CC0002', 'e4:65:b8:00:03:02')];
    const fake = fakeNobleLoader({ peripherals: boards.map((b) => b.model) });
    const dir = mkdtempSync(join(tmpdir(), 'esp-prov-discover-'));
    const report = join(dir, 'report.json');
    const stop = new AbortController();
    let out = '';
    const s = io({
      bleLoader: fake.loader,
      stdin: Object.assign(Readable.from([]), { isTTY: true }),
      env: { ESP_PROV_PASSPHRASE: PASSPHRASE, ESP_PROV_SEC2_USERNAME: 'wifiprov', ESP_PROV_SEC2_PASSWORD: 'abcd1234' },
      stdout: {
        write: (t: string) => {
          out += t;
          if (/^provisioned /m.test(t)) stop.abort();
        },
      },
    });
    const argv = ['batch', '--discover', 'PROV_', '--ssid', 'HomeNetwork', '--report', `json:${report}`];
    const code = await run(argv, s.io, stop.signal);
    assert.equal(code, 130, s.err() + out);
    const written = JSON.parse(readFileSync(report, 'utf8')) as { boards: { id: string; outcome: string }[] };
    assert.equal(written.boards[0]?.outcome, 'provisioned');
    assert.ok(
      written.boards.slice(1).every((b) => b.outcome === 'cancelled'),
      JSON.stringify(written.boards),
    );
    assert.equal(fake.bindings[0]!.stopped, true, 'the adapter was released');
  });
});

describe('batch --discover when the adapter goes away', () => {
  it('reports the boards done, then fails with TRANSPORT_UNAVAILABLE', async () => {
    const only = board('PROV_DD0001', 'e4:65:b8:00:04:01');
    const fake = fakeNobleLoader({ peripherals: [only.model] });
    const dir = mkdtempSync(join(tmpdir(), 'esp-prov-discover-'));
    const report = join(dir, 'report.json');
    const s = io({
      bleLoader: fake.loader,
      env: { ESP_PROV_PASSPHRASE: PASSPHRASE, ESP_PROV_SEC2_USERNAME: 'wifiprov', ESP_PROV_SEC2_PASSWORD: 'abcd1234' },
      stdout: {
        write: (t: string) => {
          if (/^provisioned /m.test(t)) fake.bindings[0]!.emit('stateChange', 'poweredOff');
        },
      },
    });
    const argv = [
      'batch',
      '--discover',
      'PROV_',
      '--count',
      '5',
      '--ssid',
      'HomeNetwork',
      '--report',
      `json:${report}`,
    ];
    const code = await run(argv, s.io, new AbortController().signal);
    assert.equal(code, 3, s.err());
    assert.match(s.err(), /poweredOff/);
    const written = JSON.parse(readFileSync(report, 'utf8')) as { boards: { id: string; outcome: string }[] };
    assert.deepEqual(
      written.boards.map((b) => [b.id, b.outcome]),
      [['PROV_DD0001', 'provisioned']],
    );
    assert.equal(fake.bindings[0]!.stopped, true);
  });
});

describe('batch --discover option checks', () => {
  const usage = async (argv: string[], message: RegExp, tty = false): Promise<void> => {
    const stdin = Object.assign(Readable.from([]), { isTTY: tty });
    const s = io({ stdin });
    const code = await run(['batch', ...argv], s.io, new AbortController().signal);
    assert.equal(code, 2, s.err());
    assert.match(s.err(), message);
  };

  it('a manifest and --discover exclude each other; one of them is needed', async () => {
    await usage(['rack.csv', '--discover', 'PROV_', '--count', '1'], /MANIFEST or --discover PREFIX, not both/);
    await usage(['--ssid', 'x'], /give a MANIFEST, or --discover PREFIX/);
  });

  it('--count and --until-idle belong to --discover', async () => {
    await usage(['rack.csv', '--count', '3'], /only make sense with --discover/);
    await usage(['rack.csv', '--until-idle', '30'], /only make sense with --discover/);
  });

  it('without a terminal, --discover needs --count or --until-idle; --ssid is required', async () => {
    await usage(['--discover', 'PROV_', '--ssid', 'HomeNetwork'], /needs --count N or --until-idle SECONDS/);
    await usage(['--discover', 'PROV_', '--count', '1'], /--discover needs exactly one of --ssid/);
    await usage(['--discover', 'PROV_', '--count', '0', '--ssid', 'x'], /--count/);
    await usage(['--discover', 'PROV_', '--transport', 'serial', '--count', '1', '--ssid', 'x'], /ble, softap/);
  });
});
