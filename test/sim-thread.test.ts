/**
 * The simulated network_provisioning Thread build (PROTOCOL.md §5.9): dataset TLV validation as OpenThread
 * does it, attach / not-found / invalid-dataset outcomes, discovery scans in arrival order, and the
 * InvalidArgument answers for the network type a build was not made for.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fromHex, toHex } from '../src/bytes.js';
import { netprov } from '../src/gen/proto.js';
import { parseDataset } from '../src/sim/thread-dataset.js';
import { loadThreadNetworks } from '../src/sim/thread-networks.js';
import { makeDevice, TestClient } from './sim-harness.js';

/** ESP-Thread-Lab as esp_prov builds it: Channel 20, Ext PAN ID, Network Key, PAN ID 0xabcd (the recording). */
const LAB = '0003000014020811111111222222220510fedcba9876543210fedcba98765432100102abcd';

async function threadClient(o: Parameters<typeof makeDevice>[0] = {}): Promise<TestClient> {
  const { device, clock } = makeDevice({ flavour: 'netprov-thread', ...o });
  return TestClient.connect(device, clock);
}

async function setDataset(c: TestClient, hex: string | Uint8Array): Promise<number> {
  const dataset = typeof hex === 'string' ? fromHex(hex) : hex;
  return (await c.config({ msg: 8, cmdSetThreadConfig: { dataset } })).respSetThreadConfig!.status ?? 0;
}

async function applyDataset(c: TestClient): Promise<number> {
  return (await c.config({ msg: 10 })).respApplyThreadConfig!.status ?? 0;
}

async function threadState(c: TestClient): Promise<netprov.RespGetThreadStatus> {
  return (await c.config({ msg: 6, cmdGetThreadStatus: {} })).respGetThreadStatus as netprov.RespGetThreadStatus;
}

void describe('Thread dataset validation (OpenThread rules)', () => {
  const table: [string, string, RegExp | null][] = [
    ['the recorded esp_prov dataset', LAB, null],
    ['empty dataset (nothing to refuse)', '', null],
    [
      'truncated PAN ID value (the recorded invalid dataset)',
      LAB.slice(0, -6) + '010242',
      /TLV 1 has 1 value bytes, needs 2|runs past/,
    ],
    ['PAN ID TLV cut after its length byte', '0102ab', /runs past/],
    ['lone type byte', '00', /header .* truncated/],
    ['Channel TLV of 2 bytes', '00020014', /TLV 0 has 2 value bytes, needs 3/],
    ['Channel on page 2', '0003020014', /page 2/],
    ['Channel 27', '000300001b', /channel 27/],
    ['Ext PAN ID of 7 bytes', '020711111111222222', /needs 8/],
    ['Network Key of 15 bytes', '050f' + '11'.repeat(15), /needs 16/],
    ['Network Name of 17 bytes', '0311' + '41'.repeat(17), /1 to 16/],
    ['empty Network Name', '0300', /1 to 16/],
    ['duplicate PAN ID', '0102abcd0102abcd', /appears twice/],
    ['unknown TLV types pass through', '7f03010203' + LAB, null],
    ['longer values than needed are accepted', '01031234ff', null],
    ['Channel Mask with a runaway entry', '350400041234', /Channel Mask/],
    ['Active Timestamp of 8 bytes', '0e080000000000010000', null],
  ];
  for (const [name, hex, error] of table) {
    void it(name, () => {
      const r = parseDataset(fromHex(hex));
      if (error === null) assert.ok(r.ok, r.ok ? '' : r.error);
      else {
        assert.equal(r.ok, false);
        assert.match(r.ok ? '' : r.error, error);
      }
    });
  }

  void it('reads the values the attach needs', () => {
    const r = parseDataset(fromHex(LAB + '030e4553502d5468726561642d4c6162'));
    assert.ok(r.ok);
    assert.equal(r.dataset.channel, 20);
    assert.equal(r.dataset.panId, 0xabcd);
    assert.equal(toHex(r.dataset.extPanId!), '1111111122222222');
    assert.equal(toHex(r.dataset.networkKey!), 'fedcba9876543210fedcba9876543210');
    assert.equal(r.dataset.networkName, 'ESP-Thread-Lab');
  });

  void it('refuses datasets over 254 bytes', () => {
    assert.equal(parseDataset(new Uint8Array(255)).ok, false);
  });
});

void describe('Thread provisioning', () => {
  void it('attaches with the right dataset: Attaching, then Attached with the dataset values', async () => {
    const c = await threadClient();
    assert.equal((await threadState(c)).threadState, 1, 'initial state is Attaching');
    assert.equal(await setDataset(c, LAB), 0);
    assert.equal(await applyDataset(c), 0);
    assert.equal((await threadState(c)).threadState, 1);
    c.clock.advance(30);
    const s = await threadState(c);
    assert.equal(s.threadState, 0);
    assert.equal(s.threadAttached!.panId, 0xabcd);
    assert.equal(toHex(s.threadAttached!.extPanId!), '1111111122222222');
    assert.equal(s.threadAttached!.channel, 20);
    assert.equal(s.threadAttached!.name, '', 'no Network Name TLV in the dataset');
    c.clock.advance(1000);
    assert.equal(c.device.isStopped, true, 'provisioning stops after Attached was reported');
  });

  void it('a wrong network key runs into the attach timeout: AttachingFailed(ThreadNetworkNotFound)', async () => {
    const c = await threadClient({ attachTimeoutMs: 200 });
    await setDataset(c, LAB.replace('fedcba98', '00000000'));
    assert.equal(await applyDataset(c), 0);
    c.clock.advance(199);
    assert.equal((await threadState(c)).threadState, 1);
    c.clock.advance(1);
    const s = await threadState(c);
    assert.equal(s.threadState, 3);
    assert.equal(s.threadFailReason, 1);
  });

  void it('an invalid dataset: apply InternalError and AttachingFailed(DatasetInvalid); a fixed one can follow', async () => {
    const c = await threadClient();
    await setDataset(c, LAB.slice(0, -6) + '010242');
    assert.equal(await applyDataset(c), 5);
    const s = await threadState(c);
    assert.equal(s.threadState, 3);
    assert.equal(s.threadFailReason, 0);
    await setDataset(c, LAB);
    assert.equal(await applyDataset(c), 0);
  });

  void it('SetThreadConfig refuses more than 254 bytes; apply needs a dataset and works once per cycle', async () => {
    const c = await threadClient();
    assert.equal(await setDataset(c, new Uint8Array(255)), 4);
    assert.equal(await applyDataset(c), 5);
    await setDataset(c, LAB);
    assert.equal(await applyDataset(c), 0);
    assert.equal(await applyDataset(c), 5);
  });

  void it('Thread reset after a failure, Thread reprov only without auto-stop', async () => {
    const c = await threadClient({ attachTimeoutMs: 50, autoResetOnFailure: false });
    await setDataset(c, LAB.replace('fedcba98', '00000000'));
    await applyDataset(c);
    c.clock.advance(60);
    assert.equal((await c.ctrl({ msg: 5 })).status ?? 0, 0);
    assert.equal((await c.ctrl({ msg: 7 })).status, 5, 'auto-stop is on');
  });

  void it('discovers networks in arrival order (not sorted), limited by the channel mask', async () => {
    const c = await threadClient();
    const start = await c.scan({ msg: 6, cmdScanThreadStart: { blocking: true, channelMask: 0 } });
    assert.equal(start.msg, 7);
    const st = (await c.scan({ msg: 8 })).respScanThreadStatus!;
    assert.equal(st.scanFinished, true);
    assert.equal(st.resultCount, 4);
    const r = await c.scan({ msg: 10, cmdScanThreadResult: { startIndex: 0, count: 4 } });
    assert.deepEqual(
      r.respScanThreadResult!.entries!.map((e) => e.networkName),
      ['OpenThread-Home', 'ESP-Thread-Lab', 'LowPan-0x42', 'Neighbor-Mesh'],
    );
    assert.equal(
      toHex(netprov.NetworkScanPayload.encode(r).finish()).slice(0, 40),
      '080baa01e0010a3808b424100f18c6ffffffffff',
      'same bytes as the recorded scan',
    );
    await c.scan({ msg: 6, cmdScanThreadStart: { blocking: true, channelMask: 1 << 20 } });
    const one = await c.scan({ msg: 10, cmdScanThreadResult: { startIndex: 0, count: 1 } });
    assert.equal(one.respScanThreadResult!.entries![0]!.networkName, 'ESP-Thread-Lab');
    await assert.rejects(c.scan({ msg: 10, cmdScanThreadResult: { startIndex: 0, count: 17 } }), /outside/);
  });

  void it('a Thread build answers Wi-Fi commands with InvalidArgument, and vice versa', async () => {
    const t = await threadClient();
    assert.equal(await t.setWifi('HomeNetwork', 'x'), 4);
    assert.equal((await t.status()).status, 4);
    assert.equal((await t.scan({ msg: 0, cmdScanWifiStart: {} })).status, 4);
    assert.equal((await t.ctrl({ msg: 1 })).status, 4);
    const { device, clock } = makeDevice({ flavour: 'netprov-wifi' });
    const w = await TestClient.connect(device, clock);
    assert.equal(await setDataset(w, LAB), 4);
    assert.equal((await threadState(w)).status, 4);
    assert.equal((await w.scan({ msg: 6, cmdScanThreadStart: {} })).status, 4);
    assert.equal((await w.ctrl({ msg: 5 })).status, 4);
  });

  void it('wifi_provisioning knows no Thread messages at all (handler failure)', async () => {
    const { device, clock } = makeDevice({ flavour: 'wifi_prov' });
    const c = await TestClient.connect(device, clock);
    await assert.rejects(setDataset(c, LAB), /unknown message type 8/);
    await assert.rejects(c.scan({ msg: 6, cmdScanThreadStart: {} }), /unknown message type 6/);
    await assert.rejects(c.ctrl({ msg: 5 }), /unknown message type 5/);
  });

  void it('loads Thread networks from JSON and says what is wrong', () => {
    const good = loadThreadNetworks(
      JSON.stringify([
        {
          panId: 1,
          extPanId: '0102030405060708',
          channel: 11,
          name: 'n',
          networkKey: '00'.repeat(16),
          rssi: -1,
          lqi: 1,
          extAddr: 'aa'.repeat(8),
        },
      ]),
    );
    assert.equal(good[0]!.panId, 1);
    assert.throws(
      () => loadThreadNetworks('[{"panId": 1, "name": "x"}]'),
      /Thread network #1: extPanId must be 8 bytes/,
    );
    assert.throws(() => loadThreadNetworks('{'), /not valid JSON/);
  });
});
