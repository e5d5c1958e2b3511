/**
 * The end-to-end suite (issue 3): the library's provision() against the simulator, over the in-memory
 * transport and over real HTTP on loopback, for every security scheme and patch level, with scan paging,
 * custom data, a wrong passphrase then a retry after ctrl reset, an unknown SSID, reprov, wrong secrets and
 * Thread.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { fromHex, toHex, utf8 } from '../src/bytes.js';
import { connect } from '../src/provision/connect.js';
import type { ProvisionEvent } from '../src/provision/events.js';
import { provision } from '../src/provision/flow.js';
import { sendCtrl } from '../src/endpoints/ctrl.js';
import { Sec2Client } from '../src/security/sec2.js';
import { generateSec2Credentials } from '../src/security/credentials.js';
import { sha512 } from '../src/security/srp.js';
import { ManualClock } from '../src/timers.js';
import { QUICK_CLIENT, RIG_KINDS, SEC, rig, ssidText } from './helpers/e2e.js';
import { isCode } from './helpers/rejects.js';
import { pump } from './helpers/settle.js';

/**
 * Device time for every device, transport and client here, moved 1 ms per event-loop turn for the whole file:
 * the devices' delays, the clients' polls and the devices' clean-up after success cost no wall time.
 */
const CLOCK = new ManualClock(Date.now());
const stopPump = pump(CLOCK);
after(stopPump);
const CLIENT = { ...QUICK_CLIENT, clock: CLOCK };

for (const kind of RIG_KINDS) {
  describe(`end to end over ${kind}`, { timeout: 60_000 }, () => {
    for (const [name, sec] of Object.entries(SEC)) {
      test(`${name}: scan, pick, custom data, connect`, async () => {
        const r = await rig(kind, sec.device, undefined, CLOCK);
        const events: ProvisionEvent[] = [];
        try {
          const result = await provision({
            ...CLIENT,
            transport: r.transport,
            security: sec.client,
            custom: [{ endpoint: 'custom-data', data: utf8('hello device') }],
            selectAccessPoint: (aps) => {
              assert.ok(aps.length >= 10);
              const home = aps.find((a) => ssidText(a.ssid) === 'HomeNetwork');
              assert.ok(home, 'HomeNetwork is in the scan');
              return Promise.resolve({ ssid: home.ssid, auth: home.auth });
            },
            askPassphrase: () => Promise.resolve(utf8('correct-horse-battery')),
            onEvent: (e) => events.push(e),
          });
          assert.equal(result.network, 'wifi');
          assert.ok(result.network === 'wifi' && result.connected.ip.length > 0);
          assert.equal(result.network === 'wifi' && ssidText(result.connected.ssid), 'HomeNetwork');
          const custom = events.find((e) => e.type === 'custom-data');
          assert.ok(custom && custom.type === 'custom-data');
          assert.equal(toHex(custom.response), toHex(utf8('SUCCESS\0')));
          const established = events.find((e) => e.type === 'session-established');
          assert.ok(established && established.type === 'session-established');
          if (name.startsWith('sec2')) assert.equal(established.patchLevel, name === 'sec2p0' ? 0 : 1);
          // One proto-ver and the minimum handshake round trips (§1.3).
          const counts = result.connection.session.requestCounts;
          assert.equal(counts.get('prov-session'), name === 'sec0' ? 1 : 2);
          await r.device.stopped;
        } finally {
          await r.close();
        }
      });
    }

    test('scan results are paged from the transport limit and never beyond result_count', async () => {
      const limits = { maxRequestBytes: 481, maxResponseBytes: 481 }; // Bluedroid with Security 2
      const r = await rig(kind, SEC.sec2p1.device, kind === 'memory' ? limits : undefined, CLOCK);
      const starts: number[] = [];
      r.device.on('request', (e) => {
        if (e.endpoint === 'prov-scan' && e.requestPlain?.[0] === 0x08 && e.requestPlain[1] === 4)
          starts.push(e.requestPlain.length); // ScanResult (msg 4)
      });
      try {
        const conn = await connect({ ...CLIENT, transport: r.transport, security: SEC.sec2p1.client });
        const { scanWifi } = await import('../src/endpoints/scan.js');
        const aps = await scanWifi(conn.session, kind === 'memory' ? {} : { pageSize: 5 });
        assert.equal(aps.length, 12);
        assert.equal(starts.length, kind === 'memory' ? 2 : 3); // 7 per page in 481 bytes with GCM; 5 per page by option
      } finally {
        await r.close();
      }
    });

    test('wrong passphrase: attempts reported, then a retry with a new one after ctrl reset succeeds', async () => {
      const r = await rig(kind, { ...SEC.sec1.device, connAttempts: 3 }, undefined, CLOCK);
      const events: ProvisionEvent[] = [];
      let failures = 0;
      try {
        const result = await provision({
          ...CLIENT,
          transport: r.transport,
          security: SEC.sec1.client,
          wifi: { ssid: utf8('HomeNetwork'), passphrase: utf8('not-the-password') },
          onEvent: (e) => events.push(e),
          onWifiFailure: (err, last) => {
            failures++;
            assert.equal(err.code, 'WIFI_AUTH_FAILED');
            return Promise.resolve({ ...last, passphrase: utf8('correct-horse-battery') });
          },
        });
        assert.equal(failures, 1);
        assert.equal(result.network, 'wifi');
        const attempts = events.flatMap((e) =>
          e.type === 'wifi-status' && e.status.state === 'connecting' && e.status.attemptsRemaining
            ? [e.status.attemptsRemaining]
            : [],
        );
        assert.ok(attempts.length > 0, 'attempt_failed with attempts_remaining was reported');
      } finally {
        await r.close();
      }
    });

    test('wrong passphrase without a retry ends in WIFI_AUTH_FAILED; unknown SSID in WIFI_NOT_FOUND', async () => {
      for (const [wifi, c] of [
        [{ ssid: utf8('HomeNetwork'), passphrase: utf8('nope-nope') }, 'WIFI_AUTH_FAILED'],
        [{ ssid: utf8('NoSuchNetwork'), passphrase: utf8('whatever123') }, 'WIFI_NOT_FOUND'],
      ] as const) {
        const r = await rig(kind, SEC.sec2p1.device, undefined, CLOCK);
        try {
          await assert.rejects(
            provision({ ...CLIENT, transport: r.transport, security: SEC.sec2p1.client, wifi }),
            isCode(c),
          );
        } finally {
          await r.close();
        }
      }
    });

    test('reprov after success when the firmware keeps provisioning running', async () => {
      const r = await rig(kind, { ...SEC.sec2p1.device, autoStop: false }, undefined, CLOCK);
      try {
        await provision({
          ...CLIENT,
          transport: r.transport,
          security: SEC.sec2p1.client,
          wifi: { ssid: utf8('HomeNetwork'), passphrase: utf8('correct-horse-battery') },
        });
        const again = await provision({
          ...CLIENT,
          transport: r.reconnect(),
          security: SEC.sec2p1.client,
          ctrl: 'wifi-reprov',
        });
        assert.equal(again.network, 'none');
        const third = await provision({
          ...CLIENT,
          transport: r.reconnect(),
          security: SEC.sec2p1.client,
          wifi: { ssid: utf8('IoT-Devices'), passphrase: utf8('iot-devices-pw') },
        });
        assert.equal(third.network === 'wifi' && ssidText(third.connected.ssid), 'IoT-Devices');
      } finally {
        await r.close();
      }
    });

    test('reprov is refused while auto-stop is on; reset is refused before a failure (IDF rules)', async () => {
      const r = await rig(kind, SEC.sec1.device, undefined, CLOCK);
      try {
        const conn = await connect({ ...CLIENT, transport: r.transport, security: SEC.sec1.client });
        await assert.rejects(sendCtrl(conn.session, 'wifi-reprov'), isCode('DEVICE_STATUS'));
        await assert.rejects(sendCtrl(conn.session, 'wifi-reset'), isCode('DEVICE_STATUS'));
      } finally {
        await r.close();
      }
    });

    test('wrong PoP / password / username: HANDSHAKE_FAILED, and nothing but the handshake reached the device', async () => {
      for (const [dev, client] of [
        [SEC.sec1.device, { pop: 'wrong-pop' }],
        [SEC.sec2p1.device, { username: 'wifiprov', password: 'wrong-password' }],
        [SEC.sec2p0.device, { username: 'mallory', password: 'abcd1234' }],
      ] as const) {
        const r = await rig(kind, dev, undefined, CLOCK);
        const endpoints: string[] = [];
        r.device.on('request', (e) => endpoints.push(e.endpoint));
        try {
          await assert.rejects(
            provision({
              ...CLIENT,
              transport: r.transport,
              security: client,
              wifi: { ssid: utf8('HomeNetwork'), passphrase: utf8('correct-horse-battery') },
            }),
            isCode('HANDSHAKE_FAILED'),
          );
          assert.deepEqual([...new Set(endpoints)].sort(), ['proto-ver', 'prov-session']);
        } finally {
          await r.close();
        }
      }
    });

    test('a device whose verifier does not match our password cannot fake its proof', async () => {
      // The device holds a verifier for another password; our client must fail before sending anything.
      const r = await rig(
        kind,
        { security: { version: 2, username: utf8('wifiprov'), password: utf8('other') } },
        undefined,
        CLOCK,
      );
      try {
        await assert.rejects(
          connect({ ...CLIENT, transport: r.transport, security: SEC.sec2p1.client }),
          isCode('HANDSHAKE_FAILED'),
        );
      } finally {
        await r.close();
      }
    });

    test("a verifier made by esp_prov's generator (inner digest with a leading zero) still works, after one retry", async () => {
      let password = '';
      for (let i = 0; !password; i++) if (sha512(utf8(`wifiprov:pw${i}`))[0] === 0) password = `pw${i}`;
      const salt = fromHex('036ee0c7bcb9eda84c9eac97d93decf4');
      for (const xVariant of ['stripped', 'full'] as const) {
        const { verifier } = generateSec2Credentials(utf8('wifiprov'), utf8(password), { salt, xVariant });
        const r = await rig(kind, { security: { version: 2, salt, verifier } }, undefined, CLOCK);
        const events: ProvisionEvent[] = [];
        try {
          await connect({
            ...CLIENT,
            transport: r.transport,
            security: { username: 'wifiprov', password },
            onEvent: (e) => events.push(e),
          });
          const starts = events.filter((e) => e.type === 'handshake-start').length;
          assert.equal(starts, xVariant === 'stripped' ? 2 : 1);
        } finally {
          await r.close();
        }
      }
    });

    test('missing secrets are asked for, or MISSING_INPUT when nobody can answer', async () => {
      const r = await rig(kind, SEC.sec2p1.device, undefined, CLOCK);
      try {
        await assert.rejects(connect({ ...CLIENT, transport: r.transport }), isCode('MISSING_INPUT'));
        const asked: string[] = [];
        const conn = await connect({
          ...CLIENT,
          transport: r.reconnect(),
          askSecret: (n) => (asked.push(n), Promise.resolve(n === 'username' ? 'wifiprov' : 'abcd1234')),
        });
        assert.deepEqual(asked, ['username', 'password']);
        assert.ok(conn.session.security instanceof Sec2Client);
      } finally {
        await r.close();
      }
    });

    test('Thread: dataset given; Thread: scan, pick, key; invalid dataset', async () => {
      const key = fromHex('fedcba9876543210fedcba9876543210');
      const dev = { flavour: 'netprov-thread', security: { version: 1, pop: utf8('abcd1234') } } as const;
      let r = await rig(kind, dev, undefined, CLOCK);
      try {
        const res = await provision({
          ...CLIENT,
          transport: r.transport,
          security: { pop: 'abcd1234' },
          selectThreadNetwork: (nets) =>
            Promise.resolve({ network: nets.find((n) => n.networkName === 'ESP-Thread-Lab')! }),
          askNetworkKey: () => Promise.resolve(key),
        });
        assert.equal(res.network, 'thread');
        assert.equal(res.network === 'thread' && res.attached.panId, 0xabcd);
        assert.equal(res.network === 'thread' && res.attached.name, 'ESP-Thread-Lab');
      } finally {
        await r.close();
      }
      r = await rig(kind, dev, undefined, CLOCK);
      try {
        await assert.rejects(
          provision({
            ...CLIENT,
            transport: r.transport,
            security: { pop: 'abcd1234' },
            thread: { dataset: fromHex('0003000014020811111111222222220510fedcba9876543210fedcba9876543210010242') },
          }),
          isCode('THREAD_DATASET_INVALID'),
        );
      } finally {
        await r.close();
      }
    });
  });
}
