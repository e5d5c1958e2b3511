/**
 * Host Wi-Fi (src/hostwifi): each tool's output parsers, and withJoinedAccessPoint over NmcliWifi driving a
 * fake nmcli (test/helpers/fake-nmcli.ts) that records its calls: what is called, that the previous
 * connection comes back after success, failure and abort, that joins on one interface take turns, that a
 * missing tool is a clear error, and that the access point's passphrase never reaches argv or a message.
 */
import assert from 'node:assert/strict';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { after, describe, test } from 'node:test';
import { EspProvError } from '../src/errors.js';
import { withJoinedAccessPoint } from '../src/hostwifi/join.js';
import { NetshWifi, parseInterfaces, parseNetworks, profileXml } from '../src/hostwifi/netsh.js';
import { NetworksetupWifi, parseAirportNetwork, parseHardwarePorts } from '../src/hostwifi/networksetup.js';
import { NmcliWifi, parseDeviceStatus, parseWifiList, splitTerse } from '../src/hostwifi/nmcli.js';
import { hostWifi } from '../src/hostwifi/select.js';
import { FakeNmcli, type FakeState } from './helpers/fake-nmcli.js';
import { isCode, rejectsWith } from './helpers/rejects.js';

const AP_PSK = 'ap-Secret-93kq';

function homeState(extra: Partial<FakeState> = {}): FakeState {
  return {
    iface: 'wlan0',
    active: 'uuid-home',
    profiles: [{ uuid: 'uuid-home', name: 'Home: 5 GHz', ssid: 'Home: 5 GHz' }],
    aps: [
      { ssid: 'PROV_A1', signal: 70, psk: AP_PSK },
      { ssid: 'PROV_B2', signal: 60 },
    ],
    ...extra,
  };
}

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanups) await c();
});

async function fake(state: FakeState = homeState()): Promise<FakeNmcli> {
  const f = await FakeNmcli.create(state);
  cleanups.push(() => f.remove());
  return f;
}

/** A loopback listener standing in for the board's httpd. */
async function board(): Promise<{ host: string; port: number }> {
  const server: Server = createServer((s) => s.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise((resolve) => server.close(() => resolve())));
  return { host: '127.0.0.1', port: (server.address() as { port: number }).port };
}

void describe('tool output parsers', () => {
  test('nmcli terse: escaped colons and backslashes stay in the value', () => {
    assert.deepEqual(splitTerse('Home\\: 5 GHz:wifi:C\\\\D'), ['Home: 5 GHz', 'wifi', 'C\\D']);
    assert.deepEqual(splitTerse('a::b'), ['a', '', 'b']);
    assert.deepEqual(parseDeviceStatus('wlan0:wifi:connected:Home\\: 5 GHz\nlo:loopback:unmanaged:\n'), [
      { device: 'wlan0', type: 'wifi', state: 'connected', connection: 'Home: 5 GHz' },
      { device: 'lo', type: 'loopback', state: 'unmanaged', connection: '' },
    ]);
    assert.deepEqual(parseWifiList('PROV_A1:40\n:90\nPROV_A1:75\nCafé\\:Bar:12\n'), [
      { ssid: 'PROV_A1', signal: 75 },
      { ssid: 'Café:Bar', signal: 12 },
    ]);
  });

  test('netsh (English): interfaces, networks, and a profile with the SSID and key escaped', () => {
    const interfaces = [
      '',
      'There is 1 interface on the system:',
      '',
      '    Name                   : Wi-Fi',
      '    Description            : Intel(R) Wi-Fi 6 AX201 160MHz',
      '    GUID                   : 0b1a4c9e-1f2d-4f5a-9a3b-2c6d7e8f9a0b',
      '    Physical address       : 3c:22:fb:12:34:56',
      '    State                  : connected',
      '    SSID                   : Home: 5 GHz',
      '    BSSID                  : 40:3f:8c:aa:bb:cc',
      '    Profile                : Home: 5 GHz',
      '',
    ].join('\r\n');
    assert.deepEqual(parseInterfaces(interfaces), [
      { name: 'Wi-Fi', connected: true, ssid: 'Home: 5 GHz', profile: 'Home: 5 GHz' },
    ]);
    assert.deepEqual(parseInterfaces('    Name : Wi-Fi\n    State : disconnected\n'), [
      { name: 'Wi-Fi', connected: false },
    ]);
    const networks = [
      'Interface name : Wi-Fi',
      'There are 2 networks currently visible.',
      '',
      'SSID 1 : PROV_A1',
      '    Network type            : Infrastructure',
      '    Authentication          : WPA2-Personal',
      '    BSSID 1                 : 24:0a:c4:00:00:01',
      '         Signal             : 81%',
      '',
      'SSID 2 : ',
      '    Network type            : Infrastructure',
      'SSID 3 : PROV_B2',
      '         Signal             : 40%',
    ].join('\r\n');
    assert.deepEqual(parseNetworks(networks), [
      { ssid: 'PROV_A1', signal: 81 },
      { ssid: 'PROV_B2', signal: 40 },
    ]);
    const xml = profileXml('esp-prov a<b', { ssid: 'a<b', passphrase: 'p&"q' });
    assert.match(xml, /<name>esp-prov a&#60;b<\/name>/);
    assert.match(xml, /<keyMaterial>p&#38;&#34;q<\/keyMaterial>/);
    assert.match(profileXml('x', { ssid: 'x' }), /<authentication>open<\/authentication>/);
  });

  test('networksetup: the Wi-Fi port and the current network', () => {
    const ports =
      'Hardware Port: Ethernet\nDevice: en1\nEthernet Address: aa\n\nHardware Port: Wi-Fi\nDevice: en0\nEthernet Address: bb\n';
    assert.equal(parseHardwarePorts(ports), 'en0');
    assert.equal(parseHardwarePorts('Hardware Port: Ethernet\nDevice: en1\n'), undefined);
    assert.equal(parseAirportNetwork('Current Wi-Fi Network: Home: 5 GHz\n'), 'Home: 5 GHz');
    assert.equal(parseAirportNetwork('You are not associated with an AirPort network.\n'), undefined);
  });
});

void describe('withJoinedAccessPoint over a fake nmcli', () => {
  test('joins with the passphrase on stdin, runs, restores the previous connection and deletes the new profile', async () => {
    const f = await fake();
    const wifi = new NmcliWifi({ file: f.file, env: f.env });
    const address = await board();
    const during = await withJoinedAccessPoint(
      wifi,
      { ssid: 'PROV_A1', passphrase: AP_PSK },
      { signal: new AbortController().signal, address },
      async () => (await f.state()).active,
    );
    assert.equal(during, 'uuid-PROV_A1', 'fn runs while joined');
    assert.deepEqual(await f.commands(), [
      'device status',
      'connection show',
      'device status',
      'connection show',
      'device wifi connect PROV_A1 ifname wlan0',
      'connection show',
      'connection up uuid uuid-home',
      'connection delete uuid uuid-PROV_A1',
    ]);
    const calls = await f.calls();
    assert.ok(
      calls.every((c) => !c.argv.includes(AP_PSK)),
      'the passphrase is never in argv',
    );
    assert.equal(calls.find((c) => c.argv.includes('connect'))?.stdin, `${AP_PSK}\n`);
    const after = await f.state();
    assert.equal(after.active, 'uuid-home');
    assert.deepEqual(
      after.profiles.map((p) => p.uuid),
      ['uuid-home'],
    );
  });

  test('restores after fn fails, and fn’s error is the one thrown', async () => {
    const f = await fake();
    const wifi = new NmcliWifi({ file: f.file, env: f.env });
    await rejectsWith(
      withJoinedAccessPoint(wifi, { ssid: 'PROV_B2' }, { signal: new AbortController().signal }, () =>
        Promise.reject(new EspProvError('HANDSHAKE_FAILED', 'wrong PoP')),
      ),
      'HANDSHAKE_FAILED',
    );
    assert.equal((await f.state()).active, 'uuid-home');
    assert.deepEqual((await f.commands()).slice(-2), [
      'connection up uuid uuid-home',
      'connection delete uuid uuid-PROV_B2',
    ]);
  });

  test('a failed restore is reported, not thrown over fn’s error', async () => {
    const f = await fake(homeState({ failUp: true }));
    const wifi = new NmcliWifi({ file: f.file, env: f.env });
    const reported: EspProvError[] = [];
    await rejectsWith(
      withJoinedAccessPoint(
        wifi,
        { ssid: 'PROV_B2' },
        { signal: new AbortController().signal, onRestoreFailed: (e) => reported.push(e) },
        () => Promise.reject(new EspProvError('TIMEOUT', 'slow board')),
      ),
      'TIMEOUT',
    );
    assert.equal(reported.length, 1);
    assert.match(reported[0]!.message, /nmcli connection up failed \(exit 4\)/);
  });

  test('an abort during the join kills nmcli and still restores', async () => {
    const f = await fake(homeState({ hangJoin: true }));
    const wifi = new NmcliWifi({ file: f.file, env: f.env });
    const stop = new AbortController();
    const run = withJoinedAccessPoint(wifi, { ssid: 'PROV_B2' }, { signal: stop.signal }, () => Promise.resolve(1));
    // Abort once the fake has logged the join (it then hangs).
    for (let i = 0; i < 500 && !(await f.commands()).some((c) => c.startsWith('device wifi connect')); i++) {
      await new Promise((resolve) => setImmediate(resolve));
    }
    stop.abort();
    await rejectsWith(run, 'CANCELLED');
    assert.equal((await f.commands()).at(-1), 'connection up uuid uuid-home');
  });

  test('joins through one interface take turns: the second starts after the first restored', async () => {
    const f = await fake();
    const wifi = new NmcliWifi({ file: f.file, env: f.env });
    const order: string[] = [];
    const one = (ssid: string, passphrase?: string) =>
      withJoinedAccessPoint(
        wifi,
        { ssid, ...(passphrase ? { passphrase } : {}) },
        { signal: new AbortController().signal, onStep: (s) => order.push(`${s.type} ${ssid}`) },
        async () => {
          order.push(`run ${ssid} on ${(await f.state()).active ?? '-'}`);
        },
      );
    await Promise.all([one('PROV_A1', AP_PSK), one('PROV_B2')]);
    assert.deepEqual(order, [
      'join-start PROV_A1',
      'join-done PROV_A1',
      'run PROV_A1 on uuid-PROV_A1',
      'restore-done PROV_A1',
      'join-start PROV_B2',
      'join-done PROV_B2',
      'run PROV_B2 on uuid-PROV_B2',
      'restore-done PROV_B2',
    ]);
  });

  test('a board waiting for its turn can be stopped; the queue goes on without it', async () => {
    const f = await fake();
    const wifi = new NmcliWifi({ file: f.file, env: f.env });
    const live = new AbortController().signal;
    let releaseFirst!: () => void;
    const firstRunning = new Promise<void>((started) => {
      void withJoinedAccessPoint(wifi, { ssid: 'PROV_B2' }, { signal: live }, () => {
        started();
        return new Promise<void>((resolve) => (releaseFirst = resolve));
      });
    });
    await firstRunning;
    const stop = new AbortController();
    const waiting = withJoinedAccessPoint(wifi, { ssid: 'PROV_A1', passphrase: AP_PSK }, { signal: stop.signal }, () =>
      Promise.resolve('never'),
    );
    let thirdRan = false;
    const third = withJoinedAccessPoint(wifi, { ssid: 'PROV_B2' }, { signal: live }, () => {
      thirdRan = true;
      return Promise.resolve();
    });
    stop.abort();
    await rejectsWith(waiting, 'CANCELLED');
    assert.equal(thirdRan, false, 'the third still waits for the first');
    releaseFirst();
    await third;
    assert.equal(thirdRan, true);
    assert.ok(
      !(await f.commands()).includes('device wifi connect PROV_A1 ifname wlan0'),
      'the stopped board never joined',
    );
  });

  test('a wrong passphrase: CONNECTION_LOST naming the access point, without the passphrase', async () => {
    const f = await fake();
    const wifi = new NmcliWifi({ file: f.file, env: f.env });
    const wrong = 'not-the-Secret-77';
    const err = await rejectsWith(
      withJoinedAccessPoint(
        wifi,
        { ssid: 'PROV_A1', passphrase: wrong },
        { signal: new AbortController().signal },
        () => Promise.resolve(),
      ),
      'CONNECTION_LOST',
    );
    assert.match(err.message, /could not join the access point "PROV_A1": nmcli device wifi connect failed \(exit 4\)/);
    assert.ok(!JSON.stringify(err).includes(wrong) && !err.message.includes(wrong));
    assert.equal((await f.state()).active, 'uuid-home');
  });

  test('an access point nobody raises: DEVICE_NOT_FOUND', async () => {
    const f = await fake();
    const wifi = new NmcliWifi({ file: f.file, env: f.env });
    await rejectsWith(
      withJoinedAccessPoint(wifi, { ssid: 'PROV_GONE' }, { signal: new AbortController().signal }, () =>
        Promise.resolve(),
      ),
      'DEVICE_NOT_FOUND',
    );
  });

  test('the connection, not the (translated) state, says whether the interface was connected', async () => {
    const f = await fake();
    const status = `${f.dir}/nmcli-de`;
    // nmcli in German: "verbunden"; the profile name is what counts (every call gets this one line).
    await writeFile(status, '#!/bin/sh\nprintf "wlan0:wifi:verbunden:Büro\\n"\n');
    await chmod(status, 0o755);
    const wifi = new NmcliWifi({ file: status });
    const signal = new AbortController().signal;
    assert.deepEqual(await wifi.current({ signal, timeoutMs: 10_000 }), { iface: 'wlan0', ssid: 'Büro' });
  });

  test('disconnected before: disconnected again after', async () => {
    const f = await fake(homeState({ active: null }));
    const wifi = new NmcliWifi({ file: f.file, env: f.env });
    await withJoinedAccessPoint(wifi, { ssid: 'PROV_B2' }, { signal: new AbortController().signal }, () =>
      Promise.resolve(),
    );
    assert.deepEqual((await f.commands()).slice(-2), [
      'device disconnect wlan0',
      'connection delete uuid uuid-PROV_B2',
    ]);
    assert.equal((await f.state()).active, null);
  });

  test('scan lists the access points', async () => {
    const f = await fake();
    const wifi = hostWifi('linux', { env: f.env });
    assert.deepEqual(await wifi.scan({ signal: new AbortController().signal, timeoutMs: 10_000 }), [
      { ssid: 'PROV_A1', signal: 70 },
      { ssid: 'PROV_B2', signal: 60 },
    ]);
  });

  test('scan asks for a fresh scan; refused (one just ran), it reads NetworkManager’s own list', async () => {
    const f = await fake({ ...homeState(), refuseRescan: true });
    const wifi = hostWifi('linux', { env: f.env });
    const aps = await wifi.scan({ signal: new AbortController().signal, timeoutMs: 10_000 });
    assert.deepEqual(
      aps.map((a) => a.ssid),
      ['PROV_A1', 'PROV_B2'],
    );
    const lists = (await f.commands()).filter((c) => c.startsWith('device wifi list'));
    assert.deepEqual(lists, ['device wifi list ifname wlan0 --rescan yes', 'device wifi list ifname wlan0']);
  });

  test('networksetup cannot scan: UNSUPPORTED, saying to name the access points instead', async () => {
    const wifi = hostWifi('darwin', { env: { PATH: '/nonexistent' } });
    await rejectsWith(wifi.scan({ signal: new AbortController().signal, timeoutMs: 1000 }), 'UNSUPPORTED', [
      /cannot be discovered/,
      /name each board's access point instead/,
    ]);
  });

  test('nmcli missing: TRANSPORT_UNAVAILABLE naming it and what to do', async () => {
    const wifi = hostWifi('linux', { env: { PATH: '/nonexistent' } });
    const err = await rejectsWith(
      withJoinedAccessPoint(wifi, { ssid: 'PROV_B2' }, { signal: new AbortController().signal }, () =>
        Promise.resolve(),
      ),
      'TRANSPORT_UNAVAILABLE',
    );
    assert.match(err.message, /nmcli was not found: .*install it, or join the access point by hand/);
  });

  test('an unknown platform: UNSUPPORTED', () => {
    assert.throws(() => hostWifi('aix'), isCode('UNSUPPORTED'));
  });
});

/** A shell script standing in for a tool: logs its argv (one line per call) and prints what `body` says. */
async function script(name: string, body: string): Promise<{ file: string; log: string }> {
  const f = await fake();
  const file = `${f.dir}/${name}`;
  const log = `${f.dir}/${name}.log`;
  await writeFile(file, `#!/bin/sh\necho "$*" >> "${log}"\n${body}\n`);
  await chmod(file, 0o755);
  return { file, log };
}

const tool = { signal: new AbortController().signal, timeoutMs: 10_000 };

void describe('networksetup and netsh, run through stand-in scripts', () => {
  test('networksetup: a join it refuses (said on stdout, exit 0) fails, with the passphrase cut from the message', async () => {
    const { file } = await script(
      'networksetup',
      'case "$1" in -listallhardwareports) printf "Hardware Port: Wi-Fi\\nDevice: en0\\n";; ' +
        '-getairportnetwork) echo "Current Wi-Fi Network: Home";; ' +
        '-setairportnetwork) echo "Failed to join network $3 with password $4. Error: -3900.";; esac',
    );
    const wifi = new NetworksetupWifi({ file });
    assert.deepEqual(await wifi.current(tool), { iface: 'en0', ssid: 'Home' });
    const err = await rejectsWith(wifi.join({ ssid: 'PROV_A1', passphrase: AP_PSK }, tool), 'CONNECTION_LOST');
    assert.match(
      err.message,
      /could not join "PROV_A1": networksetup said: Failed to join network PROV_A1 with password \*\*\*/,
    );
    assert.ok(!err.message.includes(AP_PSK));
  });

  test('netsh: the join adds a profile from a file (the key never in argv), connects; restore reconnects and deletes it', async () => {
    const { file, log } = await script(
      'netsh',
      'case "$2 $3" in "show interfaces") printf "    Name : Wi-Fi\\r\\n    State : connected\\r\\n    SSID : Home\\r\\n    Profile : Home\\r\\n";; ' +
        '"add profile") f="${4#filename=}"; grep -q "<keyMaterial>' +
        AP_PSK +
        '</keyMaterial>" "$f" || exit 1;; esac',
    );
    const wifi = new NetshWifi({ file });
    const previous = await wifi.current(tool);
    assert.deepEqual(previous, { iface: 'Wi-Fi', ssid: 'Home', connection: 'Home' });
    const joined = await wifi.join({ ssid: 'PROV_A1', passphrase: AP_PSK }, tool);
    await wifi.restore(previous, joined, tool);
    const calls = (await readFile(log, 'utf8')).trim().split('\n');
    assert.ok(calls.every((c) => !c.includes(AP_PSK)));
    assert.deepEqual(
      calls.map((c) => c.replace(/filename=\S+/, 'filename=…')),
      [
        'wlan show interfaces',
        'wlan show interfaces',
        'wlan add profile filename=… interface=Wi-Fi user=current',
        'wlan connect name=esp-prov-PROV_A1 ssid=PROV_A1 interface=Wi-Fi',
        'wlan connect name=Home interface=Wi-Fi',
        'wlan delete profile name=esp-prov-PROV_A1 interface=Wi-Fi',
      ],
    );
  });
});
