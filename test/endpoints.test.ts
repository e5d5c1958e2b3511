/**
 * Endpoint codecs against the byte images of PROTOCOL.md §3.12, through a fake caller that plays the device
 * (plaintext in, plaintext out). The fake is the device side, not the code under test.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fromHex, toHex, utf8 } from '../src/bytes.js';
import { applyWifiConfig, getWifiStatus, setWifiConfig } from '../src/endpoints/config.js';
import { sendCtrl } from '../src/endpoints/ctrl.js';
import { scanPageSize, scanResults, scanWifi, startScan } from '../src/endpoints/scan.js';
import { getThreadStatus, setThreadDataset } from '../src/endpoints/thread.js';
import { buildThreadDataset, parseThreadDataset } from '../src/endpoints/thread-dataset.js';
import { authModeName } from '../src/endpoints/wifi-auth.js';
import type { EndpointCaller } from '../src/session/session.js';
import { isCode } from './helpers/rejects.js';

class FakeDevice implements EndpointCaller {
  readonly sent: string[] = [];
  constructor(
    readonly answers: string[],
    readonly limits = { maxRequestBytes: 4096, maxResponseBytes: 65536 },
    readonly overheadBytes = 0,
  ) {}
  call(_endpoint: string, plaintext: Uint8Array): Promise<Uint8Array> {
    this.sent.push(toHex(plaintext));
    const a = this.answers.shift();
    if (a === undefined) return Promise.reject(new Error('no more answers'));
    return Promise.resolve(fromHex(a));
  }
}

describe('prov-config (§3.4, §3.12)', () => {
  test('SetConfig images, with and without passphrase', async () => {
    const d = new FakeDevice(['08036a00', '08036a00']);
    await setWifiConfig(d, { ssid: utf8('myssid'), passphrase: utf8('mypassword') });
    await setWifiConfig(d, { ssid: utf8('myssid') });
    assert.deepEqual(d.sent, [
      '080262140a066d79737369641 20a6d7970617373776f7264'.replace(' ', ''),
      '080262080a066d7973736964',
    ]);
  });
  test('SetConfig InvalidArgument is the device saying no', async () => {
    await assert.rejects(setWifiConfig(new FakeDevice(['08036a020804']), { ssid: utf8('x') }), isCode('DEVICE_STATUS'));
  });
  test('client-side limits', async () => {
    const d = new FakeDevice([]);
    await assert.rejects(setWifiConfig(d, { ssid: new Uint8Array(33) }), isCode('USAGE'));
    await assert.rejects(setWifiConfig(d, { ssid: utf8('a'), passphrase: new Uint8Array(64) }), isCode('USAGE'));
    await assert.rejects(setWifiConfig(d, { ssid: utf8('a'), bssid: new Uint8Array(5) }), isCode('USAGE'));
    assert.equal(d.sent.length, 0);
  });
  test('ApplyConfig image and refusal', async () => {
    const d = new FakeDevice(['08057a00', '08057a020805']);
    await applyWifiConfig(d);
    assert.equal(d.sent[0], '0804');
    await assert.rejects(applyWifiConfig(d), isCode('DEVICE_STATUS'));
  });
  test('GetStatus decodes every state', async () => {
    const d = new FakeDevice([
      '08015a021001',
      '08015a06100162020803',
      '08015a0410035000',
      '08015a0410035001',
      '08015a265a240a0e3139322e3136382e34332e32343310031a066d7973736964220678 8a2084199628 06'.replace(/ /g, ''),
      '08015a021002',
    ]);
    assert.deepEqual(await getWifiStatus(d), { state: 'connecting' });
    assert.deepEqual(await getWifiStatus(d), { state: 'connecting', attemptsRemaining: 3 });
    assert.deepEqual(await getWifiStatus(d), { state: 'failed', reason: 'auth', reasonCode: 0 });
    assert.deepEqual(await getWifiStatus(d), { state: 'failed', reason: 'not-found', reasonCode: 1 });
    const c = await getWifiStatus(d);
    assert.equal(c.state, 'connected');
    assert.ok(
      c.state === 'connected' && c.ip === '192.168.43.243' && c.channel === 6 && toHex(c.bssid) === '788a20841996',
    );
    assert.deepEqual(await getWifiStatus(d), { state: 'disconnected' });
    assert.equal(d.sent[0], '5200');
  });
  test('empty, defaulted, wrong-type, unknown-state and garbage answers are errors, never success', async () => {
    for (const [hex, c] of [
      ['', 'DECODE_FAILED'], // decodes to all defaults: msg 0, no payload
      ['08015a00', 'DECODE_FAILED'], // Connected by default, no details (IDF@6590cf9 manager stopped)
      ['08036a00', 'DECODE_FAILED'], // SetConfig answer to GetStatus
      ['08015a021009', 'DECODE_FAILED'], // unknown station state
      ['08015a04080510 01'.replace(' ', ''), 'DEVICE_STATUS'], // status InternalError
      ['ffffffff', 'DECODE_FAILED'],
      ['08015a0a10', 'DECODE_FAILED'], // truncated
    ] as const) {
      await assert.rejects(getWifiStatus(new FakeDevice([hex])), isCode(c), hex);
    }
  });
});

describe('prov-scan (§3.5, §5.1)', () => {
  const entry = '0a250a0c4d79486f6d6557694669415010011 8d3ffffffffffffffff01220678 8a20841996 2803'.replace(/ /g, '');
  test('ScanStart images (BLE and SoftAP)', async () => {
    const d = new FakeDevice(['08015a00', '08015a00']);
    await startScan(d, { groupChannels: 0 });
    await startScan(d, { groupChannels: 5 });
    assert.deepEqual(d.sent, ['520408012078', '5206080118052078']);
  });
  test('results decode rssi as a negative int32 (10-byte varint) and keep raw SSID bytes', async () => {
    const [ap] = await scanResults(new FakeDevice(['08057a27' + entry]), 0, 1);
    assert.equal(ap!.rssi, -45);
    assert.equal(toHex(ap!.ssid), toHex(utf8('MyHomeWiFiAP')));
    assert.equal(ap!.auth, 3);
  });
  test('never asks beyond result_count, pages sized from the transport', async () => {
    const answers = ['08015a00', '08036a0408011005'];
    const page = (n: number) => '08057a' + (n * 0x27).toString(16).padStart(2, '0') + entry.repeat(n);
    answers.push(page(2), page(2), page(1));
    const d = new FakeDevice(answers, { maxRequestBytes: 481, maxResponseBytes: 150 });
    assert.equal(scanPageSize(d), 2);
    const aps = await scanWifi(d);
    assert.equal(aps.length, 5);
    assert.deepEqual(d.sent.slice(2), ['080472021002', '0804720408021002', '0804720408041001']);
  });
  test('page size: NimBLE 512 and Bluedroid 481 with GCM overhead, HTTP effectively unlimited', () => {
    assert.equal(scanPageSize({ limits: { maxRequestBytes: 512, maxResponseBytes: 512 }, overheadBytes: 16 }), 8);
    assert.equal(scanPageSize({ limits: { maxRequestBytes: 481, maxResponseBytes: 481 }, overheadBytes: 16 }), 7);
    assert.equal(scanPageSize({ limits: { maxRequestBytes: 257, maxResponseBytes: 257 }, overheadBytes: 0 }), 4);
    assert.equal(scanPageSize({ limits: { maxRequestBytes: 4096, maxResponseBytes: 65536 }, overheadBytes: 16 }), 255);
  });
  test('fewer entries than asked, or a non-Success envelope, are errors', async () => {
    await assert.rejects(scanResults(new FakeDevice(['08057a27' + entry]), 0, 2), isCode('DECODE_FAILED'));
    await assert.rejects(startScan(new FakeDevice(['080110055a00'])), isCode('DEVICE_STATUS'));
  });
});

describe('prov-ctrl (§3.6, §5.5)', () => {
  test('reset/reprov images and refusal', async () => {
    const d = new FakeDevice(['08026200', '08047200', '080210056200']);
    await sendCtrl(d, 'wifi-reset');
    await sendCtrl(d, 'wifi-reprov');
    await assert.rejects(sendCtrl(d, 'wifi-reset'), isCode('DEVICE_STATUS'));
    assert.deepEqual(d.sent, ['0801', '0803', '0801']);
  });
  test('Thread variants use the netprov numbers', async () => {
    const d = new FakeDevice(['08066200'.replace('6200', '8201 00'.replace(' ', ''))]);
    await sendCtrl(d, 'thread-reset');
    assert.deepEqual(d.sent, ['0805']);
  });
});

describe('Thread (§5.9)', () => {
  test('dataset builder pads every value (esp_prov does not, §9 item 41)', () => {
    const ds = buildThreadDataset({
      channel: 11,
      panId: 0x42,
      extPanId: fromHex('4242424242424242'),
      networkKey: fromHex('00112233445566778899aabbccddeeff'),
    });
    assert.equal(toHex(ds), '000300000b020842424242424242420510' + '00112233445566778899aabbccddeeff' + '01020042');
    assert.deepEqual(
      parseThreadDataset(ds).map((t) => [t.type, t.value.length]),
      [
        [0, 3],
        [2, 8],
        [5, 16],
        [1, 2],
      ],
    );
    assert.throws(
      () => buildThreadDataset({ channel: 11, panId: 1, extPanId: new Uint8Array(7), networkKey: new Uint8Array(16) }),
      isCode('USAGE'),
    );
    assert.throws(() => parseThreadDataset(fromHex('0003000014020811')), isCode('USAGE'));
  });
  test('SetThreadConfig image and status decoding', async () => {
    const d = new FakeDevice([
      '08099a0100',
      '08078a01225a2008b424120 8dead00beef00cafe180f220f4f70656e5468726561642d31323334'.replace(' ', ''),
    ]);
    await setThreadDataset(d, fromHex('000300000f'));
    assert.equal(d.sent[0], '080892010 70a05000300000f'.replace(' ', ''));
    const s = await getThreadStatus(d);
    assert.ok(s.state === 'attached' && s.panId === 0x1234 && s.name === 'OpenThread-1234' && s.channel === 15);
  });
});

test('auth mode names cover values above 7 and unknown ones', () => {
  assert.equal(authModeName(3), 'WPA2_PSK');
  assert.equal(authModeName(11), 'WPA3_EXT_PSK');
  assert.equal(authModeName(42), 'unknown (42)');
});
