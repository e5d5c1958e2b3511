/**
 * Test harness for the device simulator: a SimDevice on a ManualClock plus a minimal client built from the
 * project's own client security schemes and protobuf codecs, talking to the device directly (handle()), so
 * the device's behaviour is observed exactly as a transport would see it.
 */
import { netprov } from '../src/gen/proto.js';
import { Sec0Client } from '../src/security/sec0.js';
import type { ClientSecurity } from '../src/security/scheme.js';
import { ManualClock } from '../src/timers.js';
import { SimDevice } from '../src/sim/device.js';
import type { SimDeviceOptions } from '../src/sim/options.js';
import { settle } from './helpers/settle.js';

/** Short simulated delays: tests advance a ManualClock, so these only set the order of events. */
export const FAST: SimDeviceOptions = {
  applyDelayMs: 10,
  connectDelayMs: 30,
  attemptFailMs: 10,
  scanDurationMs: 130,
  scanGroupPauseMs: 5,
  cleanupDelayMs: 50,
  autoStopTimeoutMs: 1000,
  threadScanDurationMs: 50,
  attachDelayMs: 30,
  attachTimeoutMs: 200,
};

/** Deterministic "hardware randomness" for reproducible devices. */
export function counterRandom(seed = 1): (n: number) => Uint8Array {
  let x = seed;
  return (n) =>
    Uint8Array.from({ length: n }, () => {
      x = (x * 1103515245 + 12345) >>> 0;
      return x >>> 24;
    });
}

export function makeDevice(options: SimDeviceOptions = {}): { device: SimDevice; clock: ManualClock } {
  const clock = new ManualClock();
  const device = new SimDevice({ security: { version: 0 }, random: counterRandom(), ...FAST, ...options, clock });
  return { device, clock };
}

export class TestClient {
  readonly device: SimDevice;
  readonly clock: ManualClock;
  readonly security: ClientSecurity;
  readonly sessionId: number;

  constructor(device: SimDevice, clock: ManualClock, security: ClientSecurity, sessionId = 1) {
    this.device = device;
    this.clock = clock;
    this.security = security;
    this.sessionId = sessionId;
  }

  /** Opens a transport session and runs the handshake. */
  static async connect(
    device: SimDevice,
    clock: ManualClock,
    security: ClientSecurity = new Sec0Client(),
    sessionId = 1,
  ): Promise<TestClient> {
    const client = new TestClient(device, clock, security, sessionId);
    device.openSession(sessionId);
    let request: Uint8Array | null = security.start();
    while (request) request = security.next(await client.raw('prov-session', request));
    return client;
  }

  raw(endpoint: string, data: Uint8Array): Promise<Uint8Array> {
    return settle(this.clock, this.device.handle(endpoint, this.sessionId, data));
  }

  async call(endpoint: string, plaintext: Uint8Array): Promise<Uint8Array> {
    return this.security.decrypt(await this.raw(endpoint, this.security.encrypt(plaintext)));
  }

  async config(msg: netprov.NetworkConfigPayload.$Properties): Promise<netprov.NetworkConfigPayload> {
    const bytes = await this.call('prov-config', netprov.NetworkConfigPayload.encode(msg).finish());
    return netprov.NetworkConfigPayload.decode(bytes);
  }

  async scan(msg: netprov.NetworkScanPayload.$Properties): Promise<netprov.NetworkScanPayload> {
    const bytes = await this.call('prov-scan', netprov.NetworkScanPayload.encode(msg).finish());
    return netprov.NetworkScanPayload.decode(bytes);
  }

  async ctrl(msg: netprov.NetworkCtrlPayload.$Properties): Promise<netprov.NetworkCtrlPayload> {
    const bytes = await this.call('prov-ctrl', netprov.NetworkCtrlPayload.encode(msg).finish());
    return netprov.NetworkCtrlPayload.decode(bytes);
  }

  // ---- Wi-Fi shorthands ----

  async setWifi(ssid: string, passphrase: string): Promise<number> {
    const enc = new TextEncoder();
    const r = await this.config({
      msg: 2,
      cmdSetWifiConfig: { ssid: enc.encode(ssid), passphrase: enc.encode(passphrase) },
    });
    return r.respSetWifiConfig?.status ?? -1;
  }

  async apply(): Promise<number> {
    const r = await this.config({ msg: 4 });
    return r.respApplyWifiConfig?.status ?? -1;
  }

  async status(): Promise<netprov.RespGetWifiStatus> {
    const r = await this.config({ msg: 0, cmdGetWifiStatus: {} });
    return r.respGetWifiStatus as netprov.RespGetWifiStatus;
  }
}
