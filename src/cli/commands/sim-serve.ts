/**
 * Putting one simulated device on the wire for `esp-prov sim` and `sim --replay`: the protocomm_httpd mirror
 * (SoftAP) or the device console on a pseudo-terminal (for `--transport serial`), and waiting for Ctrl-C.
 */
import type { ProtocommDevice } from '../../protocol/device.js';
import type { SimArgs } from './sim-options.js';

export interface ServedDevice {
  /** The `ready` line's facts for --json. */
  ready: Record<string, unknown>;
  /** Where a client reaches it: `host:port` (IPv6 in brackets) or the pty path. */
  where: string;
  stop: () => Promise<void>;
}

export async function serveDevice(
  device: ProtocommDevice,
  a: Pick<SimArgs, 'transport' | 'listen' | 'sec'>,
  signal: AbortSignal,
): Promise<ServedDevice> {
  if (a.transport === 'softap') {
    const { startHttpServer } = await import('../../sim/http-server.js');
    const server = await startHttpServer(device, {
      host: a.listen.host,
      port: a.listen.port,
      signal,
      // Security 0 has no transport-session hooks in protocomm (http-server.ts, tagSockets).
      tagSockets: a.sec !== 0,
    });
    return {
      ready: { event: 'ready', transport: 'softap', host: server.host, port: server.port },
      where: server.host.includes(':') ? `[${server.host}]:${server.port}` : `${server.host}:${server.port}`,
      stop: () => server.close(),
    };
  }
  const { serveConsoleOnPty } = await import('../../sim/console-pty.js');
  const pty = await serveConsoleOnPty(device);
  return { ready: { event: 'ready', transport: 'console', path: pty.path }, where: pty.path, stop: () => pty.close() };
}

/** Resolves when the run is interrupted (Ctrl-C / SIGTERM): a simulator serves until then. */
export function untilInterrupted(signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    if (signal.aborted) resolve();
    signal.addEventListener('abort', () => resolve(), { once: true });
  });
}
