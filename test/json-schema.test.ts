/**
 * The --json contract: every line of real runs (a success with custom data and -v, failures, a --no-input run
 * that needs no picker, Thread, a usage error, the demo) validates against schema/events.schema.json, the file
 * the package ships; every event and field the schema names is documented in docs/cli.md.
 *
 * The validator is ajv 6 (JSON Schema draft-07), a direct dev dependency (eslint uses the same major).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import Ajv from 'ajv';
import { fromHex, toHex, utf8 } from '../src/bytes.js';
import { buildThreadDataset } from '../src/endpoints/thread-dataset.js';
import { toAccessPoint } from '../src/sim/access-points.js';
import { SimDevice } from '../src/sim/device.js';
import { BleGattModel } from '../src/sim/ble-gatt-model.js';
import { fakeNobleLoader } from '../src/testing/ble-fake-bindings.js';
import { startHttpServer } from '../src/sim/http-server.js';
import type { SimDeviceOptions, SimSecurity } from '../src/sim/options.js';
import { ManualClock } from '../src/timers.js';
import { runCli } from './helpers/cli-run.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SCHEMA = JSON.parse(readFileSync(join(ROOT, 'schema/events.schema.json'), 'utf8')) as {
  definitions: Record<string, { properties: Record<string, unknown> }>;
};
const ajv = new Ajv({ allErrors: true });
const validate = ajv.compile(SCHEMA);

const POP = 'pop-4321';
const PASSPHRASE = 'lab-passphrase-1';
const APS = [
  toAccessPoint({ ssid: 'LabNet', bssid: '02:00:00:00:00:01', channel: 6, rssi: -40, auth: 'WPA2_PSK', passphrase: PASSPHRASE }, 'a'),
]; // prettier-ignore

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanups) await c();
});

async function device(security: SimSecurity, extra: SimDeviceOptions = {}): Promise<string> {
  const dev = new SimDevice({
    accessPoints: APS,
    applyDelayMs: 20,
    connectDelayMs: 50,
    attemptFailMs: 20,
    connAttempts: 2,
    scanDurationMs: 50,
    extraEndpoints: ['echo'],
    ...extra,
    security,
  });
  const server = await startHttpServer(dev);
  cleanups.push(async () => {
    await server.close();
    dev.stop();
  });
  return `127.0.0.1:${server.port}`;
}

async function jsonRun(
  argv: string[],
  clock?: ManualClock,
): Promise<{ code: number; lines: Record<string, unknown>[] }> {
  const r = await runCli([...argv, '--json'], clock ? { clock } : {});
  assert.equal(r.stderr, '', 'stderr stays quiet with --json');
  return { code: r.code, lines: r.lines };
}

function assertValid(lines: Record<string, unknown>[], what: string): void {
  assert.ok(lines.length > 0, what);
  for (const [i, line] of lines.entries()) {
    const ok = validate(line);
    assert.ok(
      ok,
      `${what}, line ${i}: ${JSON.stringify(line)}\n${ajv.errorsText(validate.errors, { separator: '\n' })}`,
    );
    assert.equal('ok' in line, i === lines.length - 1, `${what}: only the last line has "ok"`);
  }
}

const FAST = ['--timeout', '5'];

// Each run has its own devices on ports the OS chose: side by side, their device delays overlap.
void describe('--json lines validate against schema/events.schema.json', { concurrency: true }, () => {
  void it('success with custom data and -v; the final line names the device and the times', async () => {
    const addr = await device({ version: 1, pop: utf8(POP) });
    const r = await jsonRun(['--transport', 'softap', '--service_name', addr, '--pop', POP, '--ssid', 'LabNet', '--passphrase', PASSPHRASE,
      '--custom_data', 'hi', '--custom-endpoint', 'echo', '--data', 'hex:00ff', '-v', ...FAST]); // prettier-ignore
    assert.equal(r.code, 0);
    assertValid(r.lines, 'success');
    const last = r.lines.at(-1)!;
    assert.equal(last['transport'], 'softap');
    assert.equal((last['device'] as { address: string }).address, addr);
    assert.deepEqual(last['custom'], [{ endpoint: 'custom-data', response: 'SUCCESS' }, { endpoint: 'echo', response: '00ff' }]);
    for (const e of ['trace', 'version', 'security', 'custom-data', 'wifi-status'])
      assert.ok(r.lines.some((l) => l['event'] === e), e);
  }); // prettier-ignore

  void it('failures: a wrong passphrase (with attempts), a wrong PoP, nothing listening, a usage error', async () => {
    // Attempts slow enough for the status polls to see one fail with another left.
    const addr = await device({ version: 1, pop: utf8(POP) }, { connAttempts: 3, attemptFailMs: 400 });
    const wrong = await jsonRun(['--transport', 'softap', '--service_name', addr, '--pop', POP, '--ssid', 'LabNet', '--passphrase', 'not-the-one', ...FAST]); // prettier-ignore
    assert.equal(wrong.code, 11);
    assertValid(wrong.lines, 'wrong passphrase');
    assert.ok(wrong.lines.some((l) => l['event'] === 'wifi-status' && typeof l['attemptsRemaining'] === 'number'));
    const addr2 = await device({ version: 1, pop: utf8(POP) });
    const pop = await jsonRun(['--transport', 'softap', '--service_name', addr2, '--pop', 'nope', '--ssid', 'LabNet', '--passphrase', PASSPHRASE, ...FAST]); // prettier-ignore
    assert.equal(pop.code, 7);
    assertValid(pop.lines, 'wrong PoP');
    const none = await jsonRun(['--transport', 'softap', '--service_name', '127.0.0.1:1', '--sec_ver', '0', '--ssid', 'x', '--passphrase', '', ...FAST]); // prettier-ignore
    assertValid(none.lines, 'not found');
    const usage = await jsonRun(['--sec_ver', '5']);
    assertValid(usage.lines, 'usage');
  });

  void it('picker-free runs without a terminal: --no-input --network none, Thread, --reset', async () => {
    const addr = await device({ version: 0 });
    const n = await jsonRun(['--transport', 'softap', '--service_name', addr, '--no-input', '--network', 'none', '--custom-endpoint', 'echo', '--data', 'text:A', ...FAST]); // prettier-ignore
    assert.equal(n.code, 0);
    assertValid(n.lines, '--network none');
    const dataset = buildThreadDataset({ channel: 15, panId: 0x1234, extPanId: fromHex('dead00beef00cafe'), networkKey: fromHex('00112233445566778899aabbccddeeff') }); // prettier-ignore
    const t = await jsonRun(['--transport', 'softap', '--service_name', await device({ version: 0 }, { flavour: 'netprov-thread', attachDelayMs: 50 }), '--no-input', '--dataset_tlvs', toHex(dataset), ...FAST]); // prettier-ignore
    assert.equal(t.code, 0);
    assertValid(t.lines, 'thread');
    const reset = await jsonRun(['--transport', 'softap', '--service_name', await device({ version: 0 }), '--reset', ...FAST]); // prettier-ignore
    assertValid(reset.lines, '--reset');
  });

  void it('batch over a manifest: board-start, board-progress (with board), board-retry, board-end, the summary', async () => {
    const [good, bad] = [await device({ version: 1, pop: utf8(POP) }), await device({ version: 1, pop: utf8(POP) })];
    const dir = mkdtempSync(join(tmpdir(), 'esp-prov-schema-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const manifest = join(dir, 'rack.csv');
    // Nothing listens on port 1: DEVICE_NOT_FOUND, retried once (a wrong PoP never is).
    const rows = `good,${good},${POP},LabNet\nbad,${bad},wrong-pop,LabNet\ngone,127.0.0.1:1,${POP},LabNet\n`;
    writeFileSync(manifest, `id,device,pop,ssid\n${rows}`);
    const record = join(dir, 'transcripts');
    const r = await runCli(['batch', manifest, '--retries', '1', '--json', '-v', '--record', record, ...FAST], {
      env: { ESP_PROV_PASSPHRASE: PASSPHRASE },
    });
    assert.equal(r.code, 16, r.stderr);
    assertValid(r.lines, 'batch');
    // Each board's result names its transcript (--record), which the schema describes too.
    assert.ok(r.lines.some((l) => l['event'] === 'board-end' && JSON.stringify(l).includes('"transcript"')));
    for (const e of ['board-start', 'board-retry', 'board-end', 'version', 'wifi-status'])
      assert.ok(
        r.lines.some((l) => l['event'] === e && typeof l['board'] === 'string'),
        e,
      );
    assert.deepEqual(r.last['summary'], { total: 3, provisioned: 1, failed: 2, cancelled: 0, skipped: 0 });
  });

  void it('batch --discover: discovery-start, device-found, a device-ignored warning, discovery-end', async () => {
    // Two boards advertise one name: the second is ignored with a warning that names it.
    const models = ['e4:65:b8:00:09:01', 'e4:65:b8:00:09:02'].map(
      (address) =>
        new BleGattModel({
          device: new SimDevice({ applyDelayMs: 20, connectDelayMs: 50 }),
          name: 'PROV_SCHEMA',
          address,
        }),
    );
    const r = await runCli(
      ['batch', '--discover', 'PROV_', '--until-idle', '0.5', '--ssid', 'HomeNetwork', '--json', ...FAST],
      {
        env: {
          ESP_PROV_PASSPHRASE: 'correct-horse-battery',
          ESP_PROV_SEC2_USERNAME: 'wifiprov',
          ESP_PROV_SEC2_PASSWORD: 'abcd1234',
        },
        io: { bleLoader: fakeNobleLoader({ peripherals: models }).loader },
      },
    );
    assert.equal(r.code, 0, r.stdout);
    assertValid(r.lines, 'discovery');
    for (const e of ['discovery-start', 'device-found', 'discovery-end', 'board-end'])
      assert.ok(
        r.lines.some((l) => l['event'] === e),
        e,
      );
    assert.ok(
      r.lines.some((l) => l['event'] === 'warning' && l['reason'] === 'name-seen'),
      'device-ignored',
    );
  });

  void it('esp-prov demo --json -v', async () => {
    // The demo's device and client on one ManualClock: its device delays cost no wall time.
    const r = await jsonRun(['demo', '-v'], new ManualClock(Date.now()));
    assert.equal(r.code, 0);
    assertValid(r.lines, 'demo');
  });
});

void describe('the schema is documented and shipped', () => {
  const docs = readFileSync(join(ROOT, 'docs/cli.md'), 'utf8');
  const section = docs.slice(docs.indexOf('### `--json` output'), docs.indexOf('### Pipes that close early'));

  void it('docs/cli.md names every event and every field of the schema', () => {
    for (const [name, def] of Object.entries(SCHEMA.definitions)) {
      const event = (def.properties['event'] as { const?: string } | undefined)?.const;
      if (event) assert.ok(section.includes(`\`${event}\``), `event ${event} is not documented`);
      for (const field of Object.keys(def.properties).filter((f) => f !== 'event')) {
        assert.ok(section.includes(`\`${field}\``), `field ${field} (${name}) is not documented`);
      }
    }
  });

  void it('package.json ships schema/', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { files: string[] };
    assert.ok(pkg.files.includes('schema/'));
  });
});
