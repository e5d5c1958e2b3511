/**
 * The --json form of the CLI's output: NDJSON on stdout only, one object per event and a final {"ok":…}.
 * Every line is described by schema/events.schema.json (documented in docs/cli.md); the final line carries
 * SCHEMA_VERSION, which changes when a field is removed or changes meaning (adding one does not).
 */
import pc from 'picocolors';
import { toHex } from '../bytes.js';
import type { EspProvError } from '../errors.js';
import type { AccessPoint } from '../endpoints/scan.js';
import type { ThreadNetwork } from '../endpoints/thread.js';
import { authModeName } from '../endpoints/wifi-auth.js';
import type { ProvisionEvent } from '../provision/events.js';
import type { TraceEvent } from '../session/session.js';
import { realClock, type Clock } from '../timers.js';
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

/** Version of the --json contract (schema/events.schema.json). */
export const SCHEMA_VERSION = 1;

/** What the final line says about the device, gathered from the run's steps and events. */
interface DeviceFacts {
  address?: string;
  name?: string;
  protoVer?: string | null;
  secVer?: number | null;
  secPatchVer?: number | null;
  capabilities?: string[];
}

export class JsonOutput implements Output {
  readonly json = true;
  readonly colors: Colors = pc.createColors(false);
  readonly #out: Writer;
  readonly #o: OutputOptions;
  readonly #clock: Clock;
  readonly #startedAt: number;
  #transport: string | undefined;
  readonly #device: DeviceFacts = {};

  constructor(o: OutputOptions) {
    this.#o = o;
    this.#out = o.stdout;
    this.#clock = o.clock ?? realClock;
    this.#startedAt = this.#clock.now();
  }

  context(fields: Fields): void {
    const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
    const transport = text(fields['transport']);
    if (transport) this.#transport = transport;
    // The transports' "connecting" step names the device: address (softap, BLE), port (serial), BLE name.
    const address = text(fields['address']) ?? text(fields['port']);
    if (address) this.#device.address = address;
    const name = text(fields['serviceName']);
    if (name) this.#device.name = name;
  }

  stopProgress(): void {}

  /** Facts and times every final line carries, after the command's own fields. */
  #runFields(): Fields {
    const finished = this.#clock.now();
    return {
      schemaVersion: SCHEMA_VERSION,
      ...(this.#transport ? { transport: this.#transport } : {}),
      ...(Object.keys(this.#device).length > 0 ? { device: { ...this.#device } } : {}),
      startedAt: new Date(this.#startedAt).toISOString(),
      finishedAt: new Date(finished).toISOString(),
      durationMs: Math.max(0, Math.round(finished - this.#startedAt)),
    };
  }

  /** Every line: secret values replaced first (redact.ts), then serialised; the text is never edited after. */
  line(value: Fields): void {
    if (this.#o.finalOnly === true && !('ok' in value)) return;
    this.#out.write(JSON.stringify(this.#o.redactor.value(value)) + '\n');
  }

  step(name: string, text: string, fields: Fields = {}): void {
    this.context(fields);
    this.line({ event: name, message: text, ...fields });
  }

  warn(text: string, fields: Fields = {}): void {
    this.line({ event: 'warning', message: text, ...fields });
  }

  failed(name: string, code: string, text: string): void {
    this.line({ event: name, code, message: text });
  }

  event(e: ProvisionEvent): void {
    if (e.type === 'version') {
      Object.assign(this.#device, {
        protoVer: e.info.version ?? null,
        secVer: e.info.secVer ?? null,
        secPatchVer: e.info.secPatchVer ?? null,
        capabilities: e.info.capabilities,
      });
    }
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
    this.line({ ok: true, ...fields, ...this.#runFields() });
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
      ...this.#runFields(),
    });
  }

  print(text: string): void {
    // --json promises NDJSON only on stdout; free text becomes an event.
    this.line({ event: 'text', text });
  }
}
