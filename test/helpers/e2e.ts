/**
 * One end-to-end harness, run over every transport that reaches the simulator in-process: the in-memory
 * transport and real HTTP on loopback (BLE and serial run the same flows in their own suites).
 * The simulator runs on the wall clock with short delays and the client polls quickly, unless the caller
 * gives a clock: then device, server and client transport all run on it (a ManualClock the test moves).
 */
import { fromUtf8, utf8 } from '../../src/bytes.js';
import type { ProvisionOptions } from '../../src/provision/flow.js';
import { SimDevice } from '../../src/sim/device.js';
import { startHttpServer } from '../../src/sim/http-server.js';
import type { SimDeviceOptions } from '../../src/sim/options.js';
import { HttpTransport } from '../../src/transport/http.js';
import { BLE_STACK_LIMITS, openBleTransport } from '../../src/transport/ble.js';
import { BleGattModel } from '../../src/sim/ble-gatt-model.js';
import { fakeNobleLoader } from '../../src/testing/ble-fake-bindings.js';
import { MemoryTransport } from '../../src/transport/memory.js';
import type { Transport, TransportLimits } from '../../src/transport/transport.js';
import type { Clock } from '../../src/timers.js';

export const QUICK: SimDeviceOptions = {
  applyDelayMs: 5,
  connectDelayMs: 20,
  attemptFailMs: 10,
  scanDurationMs: 20,
  scanGroupPauseMs: 2,
  cleanupDelayMs: 200,
  autoStopTimeoutMs: 5000,
  threadScanDurationMs: 20,
  attachDelayMs: 20,
  attachTimeoutMs: 100,
};

/** Client timing that suits QUICK devices. */
export const QUICK_CLIENT: Partial<ProvisionOptions> = {
  statusPoll: { firstMs: 10, maxMs: 40 },
  connectTimeoutMs: 5000,
  requestTimeoutMs: 2000,
};

export interface Rig {
  device: SimDevice;
  transport: Transport;
  /** A second transport to the same device (a new client / new connection). */
  reconnect(): Transport;
  close(): Promise<void>;
}

export type RigKind = 'memory' | 'http' | 'ble-nimble' | 'ble-bluedroid';
/** BLE runs noble's own Linux GATT client over fake bindings serving the simulator's GATT model. */
export const RIG_KINDS: RigKind[] = ['memory', 'http', 'ble-nimble', 'ble-bluedroid'];

let nextSession = 100;

export async function rig(
  kind: RigKind,
  options: SimDeviceOptions,
  limits?: TransportLimits,
  clock?: Clock,
): Promise<Rig> {
  const onClock = clock ? { clock } : {};
  const device = new SimDevice({ ...QUICK, ...options, ...onClock });
  const transports: Transport[] = [];
  const track = <T extends Transport>(t: T): T => (transports.push(t), t);
  if (kind === 'memory') {
    const make = () =>
      track(new MemoryTransport(device, { sessionId: nextSession++, ...(limits ? { limits } : {}), ...onClock }));
    return {
      device,
      transport: make(),
      reconnect: make,
      async close() {
        for (const t of transports) await t.close();
        device.stop();
      },
    };
  }
  if (kind === 'ble-nimble' || kind === 'ble-bluedroid') {
    const stack = kind === 'ble-nimble' ? 'nimble' : 'bluedroid';
    const model = new BleGattModel({ device, name: 'PROV_E2E', stack });
    const { loader } = fakeNobleLoader({ peripherals: [model], gattClient: 'noble-hci' });
    const open = () =>
      openBleTransport({
        loader,
        serviceName: 'PROV_E2E',
        stack,
        scanTimeoutMs: 1000,
        powerOnTimeoutMs: 1000,
        connectTimeoutMs: 3000,
        requestTimeoutMs: 5000,
        ...onClock,
      }).then(track);
    const first = await open();
    // A lazily connecting transport, so reconnect() stays synchronous like the others.
    const lazy = (): Transport => {
      let t: Promise<Transport> | undefined;
      const get = () => (t ??= open());
      return {
        kind: 'ble',
        limits: BLE_STACK_LIMITS[stack],
        request: (e, d, o) => get().then((x) => x.request(e, d, o)),
        close: () => (t ? t.then((x) => x.close()) : Promise.resolve()),
      };
    };
    return {
      device,
      transport: first,
      reconnect: lazy,
      async close() {
        for (const t of transports) await t.close();
        device.stop();
      },
    };
  }
  const server = await startHttpServer(device, { host: '127.0.0.1', port: 0, ...onClock });
  const make = () => track(new HttpTransport({ address: `127.0.0.1:${server.port}`, timeoutMs: 3000, ...onClock }));
  return {
    device,
    transport: make(),
    reconnect: make,
    async close() {
      for (const t of transports) await t.close();
      await server.close();
      device.stop();
    },
  };
}

export const SEC = {
  sec0: { device: { security: { version: 0 } }, client: {} },
  sec1: { device: { security: { version: 1, pop: utf8('abcd1234') } }, client: { pop: 'abcd1234' } },
  sec1NoPop: { device: { security: { version: 1 } }, client: {} },
  sec2p0: {
    device: { security: { version: 2, username: utf8('wifiprov'), password: utf8('abcd1234') }, patchLevel: 0 },
    client: { username: 'wifiprov', password: 'abcd1234' },
  },
  sec2p1: {
    device: { security: { version: 2, username: utf8('wifiprov'), password: utf8('abcd1234') }, patchLevel: 1 },
    client: { username: 'wifiprov', password: 'abcd1234' },
  },
} as const satisfies Record<string, { device: SimDeviceOptions; client: Record<string, string> }>;

export function ssidText(ssid: Uint8Array): string {
  return fromUtf8(ssid);
}
