/**
 * Exposes the simulated console on a pseudo-terminal, so that `esp-prov --transport serial --port <path>` (or
 * any terminal program) can talk to the simulator as to a board on a USB UART. Node cannot open a PTY master
 * without a native module, so a few lines of python3 (os.openpty) hold the pair and relay the master side to
 * their stdin/stdout; the console server runs on that pipe. The slave is put in raw mode so that the line
 * discipline neither echoes nor translates `\r` before a client has opened it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { Duplex } from 'node:stream';
import { EspProvError } from '../errors.js';
import { serveConsole, type ConsoleServer, type ConsoleServerOptions } from './console-server.js';
import type { ProtocommDevice } from '../protocol/device.js';

/** Relay: prints the slave path on stderr, then copies master <-> stdin/stdout until stdin closes. */
export const PTY_RELAY_SCRIPT = `
import os, select, sys, tty
master, slave = os.openpty()
tty.setraw(slave)
sys.stderr.write(os.ttyname(slave) + "\\n")
sys.stderr.flush()
fin, fout = sys.stdin.fileno(), sys.stdout.fileno()
def put(fd, data):
    while data:
        data = data[os.write(fd, data):]
while True:
    ready, _, _ = select.select([master, fin], [], [])
    if master in ready:
        put(fout, os.read(master, 4096))
    if fin in ready:
        data = os.read(fin, 4096)
        if not data:
            break
        put(master, data)
`;

export interface ConsolePtyOptions extends ConsoleServerOptions {
  /** Python interpreter. Default `python3`. */
  python?: string;
  /** Deadline for the relay to report its path, ms. Default 5000. */
  startTimeoutMs?: number;
}

export interface ConsolePty {
  /** The slave side to open as a serial port, e.g. `/dev/pts/3`. */
  readonly path: string;
  readonly server: ConsoleServer;
  /** Stops the console and the relay; the path disappears. */
  close(): Promise<void>;
  /** Resolves when the relay has exited (closed, or died). */
  readonly closed: Promise<void>;
}

export async function serveConsoleOnPty(device: ProtocommDevice, options: ConsolePtyOptions = {}): Promise<ConsolePty> {
  const python = options.python ?? 'python3';
  const child = spawn(python, ['-u', '-c', PTY_RELAY_SCRIPT], { stdio: ['pipe', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  let path: string;
  try {
    path = await readPath(child, options.startTimeoutMs ?? 5000, python);
  } catch (e) {
    child.kill();
    throw e;
  }
  const { stdin, stdout } = child;
  const pipe = new Duplex({
    read() {
      stdout.resume();
    },
    write(chunk: Buffer, _encoding, callback) {
      stdin.write(chunk, (err) => callback(err ?? null));
    },
    final(callback) {
      stdin.end(callback);
    },
  });
  stdout.on('data', (chunk: Buffer) => {
    if (!pipe.push(chunk)) stdout.pause();
  });
  stdout.on('end', () => pipe.push(null));
  stdin.on('error', () => pipe.destroy());
  const server = serveConsole(device, pipe, options);
  const close = async (): Promise<void> => {
    server.close();
    await server.closed;
    stdin.end();
    // Wall time on purpose: a real child process on a real pseudo-terminal, which no simulated clock moves.
    const timer = setTimeout(() => child.kill(), 2000);
    await exited;
    clearTimeout(timer);
    pipe.destroy();
  };
  return { path, server, close, closed: exited };
}

function readPath(child: ChildProcess, timeoutMs: number, python: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const fail = (message: string, cause?: unknown): void => {
      cleanup();
      reject(new EspProvError('TRANSPORT_UNAVAILABLE', message, cause === undefined ? {} : { cause }));
    };
    const onData = (chunk: Buffer): void => {
      text += chunk.toString('utf8');
      const nl = text.indexOf('\n');
      if (nl < 0) return;
      cleanup();
      resolve(text.slice(0, nl).trim());
    };
    const onError = (e: Error): void =>
      fail(`cannot start ${python} to create a pseudo-terminal for the console simulator: ${e.message}`, e);
    const onExit = (): void => fail(`${python} exited before creating a pseudo-terminal: ${text.trim()}`);
    // Wall time on purpose: a real Python process is starting up (see close() above).
    const timer = setTimeout(
      () => fail(`${python} did not create a pseudo-terminal within ${timeoutMs} ms`),
      timeoutMs,
    );
    function cleanup(): void {
      clearTimeout(timer);
      child.stderr?.off('data', onData);
      child.off('error', onError);
      child.off('exit', onExit);
    }
    child.stderr?.on('data', onData);
    child.once('error', onError);
    child.once('exit', onExit);
  });
}
