/** The --json form of the CLI's output: NDJSON on stdout only, one object per event and a final {"ok":…}. */
import pc from 'picocolors';
import { toHex } from '../bytes.js';
import type { EspProvError } from '../errors.js';
import type { AccessPoint } from '../endpoints/scan.js';
import type { ThreadNetwork } from '../endpoints/thread.js';
import { authModeName } from '../endpoints/wifi-auth.js';
import type { ProvisionEvent } from '../provision/events.js';
import type { TraceEvent } from '../session/session.js';
import { displayBytes, macText, responseText } from './format.js';
import { securityFacts } from './output-security.js';
import type { Colors, Fields, Output, OutputOptions } from './renderer.js';
import type { Writer } from './redact.js';

export function apJson(ap: AccessPoint): Fields {
  return {
    ssid: displayBytes(ap.ssid),
    ssidHex: toHex(ap.ssid),
    bssid: macText(ap.bssid),
    channel: ap.channel,
    rssi: ap.rssi,
    auth: ap.auth,
    authName: authModeName(ap.auth),
  };
}

function threadJson(n: ThreadNetwork): Fields {
  return {
    name: n.networkName,
    panId: n.panId,
    extPanId: toHex(n.extPanId),
    channel: n.channel,
    rssi: n.rssi,
    lqi: n.lqi,
    extAddr: toHex(n.extAddr),
  };
}

/** ProvisionEvent → JSON object (bytes as text + hex). Secret values are replaced afterwards, in line(). */
export function eventJson(e: ProvisionEvent): Fields {
  switch (e.type) {
    case 'version':
      return {
        event: 'version',
        version: e.info.version ?? null,
        manager: e.info.manager,
        secVer: e.info.secVer ?? null,
        secPatchVer: e.info.secPatchVer ?? null,
        capabilities: e.info.capabilities,
        apps: e.info.apps,
      };
    case 'security':
      return { event: 'security', ...e.choice, ...securityFacts(e.choice) };
    case 'custom-data': {
      const r = responseText(e.response);
      return {
        event: 'custom-data',
        endpoint: e.endpoint,
        response: r.text,
        responseKind: r.kind,
        responseHex: toHex(e.response),
      };
    }
    case 'scan-results':
      return { event: 'scan-results', accessPoints: e.accessPoints.map(apJson) };
    case 'thread-scan-results':
      return { event: 'thread-scan-results', networks: e.networks.map(threadJson) };
    case 'config-sent':
      return {
        event: 'config-sent',
        network: e.network,
        ...(e.ssid ? { ssid: displayBytes(e.ssid), ssidHex: toHex(e.ssid) } : {}),
      };
    case 'wifi-status': {
      const s = e.status;
      if (s.state === 'connected') {
        return {
          event: 'wifi-status',
          state: s.state,
          ip: s.ip,
          ssid: displayBytes(s.ssid),
          bssid: macText(s.bssid),
          channel: s.channel,
          authMode: authModeName(s.authMode),
        };
      }
      return { event: 'wifi-status', ...s };
    }
    case 'thread-status': {
      const s = e.status;
      return s.state === 'attached'
        ? { event: 'thread-status', ...s, extPanId: toHex(s.extPanId) }
        : { event: 'thread-status', ...s };
    }
    default: {
      const { type, ...rest } = e;
      return { event: type, ...rest };
    }
  }
}

export class JsonOutput implements Output {
  readonly json = true;
  readonly colors: Colors = pc.createColors(false);
  readonly #out: Writer;
  readonly #o: OutputOptions;

  constructor(o: OutputOptions) {
    this.#o = o;
    this.#out = o.stdout;
  }

  /** Every line: secret values replaced first (redact.ts), then serialised; the text is never edited after. */
  line(value: Fields): void {
    this.#out.write(JSON.stringify(this.#o.redactor.value(value)) + '\n');
  }

  step(name: string, text: string, fields: Fields = {}): void {
    this.line({ event: name, message: text, ...fields });
  }

  event(e: ProvisionEvent): void {
    this.line(eventJson(e));
  }

  trace(t: TraceEvent): void {
    if (!this.#o.verbose) return;
    const all = t.endpoint === 'prov-config' && t.direction === 'request';
    const r = this.#o.redactor;
    this.line({
      event: 'trace',
      endpoint: t.endpoint,
      direction: t.direction,
      size: t.wire.length,
      wire: r.hex(t.wire, all),
      ...(t.plaintext ? { plaintext: r.hex(t.plaintext, all) } : {}),
    });
  }

  debug(line: string): void {
    if (this.#o.verbose) this.line({ event: 'debug', message: line });
  }

  success(_text: string, fields: Fields): void {
    this.line({ ok: true, ...fields });
  }

  failure(err: EspProvError, hints: readonly string[]): void {
    this.line({
      ok: false,
      error: {
        code: err.code,
        message: err.message,
        exitCode: err.exitCode,
        ...(err.endpoint ? { endpoint: err.endpoint } : {}),
        ...(err.details ? { details: err.details } : {}),
        ...(hints.length > 0 ? { hints } : {}),
      },
    });
  }

  print(text: string): void {
    // --json promises NDJSON only on stdout; free text becomes an event.
    this.line({ event: 'text', text });
  }
}
