/**
 * Transcripts written before decoded text took the .proto spelling (camelCase names, enum numbers: the
 * fixtures in test/fixtures, in that older esp-prov-transcript-v1 spelling) still replay: a redacted request
 * is compared by structure, not by spelling. A request that really differs still diverges.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { fromHex, utf8 } from '../src/bytes.js';
import { canonicalDecoded, sameDecoded } from '../src/diagnose/decoded-structure.js';
import { readTranscript } from '../src/diagnose/transcript-io.js';
import { provision, type ProvisionOptions } from '../src/provision/flow.js';
import { ReplayDevice, type ReplayDivergence } from '../src/sim/replay.js';
import { MemoryTransport } from '../src/transport/memory.js';
import { QUICK_CLIENT } from './helpers/e2e.js';

const fixture = (name: string) =>
  readTranscript(readFileSync(new URL(`./fixtures/transcript-v1-camelcase-${name}.json`, import.meta.url), 'utf8'));

/** The Thread fixture's dataset: channel 20, PAN 0xabcd, ESP-Thread-Lab; the network key (TLV 5) redacted. */
const DATASET = '0003000014' + '02081111111122222222' + '0510fedcba9876543210fedcba9876543210' + '0102abcd';
const NAME_TLV = '030e4553502d5468726561642d4c6162';

async function replay(name: string, o: Partial<ProvisionOptions>) {
  const device = new ReplayDevice(fixture(name), { security: { version: 0 } });
  const divergences: ReplayDivergence[] = [];
  device.on('divergence', (d) => divergences.push(d));
  const transport = new MemoryTransport(device);
  try {
    const ok = await provision({ ...QUICK_CLIENT, transport, security: { version: 0 }, ...o }).then(
      () => true,
      () => false,
    );
    return { ok, divergences, progress: device.progress };
  } finally {
    await transport.close();
  }
}

const wifi = (ssid: string, passphrase: string) => ({ wifi: { ssid: utf8(ssid), passphrase: utf8(passphrase) } });

describe('a transcript in the older camelCase spelling', () => {
  test('Wi-Fi: the same run replays without divergence', async () => {
    const r = await replay('wifi', wifi('HomeNetwork', 'any-passphrase'));
    assert.deepEqual(r.divergences, []);
    assert.ok(r.ok);
    assert.equal(r.progress.replayed, r.progress.total);
  });

  test('Wi-Fi: another SSID, or an open network where a passphrase was sent, still diverges', async () => {
    const other = await replay('wifi', wifi('OtherNetwork', 'any-passphrase'));
    assert.equal(other.ok, false);
    assert.equal(other.divergences.length, 1);
    assert.equal(other.divergences[0]!.index, 0);
    assert.match(other.divergences[0]!.message, /OtherNetwork/);

    const open = await replay('wifi', wifi('HomeNetwork', ''));
    assert.equal(open.ok, false);
    assert.equal(open.divergences.length, 1);
    assert.equal(open.divergences[0]!.endpoint, 'prov-config');
  });

  test('Thread: the same dataset replays (its network key is not compared); another PAN diverges', async () => {
    const same = await replay('thread', { thread: { dataset: fromHex(DATASET + NAME_TLV) } });
    assert.deepEqual(same.divergences, []);
    assert.ok(same.ok);

    const otherKey = DATASET.replace('fedcba98', '01234567');
    const key = await replay('thread', { thread: { dataset: fromHex(otherKey + NAME_TLV) } });
    assert.deepEqual(key.divergences, [], 'the key is redacted on both sides');

    const otherPan = DATASET.replace('0102abcd', '01021234');
    const pan = await replay('thread', { thread: { dataset: fromHex(otherPan + NAME_TLV) } });
    assert.equal(pan.ok, false);
    assert.equal(pan.divergences.length, 1);
    assert.match(pan.divergences[0]!.message, /1:1234/);
  });
});

describe('decoded text by structure', () => {
  test('the old and the .proto spelling of one message are the same; field order does not matter', () => {
    const old = 'msg: 1 respGetStatus { connected { ip4Addr: "192.168.1.100" authMode: 3 channel: 6 } }';
    const now =
      'msg: TypeRespGetStatus resp_get_status { connected { ip4_addr: "192.168.1.100" auth_mode: WPA2_PSK channel: 6 } }';
    assert.equal(canonicalDecoded('prov-config', old, 'wifi_prov'), canonicalDecoded('prov-config', now, 'wifi_prov'));
    assert.ok(
      sameDecoded(
        'prov-config',
        'msg: 2 cmdSetConfig { passphrase: <redacted> ssid: "a" }',
        'msg: TypeCmdSetConfig cmd_set_config { ssid: "a" passphrase: <redacted> }',
        'wifi_prov',
      ),
    );
  });

  test('values, presence, nesting and the order of repeated fields count', () => {
    const same = (a: string, b: string) => sameDecoded('prov-config', a, b, 'wifi_prov');
    const base = 'msg: TypeCmdSetConfig cmd_set_config { ssid: "a" passphrase: <redacted> }';
    assert.ok(!same(base, 'msg: TypeCmdSetConfig cmd_set_config { ssid: "b" passphrase: <redacted> }'));
    assert.ok(!same(base, 'msg: TypeCmdSetConfig cmd_set_config { ssid: "a" }'));
    assert.ok(!same(base, 'msg: 4 cmd_set_config { ssid: "a" passphrase: <redacted> }'));
    assert.ok(!same(base, 'msg: TypeCmdSetConfig ssid: "a" passphrase: <redacted>'));
    assert.ok(!same('e { a: 1 } e { a: 2 }', 'e { a: 2 } e { a: 1 }'));
    // Text that is not protobuf text format (a custom endpoint's raw bytes) compares as text.
    assert.ok(same('raw 0102', 'raw 0102') && !same('raw 0102', 'raw 0103'));
  });
});
