/**
 * The manual transports with scripted people: the console one (esp_prov `--transport console`) and the
 * manual BLE one (esp_prov's `BLECLI >>` mode, seed transcript in shared/reference).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PassThrough } from 'node:stream';
import { fromHex, toHex, utf8 } from '../src/bytes.js';
import { ConsoleTransport } from '../src/transport/console.js';
import {
  BLE_ENDPOINT_IDS,
  characteristicUuid,
  ManualBleTransport,
  openManualBleTransport,
  type ManualBleOptions,
} from '../src/transport/manual-ble.js';
import { FakeDevice, manualConsolePerson } from './helpers/console-fakes.js';
import { isCode, rejectsWith } from './helpers/rejects.js';
import { settle, until } from './helpers/settle.js';
import { ManualClock } from '../src/timers.js';

/** A person who already typed `answers` (one per line). */
function scripted(...answers: string[]): {
  input: PassThrough;
  output: { write(t: string): void };
  text: () => string;
} {
  const input = new PassThrough();
  if (answers.length > 0) input.write(answers.map((a) => `${a}\n`).join(''));
  let text = '';
  return { input, output: { write: (t: string) => void (text += t) }, text: () => text };
}

describe('manual console transport', () => {
  it('prints the line to type as esp_prov does and reads the hex the person pastes', async () => {
    const io = scripted(' 0x7b 7D ');
    const t = new ConsoleTransport({ ...io, sessionId: 42 });
    assert.equal(toHex(await t.request('proto-ver', utf8('---'))), '7b7d');
    assert.match(io.text(), /Client->Device msg : proto-ver 42 2d2d2d\nEnter device->client msg : $/);
    await t.close();
  });

  it('keeps the session id for the whole transport; limits follow the 256-byte line', async () => {
    const io = scripted('00', '01');
    const t = new ConsoleTransport({ ...io, sessionId: 42 });
    await t.request('prov-session', new Uint8Array([1]));
    await t.request('prov-config', new Uint8Array([2]));
    assert.deepEqual(io.text().match(/msg : \S+ (\d+) /g), ['msg : prov-session 42 ', 'msg : prov-config 42 ']);
    assert.equal(t.limits.maxRequestBytes, 119);
    assert.match(t.limits.requestLimitReason ?? '', /the device reads 256-byte lines/);
    const random = new ConsoleTransport(scripted());
    assert.ok(random.sessionId >= 1 && random.sessionId <= 99999);
  });

  it('asks again after text that is not hex, then gives up with DECODE_FAILED', async () => {
    const io = scripted('zz', '7b7d');
    const t = new ConsoleTransport({ ...io, sessionId: 1 });
    assert.equal(toHex(await t.request('proto-ver', utf8('---'))), '7b7d');
    assert.match(io.text(), /not hex/);
    const bad = scripted('zz', 'abc', '0xq');
    const t2 = new ConsoleTransport({ ...bad, sessionId: 1 });
    const err = await rejectsWith(t2.request('proto-ver', utf8('---')), 'DECODE_FAILED');
    assert.equal(err.endpoint, 'proto-ver');
  });

  it('an empty answer means the device printed no reply: CONNECTION_LOST', async () => {
    const t = new ConsoleTransport({ ...scripted(''), sessionId: 1 });
    await rejectsWith(t.request('prov-session', new Uint8Array([1])), 'CONNECTION_LOST', /no reply to prov-session/);
  });

  it('end of input is CANCELLED; an abort is CANCELLED; no answer in time is TIMEOUT', async () => {
    const io = scripted();
    io.input.end();
    await rejectsWith(new ConsoleTransport({ ...io, sessionId: 1 }).request('proto-ver', utf8('-')), 'CANCELLED');
    const ac = new AbortController();
    const asked = scripted();
    const waiting = new ConsoleTransport({ ...asked, sessionId: 1 }).request('proto-ver', utf8('-'), {
      signal: ac.signal,
    });
    await until(() => asked.text().endsWith('msg : '), 'the question was printed');
    ac.abort();
    await rejectsWith(waiting, 'CANCELLED');
    const clock = new ManualClock();
    const slow = new ConsoleTransport({ ...scripted(), sessionId: 1, answerTimeoutMs: 20, clock });
    await rejectsWith(settle(clock, slow.request('proto-ver', utf8('-')), 1), 'TIMEOUT');
    assert.ok(clock.now() >= 20, 'not before the answer deadline');
  });

  it('closing ends a pending question and later requests', async () => {
    const io = scripted();
    const t = new ConsoleTransport({ ...io, sessionId: 1 });
    const pending = t.request('proto-ver', utf8('-'));
    await until(() => io.text().endsWith('msg : '), 'the question was printed');
    await t.close();
    await rejectsWith(pending, 'CANCELLED');
    await rejectsWith(t.request('proto-ver', utf8('-')), 'CANCELLED');
  });

  it('refuses Security 2 (406-byte Cmd0) before printing anything', async () => {
    const io = scripted('00');
    const t = new ConsoleTransport({ ...io, sessionId: 1 });
    await rejectsWith(t.request('prov-session', new Uint8Array(406)), 'UNSUPPORTED', /Security 2 cannot run/);
    assert.equal(io.text(), '');
  });

  it('the lines it prints work when typed on the (simulated) device console', async () => {
    const device = new FakeDevice();
    const t = manualConsolePerson(device, 77);
    assert.equal(toHex(await t.request('echo', fromHex('0102'))), 'aa0201');
    await rejectsWith(t.request('fail', fromHex('00')), 'CONNECTION_LOST');
    assert.deepEqual(device.sessionEvents, ['open 77']);
    await t.close();
  });
});

const SEED_SERVICE = '0000ffff-0000-1000-8000-00805f9b34fb';

function ble(answers: string[], options: Partial<ManualBleOptions> = {}) {
  const io = scripted(...answers);
  return { io, open: () => openManualBleTransport({ ...io, serviceUuid: SEED_SERVICE, ...options }) };
}

describe('manual BLE transport (BLECLI)', () => {
  it('reproduces the seed transcript: connect, service, three characteristics, write then read', async () => {
    const { io, open } = ble(['y', 'y', 'y', 'y', 'y', '53554343455353'], { deviceName: 'PROV_261FCC' });
    const t = await open();
    const reply = await t.request('proto-ver', fromHex('56302e31'));
    assert.equal(toHex(reply), '53554343455353');
    const seedPart =
      'BLECLI >> Please connect to BLE device `PROV_261FCC` manually using your tool of choice\n' +
      'BLECLI >> Was the device connected successfully? [y/n] ' +
      'BLECLI >> List available attributes of the connected device\n' +
      "BLECLI >> Is the service UUID '0000ffff-0000-1000-8000-00805f9b34fb' listed among available attributes? [y/n] " +
      "BLECLI >> Is the characteristic UUID '0000ff53-0000-1000-8000-00805f9b34fb' listed among available attributes? [y/n] " +
      "BLECLI >> Is the characteristic UUID '0000ff51-0000-1000-8000-00805f9b34fb' listed among available attributes? [y/n] " +
      "BLECLI >> Is the characteristic UUID '0000ff52-0000-1000-8000-00805f9b34fb' listed among available attributes? [y/n] " +
      "BLECLI >> Write following data to characteristic with UUID '0000ff53-0000-1000-8000-00805f9b34fb' :\n" +
      '\t>> 56302e31\n' +
      'BLECLI >> Enter data read from characteristic (in hex) :\n' +
      '\t<< ';
    assert.ok(io.text().endsWith(seedPart), io.text());
    await t.close();
  });

  it('derives characteristic UUIDs by the replacement rule (PROTOCOL.md §2.2.1 table)', () => {
    const expected: Record<string, [string, string]> = {
      'prov-ctrl': ['1775ff4f-6b43-439b-877c-060f2d9bed07', '021aff4f-0382-4aea-bff4-6b3f1c5adfb4'],
      'prov-scan': ['1775ff50-6b43-439b-877c-060f2d9bed07', '021aff50-0382-4aea-bff4-6b3f1c5adfb4'],
      'prov-session': ['1775ff51-6b43-439b-877c-060f2d9bed07', '021aff51-0382-4aea-bff4-6b3f1c5adfb4'],
      'prov-config': ['1775ff52-6b43-439b-877c-060f2d9bed07', '021aff52-0382-4aea-bff4-6b3f1c5adfb4'],
      'proto-ver': ['1775ff53-6b43-439b-877c-060f2d9bed07', '021aff53-0382-4aea-bff4-6b3f1c5adfb4'],
      'custom-data': ['1775ff54-6b43-439b-877c-060f2d9bed07', '021aff54-0382-4aea-bff4-6b3f1c5adfb4'],
    };
    for (const [endpoint, [dflt, example]] of Object.entries(expected)) {
      const id = BLE_ENDPOINT_IDS[endpoint]!;
      assert.equal(characteristicUuid('1775244D-6B43-439B-877C-060F2D9BED07', id), dflt);
      assert.equal(characteristicUuid('021a9004-0382-4aea-bff4-6b3f1c5adfb4', id), example);
    }
    assert.throws(() => characteristicUuid('021a9004', 1), isCode('USAGE'));
  });

  it('defaults to the example service UUID', () => {
    const t = new ManualBleTransport(scripted());
    assert.equal(t.serviceUuid, '021a9004-0382-4aea-bff4-6b3f1c5adfb4');
    assert.equal(t.uuidOf('prov-session'), '021aff51-0382-4aea-bff4-6b3f1c5adfb4');
    assert.deepEqual(t.limits, { maxRequestBytes: 481, maxResponseBytes: 481 });
  });

  it('"n" to the connection or the service is DEVICE_NOT_FOUND', async () => {
    await rejectsWith(ble(['n']).open(), 'DEVICE_NOT_FOUND', /not connected/);
    await rejectsWith(ble(['y', 'N']).open(), 'DEVICE_NOT_FOUND', /service 0000ffff/);
    await rejectsWith(ble(['y', 'y', 'y', 'no']).open(), 'DEVICE_NOT_FOUND', /0000ff51.*prov-session/);
  });

  it('asks about other characteristics on first use; unknown endpoints need an id', async () => {
    const { io, open } = ble(['y', 'y', 'y', 'y', 'y', 'y', '0a0b', 'n'], { endpointIds: { 'my-data': 0xff55 } });
    const t = await open();
    assert.equal(toHex(await t.request('prov-scan', fromHex('0801'))), '0a0b');
    assert.match(io.text(), /characteristic UUID '0000ff50-0000-1000-8000-00805f9b34fb' listed/);
    await rejectsWith(t.request('my-data', fromHex('01')), 'DEVICE_NOT_FOUND', /0000ff55/);
    await rejectsWith(t.request('other', fromHex('01')), 'UNSUPPORTED', /no BLE characteristic id/);
    await t.close();
  });

  it('size limit is Bluedroid 481; an empty read back is CONNECTION_LOST; EOF is CANCELLED', async () => {
    const { io, open } = ble(['y', 'y', 'y', 'y', 'y', '']);
    const t = await open();
    await rejectsWith(t.request('prov-session', new Uint8Array(482)), 'UNSUPPORTED');
    await rejectsWith(t.request('prov-session', new Uint8Array(406)), 'CONNECTION_LOST', /prov-session/);
    io.input.end();
    await rejectsWith(t.request('prov-session', new Uint8Array(1)), 'CANCELLED');
    await t.close();
  });

  it('y/n answers: case-insensitive, unclear ones asked again', async () => {
    const { io, open } = ble(['maybe', 'YES', 'Y', 'y', 'y', 'y']);
    const t = await open();
    assert.match(io.text(), /Please answer y or n/);
    await t.close();
  });
});
