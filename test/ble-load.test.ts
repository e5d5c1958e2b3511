/** Loading noble: missing package, adapter states per OS, adapter choice, noble's console output. */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { discoverBleDevices, openBleTransport } from '../src/transport/ble.js';
import { captureNobleConsole, loadNoble, parseAdapter, type NobleLoader } from '../src/transport/ble-load.js';
import { createFakeNoble, fakeNobleLoader } from '../src/testing/ble-fake-bindings.js';
import { FakeDevice, model } from './ble-fixtures.js';
import { isCode, rejectsWith } from './helpers/rejects.js';
import { settle, until } from './helpers/settle.js';
import { ManualClock } from '../src/timers.js';

void describe('loading noble', () => {
  void test('a missing @stoprocent/noble is TRANSPORT_UNAVAILABLE with the install command', async () => {
    const loader: NobleLoader = () =>
      Promise.reject(
        Object.assign(new Error("Cannot find package '@stoprocent/noble'"), { code: 'ERR_MODULE_NOT_FOUND' }),
      );
    const before = console.log;
    for (const attempt of [
      () => openBleTransport({ loader, serviceName: 'PROV_1' }),
      () => discoverBleDevices({ loader }),
    ]) {
      const err = await rejectsWith(attempt(), 'TRANSPORT_UNAVAILABLE', /BLE support .* is not installed$/);
      assert.match(String(err.details?.['hint']), /npm install @stoprocent\/noble/);
      // One sentence: the loader's own words (a stack of internals) stay in details, shown under -v.
      assert.doesNotMatch(err.message, /Cannot find package/);
    }
    assert.equal(console.log, before, 'console restored');
  });

  void test('a native load failure is TRANSPORT_UNAVAILABLE too, never another transport', async () => {
    const loader: NobleLoader = () => Promise.reject(new Error('bluetooth_hci_socket.node: invalid ELF header'));
    const err = await rejectsWith(discoverBleDevices({ loader, platform: 'linux' }), 'TRANSPORT_UNAVAILABLE', {
      details: { reason: 'bluetooth_hci_socket.node: invalid ELF header' },
    });
    assert.doesNotMatch(err.message, /ELF/);
    assert.match(String(err.details?.['hint']), /softap/);
  });

  const states: [string, NodeJS.Platform, RegExp][] = [
    ['unsupported', 'linux', /bluetoothctl show.*another, hciN.*setcap cap_net_raw\+eip/],
    ['unauthorized', 'linux', /sudo setcap cap_net_raw\+eip \$\(readlink -f \$\(which node\)\)/],
    ['unauthorized', 'darwin', /Privacy & Security > Bluetooth/],
    ['unsupported', 'win32', /Device Manager/],
  ];
  for (const [state, platform, advice] of states) {
    void test(`adapter ${state} on ${platform}: actionable TRANSPORT_UNAVAILABLE, noble stopped`, async () => {
      const fake = fakeNobleLoader({ peripherals: [], state: state as 'unsupported' });
      const err = await rejectsWith(
        discoverBleDevices({ loader: fake.loader, platform, powerOnTimeoutMs: 10_000 }),
        'TRANSPORT_UNAVAILABLE',
        /^BLE unavailable: [^.\n]*$/,
      );
      assert.match(String(err.details?.['hint']), advice);
      assert.doesNotMatch(String(err.details?.['hint']), /\n/);
      assert.equal(fake.bindings[0]!.stopped, true);
    });
  }

  void test('an adapter that stays off fails at the deadline with the power-on advice', async () => {
    const fake = fakeNobleLoader({ peripherals: [], state: 'poweredOff' });
    const clock = new ManualClock();
    const err = await rejectsWith(
      settle(clock, discoverBleDevices({ loader: fake.loader, platform: 'win32', powerOnTimeoutMs: 30, clock }), 1),
      'TRANSPORT_UNAVAILABLE',
      /not ready after 30 ms/,
    );
    assert.match(String(err.details?.['hint']), /Settings > Bluetooth/);
    assert.equal(fake.bindings[0]!.stopped, true);
  });

  void test('an abort while waiting for the adapter is CANCELLED', async () => {
    const fake = fakeNobleLoader({ peripherals: [], state: 'poweredOff' });
    const ac = new AbortController();
    const pending = loadNoble({ loader: fake.loader, powerOnTimeoutMs: 10_000, signal: ac.signal });
    await until(() => fake.bindings.length === 1, 'noble was loaded');
    ac.abort();
    await assert.rejects(pending, isCode('CANCELLED'));
    assert.equal(fake.bindings[0]!.stopped, true);
  });

  void test('--ble-adapter hci1 reaches the loader and NOBLE_HCI_DEVICE_ID', async () => {
    const saved = process.env['NOBLE_HCI_DEVICE_ID'];
    const seen: unknown[] = [];
    const fake = fakeNobleLoader({ peripherals: [] });
    try {
      const handle = await loadNoble({
        adapter: 'hci1',
        loader: (o) => {
          seen.push(o);
          return fake.loader(o);
        },
      });
      handle.release();
      assert.deepEqual(seen, [{ deviceId: 1, adapterId: 'hci1' }]);
      assert.equal(process.env['NOBLE_HCI_DEVICE_ID'], '1');
    } finally {
      if (saved === undefined) delete process.env['NOBLE_HCI_DEVICE_ID'];
      else process.env['NOBLE_HCI_DEVICE_ID'] = saved;
    }
    assert.equal(parseAdapter('0'), 0);
    assert.throws(() => parseAdapter('wlan0'), isCode('USAGE'));
  });
});

void describe("noble's console output", () => {
  let printed: string[];
  let original: typeof console.log;
  beforeEach(() => {
    printed = [];
    original = console.log;
    console.log = (...args: unknown[]) => void printed.push(args.join(' '));
  });
  afterEach(() => {
    console.log = original;
  });

  void test('goes to the logger while noble is loaded; other output passes; restored afterwards', async () => {
    const patched = console.log;
    const logged: string[] = [];
    const loader: NobleLoader = async () => {
      const { noble, bindings } = await createFakeNoble({ peripherals: [model(new FakeDevice())] });
      const start = bindings.start.bind(bindings);
      bindings.start = () => {
        // What noble's HCI binding prints when the adapter is unusable (research/deps.md §1).
        console.log('noble warning: adapter does not support Bluetooth Low Energy (BLE, Bluetooth Smart).');
        console.log('               Try to run with environment variable:');
        console.log('the application says hello');
        start();
        bindings.emit('warning', 'something odd');
      };
      return noble;
    };
    const handle = await loadNoble({
      loader,
      logger: { debug: (m) => logged.push(`D ${m}`), warn: (m) => logged.push(`W ${m}`) },
    });
    handle.release();
    assert.deepEqual(printed, ['the application says hello']);
    assert.deepEqual(logged.slice(0, 2), [
      'D noble warning: adapter does not support Bluetooth Low Energy (BLE, Bluetooth Smart).',
      'D Try to run with environment variable:',
    ]);
    assert.equal(console.log, patched, 'console.log restored');
  });

  void test('overlapping captures restore only when the last one ends', () => {
    const patched = console.log;
    const a = captureNobleConsole({});
    const b = captureNobleConsole({});
    a();
    assert.notEqual(console.log, patched);
    b();
    assert.equal(console.log, patched);
  });
});
