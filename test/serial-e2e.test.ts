/**
 * End to end over a real pseudo-terminal: the simulated device (SimDevice) behind its console scheme, the
 * serial transport opening the PTY slave with `serialport`, and the whole provisioning flow on top.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fromUtf8, utf8 } from '../src/bytes.js';
import { isCode, rejectsWith } from './helpers/rejects.js';
import { provision } from '../src/provision/flow.js';
import { serveConsoleOnPty, type ConsolePty } from '../src/sim/console-pty.js';
import { SimDevice } from '../src/sim/device.js';
import type { SimDeviceOptions } from '../src/sim/options.js';
import { openSerialTransport } from '../src/transport/serial.js';

const fast = { applyDelayMs: 10, connectDelayMs: 10, scanDurationMs: 10, cleanupDelayMs: 100 };

async function withPty<T>(options: SimDeviceOptions, run: (pty: ConsolePty) => Promise<T>): Promise<T> {
  const pty = await serveConsoleOnPty(new SimDevice({ ...fast, ...options }), { crlf: true });
  try {
    return await run(pty);
  } finally {
    await pty.close();
  }
}

describe('serial transport end to end (SimDevice on a PTY)', () => {
  it('Security 1 with PoP: handshake, custom data, scan, Wi-Fi join', async () => {
    await withPty({ security: { version: 1, pop: utf8('abcd1234') } }, async (pty) => {
      const transport = await openSerialTransport({ path: pty.path });
      try {
        const result = await provision({
          transport,
          security: { pop: 'abcd1234' },
          custom: [{ endpoint: 'custom-data', data: utf8('hello') }],
          selectAccessPoint: (aps) => {
            const home = aps.find((ap) => fromUtf8(ap.ssid) === 'HomeNetwork');
            assert.ok(home, 'the scan over the console lists HomeNetwork');
            return Promise.resolve({ ssid: home.ssid });
          },
          askPassphrase: () => Promise.resolve(utf8('correct-horse-battery')),
        });
        assert.equal(result.network, 'wifi');
        assert.equal(result.network === 'wifi' && result.connected.ip, '192.168.1.100');
      } finally {
        await transport.close();
      }
    });
  });

  it('a wrong PoP: the device prints only a log line → HANDSHAKE_FAILED caused by CONNECTION_LOST', async () => {
    await withPty({ security: { version: 1, pop: utf8('abcd1234') } }, async (pty) => {
      const transport = await openSerialTransport({ path: pty.path });
      try {
        await rejectsWith(provision({ transport, security: { pop: 'wrong' }, network: 'none' }), 'HANDSHAKE_FAILED', {
          cause: isCode('CONNECTION_LOST', { endpoint: 'prov-session' }),
        });
      } finally {
        await transport.close();
      }
    });
  });

  it('Security 2 is refused before anything is typed: its Cmd0 does not fit a console line', async () => {
    await withPty({}, async (pty) => {
      const transport = await openSerialTransport({ path: pty.path });
      try {
        await rejectsWith(
          provision({ transport, security: { username: 'wifiprov', password: 'abcd1234' }, network: 'none' }),
          'UNSUPPORTED',
          { endpoint: 'prov-session' },
        );
      } finally {
        await transport.close();
      }
    });
  });
});
