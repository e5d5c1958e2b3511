/**
 * The simulator as the CLI runs it (`esp-prov sim`, `--transport sim`, `esp-prov demo`): a SimDevice served
 * over loopback HTTP by the simulated protocomm_httpd, exactly as a SoftAP device would be reached.
 * Security defaults are the ESP-IDF example's (PROTOCOL.md §5.8): Security 2 wifiprov/abcd1234 with the
 * example's salt and verifier, Security 1 PoP abcd1234.
 */
import { utf8 } from '../bytes.js';
import type { HttpServerEvent } from '../sim/http-server.js';
import type { SimDevice, SimRequestEvent } from '../sim/device.js';
import type { SimAccessPoint } from '../sim/access-points.js';
import type { SimDeviceOptions, SimSecurity } from '../sim/options.js';
import type { Clock } from '../timers.js';

export interface SimulatorOptions {
  sec: 0 | 1 | 2;
  /** Security 1 PoP; default abcd1234, "" for none. */
  pop?: string | undefined;
  username?: string | undefined;
  password?: string | undefined;
  salt?: Uint8Array | undefined;
  verifier?: Uint8Array | undefined;
  secPatch?: 0 | 1 | undefined;
  accessPoints?: readonly SimAccessPoint[] | undefined;
  /** Short device timings (scan, connect), for trying things and for the demo. */
  fast?: boolean;
  /** Any other device behaviour (flavour, faults, attempts, ...), passed to SimDevice as is. */
  device?: Partial<SimDeviceOptions>;
  host?: string;
  port?: number;
  signal?: AbortSignal;
  /** Device time (CliIo.clock: tests run the CLI and this device on one ManualClock). Default: the wall clock. */
  clock?: Clock | undefined;
  onRequest?: (e: SimRequestEvent) => void;
  onHttpEvent?: (e: HttpServerEvent) => void;
}

export interface RunningSimulator {
  device: SimDevice;
  host: string;
  port: number;
  close(): Promise<void>;
}

export const EXAMPLE_USERNAME = 'wifiprov';
export const EXAMPLE_SECRET = 'abcd1234';

/** Quick but still visibly step by step: the demo and `--transport sim` finish in a few seconds. */
export const FAST_TIMINGS: Partial<SimDeviceOptions> = {
  scanDurationMs: 600,
  applyDelayMs: 300,
  connectDelayMs: 900,
  attemptFailMs: 300,
  cleanupDelayMs: 1000,
};

export async function simSecurity(o: SimulatorOptions): Promise<SimSecurity> {
  if (o.sec === 0) return { version: 0 };
  if (o.sec === 1) return { version: 1, pop: utf8(o.pop ?? EXAMPLE_SECRET) };
  if (o.salt && o.verifier) return { version: 2, salt: o.salt, verifier: o.verifier };
  const username = o.username ?? EXAMPLE_USERNAME;
  const password = o.password ?? EXAMPLE_SECRET;
  if (username === EXAMPLE_USERNAME && password === EXAMPLE_SECRET) {
    const { EXAMPLE_WIFI_SEC2 } = await import('../sim/options.js');
    return { version: 2, salt: EXAMPLE_WIFI_SEC2.salt, verifier: EXAMPLE_WIFI_SEC2.verifier };
  }
  return { version: 2, username: utf8(username), password: utf8(password) };
}

export async function startSimulator(o: SimulatorOptions): Promise<RunningSimulator> {
  const [{ SimDevice }, { startHttpServer }] = await Promise.all([
    import('../sim/device.js'),
    import('../sim/http-server.js'),
  ]);
  const device = new SimDevice({
    security: await simSecurity(o),
    ...(o.secPatch !== undefined ? { patchLevel: o.secPatch } : {}),
    ...(o.accessPoints ? { accessPoints: o.accessPoints } : {}),
    ...(o.fast ? FAST_TIMINGS : {}),
    ...o.device,
    ...(o.clock ? { clock: o.clock } : {}),
  });
  if (o.onRequest) device.on('request', o.onRequest);
  const server = await startHttpServer(device, {
    host: o.host ?? '127.0.0.1',
    port: o.port ?? 0,
    ...(o.signal ? { signal: o.signal } : {}),
    ...(o.onHttpEvent ? { onEvent: o.onHttpEvent } : {}),
    ...(o.clock ? { clock: o.clock } : {}),
    // Security 0 has no transport-session hooks in protocomm (http-server.ts, tagSockets).
    tagSockets: o.sec !== 0,
  });
  return {
    device,
    host: server.host,
    port: server.port,
    async close() {
      await server.close();
      device.stop();
    },
  };
}
