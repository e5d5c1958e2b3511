/** The human form of the CLI's output: progress lines on stderr, the result on stdout, colours when wanted. */
import pc from 'picocolors';
import { toHex } from '../bytes.js';
import type { EspProvError } from '../errors.js';
import type { ProvisionEvent } from '../provision/events.js';
import type { TraceEvent } from '../session/session.js';
import { responseText, ssidText } from './format.js';
import type { Colors, Fields, Output, OutputOptions } from './renderer.js';
import { securityFacts } from './output-security.js';
import type { Writer } from './redact.js';
import { forTerminal, linesForTerminal } from './terminal-text.js';

const STILL_WAITING_EVERY_MS = 5000;

export class HumanOutput implements Output {
  readonly json = false;
  readonly colors: Colors;
  readonly #outColors: Colors;
  readonly #out: Writer;
  readonly #err: Writer;
  readonly #o: OutputOptions;
  #waitingSince = 0;
  #lastWaitLine = 0;
  #lastAttempts: number | undefined;
  #securityWarned = false;

  constructor(o: OutputOptions) {
    this.#o = o;
    this.colors = pc.createColors(o.color);
    this.#outColors = pc.createColors(o.colorStdout ?? false);
    this.#out = o.stdout;
    this.#err = o.stderr;
  }

  #now(): number {
    return (this.#o.now ?? Date.now)();
  }

  step(_name: string, text: string): void {
    this.#err.write(`${this.colors.dim('›')} ${this.#o.redactor.value(text)}\n`);
  }

  #warn(text: string): void {
    this.#err.write(`${this.colors.yellow('!')} ${text}\n`);
  }

  #startWait(): void {
    this.#waitingSince = this.#lastWaitLine = this.#now();
    this.#lastAttempts = undefined;
  }

  #stillWaiting(what: string): void {
    const t = this.#now();
    if (t - this.#lastWaitLine < STILL_WAITING_EVERY_MS) return;
    this.#lastWaitLine = t;
    this.#err.write(`  ${this.colors.dim(`${what} (${Math.round((t - this.#waitingSince) / 1000)} s)`)}\n`);
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
        if (warning && !this.#securityWarned) this.#warn(warning);
        this.#securityWarned ||= warning !== undefined;
        return;
      }
      case 'handshake-start':
        return this.step('handshake-start', `Starting the Security ${e.security} session…`);
      case 'session-established':
        return this.step(
          'session-established',
          `${c.green('Session established')} (Security ${e.security}${e.patchLevel !== undefined ? `, patch ${e.patchLevel}` : ''})`,
        );
      case 'custom-data': {
        const r = responseText(e.response);
        this.#out.write(
          `${forTerminal(e.endpoint)} response${r.kind === 'hex' ? ' (hex)' : ''}: ${forTerminal(r.text)}\n`,
        );
        return;
      }
      case 'ctrl':
        return this.step('ctrl', `Sent ${e.command} to the device`);
      case 'scan-start':
        return this.step(
          'scan-start',
          `Scanning for ${e.network === 'wifi' ? 'Wi-Fi networks' : 'Thread networks'} (the device scans; a few seconds)…`,
        );
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
        this.#startWait();
        return this.step(
          'config-applied',
          e.network === 'wifi'
            ? 'Applied; waiting for the device to join the network…'
            : 'Applied; waiting for the device to attach…',
        );
      case 'wifi-status': {
        const s = e.status;
        if (
          s.state === 'connecting' &&
          s.attemptsRemaining !== undefined &&
          s.attemptsRemaining !== this.#lastAttempts
        ) {
          this.#lastAttempts = s.attemptsRemaining;
          this.#lastWaitLine = this.#now();
          this.#err.write(
            `  ${c.yellow(`attempt failed, ${s.attemptsRemaining} attempt(s) left; the device keeps trying…`)}\n`,
          );
          return;
        }
        if (s.state === 'connecting') return this.#stillWaiting('still connecting…');
        if (s.state === 'disconnected') this.#err.write(`  ${c.dim('the device reports Disconnected…')}\n`);
        return;
      }
      case 'thread-status':
        if (e.status.state === 'attaching') this.#stillWaiting('still attaching…');
        return;
      case 'reconnect':
        return this.#warn(`lost the link (${forTerminal(e.reason)}); re-establishing the session…`);
      case 'warning':
        return this.#warn(linesForTerminal(e.message));
    }
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
    this.#err.write(line + '\n');
    if (t.plaintext) this.#err.write(`      ${c.dim('plain')} ${r.hex(t.plaintext, all)}\n`);
  }

  debug(line: string): void {
    // Transport detail can quote what the device sent.
    if (this.#o.verbose) this.#err.write(`  ${this.colors.dim(linesForTerminal(this.#o.redactor.value(line)))}\n`);
  }

  success(text: string): void {
    this.#out.write(`${this.#outColors.green('✔')} ${text}\n`);
  }

  failure(err: EspProvError, hints: readonly string[]): void {
    const c = this.colors;
    // Error messages can quote device text (an unexpected answer, a reason string).
    const message = linesForTerminal(this.#o.redactor.value(err.message));
    this.#err.write(`${c.red('✖')} ${message} ${c.dim(`[${err.code}]`)}\n`);
    for (const h of hints) this.#err.write(`  ${c.dim('try:')} ${h}\n`);
  }

  print(text: string): void {
    this.#out.write(text);
  }

  line(value: Fields): void {
    this.#out.write(JSON.stringify(this.#o.redactor.value(value)) + '\n');
  }
}
