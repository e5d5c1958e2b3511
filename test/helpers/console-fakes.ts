/** Small fakes for the console tests: an in-memory duplex pair, a scripted ProtocommDevice, a scripted person. */
import { Duplex, PassThrough } from 'node:stream';
import { toHex } from '../../src/bytes.js';
import { DeviceFailure, type ProtocommDevice } from '../../src/protocol/device.js';
import { serveConsole } from '../../src/sim/console-server.js';
import { ConsoleTransport } from '../../src/transport/console.js';
import { ConsoleExchange, ConsoleLineSplitter } from '../../src/transport/console-framing.js';

/** Two connected duplex ends: what one writes, the other reads (Node 20 has no stream.duplexPair). */
export function duplexPair(): [Duplex, Duplex] {
  const ends: Duplex[] = [];
  const make = (peer: () => Duplex): Duplex =>
    new Duplex({
      read() {},
      write(chunk: Buffer, _enc, callback) {
        peer().push(chunk);
        callback();
      },
      final(callback) {
        peer().push(null);
        callback();
      },
    });
  ends.push(
    make(() => ends[1]!),
    make(() => ends[0]!),
  );
  return [ends[0]!, ends[1]!];
}

export interface FakeCall {
  endpoint: string;
  sessionId: number;
  data: Uint8Array;
}

/**
 * Endpoints: `echo` answers its request reversed-and-prefixed with 0xAA, `slow` does the same after `slowMs`,
 * `fail` always fails (DeviceFailure), `silent` never answers. Records sessions and calls.
 */
export class FakeDevice implements ProtocommDevice {
  readonly calls: FakeCall[] = [];
  readonly sessionEvents: string[] = [];
  readonly names: string[];
  slowMs = 80;

  constructor(names: string[] = ['echo', 'slow', 'fail', 'silent', 'proto-ver', 'prov-session', 'prov-config']) {
    this.names = names;
  }

  endpoints(): readonly string[] {
    return this.names;
  }

  openSession(sessionId: number): void {
    this.sessionEvents.push(`open ${sessionId}`);
  }

  closeSession(sessionId: number): void {
    this.sessionEvents.push(`close ${sessionId}`);
  }

  handle(endpoint: string, sessionId: number, data: Uint8Array): Promise<Uint8Array> {
    this.calls.push({ endpoint, sessionId, data: new Uint8Array(data) });
    if (endpoint === 'fail') return Promise.reject(new DeviceFailure('security1: Key mismatch. Close connection'));
    if (endpoint === 'silent') return new Promise(() => undefined);
    const reply = new Uint8Array([0xaa, ...[...data].reverse()]);
    if (endpoint === 'slow') return new Promise((resolve) => setTimeout(() => resolve(reply), this.slowMs));
    return Promise.resolve(reply);
  }
}

/** Collects everything written to a stream as latin1 text; `wait` rejects after `ms` so tests never hang. */
export function collect(stream: Duplex | PassThrough): {
  text: () => string;
  wait: (s: string, ms?: number) => Promise<void>;
} {
  let text = '';
  const waiters: { s: string; resolve: () => void }[] = [];
  stream.on('data', (chunk: Buffer) => {
    text += chunk.toString('latin1');
    for (const w of [...waiters]) {
      if (text.includes(w.s)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  });
  return {
    text: () => text,
    wait: (s, ms = 2000) =>
      text.includes(s)
        ? Promise.resolve()
        : new Promise<void>((resolve, reject) => {
            const timer = setTimeout(
              () => reject(new Error(`never saw ${JSON.stringify(s)} in ${JSON.stringify(text)}`)),
              ms,
            );
            waiters.push({
              s,
              resolve: () => {
                clearTimeout(timer);
                resolve();
              },
            });
          }),
  };
}

/**
 * The person at the manual console, scripted: types each line the client prints on the (simulated) device
 * console and pastes back the hex line the device prints, or an empty line when it printed none.
 */
export function manualConsolePerson(device: Parameters<typeof serveConsole>[0], sessionId: number): ConsoleTransport {
  const [deviceEnd, hostEnd] = duplexPair();
  serveConsole(device, deviceEnd, { crlf: true });
  const splitter = new ConsoleLineSplitter();
  const input = new PassThrough();
  let exchange: ConsoleExchange | null = null;
  hostEnd.on('data', (chunk: Buffer) => {
    for (const token of splitter.push(chunk)) {
      const outcome = exchange?.accept(token);
      if (!outcome) continue;
      exchange = null;
      input.write(outcome.kind === 'reply' ? `${toHex(outcome.data)}\n` : '\n');
    }
  });
  const person = {
    write(text: string): void {
      const m = /^Client->Device msg : (.*)\n$/.exec(text);
      if (!m) return;
      exchange = new ConsoleExchange(m[1]!);
      hostEnd.write(`${m[1]!}\r`);
    },
  };
  return new ConsoleTransport({ input, output: person, sessionId });
}
