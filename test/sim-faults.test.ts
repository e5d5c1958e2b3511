/**
 * Fault injection, over the whole matrix of (kind, phase) pairs that mean something: the same scripted
 * session runs against a device with the fault and an identical device without it (same hardware randomness,
 * same client randomness), and the exchange at the faulty phase must differ in exactly the advertised way.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toHex, utf8 } from '../src/bytes.js';
import { netprov, SessionData } from '../src/gen/proto.js';
import { Sec2Client } from '../src/security/sec2.js';
import type { SimRequestEvent } from '../src/sim/device.js';
import {
  FAULT_KINDS,
  FAULT_MATRIX,
  FAULT_PHASES,
  faultApplies,
  parseFaultSpec,
  type FaultPhase,
  type FaultSpec,
} from '../src/sim/faults.js';
import { EXAMPLE_WIFI_SEC2 } from '../src/sim/options.js';
import { DeviceFailure } from '../src/protocol/device.js';
import { counterRandom, makeDevice } from './sim-harness.js';
import { settle, turns } from './helpers/settle.js';

const SESSION = 1;
const DELAY = 700;

interface Outcome {
  raw?: Uint8Array;
  error?: unknown;
  event: SimRequestEvent;
  client: Sec2Client;
  /** Whether the answer was still pending before device time moved on. */
  waitedForClock: boolean;
}

/** Runs proto-ver, the Sec2 handshake, custom-data, scan, set, apply, status, ctrl in order up to `target`. */
async function runUntil(target: FaultPhase, faults: FaultSpec[]): Promise<Outcome> {
  const { device, clock } = makeDevice({
    security: { version: 2, salt: EXAMPLE_WIFI_SEC2.salt, verifier: EXAMPLE_WIFI_SEC2.verifier },
    random: counterRandom(5),
    faults,
  });
  const client = new Sec2Client({ username: utf8('wifiprov'), password: utf8('abcd1234'), random: counterRandom(6) });
  const events: SimRequestEvent[] = [];
  device.on('request', (e) => events.push(e));
  device.openSession(SESSION);
  let cmd1: Uint8Array | null = null;
  const steps: [FaultPhase, string, () => Uint8Array][] = [
    ['version', 'proto-ver', () => utf8('---')],
    ['handshake0', 'prov-session', () => client.start()],
    ['handshake1', 'prov-session', () => cmd1!],
    ['custom-data', 'custom-data', () => client.encrypt(utf8('hi'))],
    [
      'scan',
      'prov-scan',
      () => client.encrypt(netprov.NetworkScanPayload.encode({ msg: 0, cmdScanWifiStart: {} }).finish()),
    ],
    [
      'set',
      'prov-config',
      () =>
        client.encrypt(
          netprov.NetworkConfigPayload.encode({
            msg: 2,
            cmdSetWifiConfig: { ssid: utf8('HomeNetwork'), passphrase: utf8('correct-horse-battery') },
          }).finish(),
        ),
    ],
    ['apply', 'prov-config', () => client.encrypt(netprov.NetworkConfigPayload.encode({ msg: 4 }).finish())],
    [
      'status',
      'prov-config',
      () => client.encrypt(netprov.NetworkConfigPayload.encode({ msg: 0, cmdGetWifiStatus: {} }).finish()),
    ],
    ['ctrl', 'prov-ctrl', () => client.encrypt(netprov.NetworkCtrlPayload.encode({ msg: 1 }).finish())],
  ];
  for (const [phase, endpoint, request] of steps) {
    const pending = device.handle(endpoint, SESSION, request());
    if (phase === target) {
      let done = false;
      void pending.then(
        () => (done = true),
        () => (done = true),
      );
      // Nothing to wait for: the point is whether the answer comes without device time moving.
      await turns(5);
      const waitedForClock = !done;
      clock.advance(DELAY);
      try {
        const raw = await settle(clock, pending);
        return { raw, event: events[events.length - 1]!, client, waitedForClock };
      } catch (error) {
        return { error, event: events[events.length - 1]!, client, waitedForClock };
      }
    }
    const raw = await settle(clock, pending);
    if (phase === 'handshake0') cmd1 = client.next(raw);
    else if (phase === 'handshake1') assert.equal(client.next(raw), null);
    else if (endpoint !== 'proto-ver') client.decrypt(raw);
  }
  throw new Error(`phase ${target} not in the script`);
}

function bitsDiffering(a: Uint8Array, b: Uint8Array): number {
  assert.equal(a.length, b.length);
  let n = 0;
  for (let i = 0; i < a.length; i++) for (let x = a[i]! ^ b[i]!; x; x &= x - 1) n++;
  return n;
}

/** The enum value the unknown-enum fault planted, read from the plaintext response. */
function plantedEnum(phase: FaultPhase, plain: Uint8Array): number | null | undefined {
  switch (phase) {
    case 'handshake0':
      return SessionData.decode(plain).sec2?.sr0?.status;
    case 'handshake1':
      return SessionData.decode(plain).sec2?.sr1?.status;
    case 'scan':
      return netprov.NetworkScanPayload.decode(plain).status;
    case 'set':
      return netprov.NetworkConfigPayload.decode(plain).respSetWifiConfig?.status;
    case 'apply':
      return netprov.NetworkConfigPayload.decode(plain).respApplyWifiConfig?.status;
    case 'status':
      return netprov.NetworkConfigPayload.decode(plain).respGetWifiStatus?.wifiStaState;
    case 'ctrl':
      return netprov.NetworkCtrlPayload.decode(plain).status;
    default:
      return undefined;
  }
}

void describe('fault matrix', () => {
  const baselines = new Map<FaultPhase, Promise<Outcome>>();
  const baseline = (phase: FaultPhase): Promise<Outcome> => {
    if (!baselines.has(phase)) baselines.set(phase, runUntil(phase, []));
    return baselines.get(phase)!;
  };

  void it('covers every kind and every phase', () => {
    assert.deepEqual(new Set(FAULT_MATRIX.map((f) => f.kind)), new Set(FAULT_KINDS));
    assert.deepEqual(new Set(FAULT_MATRIX.map((f) => f.phase)), new Set(FAULT_PHASES));
  });

  for (const { kind, phase } of FAULT_MATRIX) {
    void it(`${kind} @ ${phase}`, async () => {
      const base = await baseline(phase);
      assert.ok(base.raw, `baseline ${phase} must succeed`);
      assert.equal(base.waitedForClock, false);
      const got = await runUntil(phase, [{ kind, phase, delayMs: DELAY }]);
      assert.equal(got.event.phase, phase);
      assert.deepEqual(got.event.faults, [kind]);
      switch (kind) {
        case 'delay':
          assert.equal(got.waitedForClock, true, 'the answer waited for device time');
          assert.equal(toHex(got.raw!), toHex(base.raw));
          break;
        case 'close':
          assert.ok(got.error instanceof DeviceFailure);
          break;
        case 'corrupt':
          assert.equal(bitsDiffering(got.raw!, base.raw), 1);
          if (phase !== 'version' && !phase.startsWith('handshake')) {
            assert.throws(() => got.client.decrypt(got.raw!), /authenticate/);
          }
          break;
        case 'wrong-proof':
          assert.throws(() => got.client.next(got.raw!), /proof did not verify/);
          break;
        case 'garbage-version':
          assert.throws(() => JSON.parse(new TextDecoder().decode(got.raw)) as unknown);
          break;
        case 'truncate': {
          const full = base.event.responsePlain!;
          const cut = got.event.responsePlain!;
          assert.ok(cut.length < full.length);
          assert.equal(toHex(full.subarray(0, cut.length)), toHex(cut));
          if (phase !== 'version' && !phase.startsWith('handshake')) {
            assert.equal(toHex(got.client.decrypt(got.raw!)), toHex(cut), 'still encrypted correctly');
          }
          break;
        }
        case 'unknown-enum':
          if (phase === 'custom-data' || phase === 'version') assert.fail('not applicable');
          assert.ok(
            [9, 99].includes(Number(plantedEnum(phase, got.event.responsePlain!))),
            `planted value in ${phase}`,
          );
          break;
      }
    });
  }
});

void describe('fault specs', () => {
  void it('parses kind:phase[:once|always][:ms] and explains mistakes', () => {
    assert.deepEqual(parseFaultSpec('close:handshake1'), { kind: 'close', phase: 'handshake1' });
    assert.deepEqual(parseFaultSpec('delay:scan:always:2500'), {
      kind: 'delay',
      phase: 'scan',
      repeat: 'always',
      delayMs: 2500,
    });
    assert.throws(() => parseFaultSpec('close'), /kind:phase/);
    assert.throws(() => parseFaultSpec('explode:scan'), /unknown fault kind "explode"/);
    assert.throws(() => parseFaultSpec('close:nowhere'), /unknown fault phase "nowhere"/);
    assert.throws(() => parseFaultSpec('close:scan:sometimes'), /"sometimes"/);
    assert.throws(() => parseFaultSpec('garbage-version:status'), /only: version/);
  });

  void it('knows where each kind applies', () => {
    assert.equal(faultApplies('wrong-proof', 'handshake0'), false);
    assert.equal(faultApplies('unknown-enum', 'custom-data'), false);
    assert.equal(faultApplies('close', 'custom-data'), true);
  });

  void it('fires once by default and on every match with repeat always', async () => {
    for (const [repeat, expected] of [
      ['once', ['fail', 'ok', 'ok']],
      ['always', ['fail', 'fail', 'fail']],
    ] as const) {
      const { device } = makeDevice({ faults: [{ kind: 'close', phase: 'version', repeat }] });
      const seen: string[] = [];
      for (let i = 0; i < 3; i++) {
        seen.push(
          await device.handle('proto-ver', 0, utf8('x')).then(
            () => 'ok',
            () => 'fail',
          ),
        );
      }
      assert.deepEqual(seen, expected);
    }
  });

  void it('unknown-enum on a scan result sets auth 42 in every entry', async () => {
    const { device, clock } = makeDevice({ faults: [{ kind: 'unknown-enum', phase: 'scan', repeat: 'always' }] });
    device.openSession(1);
    const scan = (m: netprov.NetworkScanPayload.$Properties): Promise<netprov.NetworkScanPayload> =>
      settle(clock, device.handle('prov-scan', 1, netprov.NetworkScanPayload.encode(m).finish())).then((b) =>
        netprov.NetworkScanPayload.decode(b),
      );
    await scan({ msg: 0, cmdScanWifiStart: { blocking: true } });
    const r = await scan({ msg: 4, cmdScanWifiResult: { startIndex: 0, count: 3 } });
    assert.deepEqual(
      r.respScanWifiResult!.entries!.map((e) => e.auth),
      [42, 42, 42],
    );
  });
});
