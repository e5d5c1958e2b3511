/**
 * Redaction by value (src/cli/redact.ts): for random secrets — quotes, backslashes, JSON keys, JSON syntax,
 * unicode — set into random output events, no rendering carries the secret and every --json line parses with
 * all its keys. Plus the `qr --json` cases that leaked or broke lines when redaction edited serialised text.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { toHex, utf8 } from '../src/bytes.js';
import { createOutput } from '../src/cli/output.js';
import { displayBytes } from '../src/cli/format.js';
import { Redactor, REDACTED } from '../src/cli/redact.js';
import { forTerminal } from '../src/cli/terminal-text.js';
import { EspProvError } from '../src/errors.js';
import type { ProvisionEvent } from '../src/provision/events.js';
import { runCli } from './helpers/cli-run.js';

const NASTY = ['"', '\\', 'network', '","ip":', '\\u0063', 'é€😀', '}{', 'ok', 'true', '\n', '‹redacted›x'];

const secretArb = fc.oneof(
  fc.constantFrom(...NASTY, 'pa"ss\\word', 'wrong', '","ip":"1.2.3.4'),
  fc.string({ minLength: 1, maxLength: 12 }),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 6 }),
  fc.array(fc.constantFrom(...NASTY), { minLength: 1, maxLength: 3 }).map((a) => a.join('')),
);

const BSSID = new Uint8Array([2, 0, 0, 0, 0, 1]);

/** Output calls with `v` (text) / `b` (its bytes) in the places values appear. */
type Call = (o: ReturnType<typeof createOutput>, v: string, b: Uint8Array) => void;
const ev =
  (f: (v: string, b: Uint8Array) => ProvisionEvent): Call =>
  (o, v, b) =>
    o.event(f(v, b));
const CALLS: Call[] = [
  ev((v) => ({ type: 'version', info: { version: v, manager: true, capabilities: [v, 'wifi_scan'], apps: {} } }) as unknown as ProvisionEvent),
  ev((_, b) => ({ type: 'custom-data', endpoint: 'custom-data', response: b })),
  ev((_, b) => ({ type: 'config-sent', network: 'wifi', ssid: b })),
  ev((_, b) => ({ type: 'scan-results', accessPoints: [{ ssid: b, channel: 6, rssi: -40, bssid: BSSID, auth: 3 }] })),
  ev((v, b) => ({ type: 'wifi-status', status: { state: 'connected', ip: v, ssid: b, bssid: BSSID, channel: 6, authMode: 3 } })),
  ev((v) => ({ type: 'warning', message: v })),
  ev((v) => ({ type: 'reconnect', reason: v })),
  (o, v) => o.step('pick', 'Picking a network', { ssid: v, nested: [{ pop: v }] }),
  (o, v) => o.success('Done', { network: 'wifi', ip: v, payload: v }),
  (o, v) => o.failure(new EspProvError('WIFI_FAILED', v, { details: { reason: v } }), ['try again']),
  (o, v) => o.line({ event: 'request', endpoint: v }),
  (o, v) => o.debug(v),
]; // prettier-ignore

function render(call: Call, secret: string, value: string, json: boolean, redact: boolean): string {
  let text = '';
  const w = { write: (s: string) => (text += s) };
  const redactor = new Redactor(redact);
  redactor.add(secret);
  const o = createOutput({ stdout: w, stderr: w, redactor, json, verbose: true, color: false });
  call(o, value, utf8(value));
  return text;
}

function leaves(v: unknown, out: string[] = []): string[] {
  if (typeof v === 'string') out.push(v);
  else if (v && typeof v === 'object') for (const x of Object.values(v)) leaves(x, out);
  return out;
}

function keys(v: unknown, out: string[] = []): string[] {
  if (v && typeof v === 'object')
    for (const [k, x] of Object.entries(v)) {
      out.push(k);
      keys(x, out);
    }
  return out;
}

/** Whether `text` spells `s` outside the redaction markers (a marker may itself spell a short secret: "re"). */
function spellsOutsideMarkers(text: string, s: string): boolean {
  return text.split(REDACTED).some((part) => part.includes(s));
}

void describe('redaction by value', () => {
  void it('--json: every line parses, keeps every key, and no value is the secret in any form', () => {
    fc.assert(
      fc.property(secretArb, fc.nat(CALLS.length - 1), (secret, i) => {
        const call = CALLS[i]!;
        const text = render(call, secret, secret, true, true);
        const plain = render(call, secret, 'X', true, true);
        const lines = text.split('\n').filter((l) => l !== '');
        assert.equal(lines.length, plain.split('\n').filter((l) => l !== '').length);
        const forms = new Set([secret, displayBytes(utf8(secret)), toHex(utf8(secret))]);
        for (const [k, line] of lines.entries()) {
          const parsed = JSON.parse(line) as unknown;
          assert.deepEqual(keys(parsed), keys(JSON.parse(plain.split('\n')[k]!)));
          for (const leaf of leaves(parsed)) assert.ok(!forms.has(leaf), `${JSON.stringify(leaf)} is the secret`);
        }
        // Where the same event without the secret does not spell it anyway, the line does not either (the
        // redaction marker itself may spell a short secret, "re" say: only the text outside markers counts).
        const escaped = JSON.stringify(secret).slice(1, -1);
        if (!plain.includes(secret) && !plain.includes(escaped))
          assert.ok(!spellsOutsideMarkers(text, secret) && !spellsOutsideMarkers(text, escaped), text);
      }),
      { numRuns: 400 },
    );
  });

  void it('human: no line carries the secret (raw or as shown at a terminal) unless it carries it anyway', () => {
    fc.assert(
      fc.property(secretArb, fc.nat(CALLS.length - 1), (secret, i) => {
        const call = CALLS[i]!;
        const text = render(call, secret, secret, false, true);
        const plain = render(call, secret, 'X', false, true);
        for (const form of new Set([secret, forTerminal(secret), displayBytes(utf8(secret))])) {
          if (form.length > 0 && !plain.includes(form)) {
            assert.ok(!spellsOutsideMarkers(text, form), `${form} in ${text}`);
          }
        }
      }),
      { numRuns: 400 },
    );
  });

  void it('only whole values: a passphrase "wrong" leaves "wrong passphrase" alone; --show-secrets shows all', () => {
    const msg = 'the device could not join "Lab": wrong passphrase (authentication failed)';
    const call: Call = (o) => o.failure(new EspProvError('WIFI_AUTH_FAILED', msg), []);
    assert.match(render(call, 'wrong', '', false, true), /: wrong passphrase \(authentication/);
    assert.equal((JSON.parse(render(call, 'wrong', '', true, true)) as { error: { message: string } }).error.message, msg);
    const shown = JSON.parse(render(CALLS[8]!, 'pw', 'pw', true, false)) as Record<string, unknown>;
    assert.equal(shown['ip'], 'pw');
    const r = new Redactor();
    r.add('wrong');
    assert.deepEqual(r.value({ a: 'wrong', b: ['wrong passphrase'], c: utf8('wrong') }), { a: REDACTED, b: ['wrong passphrase'], c: utf8(REDACTED) });
  }); // prettier-ignore
});

async function qrJson(
  payload: string,
  extra: string[] = [],
): Promise<{ code: number; lines: Record<string, unknown>[] }> {
  const r = await runCli(['qr', '--json', ...extra, payload]);
  return { code: r.code, lines: r.lines };
}

void describe('qr --json', () => {
  const cases: [string, string][] = [
    ['a quote and a backslash', 'pa"ss\\wd'],
    ['a letter spelled \\u0063', 'abcd'],
    ['a JSON key', 'network'],
    ['JSON syntax', '","ip":'],
    ['unicode', 'pöp😀'],
  ];
  for (const [name, pop] of cases) {
    void it(`a PoP with ${name}: one parsing line, the PoP nowhere, the payload's other values kept`, async () => {
      let json = JSON.stringify({ ver: 'v1', name: 'PROV_1', pop, transport: 'ble' });
      if (pop === 'abcd') json = json.replace('abcd', 'ab\\u0063d');
      const r = await qrJson(json);
      assert.equal(r.code, 0);
      assert.equal(r.lines.length, 1);
      const last = r.lines[0]!;
      assert.equal(last['pop'], REDACTED);
      assert.deepEqual(JSON.parse(last['payload'] as string), {
        ver: 'v1',
        name: 'PROV_1',
        pop: REDACTED,
        transport: 'ble',
      });
      assert.equal(last['name'], 'PROV_1');
      for (const leaf of leaves(last)) assert.ok(!leaf.includes(pop), leaf);
      const shown = await qrJson(json, ['--show-secrets']);
      assert.equal(shown.lines[0]!['pop'], pop);
      assert.equal(shown.lines[0]!['payload'], json);
    });
  }
});
