/** The console line protocol (PROTOCOL.md §2.3): command lines, limits, and reading noisy device output. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { toHex } from '../src/bytes.js';
import { EspProvError } from '../src/errors.js';
import {
  buildConsoleLine,
  ConsoleExchange,
  ConsoleLineSplitter,
  consoleLineLength,
  consoleRequestLimit,
  maxConsolePayload,
  parseHexInput,
  parseLogLine,
  randomConsoleSessionId,
  type ConsoleOutcome,
  type ConsoleToken,
} from '../src/transport/console-framing.js';
import { isCode } from './helpers/rejects.js';

/** Device output shaped like a real capture: coloured logs, CRLF and LF endings, echo, prompts, a UTF-8 byte. */
const TRANSCRIPT =
  'I (445) app: Starting provisioning\r\n' +
  '\x1b[0;32mI (1035) wifi_prov_mgr: Provisioning started with service name : PROV_µ61FCC\x1b[0m\n' +
  '\n>> ' +
  'prov-session 4242 10015a0208\r\n' +
  '\r\n10015a0208aa\r\n' +
  '\n>> ' +
  'prov-config 4242 abcd\r\n' +
  '\x1b[0;31mE (2000) protocomm: Request handler for prov-config failed\x1b[0m\n' +
  '\n>> ';

const EXPECTED_TOKENS: ConsoleToken[] = [
  { type: 'line', text: 'I (445) app: Starting provisioning' },
  { type: 'line', text: 'I (1035) wifi_prov_mgr: Provisioning started with service name : PROV_µ61FCC' },
  { type: 'line', text: '' },
  { type: 'prompt' },
  { type: 'line', text: 'prov-session 4242 10015a0208' },
  { type: 'line', text: '' },
  { type: 'line', text: '10015a0208aa' },
  { type: 'line', text: '' },
  { type: 'prompt' },
  { type: 'line', text: 'prov-config 4242 abcd' },
  { type: 'line', text: 'E (2000) protocomm: Request handler for prov-config failed' },
  { type: 'line', text: '' },
  { type: 'prompt' },
];

function splitAt(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let from = 0;
  for (const p of [...points, bytes.length]) {
    chunks.push(bytes.subarray(from, p));
    from = p;
  }
  return chunks;
}

/** What a transport sees: the first outcome (it stops feeding the exchange then), or null. */
function outcome(line: string, tokens: ConsoleToken[]): ConsoleOutcome | null {
  const exchange = new ConsoleExchange(line);
  for (const t of tokens) {
    const o = exchange.accept(t);
    if (o) return o;
  }
  return null;
}

describe('command lines and the 256-byte limit', () => {
  it('builds <endpoint> <session-id> <hex>', () => {
    assert.equal(buildConsoleLine('prov-session', 0, new Uint8Array([0x52, 0x03, 0xa2])), 'prov-session 0 5203a2');
    assert.equal(consoleLineLength('prov-session', 0, 3), 'prov-session 0 5203a2\r'.length);
  });

  it('a line of 255 characters (\\r included) is accepted, 256 is refused before sending', () => {
    const n = maxConsolePayload('prov-session', 12345);
    assert.equal(n, 117);
    assert.equal(consoleLineLength('prov-session', 12345, n), 254);
    assert.doesNotThrow(() => buildConsoleLine('prov-session', 12345, new Uint8Array(n)));
    assert.equal(maxConsolePayload('prov-config', 12345), 118);
    assert.equal(consoleLineLength('prov-config', 12345, 118), 255);
    assert.throws(
      () => buildConsoleLine('prov-session', 12345, new Uint8Array(n + 1)),
      isCode('UNSUPPORTED', /256-byte lines/),
    );
  });

  it('Security 2 (406-byte first message) is refused with the reason', () => {
    assert.throws(
      () => buildConsoleLine('prov-session', 1, new Uint8Array(406)),
      isCode('UNSUPPORTED', { endpoint: 'prov-session', message: /Security 2 cannot run over the console scheme/ }),
    );
  });

  it('maxRequestBytes comes from the longest endpoint name and the session id', () => {
    assert.equal(consoleRequestLimit(12345), 117);
    assert.equal(consoleRequestLimit(0), 119);
    assert.equal(consoleRequestLimit(0, ['proto-ver']), 121);
  });

  it('refuses names the tokeniser would split or mangle, bad session ids, empty payloads', () => {
    const code = (f: () => unknown): string | undefined => {
      try {
        f();
      } catch (e) {
        return e instanceof EspProvError ? e.code : 'not coded';
      }
      return undefined;
    };
    assert.equal(
      code(() => buildConsoleLine('a b', 0, new Uint8Array(1))),
      'USAGE',
    );
    assert.equal(
      code(() => buildConsoleLine('a"b', 0, new Uint8Array(1))),
      'USAGE',
    );
    assert.equal(
      code(() => buildConsoleLine('', 0, new Uint8Array(1))),
      'USAGE',
    );
    assert.equal(
      code(() => buildConsoleLine('x', -1, new Uint8Array(1))),
      'USAGE',
    );
    assert.equal(
      code(() => buildConsoleLine('x', 1.5, new Uint8Array(1))),
      'USAGE',
    );
    assert.equal(
      code(() => buildConsoleLine('x', 0, new Uint8Array(0))),
      'INTERNAL',
    );
  });

  it('random session ids are 1..99999', () => {
    assert.equal(
      randomConsoleSessionId(() => 0),
      1,
    );
    assert.equal(
      randomConsoleSessionId(() => 0.9999999999),
      99999,
    );
  });
});

describe('reading device output', () => {
  it('splits a noisy transcript into lines and prompts (colours and \\r removed, prompt cut off the echo)', () => {
    assert.deepEqual(new ConsoleLineSplitter().push(new TextEncoder().encode(TRANSCRIPT)), EXPECTED_TOKENS);
  });

  it('gives the same tokens however the bytes are chunked (property)', () => {
    const bytes = new TextEncoder().encode(TRANSCRIPT);
    fc.assert(
      fc.property(fc.array(fc.nat(), { maxLength: 40 }), (cuts) => {
        const splitter = new ConsoleLineSplitter();
        const tokens = splitAt(bytes, cuts).flatMap((c) => splitter.push(c));
        assert.deepEqual(tokens, EXPECTED_TOKENS);
      }),
      { numRuns: 300 },
    );
  });

  it('every single byte boundary gives the same tokens', () => {
    const bytes = new TextEncoder().encode(TRANSCRIPT);
    for (let cut = 0; cut <= bytes.length; cut++) {
      const splitter = new ConsoleLineSplitter();
      assert.deepEqual(
        [...splitter.push(bytes.subarray(0, cut)), ...splitter.push(bytes.subarray(cut))],
        EXPECTED_TOKENS,
      );
    }
  });

  it('a reply is the first hex line after the echo; a prompt before any is a failure with the log', () => {
    assert.deepEqual(outcome('prov-session 4242 10015a0208', EXPECTED_TOKENS), {
      kind: 'reply',
      data: new Uint8Array([0x10, 0x01, 0x5a, 0x02, 0x08, 0xaa]),
    });
    assert.deepEqual(outcome('prov-config 4242 abcd', EXPECTED_TOKENS), {
      kind: 'failed',
      logs: ['E (2000) protocomm: Request handler for prov-config failed'],
    });
    assert.equal(outcome('prov-config 4242 abcd', EXPECTED_TOKENS.slice(0, -1)), null, 'no prompt yet: still waiting');
  });

  it('ignores output before the echo (a late reply to an earlier request, a stale prompt)', () => {
    const tokens = new ConsoleLineSplitter().push(
      '\r\n0a0b\r\n\n>> proto-ver 7 2d2d2d\r\n\r\n\x1b[0;33mW (9) x: y\x1b[0m\r\n\r\n7b7d\r\n\n>> ',
    );
    assert.deepEqual(outcome('proto-ver 7 2d2d2d', tokens), { kind: 'reply', data: new Uint8Array([0x7b, 0x7d]) });
  });

  it('a reply split across chunks at every byte still resolves to the same outcome (property)', () => {
    const bytes = new TextEncoder().encode(TRANSCRIPT);
    fc.assert(
      fc.property(fc.array(fc.nat(), { maxLength: 60 }), (cuts) => {
        const splitter = new ConsoleLineSplitter();
        const exchange = new ConsoleExchange('prov-session 4242 10015a0208');
        let first: ConsoleOutcome | null = null;
        for (const chunk of splitAt(bytes, cuts)) {
          for (const t of splitter.push(chunk)) first ??= exchange.accept(t);
        }
        assert.deepEqual(first, { kind: 'reply', data: new Uint8Array([0x10, 0x01, 0x5a, 0x02, 0x08, 0xaa]) });
      }),
      { numRuns: 300 },
    );
  });

  it('accepts newlib CRLF conversion (\\r\\r\\n) and upper-case hex', () => {
    const tokens = new ConsoleLineSplitter().push('\n>> proto-ver 7 2d\r\n\r\r\nABCD\r\r\n\n>> ');
    assert.deepEqual(outcome('proto-ver 7 2d', tokens), { kind: 'reply', data: new Uint8Array([0xab, 0xcd]) });
  });

  it('a line of odd-length hex or with other text is not a reply', () => {
    const tokens = new ConsoleLineSplitter().push('proto-ver 7 2d\r\nabc\r\nab cd\r\n\n>> ');
    assert.deepEqual(outcome('proto-ver 7 2d', tokens), { kind: 'failed', logs: ['abc', 'ab cd'] });
  });

  it('parses ESP log lines', () => {
    assert.deepEqual(parseLogLine('E (1234) security1: Key mismatch. Close connection'), {
      level: 'E',
      timestamp: '1234',
      tag: 'security1',
      message: 'Key mismatch. Close connection',
    });
    assert.equal(parseLogLine('I (12:00:01.123) app: hi')?.timestamp, '12:00:01.123');
    assert.equal(parseLogLine('10015a'), null);
  });
});

describe('hex typed by a person', () => {
  it('accepts spaces, commas, 0x prefixes and either case', () => {
    const table: [string, string | null][] = [
      ['10015a', '10015a'],
      ['  10 01 5A  ', '10015a'],
      ['0x10015a', '10015a'],
      ['0x10, 0x01, 0x5a', '10015a'],
      ['10:01:5a', '10015a'],
      ['', null],
      ['abc', null],
      ['xyz1', null],
      ['10x2', null],
    ];
    for (const [text, hex] of table) {
      const bytes = parseHexInput(text);
      assert.equal(bytes === null ? null : toHex(bytes), hex, JSON.stringify(text));
    }
  });
});
