/**
 * The byte link under the serial transport. The real one goes through `serialport`, an optional dependency
 * with a native binding, imported only when a port is opened; a missing or broken install becomes
 * TRANSPORT_UNAVAILABLE with what to do, never a crash at start-up (STYLE.md: lazy, no silent fallback).
 */
import type { Duplex } from 'node:stream';
import type * as SerialPortNs from 'serialport';
import { EspProvError } from '../errors.js';

/** A byte link to the device: a serial port, or anything else carrying the console. */
export interface SerialLink {
  write(data: Uint8Array): Promise<void>;
  onData(listener: (chunk: Uint8Array) => void): void;
  onClose(listener: (error?: Error) => void): void;
  close(): Promise<void>;
}

export type SerialLinkFactory = (options: { path: string; baudRate: number }) => Promise<SerialLink>;

type SerialPortModule = typeof SerialPortNs;

/** Loads the optional `serialport` package; TRANSPORT_UNAVAILABLE with what to do when it is missing. */
export async function loadSerialPort(
  load: () => Promise<SerialPortModule> = () => import('serialport'),
): Promise<SerialPortModule> {
  try {
    return await load();
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    throw new EspProvError(
      'TRANSPORT_UNAVAILABLE',
      `the serial transport needs the optional package "serialport" and it could not be loaded (${reason}). ` +
        'Install it next to esp-prov (npm install serialport) on a platform with prebuilt bindings, or use the ' +
        'manual console transport instead',
      { cause: e },
    );
  }
}

/** A SerialLink over a real port, through the `serialport` package. */
export async function openSerialPortLink(options: { path: string; baudRate: number }): Promise<SerialLink> {
  const { SerialPort } = await loadSerialPort();
  const port = new SerialPort({ path: options.path, baudRate: options.baudRate, autoOpen: false });
  await new Promise<void>((resolve, reject) => {
    port.open((err) => (err ? reject(openError(options.path, err)) : resolve()));
  });
  return {
    write: (data) =>
      new Promise((resolve, reject) => {
        port.write(Buffer.from(data), (err) => (err ? reject(err) : port.drain(() => resolve())));
      }),
    onData: (listener) => port.on('data', (chunk: Buffer) => listener(chunk)),
    onClose: (listener) => {
      // An 'error' without a listener would crash the process; both end the link for us.
      port.on('error', (err: Error) => listener(err));
      port.on('close', (err?: Error | null) => listener(err ?? undefined));
    },
    close: () =>
      new Promise((resolve) => {
        if (!port.isOpen) return resolve();
        port.close(() => resolve());
      }),
  };
}

function openError(path: string, err: Error): EspProvError {
  const m = err.message;
  if (/ENOENT|No such file|cannot find|File not found/i.test(m)) {
    return new EspProvError('DEVICE_NOT_FOUND', `no serial port at ${path} (${m})`, { cause: err });
  }
  if (/EACCES|Permission denied|Access denied/i.test(m)) {
    return new EspProvError(
      'TRANSPORT_UNAVAILABLE',
      `permission denied opening ${path}: on Linux add yourself to the dialout (or uucp) group (${m})`,
      { cause: err },
    );
  }
  if (/EBUSY|Resource busy|lock/i.test(m)) {
    return new EspProvError('TRANSPORT_UNAVAILABLE', `${path} is in use by another program (${m})`, { cause: err });
  }
  return new EspProvError('TRANSPORT_UNAVAILABLE', `cannot open ${path}: ${m}`, { cause: err });
}

/** A SerialLink over any duplex stream (an in-memory pair, a socket relaying a UART). */
export function duplexSerialLink(stream: Duplex): SerialLink {
  return {
    write: (data) =>
      new Promise((resolve, reject) => {
        stream.write(Buffer.from(data), (err) => (err ? reject(err) : resolve()));
      }),
    onData: (listener) => stream.on('data', (chunk: Buffer) => listener(chunk)),
    onClose: (listener) => {
      let fired = false;
      const once = (err?: Error): void => {
        if (fired) return;
        fired = true;
        listener(err);
      };
      stream.on('close', () => once());
      stream.on('end', () => once());
      stream.on('error', (err) => once(err));
    },
    close: () =>
      new Promise((resolve) => {
        if (stream.destroyed) return resolve();
        stream.once('close', () => resolve());
        stream.destroy();
      }),
  };
}
