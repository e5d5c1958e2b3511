/**
 * Device-supplied text at a terminal (src/cli/terminal-text.ts): one hostile string — an OSC that sets the
 * window title, a screen clear, a bidi override, a lone surrogate — through every human output site that
 * prints device text; none may reach the terminal raw. JSON keeps the exact value.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { utf8 } from '../src/bytes.js';
import { createOutput, type Output } from '../src/cli/output.js';
import {
  accessPointChoices,
  bleChoices,
  groupAccessPoints,
  specificChoices,
  threadChoices,
} from '../src/cli/pickers.js';
import { Redactor } from '../src/cli/redact.js';
import { forTerminal, linesForTerminal } from '../src/cli/terminal-text.js';
import { EspProvError } from '../src/errors.js';
import { toAccessPoint } from '../src/sim/access-points.js';
import { SimDevice } from '../src/sim/device.js';
import { startHttpServer } from '../src/sim/http-server.js';
import { runCli } from './helpers/cli-run.js';

const EVIL = 'x\u001b]0;pwned\u0007y\u001b[2J\u009b31m\u202eevil\ud800z';
/** What a protobuf string can carry (no lone surrogate: the device's UTF-8 must be valid). */
const DEVICE_IP_TAIL = '\u001b]0;pwned\u0007\u001b[2J\u009b31m\u202e';
const ESCAPED = 'x\\x1b]0;pwned\\x07y\\x1b[2J\\x9b31m\\u{202e}evil\\ud800z';

/** No character a terminal acts on: C0 (newline allowed between lines), DEL, C1, bidi overrides, lone surrogates. */
function assertInert(text: string, site: string): void {
  // eslint-disable-next-line no-control-regex
  const bad = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]|\p{Cs}/u.exec(text);
  assert.equal(bad, null, `${site}: raw ${JSON.stringify(bad?.[0])} in ${JSON.stringify(text)}`);
}

function human(f: (o: Output) => void): string {
  let text = '';
  const w = { write: (s: string) => (text += s) };
  f(createOutput({ stdout: w, stderr: w, redactor: new Redactor(), json: false, verbose: true, color: false }));
  return text;
}

void describe('forTerminal', () => {
  void it('escapes controls, DEL, C1, bidi overrides and lone surrogates; keeps text, pairs and backslashes', () => {
    assert.equal(forTerminal(EVIL), ESCAPED);
    assert.equal(forTerminal('Café 😀 C:\\dir\ttab\r\n'), 'Café 😀 C:\\dir\\ttab\\r\\n');
    assert.equal(forTerminal('\udc00\u007f\u0000'), '\\udc00\\x7f\\x00');
    assert.equal(linesForTerminal(`a${EVIL}\nb\u001b`), `a${ESCAPED}\nb\\x1b`);
  });
});

void describe('every site that prints device text', () => {
  const ap = { ssid: utf8(EVIL), channel: 6, rssi: -40, bssid: new Uint8Array(6), auth: 3 };
  const latin1 = { ...ap, ssid: new Uint8Array([0x43, 0x61, 0x66, 0xe9]) };
  const thread = {
    panId: 1,
    channel: 15,
    rssi: -50,
    lqi: 3,
    extAddr: new Uint8Array(8),
    networkName: EVIL,
    extPanId: new Uint8Array(8),
  };
  const ble = { name: EVIL, address: EVIL, id: 'id', rssi: -50, connectable: true, serviceUuids: [] };
  const label = (choices: readonly unknown[]): string =>
    choices.map((c) => JSON.stringify(c, (_k, v: unknown) => v)).join('\n');
  const sites: [string, () => string][] = [
    ['proto-ver version and capabilities', () => human((o) => o.event({ type: 'version', info: { text: EVIL, manager: true, version: EVIL, secVer: 2, secPatchVer: undefined, capabilities: [EVIL], apps: {} } }))],
    ['custom-data answer', () => human((o) => o.event({ type: 'custom-data', endpoint: EVIL, response: utf8(EVIL) }))],
    ['a warning from the library', () => human((o) => o.event({ type: 'warning', message: EVIL }))],
    ['a lost link', () => human((o) => o.event({ type: 'reconnect', reason: EVIL }))],
    ['Wi-Fi credentials sent for an SSID', () => human((o) => o.event({ type: 'config-sent', network: 'wifi', ssid: utf8(EVIL) }))],
    ['an error quoting the device', () => human((o) => o.failure(new EspProvError('DECODE_FAILED', `unexpected answer "${EVIL}"`), []))],
    ['transport detail (-v)', () => human((o) => o.debug(`got ${EVIL}`))],
    // responseText shows only text without controls (else hex): what is left to escape is \r and bidi overrides.
    ['proto-ver trace (-v)', () => human((o) => o.trace({ endpoint: 'proto-ver', direction: 'response', wire: utf8('v1.1\r\u202eevil') }))],
    ['access point picker', () => label(accessPointChoices(groupAccessPoints([ap, { ...ap, bssid: new Uint8Array([1, 0, 0, 0, 0, 0]) }])).map((c) => ('name' in c ? { n: c.name, d: c.description } : c)))],
    ['specific access point picker', () => specificChoices(groupAccessPoints([ap])).map((c) => c.name).join('\n')],
    ['Thread picker', () => label(threadChoices([thread]).map((c) => ('name' in c ? { n: c.name, d: c.description } : c)))],
    ['BLE picker', () => label(bleChoices([ble]).map((c) => ('name' in c ? c.name : c)))],
  ]; // prettier-ignore
  for (const [site, render] of sites) {
    void it(site, () => {
      const text = render();
      // JSON.stringify of picker labels turns raw controls into \u escapes: undo it before checking.
      const raw =
        text.startsWith('{') || text.startsWith('"')
          ? text.replace(/\\u00(1b|07|9b)/g, (m) => JSON.parse(`"${m}"`) as string)
          : text;
      assertInert(raw, site);
      assert.ok(/\\x|\\u/.test(text), `${site}: the escape is visible: ${text}`);
    });
  }

  void it('a non-UTF-8 SSID from a scan is shown as \\xe9, not U+FFFD', () => {
    const names = accessPointChoices(groupAccessPoints([latin1])).map((c) => ('name' in c ? c.name : ''));
    assert.match(names[0]!, /Caf\\xe9/);
    assert.ok(!names.join('').includes('\ufffd'));
  });

  void it('JSON output keeps the exact value', () => {
    let text = '';
    const o = createOutput({ stdout: { write: (s: string) => (text += s) }, stderr: { write: () => true }, redactor: new Redactor(), json: true, verbose: false, color: false });
    o.event({ type: 'version', info: { text: EVIL, manager: true, version: EVIL, secVer: 2, secPatchVer: undefined, capabilities: [EVIL], apps: {} } });
    const e = JSON.parse(text) as { version: string; capabilities: string[] };
    assert.equal(e.version, EVIL);
    assert.deepEqual(e.capabilities, [EVIL]);
  }); // prettier-ignore
});

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanups) await c();
});

void describe('a provisioning run against a device that answers with control sequences', () => {
  void it('the SSID and the connected IP text reach the terminal escaped', async () => {
    // A hostile device: the simulator's own configuration would refuse such an IP text.
    const lab = toAccessPoint({ ssid: 'Lab', bssid: '02:00:00:00:00:01', channel: 6, rssi: -40, auth: 'OPEN' }, 'lab');
    const device = new SimDevice({
      security: { version: 0 },
      accessPoints: [{ ...lab, ssid: utf8('Lab\u001b[2J'), ip: `10.0.0.7${DEVICE_IP_TAIL}` }],
      applyDelayMs: 10,
      connectDelayMs: 20,
    }); // prettier-ignore
    const server = await startHttpServer(device, { tagSockets: false });
    cleanups.push(async () => {
      await server.close();
      device.stop();
    });
    let out = '';
    const both = { write: (s: string) => (out += s) };
    const argv = ['--transport', 'softap', '--service_name', `127.0.0.1:${server.port}`, '--ssid', 'Lab\u001b[2J', '--passphrase', '', '--timeout', '5', '-v']; // prettier-ignore
    const { code } = await runCli(argv, { env: { NO_COLOR: '1' }, io: { stdout: both, stderr: both } });
    assert.equal(code, 0, out);
    assertInert(out, 'provisioning output');
    assert.match(out, /Connected to "Lab\\x1b\[2J"/);
    assert.ok(out.includes(`IP 10.0.0.7${forTerminal(DEVICE_IP_TAIL)},`), out);
  });
});
