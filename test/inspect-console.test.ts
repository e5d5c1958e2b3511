/**
 * inspectDevice over the two console transports against the simulator, in each scheme and flavour: the manual
 * console one (a scripted person relays each printed line to the simulated device console and pastes back
 * the hex it prints) and the serial one (the simulator's UART console on a pseudo-terminal). The report's
 * fields are checked, and the device side counts that no configuration or control request arrived.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { utf8 } from '../src/bytes.js';
import { inspectDevice, type InspectOptions, type InspectReport } from '../src/diagnose/inspect.js';
import { serveConsoleOnPty } from '../src/sim/console-pty.js';
import { SimDevice } from '../src/sim/device.js';
import type { SimDeviceOptions } from '../src/sim/options.js';
import { openSerialTransport } from '../src/transport/serial.js';
import type { Transport } from '../src/transport/transport.js';
import { manualConsolePerson } from './helpers/console-fakes.js';
import { QUICK } from './helpers/e2e.js';

interface Case {
  name: string;
  device: SimDeviceOptions;
  client: InspectOptions['security'];
  check(r: InspectReport): void;
}

const ids = (r: InspectReport) => r.findings.map((f) => f.id).sort();
const handshakeAndScan = (r: InspectReport, security: number) => {
  assert.equal(r.handshake?.ok, true, JSON.stringify(r.handshake));
  assert.equal(r.handshake.ok && r.handshake.security, security);
  assert.ok(r.accessPoints && r.accessPoints.length > 0);
};

const CASES: Case[] = [
  {
    name: 'Security 0',
    device: { security: { version: 0 } },
    client: {},
    check: (r) => {
      handshakeAndScan(r, 0);
      assert.deepEqual(ids(r), ['security-0']);
    },
  },
  {
    name: 'Security 1 with PoP',
    device: { security: { version: 1, pop: utf8('abcd1234') } },
    client: { pop: 'abcd1234' },
    check: (r) => {
      assert.equal(r.security?.popRequired, true);
      handshakeAndScan(r, 1);
      assert.deepEqual(ids(r), []);
    },
  },
  {
    name: 'Security 1 without PoP (netprov-wifi)',
    device: { security: { version: 1 }, flavour: 'netprov-wifi' },
    client: {},
    check: (r) => {
      assert.match(r.protoVer?.info.version ?? '', /^netprov/);
      handshakeAndScan(r, 1);
      assert.deepEqual(ids(r), ['no-pop']);
    },
  },
  {
    name: 'Security 2 (its Cmd0 does not fit a console line)',
    device: { security: { version: 2, username: utf8('u'), password: utf8('p4ss') }, patchLevel: 1 },
    client: { username: 'u', password: 'p4ss' },
    check: (r) => {
      assert.equal(r.protoVer?.info.secVer, 2);
      assert.equal(r.protoVer?.info.secPatchVer, 1);
      assert.equal(r.handshake?.ok, false);
      assert.equal(!r.handshake.ok && r.handshake.code, 'UNSUPPORTED');
      assert.deepEqual(ids(r), ['handshake-failed']);
    },
  },
];

function manualConsole(device: SimDevice): Transport {
  return manualConsolePerson(device, 7);
}

async function inspectOver(kind: 'console' | 'serial', c: Case): Promise<{ report: InspectReport; seen: string[] }> {
  const device = new SimDevice({ ...QUICK, ...c.device });
  const seen: string[] = [];
  device.on('request', (e) => seen.push(e.endpoint));
  const pty = kind === 'serial' ? await serveConsoleOnPty(device, { crlf: true }) : undefined;
  const transport = pty ? await openSerialTransport({ path: pty.path }) : manualConsole(device);
  try {
    const report = await inspectDevice({
      transport,
      requestTimeoutMs: 5000,
      ...(c.client ? { security: c.client } : {}),
    });
    return { report, seen };
  } finally {
    await transport.close();
    await pty?.close();
    device.stop();
  }
}

for (const kind of ['console', 'serial'] as const) {
  describe(`inspect over ${kind}`, () => {
    for (const c of CASES) {
      it(c.name, async () => {
        const { report, seen } = await inspectOver(kind, c);
        assert.equal(report.link.kind, kind);
        assert.equal(report.link.endpoints, undefined);
        assert.equal(report.protoVer?.info.secVer, c.device.security?.version);
        c.check(report);
        assert.deepEqual(
          seen.filter((e) => e === 'prov-config' || e === 'prov-ctrl'),
          [],
        );
      });
    }
  });
}
