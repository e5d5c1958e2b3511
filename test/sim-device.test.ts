/**
 * SimDevice as protocomm (PROTOCOL.md §1, §4, §6): proto-ver bytes, endpoint registry, the one session
 * context, device-side handshake rules of Sec0/1/2, msg + 1 answers, and what makes the device fail.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fromHex, toHex, utf8 } from '../src/bytes.js';
import { netprov, SessionData } from '../src/gen/proto.js';
import { Sec1Client } from '../src/security/sec1.js';
import { Sec2Client } from '../src/security/sec2.js';
import { L, N, padBytes } from '../src/security/srp.js';
import { EXAMPLE_WIFI_SEC2 } from '../src/sim/options.js';
import { DeviceFailure } from '../src/protocol/device.js';
import { cjsonPrint } from '../src/sim/version.js';
import { counterRandom, makeDevice, TestClient } from './sim-harness.js';

const text = (b: Uint8Array): string => new TextDecoder().decode(b);
const sec2 = (username = 'wifiprov', password = 'abcd1234'): Sec2Client =>
  new Sec2Client({ username: utf8(username), password: utf8(password), random: counterRandom(9) });

void describe('proto-ver', () => {
  const ask = async (o: Parameters<typeof makeDevice>[0]): Promise<string> => {
    const { device } = makeDevice(o);
    return text(await device.handle('proto-ver', 0, utf8('---')));
  };

  void it('prints exactly what cJSON_Print prints, per flavour, scheme and patch level (§1.4)', async () => {
    assert.equal(
      await ask({ security: { version: 1, pop: utf8('abcd1234') }, patchLevel: 0 }),
      '{\n\t"prov":\t{\n\t\t"ver":\t"v1.1",\n\t\t"sec_ver":\t1,\n\t\t"cap":\t["wifi_scan"]\n\t}\n}',
    );
    assert.equal(
      await ask({ security: { version: 2, salt: EXAMPLE_WIFI_SEC2.salt, verifier: EXAMPLE_WIFI_SEC2.verifier } }),
      '{\n\t"prov":\t{\n\t\t"ver":\t"v1.1",\n\t\t"sec_ver":\t2,\n\t\t"sec_patch_ver":\t1,\n\t\t"cap":\t["wifi_scan"]\n\t}\n}',
    );
    assert.equal(
      await ask({ flavour: 'netprov-wifi', security: { version: 1 } }),
      '{\n\t"prov":\t{\n\t\t"ver":\t"netprov-v1.2",\n\t\t"sec_ver":\t1,\n\t\t"sec_patch_ver":\t0,\n\t\t"cap":\t["no_pop", "wifi_prov", "wifi_scan"]\n\t}\n}',
    );
    assert.equal(
      await ask({ flavour: 'netprov-thread', security: { version: 0 } }),
      '{\n\t"prov":\t{\n\t\t"ver":\t"netprov-v1.2",\n\t\t"sec_ver":\t0,\n\t\t"sec_patch_ver":\t0,\n\t\t"cap":\t["no_sec", "thread_prov", "thread_scan"]\n\t}\n}',
    );
  });

  void it('puts application labels first, then prov', async () => {
    const out = await ask({ appInfo: [{ label: 'app', ver: '2.0', cap: ['ota', 'led'] }], patchLevel: 0 });
    assert.equal(
      out,
      '{\n\t"app":\t{\n\t\t"ver":\t"2.0",\n\t\t"cap":\t["ota", "led"]\n\t},\n\t"prov":\t{\n\t\t"ver":\t"v1.1",\n\t\t"sec_ver":\t0,\n\t\t"cap":\t["no_sec", "wifi_scan"]\n\t}\n}',
    );
  });

  void it('has the legacy styles: no sec_ver (v3.3–v4.4) and a bare string without the manager', async () => {
    assert.equal(
      await ask({ versionStyle: 'json-no-secver', security: { version: 1, pop: utf8('x') } }),
      '{\n\t"prov":\t{\n\t\t"ver":\t"v1.1",\n\t\t"cap":\t["wifi_scan"]\n\t}\n}',
    );
    assert.equal(await ask({ versionStyle: 'plain' }), 'V0.1');
    assert.equal(await ask({ versionStyle: 'plain', plainVersion: 'V9.9' }), 'V9.9');
  });

  void it('escapes like cJSON and prints empty containers', () => {
    assert.equal(
      cjsonPrint({ 'a"b': 'x\ty\u0001', e: {}, l: [] }),
      '{\n\t"a\\"b":\t"x\\ty\\u0001",\n\t"e":\t{\n\t},\n\t"l":\t[]\n}',
    );
  });

  void it('works without a session and ignores the request', async () => {
    const { device } = makeDevice({
      security: { version: 2, salt: EXAMPLE_WIFI_SEC2.salt, verifier: EXAMPLE_WIFI_SEC2.verifier },
    });
    const a = await device.handle('proto-ver', 99, utf8('anything'));
    const b = await device.handle('proto-ver', 42, utf8('x'));
    assert.equal(toHex(a), toHex(b));
  });
});

void describe('endpoints and sessions', () => {
  void it('registers endpoints in the manager order, then application endpoints (§1.2)', () => {
    const { device } = makeDevice({ extraEndpoints: ['app-a', { name: 'app-b', handler: () => utf8('B') }] });
    assert.deepEqual(device.endpoints(), [
      'prov-ctrl',
      'prov-scan',
      'prov-session',
      'prov-config',
      'proto-ver',
      'custom-data',
      'app-a',
      'app-b',
    ]);
    assert.deepEqual(makeDevice({ versionStyle: 'plain', customData: false }).device.endpoints(), [
      'prov-session',
      'prov-config',
      'proto-ver',
    ]);
  });

  void it('answers custom-data with SUCCESS and its NUL; extra endpoints echo by default', async () => {
    const { device, clock } = makeDevice({
      extraEndpoints: ['echo', { name: 'upper', handler: (r) => utf8(text(r).toUpperCase()) }],
    });
    const c = await TestClient.connect(device, clock);
    assert.equal(toHex(await c.call('custom-data', utf8('hello'))), '5355434345535300');
    assert.equal(text(await c.call('echo', utf8('ping'))), 'ping');
    assert.equal(text(await c.call('upper', utf8('ping'))), 'PING');
  });

  void it('fails (no response) for an unknown endpoint', async () => {
    const { device } = makeDevice();
    await assert.rejects(device.handle('prov-nothing', 1, utf8('x')), DeviceFailure);
  });

  void it('rejects extra endpoints that clash with registered names', () => {
    assert.throws(() => makeDevice({ extraEndpoints: ['prov-config'] }), /already registered/);
  });

  void it('Sec1: full handshake, encrypted traffic, and encrypted traffic before the handshake fails', async () => {
    const { device, clock } = makeDevice({ security: { version: 1, pop: utf8('abcd1234') } });
    device.openSession(3);
    await assert.rejects(device.handle('prov-config', 3, fromHex('5200')), /not established/);
    const c = await TestClient.connect(
      device,
      clock,
      new Sec1Client({ pop: utf8('abcd1234'), random: counterRandom(2) }),
      3,
    );
    const status = await c.status();
    assert.equal(status.wifiStaState, 1);
  });

  void it('Sec1: wrong PoP fails Command1, and a repeated Command1 cannot succeed; Command0 restarts', async () => {
    const { device, clock } = makeDevice({ security: { version: 1, pop: utf8('abcd1234') } });
    device.openSession(1);
    const wrong = new Sec1Client({ pop: utf8('wrong-pop'), random: counterRandom(2) });
    const cmd1 = wrong.next(await device.handle('prov-session', 1, wrong.start()))!;
    await assert.rejects(device.handle('prov-session', 1, cmd1), /mismatch/);
    await assert.rejects(device.handle('prov-session', 1, cmd1), /state failed/);
    await TestClient.connect(device, clock, new Sec1Client({ pop: utf8('abcd1234'), random: counterRandom(3) }));
  });

  void it('Sec1: refuses a client key of the wrong length and the all-zero (low-order) key', async () => {
    const { device } = makeDevice({ security: { version: 1 } });
    device.openSession(1);
    const cmd0 = (key: Uint8Array): Uint8Array =>
      SessionData.encode({ secVer: 1, sec1: { sc0: { clientPubkey: key } } }).finish();
    await assert.rejects(device.handle('prov-session', 1, cmd0(new Uint8Array(31).fill(9))), /31 bytes/);
    await assert.rejects(device.handle('prov-session', 1, cmd0(new Uint8Array(32))), /key agreement/);
  });

  void it('Sec2: patch 1 sends a 12-byte nonce ending in counter 1, patch 0 a 16-byte one', async () => {
    for (const [patchLevel, len] of [
      [1, 12],
      [0, 16],
    ] as const) {
      const { device, clock } = makeDevice({
        patchLevel,
        security: { version: 2, salt: EXAMPLE_WIFI_SEC2.salt, verifier: EXAMPLE_WIFI_SEC2.verifier },
      });
      const seen: Uint8Array[] = [];
      device.on('request', (e) => {
        if (e.phase === 'handshake1' && e.responseBytes) seen.push(e.responseBytes);
      });
      const c = await TestClient.connect(device, clock, sec2());
      const nonce = SessionData.decode(seen[0]!).sec2!.sr1!.deviceNonce!;
      assert.equal(nonce.length, len);
      if (len === 12) assert.equal(toHex(nonce.subarray(8)), '00000001');
      assert.equal((await c.status()).wifiStaState, 1);
      assert.equal((await c.status()).wifiStaState, 1, 'counter stays in step over several requests');
    }
  });

  void it('Sec2: wrong password and wrong username fail Command1', async () => {
    for (const client of [sec2('wifiprov', 'nope'), sec2('mallory', 'abcd1234')]) {
      const { device, clock } = makeDevice({
        security: { version: 2, salt: EXAMPLE_WIFI_SEC2.salt, verifier: EXAMPLE_WIFI_SEC2.verifier },
      });
      await assert.rejects(TestClient.connect(device, clock, client), /proof mismatch/);
    }
  });

  void it('Sec2: verifier generated on the device from username and password', async () => {
    const { device, clock } = makeDevice({
      security: { version: 2, username: utf8('alice'), password: utf8('S3cret-pass!'), saltLength: 8 },
    });
    await TestClient.connect(device, clock, sec2('alice', 'S3cret-pass!'));
  });

  void it('Sec2: refuses A of the wrong length, A ≡ 0 mod N, empty usernames and Command1 first', async () => {
    const { device } = makeDevice({
      security: { version: 2, salt: EXAMPLE_WIFI_SEC2.salt, verifier: EXAMPLE_WIFI_SEC2.verifier },
    });
    device.openSession(1);
    const cmd0 = (user: string, A: Uint8Array): Uint8Array =>
      SessionData.encode({ secVer: 2, sec2: { sc0: { clientUsername: utf8(user), clientPubkey: A } } }).finish();
    const cmd1 = SessionData.encode({ secVer: 2, sec2: { msg: 2, sc1: { clientProof: new Uint8Array(64) } } }).finish();
    await assert.rejects(device.handle('prov-session', 1, cmd1), /Command1 in handshake state idle/);
    await assert.rejects(device.handle('prov-session', 1, cmd0('u', new Uint8Array(383).fill(1))), /383 bytes/);
    await assert.rejects(device.handle('prov-session', 1, cmd0('u', new Uint8Array(L))), /0 mod N/);
    await assert.rejects(device.handle('prov-session', 1, cmd0('u', padBytes(N))), /0 mod N/);
    await assert.rejects(device.handle('prov-session', 1, cmd0('', padBytes(5n))), /username length 0/);
  });

  void it('refuses a session request for another scheme or an unparsable one', async () => {
    const { device } = makeDevice({ security: { version: 1 } });
    device.openSession(1);
    await assert.rejects(device.handle('prov-session', 1, fromHex('5203a20100')), /security 0/);
    await assert.rejects(device.handle('prov-session', 1, fromHex('ff')), /does not parse/);
  });

  void it('one session context: openSession replaces it, closeSession and other ids lose it', async () => {
    const { device, clock } = makeDevice({ security: { version: 1 } });
    const a = await TestClient.connect(device, clock, new Sec1Client({ random: counterRandom(4) }), 1);
    assert.equal((await a.status()).wifiStaState, 1);
    await assert.rejects(
      device.handle('prov-config', 2, a.security.encrypt(fromHex('5200'))),
      /not the open transport session/,
    );
    await TestClient.connect(device, clock, new Sec1Client({ random: counterRandom(5) }), 2);
    await assert.rejects(a.status(), DeviceFailure);
    device.closeSession(2);
    await assert.rejects(
      device.handle('proto-ver', 2, utf8('x')).then(() => device.handle('prov-config', 2, fromHex('5200'))),
      DeviceFailure,
    );
  });

  void it('answers msg + 1 and fails unknown msg values and unparsable payloads (§6.2)', async () => {
    const { device, clock } = makeDevice();
    const c = await TestClient.connect(device, clock);
    assert.equal((await c.config({ msg: 0, cmdGetWifiStatus: {} })).msg, 1);
    assert.equal((await c.scan({ msg: 2 })).msg, 3);
    assert.equal((await c.ctrl({ msg: 1 })).msg, 2);
    await assert.rejects(c.config({ msg: 6 }), /unknown message type 6/);
    await assert.rejects(c.ctrl({ msg: 0 }), /unknown message type 0/);
    await assert.rejects(c.call('prov-config', fromHex('0a')), /does not parse/);
  });

  void it('network_provisioning fails a oneof case that does not match msg; wifi_provisioning ignores it where unused', async () => {
    const mismatched = netprov.NetworkConfigPayload.encode({ msg: 0, cmdApplyWifiConfig: {} }).finish();
    const np = makeDevice({ flavour: 'netprov-wifi' });
    const npc = await TestClient.connect(np.device, np.clock);
    await assert.rejects(npc.call('prov-config', mismatched), /does not match/);
    const idf = makeDevice({ flavour: 'wifi_prov' });
    const idfc = await TestClient.connect(idf.device, idf.clock);
    assert.equal(netprov.NetworkConfigPayload.decode(await idfc.call('prov-config', mismatched)).msg, 1);
    const setWithoutPayload = netprov.NetworkConfigPayload.encode({ msg: 2 }).finish();
    await assert.rejects(idfc.call('prov-config', setWithoutPayload), /without its/);
  });

  void it('emits a request event for every exchange, with plaintexts and failures', async () => {
    const { device, clock } = makeDevice({ security: { version: 1 } });
    const events: string[] = [];
    device.on('request', (e) =>
      events.push(`${e.endpoint}:${e.phase}:${e.failure ? 'fail' : toHex(e.responsePlain ?? new Uint8Array())}`),
    );
    const c = await TestClient.connect(device, clock, new Sec1Client({ random: counterRandom(6) }));
    await c.status();
    await assert.rejects(device.handle('nope', 1, utf8('x')));
    assert.equal(events.length, 4);
    assert.match(events[0]!, /^prov-session:handshake0:/);
    assert.match(events[1]!, /^prov-session:handshake1:/);
    assert.equal(events[2], 'prov-config:status:08015a021001');
    assert.equal(events[3], 'nope:other:fail');
  });

  void it('espRandom draws four little-endian bytes of hardware randomness', () => {
    const { device } = makeDevice({ random: () => fromHex('78563412') });
    assert.equal(device.espRandom(), 0x12345678);
  });

  void it('validates options', () => {
    assert.throws(() => makeDevice({ connAttempts: -1 }), /connAttempts/);
    assert.throws(() => makeDevice({ scanMaxEntries: 0 }), /scanMaxEntries/);
    assert.throws(() => makeDevice({ dhcpIp: '300.1.1.1' }), /dhcpIp/);
    assert.throws(() => makeDevice({ connectDelayMs: Number.NaN }), /connectDelayMs/);
    assert.throws(() => makeDevice({ faults: [{ kind: 'wrong-proof', phase: 'scan' }] }), /only: handshake1/);
  });
});
