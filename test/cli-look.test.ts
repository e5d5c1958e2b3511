/**
 * What a person sees at a terminal, below the tmux tests: the human renderer fed real event sequences (a
 * retry after a wrong passphrase, attempts reported by the device, custom data), the spinner on a manual
 * clock, the picker's table (enterprise networks, a BSSID choice, alignment of long, wide and escaped
 * SSIDs), and the demo end to end.
 */
/* eslint-disable no-control-regex -- the spinner is made of terminal escapes; the tests look for them */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pc from 'picocolors';
import { utf8 } from '../src/bytes.js';
import { fitText, textWidth } from '../src/cli/format.js';
import { createOutput } from '../src/cli/output.js';
import {
  accessPointChoices,
  enterpriseNote,
  groupAccessPoints,
  specificChoices,
  WifiPicker,
} from '../src/cli/pickers.js';
import type { ChoiceOrSeparator, Prompter } from '../src/cli/prompts.js';
import { Redactor } from '../src/cli/redact.js';
import { elapsedText, Spinner } from '../src/cli/spinner.js';
import type { AccessPoint } from '../src/endpoints/scan.js';
import { EspProvError } from '../src/errors.js';
import type { ProvisionEvent } from '../src/provision/events.js';
import { ManualClock } from '../src/timers.js';
import { runCli } from './helpers/cli-run.js';

const plain = pc.createColors(false);

function human(o: { spinner?: boolean; clock?: ManualClock; verbose?: boolean } = {}) {
  const log = { out: '', err: '' };
  const out = createOutput({
    stdout: { write: (s: string) => (log.out += s) },
    stderr: { write: (s: string) => (log.err += s) },
    redactor: new Redactor(),
    json: false,
    verbose: o.verbose ?? false,
    color: false,
    ...(o.clock ? { clock: o.clock } : {}),
    ...(o.spinner ? { spinner: true } : {}),
  });
  return { out, log };
}

const wifiFailed: ProvisionEvent = { type: 'wifi-status', status: { state: 'failed', reason: 'auth', reasonCode: 0 } };
const connecting = (left?: number): ProvisionEvent => ({
  type: 'wifi-status',
  status: left === undefined ? { state: 'connecting' } : { state: 'connecting', attemptsRemaining: left },
});
const connected: ProvisionEvent = {
  type: 'wifi-status',
  status: { state: 'connected', ip: '10.0.0.7', ssid: utf8('Lab'), bssid: new Uint8Array(6), channel: 6, authMode: 3 },
};

void describe('the happy path does not look like a failure', () => {
  void it('a device that had already reset itself is not a warning (shown with -v only)', () => {
    const seq: ProvisionEvent[] = [
      { type: 'config-applied', network: 'wifi' },
      wifiFailed,
      { type: 'ctrl', command: 'wifi-reset', alreadyReset: true },
      { type: 'config-sent', network: 'wifi', ssid: utf8('Lab') },
      { type: 'warning', message: 'a warning elsewhere' },
    ];
    const { out, log } = human();
    for (const e of seq) out.event(e);
    assert.doesNotMatch(log.err, /already reset|wifi-reset/);
    assert.match(log.err, /^! a warning elsewhere$/m, 'other warnings still show');
    const v = human({ verbose: true });
    for (const e of seq) v.out.event(e);
    assert.match(v.log.err, /^ {2}the device had already reset itself/m);
  });

  void it('the attempts are reported once, with their count, before the outcome', () => {
    const { out, log } = human();
    for (const e of [{ type: 'config-applied', network: 'wifi' } as const, connecting(), connecting(2), connecting(2), connecting(1), wifiFailed])
      out.event(e);
    out.failure(new EspProvError('WIFI_AUTH_FAILED', 'wrong passphrase'), []);
    assert.equal(
      log.err,
      '› Applied; waiting for the device to join the network…\n› The device tried 3 times\n✖ wrong passphrase [WIFI_AUTH_FAILED]\n',
    );
    const ok = human();
    for (const e of [{ type: 'config-applied', network: 'wifi' } as const, connecting(4), connecting(3), connected]) ok.out.event(e);
    assert.match(ok.log.err, /› The device joined on attempt 3\n$/);
    const first = human();
    for (const e of [{ type: 'config-applied', network: 'wifi' } as const, connecting(), connected]) first.out.event(e);
    assert.doesNotMatch(first.log.err, /attempt/, 'nothing to say when the first attempt worked');
  }); // prettier-ignore

  void it('custom data is printed as esp_prov prints it: "CustomData response: …"', () => {
    const { out, log } = human();
    out.event({ type: 'custom-data', endpoint: 'custom-data', response: utf8('SUCCESS\0') });
    out.event({ type: 'custom-data', endpoint: 'echo', response: new Uint8Array([0, 0xff]) });
    assert.equal(log.out, 'CustomData response: SUCCESS\necho response (hex): 00ff\n');
    assert.equal(log.err, '');
  });

  void it('every stderr line starts with one mark (› ✔ ✖ !) or is indented under one', () => {
    const { out, log } = human();
    out.step('connecting', 'Connecting…');
    out.event({ type: 'handshake-start', security: 2 });
    out.event({ type: 'reconnect', reason: 'socket closed' });
    out.failed('wifi-failed', 'WIFI_AUTH_FAILED', 'wrong passphrase');
    out.warn('careful');
    out.failure(new EspProvError('TIMEOUT', 'too slow'), ['wait longer']);
    const lines = log.err.split('\n').filter((l) => l !== '');
    for (const l of lines) assert.match(l, /^(› |✖ |! | {2}\S)/, l);
    assert.ok(lines.includes('✖ wrong passphrase [WIFI_AUTH_FAILED]'), 'a recovered failure is ✖, not › ✖');
  });
});

void describe('the spinner', () => {
  function spinner() {
    const clock = new ManualClock(1000);
    let screen = '';
    const hooks: (() => void)[] = [];
    const exitHook = {
      on: (_: 'exit', fn: () => void) => hooks.push(fn),
      off: (_: 'exit', fn: () => void) => hooks.splice(hooks.indexOf(fn), 1),
    };
    const s = new Spinner({ stream: { write: (t: string) => (screen += t) }, colors: plain, clock, exitHook });
    return { s, clock, hooks, screen: () => screen };
  }

  void it('draws nothing for a short wait, then a frame with the elapsed time every 80 ms', () => {
    const t = spinner();
    t.s.start('scanning');
    t.clock.advance(299);
    assert.equal(t.screen(), '');
    t.s.stop();
    assert.equal(t.screen(), '', 'a wait under 300 ms leaves no trace');
    assert.equal(t.clock.pending, 0);
    t.s.start('scanning');
    t.clock.advance(1260);
    assert.match(t.screen(), /^\r\u001b\[2K⠋ scanning 0\.3 s\r\u001b\[2K⠙ scanning 0\.3 s/);
    assert.ok(t.screen().endsWith('scanning 1.2 s'), JSON.stringify(t.screen().slice(-40)));
    assert.ok(!t.screen().includes('\n'), 'a frame never ends a line');
  });

  void it('clears its line on stop and at process exit, and leaves no timer or hook behind', () => {
    const t = spinner();
    t.s.start('connecting');
    assert.equal(t.hooks.length, 1);
    t.clock.advance(500);
    t.hooks[0]!();
    assert.ok(t.screen().endsWith('\r\u001b[2K'), 'the exit hook clears the frame');
    t.clock.advance(100);
    t.s.stop();
    assert.ok(t.screen().endsWith('\r\u001b[2K'));
    assert.equal(t.clock.pending, 0);
    assert.equal(t.hooks.length, 0);
  });

  void it('elapsed time reads as seconds, then minutes', () => {
    assert.deepEqual([elapsedText(0), elapsedText(9_949), elapsedText(12_400), elapsedText(125_000)], ['0.0 s', '9.9 s', '12 s', '2 m 05 s']);
  }); // prettier-ignore

  void it('in the renderer: under the step line, wiped before every permanent line, gone at the outcome', () => {
    const clock = new ManualClock(0);
    const { out, log } = human({ spinner: true, clock });
    out.event({ type: 'config-applied', network: 'wifi' });
    clock.advance(1020);
    assert.match(
      log.err,
      /waiting for the device to join the network…\n(\r\u001b\[2K\S waiting for the device to join \d\.\d s)+$/,
    );
    assert.ok(log.err.endsWith('join 1.0 s'));
    out.event(connecting(2));
    clock.advance(100);
    assert.match(log.err, /waiting for the device to join \(it retries: 2 attempt\(s\) left\) 1\.1 s$/);
    out.event({ type: 'reconnect', reason: 'link lost' });
    assert.match(log.err, /\r\u001b\[2K! lost the link/, 'the frame is wiped before a permanent line');
    out.event(connected);
    const after = log.err.length;
    clock.advance(5000);
    assert.equal(log.err.length, after, 'no frame after the outcome');
    assert.equal(clock.pending, 0);
    assert.doesNotMatch(log.err, /still connecting/, 'the spinner replaces the every-5-s lines');
  });

  void it('without a terminal nothing animates: no carriage return, no escape, "still" lines instead', () => {
    const clock = new ManualClock(0);
    const { out, log } = human({ clock });
    out.step('connecting', 'Connecting…');
    out.event({ type: 'config-applied', network: 'wifi' });
    clock.advance(6000);
    out.event(connecting());
    assert.doesNotMatch(log.err, /[\r\u001b]/);
    assert.match(log.err, /still connecting… \(6 s\)/);
    assert.equal(clock.pending, 0);
  });

  void it('stops before a prompt (CLI prompter) and for the manual transports', async () => {
    const clock = new ManualClock(0);
    const { out, log } = human({ spinner: true, clock });
    out.step('ble-scan', 'Scanning for BLE provisioning devices…');
    clock.advance(400);
    const { stoppingProgress } = await import('../src/cli/prompt-progress.js');
    const asked: string[] = [];
    const p = stoppingProgress(fakePrompter(asked, 'x'), () => out.stopProgress());
    await p.text('Name');
    assert.ok(log.err.endsWith('\r\u001b[2K'), 'the frame is gone when the prompt draws');
    assert.equal(clock.pending, 0);
    out.context({ transport: 'console' });
    out.event({ type: 'handshake-start', security: 1 });
    clock.advance(1000);
    assert.ok(log.err.endsWith('session…\n'), 'no frame while a person relays messages by hand');
  });
});

function fakePrompter(asked: string[], ...answers: unknown[]): Prompter {
  const next = <T>(m: string): Promise<T> => {
    asked.push(m);
    return Promise.resolve(answers.shift() as T);
  };
  return {
    secret: (m) => next(m),
    text: (m) => next(m),
    select: <T>(m: string, _c: readonly ChoiceOrSeparator<T>[]) => next<T>(m),
    confirm: (m) => next(m),
  };
}

const ap = (ssid: Uint8Array | string, auth: number, rssi: number, last = 1): AccessPoint => ({
  ssid: typeof ssid === 'string' ? utf8(ssid) : ssid,
  auth,
  rssi,
  channel: 6,
  bssid: new Uint8Array([2, 0, 0, 0, 0, last]),
});

void describe('the access point table', () => {
  void it('enterprise networks are listed but cannot be picked; a mixed SSID is offered by its PSK access point', () => {
    const aps = [ap('Corp-EAP', 5, -40), ap('Corp-WPA3-Ent', 14, -45, 2), ap('Mixed', 15, -50, 3), ap('Mixed', 3, -60, 4), ap('Home', 3, -70, 5)];
    const choices = accessPointChoices(groupAccessPoints(aps)).filter((c) => 'value' in c);
    const byName = (n: string) => choices.find((c) => 'name' in c && c.name.includes(n))!;
    for (const n of ['Corp-EAP', 'Corp-WPA3-Ent']) assert.equal((byName(n) as { disabled?: string }).disabled, '(802.1X)');
    assert.match(String(enterpriseNote(groupAccessPoints(aps))), /^Not selectable: "Corp-EAP", "Corp-WPA3-Ent" \(802\.1X enterprise/);
    const mixed = byName('Mixed') as { disabled?: string; name: string };
    assert.equal(mixed.disabled, undefined);
    assert.match(mixed.name, /-60 dBm +Mixed +ch +6 +WPA2_PSK \(\+1 more\)/);
    assert.equal((byName('Home') as { disabled?: string }).disabled, undefined);
    const specific = specificChoices(groupAccessPoints(aps));
    assert.equal(specific.filter((c) => c.disabled !== undefined).length, 3);
  }); // prettier-ignore

  void it('a specific BSSID is picked with a warning that the device will ignore it', async () => {
    const aps = [ap('Lab', 3, -40, 1), ap('Lab', 3, -70, 2)];
    const said: string[] = [];
    const asked: string[] = [];
    const picker = new WifiPicker(fakePrompter(asked, 'specific', aps[1]), plain, {
      note: (l) => said.push(`note ${l}`),
      warn: (l) => said.push(`warn ${l}`),
    });
    const choice = await picker.select(aps);
    assert.deepEqual(choice, { ssid: aps[1]!.ssid, auth: 3, bssid: aps[1]!.bssid, channel: 6 });
    assert.deepEqual(said, [
      'warn the device joins "Lab" by name: it ignores the BSSID and channel you chose and may join any of the other 1 access point(s) with that name',
    ]);
    const spec = accessPointChoices(groupAccessPoints(aps)).find((c) => 'value' in c && c.value === 'specific');
    assert.match((spec as { description: string }).description, /joins by name/);
  });

  void it('columns stay aligned for long, wide, emoji and escaped SSIDs; a cut SSID is whole in the description', () => {
    const ssids = [
      utf8('Home'),
      utf8('家庭网络-5G'),
      utf8('Café ☕ 👨‍👩‍👧 🇫🇷'),
      utf8('e\u0301te\u0301'),
      new Uint8Array([0x4c, 0xe9, 0xff, 0x00, 0x1b]),
      utf8('A-very-long-network-name-of-32b!'),
      new Uint8Array(32).fill(0xff),
    ];
    const choices = accessPointChoices(groupAccessPoints(ssids.map((s, i) => ap(s, 3, -40 - i, i))));
    const lines = choices.filter((c) => 'value' in c && typeof c.value === 'object').map((c) => c as { name: string; description: string });
    const column = (l: string) => textWidth(l.slice(0, l.indexOf(' ch ')));
    assert.equal(new Set(lines.map((l) => column(l.name))).size, 1, lines.map((l) => l.name).join('\n'));
    const cut = lines.find((l) => l.name.includes('\\xff\\xff'))!;
    assert.match(cut.name, /…/);
    assert.ok(cut.description.startsWith(`"${'\\xff'.repeat(32)}" · `));
    assert.ok(lines.every((l) => textWidth(l.name) <= 80), 'fits 80 columns');
  }); // prettier-ignore

  void it('display width: wide = 2, combining and joiners = 0, emoji sequences and flags = 2', () => {
    const table: [string, number][] = [['abc', 3], ['家庭', 4], ['한국', 4], ['ｗｉ', 4], ['e\u0301', 1], ['👨‍👩‍👧', 2], ['🇫🇷', 2], ['❤️', 2], ['❤', 1], ['☕', 2], ['a\u200bb', 2]];
    for (const [s, w] of table) assert.equal(textWidth(s), w, JSON.stringify(s));
    assert.equal(fitText('家庭网络', 5), '家庭…');
    assert.equal(fitText('家庭网络', 6), '家庭… ', 'never half a wide character');
    assert.equal(fitText('ab', 4), 'ab  ');
  }); // prettier-ignore
});

void describe('the demo at a glance', () => {
  void it('a wrong passphrase, then success: no contradiction, no reset warning, CustomData on stdout', async () => {
    // The demo's device and client on one ManualClock: its device delays cost no wall time.
    const r = await runCli(['demo'], { env: { NO_COLOR: '1' }, clock: new ManualClock(Date.now()) });
    const { code, stdout, stderr } = r;
    assert.equal(code, 0, stderr);
    assert.match(stdout, /^CustomData response: SUCCESS\n✔ Connected to "HomeNetwork"/);
    assert.doesNotMatch(stderr, /refused the reset|keeps trying|attempt failed/);
    assert.match(stderr, /› The device tried \d+ times\n✖ the device could not join "HomeNetwork": wrong passphrase/);
    for (const l of stderr.split('\n').filter((x) => x !== '')) assert.match(l, /^(› |✖ |! | {2}\S)/, l);
  });
});
