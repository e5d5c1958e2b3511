/**
 * The human form of the CLI's output: progress lines on stderr, the result on stdout, colours when wanted.
 * Every line starts with one of four marks: `›` a step, `✔` the result, `✖` a failure, `!` a warning (lines
 * indented under a step belong to it). At a terminal, waits also get a spinner (spinner.ts) below their line.
 */
import pc from 'picocolors';
import { toHex } from '../bytes.js';
import type { EspProvError } from '../errors.js';
import type { ProvisionEvent } from '../provision/events.js';
import type { TraceEvent } from '../session/session.js';
import { realClock, type Clock } from '../timers.js';
import { responseText, ssidText } from './format.js';
import type { Colors, Fields, Output, OutputOptions } from './renderer.js';
import { securityFacts } from './output-security.js';
import type { Writer } from './redact.js';
import { Spinner } from './spinner.js';
import { forTerminal, linesForTerminal } from './terminal-text.js';

const STILL_WAITING_EVERY_MS = 5000;

/** Steps (from the commands) that begin a wait, and what the spinner says meanwhile. */
const WAIT_STEPS: Readonly<Record<string, string>> = { connecting: 'connecting', 'ble-scan': 'scanning' };

/** What esp_prov prints before the custom-data answer; scripts written for esp_prov look for it. */
export const CUSTOM_DATA_LABEL = 'CustomData response';

export class HumanOutput implements Output {
  readonly json = false;
  readonly colors: Colors;
  readonly #outColors: Colors;
  readonly #out: Writer;
  readonly #err: Writer;
  readonly #o: OutputOptions;
  readonly #clock: Clock;
  #spinner: Spinner | undefined;
  #waitingSince = 0;
  #lastWaitLine = 0;
  /** Highest and lowest `attemptsRemaining` the device reported during this wait. */
  #attempts: { most: number; least: number } | undefined;
  #securityWarned = false;

  constructor(o: OutputOptions) {
    this.#o = o;
    this.colors = pc.createColors(o.color);
    this.#outColors = pc.createColors(o.colorStdout ?? false);
    this.#out = o.stdout;
    this.#err = o.stderr;
    this.#clock = o.clock ?? realClock;
    if (o.spinner) this.#spinner = new Spinner({ stream: o.stderr, colors: this.colors, clock: this.#clock });
  }

  /** Every permanent line goes through here: the spinner's frame is taken off the screen first. */
  #write(to: Writer, text: string): void {
    this.#spinner?.clear();
    to.write(text);
  }

  stopProgress(): void {
    this.#spinner?.stop();
  }

  /** The manual transports print what to relay on stderr and read the answers there: nothing may animate. */
  context(fields: Fields): void {
    if (fields['transport'] === 'console' || fields['transport'] === 'ble-manual') {
      this.#spinner?.stop();
      this.#spinner = undefined;
    }
  }

  step(name: string, text: string): void {
    this.#spinner?.stop();
    this.#write(this.#err, `${this.colors.dim('›')} ${this.#o.redactor.value(text)}\n`);
    const wait = WAIT_STEPS[name];
    if (wait !== undefined) this.#spinner?.start(wait);
  }

  warn(text: string): void {
    this.#write(this.#err, `${this.colors.yellow('!')} ${this.#o.redactor.value(text)}\n`);
  }

  failed(_name: string, code: string, text: string): void {
    this.#spinner?.stop();
    const c = this.colors;
    this.#write(this.#err, `${c.red('✖')} ${linesForTerminal(this.#o.redactor.value(text))} ${c.dim(`[${code}]`)}\n`);
  }

  #startWait(what: string): void {
    this.#waitingSince = this.#lastWaitLine = this.#clock.now();
    this.#attempts = undefined;
    this.#spinner?.start(what);
  }

  /** Without a terminal (no spinner), a line every few seconds says the wait goes on. */
  #stillWaiting(what: string): void {
    if (this.#spinner) return;
    const t = this.#clock.now();
    if (t - this.#lastWaitLine < STILL_WAITING_EVERY_MS) return;
    this.#lastWaitLine = t;
    this.#write(this.#err, `  ${this.colors.dim(`${what} (${Math.round((t - this.#waitingSince) / 1000)} s)`)}\n`);
  }

  /**
   * The device's failed attempts, said once when the outcome is known (a line per attempt followed by a final
   * failure read as a contradiction). attempts_remaining = wifi_conn_attempts − attempts_done (PROTOCOL.md
   * §5.2); the first report we see is normally attempt 1's, so the highest value seen, plus one, is the
   * number of attempts the device had.
   */
  #attemptsLine(outcome: 'connected' | 'failed'): void {
    const a = this.#attempts;
    if (!a) return;
    const text =
      outcome === 'failed'
        ? `The device tried ${a.most + 1} times`
        : `The device joined on attempt ${a.most - a.least + 2}`;
    this.step('attempts', text);
  }

  /**
   * Secret values are replaced before anything is formatted (redact.ts); every string the device chose is
   * printed through forTerminal (terminal-text.ts).
   */
  event(event: ProvisionEvent): void {
    const c = this.colors;
    const e = this.#o.redactor.value(event);
    switch (e.type) {
      case 'version': {
        const i = e.info;
        const parts = [`version ${i.version !== undefined ? forTerminal(i.version) : '(none)'}`];
        if (i.secVer !== undefined)
          parts.push(`sec_ver ${i.secVer}${i.secPatchVer !== undefined ? ` (patch ${i.secPatchVer})` : ''}`);
        if (i.manager)
          parts.push(
            i.capabilities.length > 0
              ? `capabilities ${i.capabilities.map(forTerminal).join(', ')}`
              : 'no capabilities',
          );
        else parts.push('a legacy device (no capability report)');
        return this.step('version', `Device answered: ${parts.join('; ')}`);
      }
      case 'security': {
        const why = {
          option: 'as requested',
          sec_ver: "the device's sec_ver",
          capabilities: "from the device's capabilities",
        }[e.choice.source];
        const extra = e.choice.version === 1 ? (e.choice.popRequired ? ', with PoP' : ', no PoP') : '';
        this.step('security', `Security ${e.choice.version}${extra} (${why})`);
        const { warning } = securityFacts(e.choice);
        if (warning && !this.#securityWarned) this.warn(warning);
        this.#securityWarned ||= warning !== undefined;
        return;
      }
      case 'handshake-start':
        this.step('handshake-start', `Starting the Security ${e.security} session…`);
        return this.#spinner?.start('handshake');
      case 'session-established':
        return this.step(
          'session-established',
          `${c.green('Session established')} (Security ${e.security}${e.patchLevel !== undefined ? `, patch ${e.patchLevel}` : ''})`,
        );
      case 'custom-data': {
        this.#spinner?.stop();
        const r = responseText(e.response);
        const label = e.endpoint === 'custom-data' ? CUSTOM_DATA_LABEL : `${forTerminal(e.endpoint)} response`;
        this.#write(this.#out, `${label}${r.kind === 'hex' ? ' (hex)' : ''}: ${forTerminal(r.text)}\n`);
        return;
      }
      case 'ctrl':
        if (e.alreadyReset)
          return this.debug(`the device had already reset itself (it refused ${e.command}); continuing`);
        return this.step('ctrl', `Sent ${e.command} to the device`);
      case 'scan-start':
        this.step(
          'scan-start',
          `Scanning for ${e.network === 'wifi' ? 'Wi-Fi networks' : 'Thread networks'} (the device scans; a few seconds)…`,
        );
        return this.#spinner?.start('the device is scanning');
      case 'scan-results': {
        const n = new Set(e.accessPoints.map((a) => toHex(a.ssid))).size;
        return this.step('scan-results', `Found ${e.accessPoints.length} access point(s), ${n} network(s)`);
      }
      case 'thread-scan-results':
        return this.step('thread-scan-results', `Found ${e.networks.length} Thread network(s)`);
      case 'config-sent':
        return this.step(
          'config-sent',
          e.network === 'wifi' && e.ssid
            ? `Sent Wi-Fi credentials for "${ssidText(e.ssid)}"`
            : 'Sent the Thread dataset',
        );
      case 'config-applied':
        this.step(
          'config-applied',
          e.network === 'wifi'
            ? 'Applied; waiting for the device to join the network…'
            : 'Applied; waiting for the device to attach…',
        );
        return this.#startWait(
          e.network === 'wifi' ? 'waiting for the device to join' : 'waiting for the device to attach',
        );
      case 'wifi-status':
        return this.#wifiStatus(e.status);
      case 'thread-status':
        if (e.status.state === 'attaching') return this.#stillWaiting('still attaching…');
        return this.#spinner?.stop();
      case 'reconnect':
        return this.warn(`lost the link (${forTerminal(e.reason)}); re-establishing the session…`);
      case 'warning':
        return this.warn(linesForTerminal(e.message));
    }
  }

  #wifiStatus(s: Extract<ProvisionEvent, { type: 'wifi-status' }>['status']): void {
    if (s.state === 'connecting') {
      const left = s.attemptsRemaining;
      if (left !== undefined) {
        const a = (this.#attempts ??= { most: left, least: left });
        a.most = Math.max(a.most, left);
        a.least = Math.min(a.least, left);
        this.#spinner?.update(`waiting for the device to join (it retries: ${left} attempt(s) left)`);
      }
      return this.#stillWaiting('still connecting…');
    }
    if (s.state === 'disconnected') {
      this.#write(this.#err, `  ${this.colors.dim('the device reports Disconnected…')}\n`);
      return;
    }
    this.#spinner?.stop();
    this.#attemptsLine(s.state);
  }

  trace(t: TraceEvent): void {
    if (!this.#o.verbose) return;
    const c = this.colors;
    const arrow = t.direction === 'request' ? c.cyan('→') : c.magenta('←');
    const r = this.#o.redactor;
    const all = t.endpoint === 'prov-config' && t.direction === 'request';
    let line = `  ${arrow} ${t.endpoint} ${t.wire.length} B  wire ${r.hex(t.wire, all)}`;
    if (t.endpoint === 'proto-ver') {
      const text = responseText(t.wire);
      if (text.kind === 'text') line += `  ${c.dim(`"${forTerminal(this.#o.redactor.value(text.text))}"`)}`;
    }
    this.#write(this.#err, line + '\n');
    if (t.plaintext) this.#write(this.#err, `      ${c.dim('plain')} ${r.hex(t.plaintext, all)}\n`);
  }

  debug(line: string): void {
    // Transport detail can quote what the device sent.
    if (this.#o.verbose)
      this.#write(this.#err, `  ${this.colors.dim(linesForTerminal(this.#o.redactor.value(line)))}\n`);
  }

  success(text: string): void {
    this.#spinner?.stop();
    this.#write(this.#out, `${this.#outColors.green('✔')} ${text}\n`);
  }

  failure(err: EspProvError, hints: readonly string[]): void {
    this.#spinner?.stop();
    const c = this.colors;
    // Error messages can quote device text (an unexpected answer, a reason string).
    const message = linesForTerminal(this.#o.redactor.value(err.message));
    this.#write(this.#err, `${c.red('✖')} ${message} ${c.dim(`[${err.code}]`)}\n`);
    for (const h of hints) this.#write(this.#err, `  ${c.dim('try:')} ${h}\n`);
  }

  print(text: string): void {
    this.#spinner?.stop();
    this.#write(this.#out, text);
  }

  line(value: Fields): void {
    this.#spinner?.stop();
    this.#write(this.#out, JSON.stringify(this.#o.redactor.value(value)) + '\n');
  }
}
