/**
 * The simulator's environment and building blocks: access-point files (validation messages that say what is
 * wrong), the built-in AP set matching the recordings, the ManualClock, and the mbedtls CTR_DRBG model.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fromHex, toHex } from '../src/bytes.js';
import { loadAccessPoints } from '../src/sim/access-points.js';
import { ManualClock, sleep } from '../src/timers.js';
import { CtrDrbg, ENTROPY_POLL_BYTES } from '../src/sim/ctr-drbg.js';
import { DEFAULT_ACCESS_POINTS } from '../src/sim/default-aps.js';
import { loadVectors } from './helpers/vectors.js';
import { isCode } from './helpers/rejects.js';

void describe('access point files', () => {
  const ap = (extra: Record<string, unknown>): string =>
    JSON.stringify([{ ssid: 'Net', bssid: '02:00:00:00:00:01', channel: 6, rssi: -40, ...extra }]);

  void it('accepts text or hex SSIDs, auth names or numbers (also ≥ 8), and a wrapper object', () => {
    const [a] = loadAccessPoints(ap({ auth: 'wpa2_psk', passphrase: 'pw', ip: '10.0.0.2' }));
    assert.equal(a!.auth, 3);
    assert.equal(toHex(a!.bssid), '020000000001');
    const [b] = loadAccessPoints(ap({ ssid: { hex: '00ff41' }, auth: 13 }));
    assert.equal(toHex(b!.ssid), '00ff41');
    assert.equal(b!.auth, 13);
    assert.equal(loadAccessPoints(JSON.stringify({ accessPoints: JSON.parse(ap({})) as unknown })).length, 1);
  });

  const bad: [string, string, RegExp][] = [
    ['not JSON', '[', /not valid JSON/],
    ['not a list', '{"x": 1}', /must be a JSON array/],
    ['entry not an object', '[1]', /access point #1: must be an object/],
    ['SSID too long', ap({ ssid: 'x'.repeat(33) }), /#1 \(x+\): ssid is 33 bytes; 1 to 32 allowed/],
    ['bad SSID hex', ap({ ssid: { hex: 'zz' } }), /ssid.hex "zz" is not hex/],
    ['short BSSID', ap({ bssid: '02:00:00:00:01' }), /bssid must be 6 bytes/],
    ['channel 0', ap({ channel: 0 }), /channel must be an integer from 1 to 14 \(got 0\)/],
    ['positive RSSI', ap({ rssi: 5 }), /rssi must be an integer dBm/],
    ['unknown auth name', ap({ auth: 'WPA9' }), /auth "WPA9" is not one of OPEN, WEP/],
    ['auth out of range', ap({ auth: 256 }), /auth 256 is not an integer 0..255/],
    ['passphrase too long', ap({ passphrase: 'p'.repeat(64) }), /passphrase is longer than 63 bytes/],
    ['bad ip', ap({ ip: '10.0.0' }), /ip must be a dotted IPv4 address/],
    ['bad disconnect reason', ap({ disconnectReason: 0 }), /disconnectReason/],
  ];
  for (const [name, json, error] of bad) {
    void it(`refuses ${name}`, () => {
      assert.throws(() => loadAccessPoints(json), isCode('USAGE', error));
    });
  }

  void it('the built-in set is the twelve APs of the recorded scans, byte for byte', () => {
    const v = loadVectors().find((x) => x.name === 'sec0_success')!;
    const scan = v.exchanges.find(
      (e) => e.endpoint === 'prov-scan' && (e.request_plain_hex ?? e.request_hex).startsWith('0804'),
    )!;
    const recorded = scan.response_plain_hex ?? scan.response_hex!;
    assert.equal(DEFAULT_ACCESS_POINTS.length, 12);
    const names = [...new Set(DEFAULT_ACCESS_POINTS.map((a) => toHex(a.bssid)))];
    assert.equal(names.length, 12, 'distinct BSSIDs');
    for (const a of DEFAULT_ACCESS_POINTS)
      assert.ok(recorded.includes(toHex(a.ssid)), new TextDecoder().decode(a.ssid));
  });
});

void describe('ManualClock', () => {
  void it('fires timers in due order, including ones scheduled while advancing', () => {
    const clock = new ManualClock(100);
    const log: string[] = [];
    clock.setTimer(() => log.push(`b@${clock.now()}`), 20);
    clock.setTimer(() => {
      log.push(`a@${clock.now()}`);
      clock.setTimer(() => log.push(`c@${clock.now()}`), 5);
    }, 10);
    const cancel = clock.setTimer(() => log.push('never'), 15);
    cancel();
    clock.advance(30);
    assert.deepEqual(log, ['a@110', 'c@115', 'b@120']);
    assert.equal(clock.now(), 130);
    assert.equal(clock.pending, 0);
  });

  void it('refuses a timer that keeps rescheduling itself at one instant instead of hanging', () => {
    const clock = new ManualClock();
    const again = (): void => void clock.setTimer(again, 0);
    again();
    assert.throws(() => clock.advance(1), /rescheduling/);
  });

  void it('sleep resolves on the clock and rejects on abort', async () => {
    const clock = new ManualClock();
    const p = sleep(50, undefined, clock);
    clock.advance(50);
    await p;
    const ac = new AbortController();
    const q = sleep(50, ac.signal, clock);
    ac.abort(new Error('stop'));
    await assert.rejects(q, isCode('CANCELLED'));
    assert.equal(clock.pending, 0, 'an aborted sleep leaves no timer behind');
  });
});

void describe('mbedtls CTR_DRBG model', () => {
  void it('asks the hardware for exactly one 128-byte poll per seeding', () => {
    const asked: number[] = [];
    const drbg = new CtrDrbg((n) => {
      asked.push(n);
      return new Uint8Array(n).fill(7);
    });
    drbg.generate(16);
    drbg.generate(32);
    assert.deepEqual(asked, [ENTROPY_POLL_BYTES]);
  });

  void it('reproduces the firmware: a recorded entropy poll gives the recorded patch-1 session id', () => {
    const v = loadVectors().find((x) => x.name === 'esp-idf-v5.5.1/sec2_success')!;
    const poll = fromHex(v.device.rng_draws.find((d) => d.len === 128)!.hex);
    const drbg = new CtrDrbg(() => poll);
    const resp1 = v.exchanges.filter((e) => e.endpoint === 'prov-session')[1]!.response_hex!;
    assert.ok(resp1.endsWith(toHex(drbg.generate(8)) + '00000001'));
  });
});
