/**
 * Child process for test/ble-exit.test.ts: uses BLE and then simply returns. The parent checks that the process
 * exits by itself (noble stopped) and that nothing reached stdout. Prints its outcome as JSON on stderr.
 */
import { discoverBleDevices, openBleTransport } from '../src/transport/ble.js';
import { EspProvError } from '../src/errors.js';
import { fakeNobleLoader } from '../src/testing/ble-fake-bindings.js';
import { FakeDevice, model } from './ble-fixtures.js';

const report = (o: unknown): void => void process.stderr.write(`${JSON.stringify(o)}\n`);

async function main(mode: string | undefined): Promise<void> {
  if (mode === 'real') {
    // The real @stoprocent/noble on this machine: no adapter, or a real scan that finds nothing named so.
    try {
      await discoverBleDevices({ serviceName: 'PROV_NO_SUCH_DEVICE', scanTimeoutMs: 200, powerOnTimeoutMs: 3000 });
      report({ code: 'FOUND' });
    } catch (e) {
      report({ code: e instanceof EspProvError ? e.code : String(e) });
    }
    return;
  }
  // Fake bindings that, like the HCI binding, keep the event loop alive until noble.stop().
  const fake = fakeNobleLoader({ peripherals: [model(new FakeDevice(), { name: 'PROV_EXIT' })], keepAlive: true });
  const t = await openBleTransport({ loader: fake.loader, serviceName: 'PROV_EXIT', scanTimeoutMs: 500 });
  const reply = await t.request('proto-ver', new TextEncoder().encode('---'));
  await t.close();
  report({ code: 'OK', reply: Buffer.from(reply).toString() });
}

await main(process.argv[2]);
