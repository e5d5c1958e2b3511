/** The simulated device console (PROTOCOL.md §2.3) byte for byte, quirks included. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toHex } from '../src/bytes.js';
import { atoi, hex2bin, serveConsole, splitArgv, type ConsoleServerOptions } from '../src/sim/console-server.js';
import { collect, duplexPair, FakeDevice } from './helpers/console-fakes.js';
import { until } from './helpers/settle.js';

async function start(options: ConsoleServerOptions = {}) {
  const device = new FakeDevice();
  const [deviceEnd, hostEnd] = duplexPair();
  const server = serveConsole(device, deviceEnd, { clock: () => 1234, ...options });
  const out = collect(hostEnd);
  await out.wait('\n>> ');
  /** Sends text and waits until the device has printed `count` prompts in total. */
  const send = async (text: string, prompts: number): Promise<void> => {
    hostEnd.write(Buffer.from(text, 'latin1'));
    await until(
      () => out.text().split('\n>> ').length - 1 >= prompts,
      () => `${prompts} prompts were printed (device output so far: ${JSON.stringify(out.text())})`,
    );
  };
  return { device, server, out, send, hostEnd };
}

describe('console server: output bytes', () => {
  it('prompts, echoes (\\r as \\r\\n) and answers \\r\\n<hex>\\r\\n', async () => {
    const { out, send, server } = await start();
    await send('echo 7 0102\r', 2);
    assert.equal(out.text(), '\n>> echo 7 0102\r\n\r\naa0201\r\n\n>> ');
    server.close();
    await server.closed;
  });

  it('with crlf, printf output gets \\r\\r\\n while echo and prompt stay raw', async () => {
    const { out, send } = await start({ crlf: true });
    await send('echo 7 0102\r', 2);
    assert.equal(out.text(), '\n>> echo 7 0102\r\n\r\r\naa0201\r\r\n\n>> ');
  });

  it('a failure prints only a (coloured) log line, then the next prompt', async () => {
    const { out, send } = await start();
    await send('fail 7 00\r', 2);
    assert.equal(
      out.text(),
      '\n>> fail 7 00\r\n\x1b[0;31mE (1234) security1: Key mismatch. Close connection\x1b[0m\n\n>> ',
    );
    const plain = await start({ colors: false });
    await plain.send('fail 7 00\r', 2);
    assert.match(plain.out.text(), /\r\nE \(1234\) security1: Key mismatch\. Close connection\n\n>> $/);
  });

  it('prints the banner before the first prompt', async () => {
    const { out } = await start({ banner: ['I (445) app: Starting provisioning'] });
    assert.equal(out.text(), 'I (445) app: Starting provisioning\n\n>> ');
  });
});

describe('console server: command parsing', () => {
  it('fewer than 3 arguments, unknown commands and empty lines print nothing', async () => {
    const { out, send, device } = await start();
    await send('echo 7\r', 2);
    await send('nope 1 00\r', 3);
    await send('\r', 4);
    assert.equal(out.text(), '\n>> echo 7\r\n\n>> nope 1 00\r\n\n>> \r\n\n>> ');
    assert.equal(device.calls.length, 0);
  });

  it('opens a new session only when the id changes (closing the previous one)', async () => {
    const { send, device } = await start();
    await send('echo 7 00\r', 2);
    await send('echo 7 00\r', 3);
    await send('echo 8 00\r', 4);
    assert.deepEqual(device.sessionEvents, ['open 7', 'close 7', 'open 8']);
    assert.deepEqual(
      device.calls.map((c) => c.sessionId),
      [7, 7, 8],
    );
  });

  it('-1 is atoi 0xffffffff = "no session yet": no session is opened for it', async () => {
    const { send, device } = await start();
    await send('echo -1 00\r', 2);
    assert.deepEqual(device.sessionEvents, []);
    assert.equal(device.calls[0]!.sessionId, 0xffffffff);
  });

  it('hex: either case, odd last digit kept as a nibble (the \\r is part of the argument), spaces split', async () => {
    const { send, device } = await start();
    await send('echo 1 ABcd\r', 2);
    await send('echo 1 abc\r', 3);
    await send('echo  1   ab \r', 4);
    await send('echo 1 "ab cd"\r', 5);
    assert.deepEqual(
      device.calls.map((c) => toHex(c.data)),
      ['abcd', 'ab0c', 'ab', 'abcd'],
    );
  });

  it('two lines arriving together are one line to the device', async () => {
    const { send, device } = await start();
    await send('echo 1 01\recho 1 02\r', 2);
    // argv: echo, 1, "01\recho", 1, "02\r": hex2bin scans "01", "\rec" (whitespace skipped), "ch".
    assert.equal(device.calls.length, 1);
    assert.equal(toHex(device.calls[0]!.data), '01ec0c');
  });

  it('a line longer than the buffer: 256 echoed, one byte lost, 255 parsed, the rest is the next line', async () => {
    const { out, send, device } = await start();
    const long = 'echo 1 ' + 'a'.repeat(293); // 300 characters, no \r
    await send(long, 2);
    assert.equal(device.calls.length, 1);
    assert.equal(device.calls[0]!.data.length, (255 - 7) / 2);
    assert.ok(device.calls[0]!.data.every((b) => b === 0xaa));
    await send('\r', 3);
    const expected =
      '\n>> ' + long.slice(0, 256) + '\r\naa' + 'aa'.repeat(124) + '\r\n\n>> ' + 'a'.repeat(43) + '\r\n\n>> ';
    assert.equal(out.text(), expected);
  });

  it('help lists the commands, but only when a space keeps the \\r out of its name', async () => {
    const { out, send } = await start();
    await send('help\r', 2);
    assert.equal(out.text(), '\n>> help\r\n\n>> ');
    await send('help \r', 3);
    assert.match(out.text(), /help \n {2}Print the list of registered commands\n/);
    assert.match(out.text(), /prov-session \n/);
  });

  it('stops when the stream ends', async () => {
    const { server, hostEnd } = await start();
    hostEnd.end();
    await server.closed;
  });
});

describe('console server: C helpers', () => {
  it('splitArgv follows esp_console_split_argv', () => {
    assert.deepEqual(splitArgv('a b  c', 8), ['a', 'b', 'c']);
    assert.deepEqual(splitArgv('a "b c" d', 8), ['a', 'b c', 'd']);
    assert.deepEqual(splitArgv('a\\ b\\\\c\\"', 8), ['a b\\c"']);
    assert.deepEqual(splitArgv('1 2 3 4 5 6 7 8 9', 8), ['1', '2', '3', '4', '5', '6', '7']);
    assert.deepEqual(splitArgv('   ', 8), []);
    assert.deepEqual(splitArgv('x\r', 8), ['x\r']);
  });

  it('atoi', () => {
    const table: [string, number][] = [
      ['0', 0],
      ['42', 42],
      ['  17x', 17],
      ['abc', 0],
      ['+5', 5],
      ['-1', 0xffffffff],
      ['99999999999', 0x7fffffff],
      ['-99999999999', 0x80000000],
    ];
    for (const [text, value] of table) assert.equal(atoi(text), value, text);
  });

  it('hex2bin (%2hhx per pair)', () => {
    const table: [string, string][] = [
      ['', ''],
      ['0', ''],
      ['00ff', '00ff'],
      ['FfEe', 'ffee'],
      ['abc', 'ab'],
      ['abc\r', 'ab0c'],
      ['zz12', '0012'],
      ['0x12', '0012'],
      ['-1', 'ff'],
    ];
    for (const [text, hex] of table) assert.equal(toHex(hex2bin(text)), hex, JSON.stringify(text));
  });
});
