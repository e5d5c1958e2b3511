/**
 * BleScanner over fake noble bindings: each named device once, scanning paused while a link is being opened
 * and resumed after, links that close without stopping the shared noble, an adapter that goes away failing
 * the scan, and a stop ending it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fakeNobleLoader } from '../src/testing/ble-fake-bindings.js';
import { BleScanner, type BleSeenDevice } from '../src/transport/ble-scanner.js';
import { FakeDevice, model } from './ble-fixtures.js';
import { isCode } from './helpers/rejects.js';
import { until } from './helpers/settle.js';

async function setup(names: string[]): Promise<{
  scanner: BleScanner;
  fake: ReturnType<typeof fakeNobleLoader>;
  models: ReturnType<typeof model>[];
}> {
  const models = names.map((name, i) => model(new FakeDevice(), { name, address: `e4:65:b8:00:02:0${i}` }));
  const fake = fakeNobleLoader({ peripherals: models, gattClient: 'direct' });
  const scanner = await BleScanner.open({ loader: fake.loader, powerOnTimeoutMs: 500 });
  return { scanner, fake, models };
}

describe('BleScanner', () => {
  it('reports each named device once, pauses the scan while a link opens, keeps noble for the run', async () => {
    const { scanner, fake, models } = await setup(['PROV_1', 'PROV_2']);
    const bindings = fake.bindings[0]!;
    const scanningAtConnect: boolean[] = [];
    const connect = bindings.connect.bind(bindings);
    bindings.connect = (id, parameters) => {
      scanningAtConnect.push(bindings.scanning);
      connect(id, parameters);
    };
    const stop = new AbortController();
    const seen: BleSeenDevice[] = [];
    const it = scanner.scan(stop.signal)[Symbol.asyncIterator]();
    for (let i = 0; i < 2; i++) seen.push((await it.next()).value as BleSeenDevice);
    assert.deepEqual(seen.map((d) => [d.name, d.address]).sort(), [
      ['PROV_1', 'e4:65:b8:00:02:00'],
      ['PROV_2', 'e4:65:b8:00:02:01'],
    ]);
    bindings.advertise(models[0]!); // the same device again: not news
    const t = await scanner.connect(seen[0]!, { connectTimeoutMs: 2000 });
    assert.deepEqual(scanningAtConnect, [false], 'the scan was paused while the link opened');
    await until(() => bindings.scanning, 'the scan resumed once the link was up');
    await t.close();
    assert.equal(bindings.stopped, false, "closing a board's link leaves the shared noble running");
    const third = it.next();
    stop.abort();
    assert.deepEqual(await third, { done: true, value: undefined });
    await until(() => !bindings.scanning, 'the scan stopped with its signal');
    scanner.close();
    assert.equal(bindings.stopped, true);
    assert.equal(fake.bindings.length, 1);
  });

  it('fails the scan when the adapter goes away', async () => {
    const { scanner, fake } = await setup(['PROV_1']);
    const it = scanner.scan(new AbortController().signal)[Symbol.asyncIterator]();
    assert.equal(((await it.next()).value as BleSeenDevice).name, 'PROV_1');
    const next = it.next();
    fake.bindings[0]!.emit('stateChange', 'poweredOff');
    await assert.rejects(next, isCode('TRANSPORT_UNAVAILABLE', /poweredOff/));
    scanner.close();
  });
});
