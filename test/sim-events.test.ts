/** The simulator tells state changes after the request that caused them (what `sim --json` logs). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { utf8 } from '../src/bytes.js';
import { provision } from '../src/provision/flow.js';
import { SimDevice } from '../src/sim/device.js';
import { MemoryTransport } from '../src/transport/memory.js';
import { QUICK, QUICK_CLIENT } from './helpers/e2e.js';

test('state changes caused by a request come after its request event', async () => {
  const device = new SimDevice({ ...QUICK, security: { version: 0 } });
  const log: string[] = [];
  device.on('request', (e) => log.push(`request ${e.phase}`));
  device.on('state', (e) => log.push(`state ${e.kind}`));
  const transport = new MemoryTransport(device);
  try {
    await provision({
      ...QUICK_CLIENT,
      transport,
      wifi: { ssid: utf8('HomeNetwork'), passphrase: utf8('correct-horse-battery') },
    });
  } finally {
    await transport.close();
    device.stop();
  }
  const apply = log.indexOf('request apply');
  const firstState = log.findIndex((l) => l.startsWith('state'));
  assert.ok(apply >= 0 && firstState > apply, log.join('\n'));
});
