/**
 * The simulated Wi-Fi manager (PROTOCOL.md §5.1–§5.6, §3.11): SetConfig validation, apply once per cycle,
 * connection attempts and failure reasons, reset/reprov rules per firmware, service stop after success, and
 * the scan (blocking, grouped progress, ordering, paging bounds). Device time runs on a ManualClock.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toHex, utf8 } from '../src/bytes.js';
import { loadAccessPoints } from '../src/sim/access-points.js';
import { DEFAULT_ACCESS_POINTS } from '../src/sim/default-aps.js';
import { DeviceFailure } from '../src/protocol/device.js';
import { makeDevice, TestClient } from './sim-harness.js';
import { settle } from './helpers/settle.js';

type Opts = Parameters<typeof makeDevice>[0];

async function client(o: Opts = {}): Promise<TestClient> {
  const { device, clock } = makeDevice(o);
  return TestClient.connect(device, clock);
}

/** Polls GetStatus `steps` times, `everyMs` apart (until Connected); returns the distinct states seen. */
async function trail(c: TestClient, steps: number, everyMs = 10): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < steps; i++) {
    c.clock.advance(everyMs);
    const s = await c.status();
    const detail =
      s.state === 'attemptFailed'
        ? `+${s.attemptFailed!.attemptsRemaining}`
        : s.state === 'wifiFailReason'
          ? `:${s.wifiFailReason}`
          : s.state === 'wifiConnected'
            ? `@${s.wifiConnected!.ip4Addr}`
            : '';
    const entry = `${s.wifiStaState}${detail}`;
    if (out[out.length - 1] !== entry) out.push(entry);
    if (s.state === 'wifiConnected') break; // reporting Connected starts the service's cleanup
  }
  return out;
}

void describe('Wi-Fi configuration and connection', () => {
  void it('connects with the right passphrase and reports ip, auth, ssid, bssid, channel of the AP', async () => {
    const c = await client();
    assert.equal(await c.setWifi('HomeNetwork', 'correct-horse-battery'), 0);
    assert.equal(await c.apply(), 0);
    assert.deepEqual(await trail(c, 6), ['1', '0@192.168.1.100']);
    const s = await c.status();
    assert.equal(s.wifiConnected!.authMode, 3);
    assert.equal(new TextDecoder().decode(s.wifiConnected!.ssid), 'HomeNetwork');
    assert.equal(toHex(s.wifiConnected!.bssid!), '021122334410');
    assert.equal(s.wifiConnected!.channel, 6);
  });

  void it('reports the configured DHCP address when one is set', async () => {
    const c = await client({ dhcpIp: '10.1.2.3' });
    await c.setWifi('CoffeeShop_Free', '');
    await c.apply();
    assert.deepEqual(await trail(c, 6), ['1', '0@10.1.2.3']);
  });

  void it('wrong passphrase: Connecting + attempt_failed{remaining} per retry, then ConnectionFailed(AuthError)', async () => {
    const c = await client({ connAttempts: 3 });
    await c.setWifi('HomeNetwork', 'not-the-password');
    await c.apply();
    assert.deepEqual(await trail(c, 8), ['1', '1+2', '1+1', '3:0']);
  });

  void it('unknown SSID ends in ConnectionFailed(NetworkNotFound); enterprise APs take no PSK (AuthError)', async () => {
    const a = await client({ connAttempts: 1 });
    await a.setWifi('NoSuchNetwork', 'whatever123');
    await a.apply();
    assert.deepEqual(await trail(a, 4), ['1', '3:1']);
    const b = await client({ connAttempts: 1 });
    await b.setWifi('Corp-EAP', 'password1');
    await b.apply();
    assert.deepEqual(await trail(b, 4), ['1', '3:0']);
  });

  void it('connAttempts 0 (legacy): auth failures are final at once, "other" reasons retry forever', async () => {
    const auth = await client({ connAttempts: 0 });
    await auth.setWifi('HomeNetwork', 'bad-passphrase');
    await auth.apply();
    assert.deepEqual(await trail(auth, 4), ['1', '3:0']);
    const aps = loadAccessPoints(
      JSON.stringify([{ ssid: 'Flaky', bssid: '020000000001', channel: 1, rssi: -50, disconnectReason: 205 }]),
    );
    const flaky = await client({ connAttempts: 0, accessPoints: aps, attemptFailMs: 0 });
    await flaky.setWifi('Flaky', '');
    await flaky.apply();
    assert.deepEqual(await trail(flaky, 50), ['1']);
  });

  void it('an "other" final failure keeps the previously stored reason (initially AuthError)', async () => {
    const aps = loadAccessPoints(
      JSON.stringify([{ ssid: 'Flaky', bssid: '020000000001', channel: 1, rssi: -50, disconnectReason: 205 }]),
    );
    const c = await client({ connAttempts: 2, accessPoints: aps });
    await c.setWifi('Flaky', '');
    await c.apply();
    assert.deepEqual(await trail(c, 6), ['1', '1+1', '3:0']);
  });

  void it('SetConfig validates lengths with InvalidArgument and the connection stays usable', async () => {
    const c = await client();
    const set = async (ssid: Uint8Array, passphrase: Uint8Array, bssid?: Uint8Array): Promise<number> =>
      (await c.config({ msg: 2, cmdSetWifiConfig: { ssid, passphrase, ...(bssid ? { bssid } : {}) } }))
        .respSetWifiConfig!.status ?? 0;
    assert.equal(await set(new Uint8Array(33).fill(65), utf8('x')), 4);
    assert.equal(await set(utf8('ok'), new Uint8Array(64).fill(65)), 4);
    assert.equal(await set(utf8('ok'), utf8('x'), new Uint8Array(5)), 4);
    assert.equal(await set(new Uint8Array(32).fill(65), new Uint8Array(63).fill(65), new Uint8Array(6)), 0);
    assert.equal((await c.status()).wifiStaState, 1);
  });

  void it('ApplyConfig needs a config and works once per cycle', async () => {
    const c = await client();
    assert.equal(await c.apply(), 5, 'no config yet');
    await c.setWifi('HomeNetwork', 'correct-horse-battery');
    assert.equal(await c.apply(), 0);
    assert.equal(await c.apply(), 5, 'already applied');
  });

  void it('the passphrase is a C string: bytes after a NUL are not used', async () => {
    const c = await client();
    await c.config({
      msg: 2,
      cmdSetWifiConfig: { ssid: utf8('IoT-Devices'), passphrase: utf8('iot-devices-pw\u0000junk') },
    });
    await c.apply();
    assert.deepEqual(await trail(c, 6), ['1', '0@192.168.1.111']);
  });
});

void describe('reset, reprov and the attempt counter', () => {
  const fail = async (c: TestClient): Promise<void> => {
    await c.setWifi('HomeNetwork', 'wrong-passphrase');
    assert.equal(await c.apply(), 0);
    await trail(c, 10);
    assert.equal((await c.status()).wifiStaState, 3);
  };

  void it('IDF: ctrl reset works only in the failed state; the example auto-reset leaves "started"', async () => {
    const manual = await client({ flavour: 'wifi_prov', autoResetOnFailure: false, connAttempts: 1 });
    assert.equal((await manual.ctrl({ msg: 1 })).status, 5, 'not failed yet');
    await fail(manual);
    assert.equal((await manual.ctrl({ msg: 1 })).status ?? 0, 0);
    assert.equal(await manual.apply(), 5, 'reset cleared the config');
    assert.equal((await manual.status()).wifiStaState, 3, 'station keeps reporting the failure until new credentials');
    const auto = await client({ flavour: 'wifi_prov', connAttempts: 1 });
    await fail(auto);
    assert.equal((await auto.ctrl({ msg: 1 })).status, 5, 'already back in started');
  });

  void it('NP ≥ 1.2.1: ctrl reset also succeeds when already started', async () => {
    const c = await client({ flavour: 'netprov-wifi' });
    assert.equal((await c.ctrl({ msg: 1 })).status ?? 0, 0);
    const idf = await client({ flavour: 'wifi_prov', resetWhenStarted: true });
    assert.equal((await idf.ctrl({ msg: 1 })).status ?? 0, 0);
  });

  void it('IDF never resets the attempt counter: a second cycle fails at its first attempt; NP resets it', async () => {
    const idf = await client({ flavour: 'wifi_prov', connAttempts: 3 });
    await fail(idf);
    await idf.setWifi('HomeNetwork', 'still-wrong');
    await idf.apply();
    assert.deepEqual(await trail(idf, 6), ['1', '3:0'], 'no attempt_failed any more: the first failure is final');
    const np = await client({ flavour: 'netprov-wifi', connAttempts: 3 });
    await fail(np);
    await np.setWifi('HomeNetwork', 'still-wrong');
    await np.apply();
    assert.deepEqual(await trail(np, 8), ['1', '1+2', '1+1', '3:0']);
  });

  void it('reprov only with auto-stop disabled; it returns to "started" after success', async () => {
    const stopping = await client();
    assert.equal((await stopping.ctrl({ msg: 3 })).status, 5);
    const c = await client({ autoStop: false });
    await c.setWifi('HomeNetwork', 'correct-horse-battery');
    await c.apply();
    assert.deepEqual(await trail(c, 6), ['1', '0@192.168.1.100']);
    c.clock.advance(100_000);
    assert.equal((await c.ctrl({ msg: 3 })).status ?? 0, 0);
    await c.setWifi('IoT-Devices', 'iot-devices-pw');
    assert.equal(await c.apply(), 0);
    assert.deepEqual(await trail(c, 6), ['1', '0@192.168.1.111']);
  });
});

void describe('service lifetime', () => {
  void it('stops cleanupDelayMs after Connected was reported: event, promise, and later requests fail', async () => {
    const { device, clock } = makeDevice({ cleanupDelayMs: 50, autoStopTimeoutMs: 100_000 });
    const events: string[] = [];
    device.on('stopped', (i) => events.push(i.reason));
    const c = await TestClient.connect(device, clock);
    await c.setWifi('HomeNetwork', 'correct-horse-battery');
    await c.apply();
    clock.advance(1000);
    assert.equal(device.isStopped, false, 'connected but nobody was told yet');
    assert.equal((await c.status()).wifiStaState, 0);
    clock.advance(49);
    assert.equal(device.isStopped, false);
    clock.advance(1);
    assert.deepEqual(await device.stopped, { reason: 'provisioned', at: clock.now() });
    assert.deepEqual(events, ['provisioned']);
    await assert.rejects(c.status(), DeviceFailure);
    await assert.rejects(device.handle('proto-ver', 1, utf8('x')), /stopped/);
  });

  void it('stops autoStopTimeoutMs after getting an IP even if nobody asks', async () => {
    const { device, clock } = makeDevice({ autoStopTimeoutMs: 500 });
    const c = await TestClient.connect(device, clock);
    await c.setWifi('HomeNetwork', 'correct-horse-battery');
    await c.apply();
    clock.advance(10 + 30 + 500);
    assert.equal((await device.stopped).reason, 'auto-stop-timeout');
  });

  void it('stop() ends provisioning at once', async () => {
    const { device } = makeDevice();
    device.stop();
    assert.equal((await device.stopped).reason, 'stopped');
    await assert.rejects(device.handle('proto-ver', 0, utf8('x')), DeviceFailure);
  });

  void it('emits state events for the manager and the station', async () => {
    const { device, clock } = makeDevice({ connAttempts: 2 });
    const seen: string[] = [];
    device.on('state', (e) => seen.push(`${e.kind}:${e.kind === 'manager' ? e.state : e.state.kind}`));
    const c = await TestClient.connect(device, clock);
    await c.setWifi('HomeNetwork', 'wrong-passphrase');
    await c.apply();
    clock.advance(200);
    assert.deepEqual(seen, [
      'manager:credentials-received',
      'wifi:connecting',
      'wifi:attempt-failed',
      'wifi:failed',
      'manager:failed',
      'manager:started',
    ]);
  });
});

void describe('Wi-Fi scan', () => {
  const start = (c: TestClient, o: { blocking?: boolean; groupChannels?: number } = {}) =>
    c.scan({
      msg: 0,
      cmdScanWifiStart: { blocking: o.blocking ?? false, groupChannels: o.groupChannels ?? 0, periodMs: 120 },
    });
  const status = async (c: TestClient): Promise<[boolean, number]> => {
    const r = (await c.scan({ msg: 2, cmdScanWifiStatus: {} })).respScanWifiStatus!;
    return [r.scanFinished ?? false, r.resultCount ?? 0];
  };
  const results = async (c: TestClient, startIndex: number, count: number) =>
    c.scan({ msg: 4, cmdScanWifiResult: { startIndex, count } });

  void it('before any scan: finished with no results', async () => {
    assert.deepEqual(await status(await client()), [true, 0]);
  });

  void it('blocking scan answers when finished; results strongest first, exactly the recorded APs', async () => {
    const c = await client();
    assert.equal((await start(c, { blocking: true })).status ?? 0, 0);
    assert.deepEqual(await status(c), [true, 12]);
    const r = await results(c, 0, 12);
    const rssi = r.respScanWifiResult!.entries!.map((e) => e.rssi);
    assert.deepEqual(
      rssi,
      [...rssi].sort((a, b) => (b ?? 0) - (a ?? 0)),
    );
    assert.equal(new TextDecoder().decode(r.respScanWifiResult!.entries![0]!.ssid), 'HomeNetwork');
    assert.equal(r.respScanWifiResult!.entries!.length, DEFAULT_ACCESS_POINTS.length);
  });

  void it('a grouped non-blocking scan shows result_count growing while it runs', async () => {
    const c = await client({ scanDurationMs: 130, scanGroupPauseMs: 5 });
    await start(c, { groupChannels: 5 });
    const counts: number[] = [];
    for (let i = 0; i < 20; i++) {
      const [finished, count] = await status(c);
      counts.push(count);
      if (finished) break;
      c.clock.advance(10);
    }
    assert.ok(counts.length > 3);
    assert.deepEqual(
      counts,
      [...counts].sort((a, b) => a - b),
      'never shrinks',
    );
    assert.ok(
      counts.some((n) => n > 0 && n < 12),
      `partial counts seen: ${counts.join(',')}`,
    );
    assert.equal(counts[counts.length - 1], 12);
  });

  void it('keeps at most scanMaxEntries strongest APs', async () => {
    const c = await client({ scanMaxEntries: 3 });
    await start(c, { blocking: true });
    assert.deepEqual(await status(c), [true, 3]);
    const ssids = (await results(c, 0, 3)).respScanWifiResult!.entries!.map((e) => new TextDecoder().decode(e.ssid));
    assert.deepEqual(ssids, ['HomeNetwork', 'WPA3-Only-Lab', 'Corp-EAP']);
  });

  void it('result paging beyond the list: wifi_prov answers InternalError with what exists (no crash)', async () => {
    const c = await client({ flavour: 'wifi_prov' });
    await start(c, { blocking: true });
    const r = await results(c, 10, 4);
    assert.equal(r.status, 5);
    assert.equal(r.respScanWifiResult!.entries!.length, 2);
    const huge = await results(c, 0, 0xffffffff);
    assert.equal(huge.respScanWifiResult!.entries!.length, 12);
  });

  void it('result paging: network_provisioning fails requests outside MAX, InternalError inside', async () => {
    const c = await client({ flavour: 'netprov-wifi' });
    await start(c, { blocking: true });
    await assert.rejects(results(c, 16, 1), /outside/);
    await assert.rejects(results(c, 0, 17), /outside/);
    await assert.rejects(results(c, 10, 7), /outside/);
    const r = await results(c, 10, 6);
    assert.equal(r.status, 5);
    assert.equal(r.respScanWifiResult!.entries!.length, 2);
  });

  void it('a second ScanStart while scanning returns at once without restarting', async () => {
    const c = await client({ scanDurationMs: 100 });
    await start(c);
    c.clock.advance(60);
    const blocking = settle(c.clock, start(c, { blocking: true }), 1);
    const r = await blocking;
    assert.equal(r.msg, 1);
    assert.ok(c.clock.now() < 100, 'did not wait for the running scan');
  });

  void it('serves one request at a time: a blocking scan holds up the requests behind it', async () => {
    const c = await client({ scanDurationMs: 100 });
    const done: string[] = [];
    c.device.on('request', (e) => done.push(`${e.endpoint}@${e.at}`));
    const scanning = start(c, { blocking: true });
    const version = c.device.handle('proto-ver', 1, utf8('x'));
    await settle(c.clock, Promise.all([scanning, version]));
    assert.equal(done.length, 2);
    assert.match(done[0]!, /^prov-scan@/);
    assert.match(done[1]!, /^proto-ver@/);
    assert.ok(Number(done[1]!.split('@')[1]) >= 100, 'proto-ver was taken up only after the scan finished');
  });

  void it('scans only before ApplyConfig', async () => {
    const c = await client();
    await c.setWifi('HomeNetwork', 'correct-horse-battery');
    await c.apply();
    assert.equal((await start(c, { blocking: true })).status, 5);
  });

  void it('a blocking scan honours the caller abort', async () => {
    const { device } = makeDevice({ scanDurationMs: 1000 });
    const ac = new AbortController();
    const req = (await import('../src/gen/proto.js')).netprov.NetworkScanPayload.encode({
      msg: 0,
      cmdScanWifiStart: { blocking: true },
    }).finish();
    const p = device.handle('prov-scan', 1, req, ac.signal);
    ac.abort(new Error('user gave up'));
    await assert.rejects(p, /user gave up/);
  });
});
