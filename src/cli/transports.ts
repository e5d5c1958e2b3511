/**
 * --transport → an open Transport. Each transport module is imported only when chosen (BLE loads noble,
 * serial loads serialport: both optional and slow). Manual transports (console, ble-manual) talk to the person
 * on stderr, unredacted: the lines they print are what the person must relay, byte for byte.
 */
import type { Readable } from 'node:stream';
import { EspProvError } from '../errors.js';
import type { Transport } from '../transport/transport.js';
import type { CommandContext } from './context.js';
import type { ProvisionArgs } from './commands/provision-options.js';
import { bleChoices } from './pickers.js';

export interface OpenedTransport {
  transport: Transport;
  /** "192.168.4.1:80", "PROV_261FCC (aa:bb:…)", "/dev/ttyUSB0", for messages. */
  where: string;
  close(): Promise<void>;
}

type Needs = Pick<
  ProvisionArgs,
  'transport' | 'serviceName' | 'timeoutMs' | 'bleAdapter' | 'baud' | 'secVer' | 'verbose'
>;

async function softap(a: Needs, ctx: CommandContext): Promise<OpenedTransport> {
  const { HttpTransport, parseServiceAddress, formatServiceAddress, DEFAULT_SERVICE_ADDRESS } =
    await import('../transport/http.js');
  const address = parseServiceAddress(a.serviceName ?? DEFAULT_SERVICE_ADDRESS);
  const transport = new HttpTransport({
    address,
    ...(a.timeoutMs ? { timeoutMs: a.timeoutMs } : {}),
    ...(ctx.io.clock ? { clock: ctx.io.clock } : {}),
    debug: (line) => ctx.out.debug(line),
  });
  return { transport, where: formatServiceAddress(address), close: () => transport.close() };
}

async function ble(a: Needs, ctx: CommandContext): Promise<OpenedTransport> {
  const { openBleTransport, discoverBleDevices } = await import('../transport/ble.js');
  const logger = { debug: (m: string) => ctx.out.debug(m), warn: (m: string) => ctx.out.debug(`warning: ${m}`) };
  const common = {
    adapter: a.bleAdapter,
    logger,
    signal: ctx.signal,
    ...(ctx.io.bleLoader ? { loader: ctx.io.bleLoader } : {}),
    ...(a.timeoutMs
      ? { scanTimeoutMs: a.timeoutMs, connectTimeoutMs: a.timeoutMs, requestTimeoutMs: a.timeoutMs }
      : {}),
  };
  let target: { serviceName?: string; address?: string };
  if (a.serviceName !== undefined) target = { serviceName: a.serviceName };
  else if (!ctx.interactive) {
    throw new EspProvError(
      'MISSING_INPUT',
      'name the BLE device: pass --service_name PROV_xxxxxx (or run in a terminal to pick one from a scan)',
    );
  } else {
    for (;;) {
      ctx.out.step('ble-scan', 'Scanning for BLE provisioning devices (PROV_…)…');
      const devices = await discoverBleDevices(common);
      if (devices.length === 0) ctx.out.step('ble-scan', 'No provisioning devices found.');
      const pick = await ctx.prompter().select('BLE device', bleChoices(devices, ctx.out.colors));
      if (pick === 'rescan') continue;
      target = pick.address ? { serviceName: pick.name, address: pick.address } : { address: pick.id };
      break;
    }
  }
  ctx.out.step('connecting', `Connecting to ${target.serviceName ?? target.address} over BLE…`, {
    transport: 'ble',
    ...target,
  });
  const transport = await openBleTransport({ ...common, ...target });
  const where = `${transport.device.name || '(no name)'}${transport.device.address ? ` (${transport.device.address})` : ''}`;
  return { transport, where, close: () => transport.close() };
}

async function manualBle(a: Needs, ctx: CommandContext): Promise<OpenedTransport> {
  const { openManualBleTransport } = await import('../transport/manual-ble.js');
  const transport = await openManualBleTransport({
    input: ctx.io.stdin as Readable,
    output: ctx.io.stderr,
    signal: ctx.signal,
    ...(a.serviceName !== undefined ? { deviceName: a.serviceName } : {}),
  });
  return { transport, where: a.serviceName ?? 'the BLE device', close: () => transport.close() };
}

async function consoleManual(_a: Needs, ctx: CommandContext): Promise<OpenedTransport> {
  const { createConsoleTransport } = await import('../transport/console.js');
  const transport = createConsoleTransport({
    input: ctx.io.stdin as Readable,
    output: ctx.io.stderr,
  });
  return { transport, where: 'the device console', close: () => transport.close() };
}

async function serial(a: Needs, ctx: CommandContext): Promise<OpenedTransport> {
  if (a.serviceName === undefined) {
    throw new EspProvError('MISSING_INPUT', 'name the serial port: --service_name /dev/ttyUSB0 (COM3 on Windows)');
  }
  const { openSerialTransport } = await import('../transport/serial.js');
  ctx.out.step('connecting', `Opening ${a.serviceName} at ${a.baud} baud…`, {
    transport: 'serial',
    port: a.serviceName,
  });
  const transport = await openSerialTransport({
    path: a.serviceName,
    baudRate: a.baud,
    signal: ctx.signal,
    onDeviceLine: (line) => ctx.out.debug(`device: ${line}`),
    ...(a.timeoutMs ? { requestTimeoutMs: a.timeoutMs, openTimeoutMs: a.timeoutMs } : {}),
  });
  return { transport, where: a.serviceName, close: () => transport.close() };
}

/** The built-in simulator, in this process, served over loopback HTTP like a real SoftAP device. */
async function sim(a: Needs, ctx: CommandContext): Promise<OpenedTransport> {
  const { startSimulator } = await import('./simulator.js');
  const running = await startSimulator({ sec: a.secVer ?? 2, signal: ctx.signal, fast: true, clock: ctx.io.clock });
  const opened = await softap({ ...a, serviceName: `${running.host}:${running.port}` }, ctx);
  return {
    transport: opened.transport,
    where: opened.where,
    async close() {
      await opened.close();
      await running.close();
    },
  };
}

export async function openTransport(a: Needs, ctx: CommandContext): Promise<OpenedTransport> {
  switch (a.transport) {
    case 'softap': {
      const opened = await softap(a, ctx);
      ctx.out.step('connecting', `Connecting to ${opened.where} (SoftAP/HTTP)…`, {
        transport: 'softap',
        address: opened.where,
      });
      return opened;
    }
    case 'ble':
      return ble(a, ctx);
    case 'ble-manual':
      return manualBle(a, ctx);
    case 'console':
      return consoleManual(a, ctx);
    case 'serial':
      return serial(a, ctx);
    case 'sim': {
      const opened = await sim(a, ctx);
      ctx.out.step('connecting', `Connecting to the simulator at ${opened.where}…`, {
        transport: 'sim',
        address: opened.where,
      });
      return opened;
    }
    case undefined:
      throw new EspProvError(
        'USAGE',
        '--transport is required: softap (httpd), ble, ble-manual, console, serial or sim',
      );
  }
}
