/**
 * What a board's run showed, for its result: phase times and the device's proto-ver from the flow's own events,
 * and the network it joined or attached to. Pure bookkeeping on the batch's clock; never a secret.
 */
import { toHex } from '../bytes.js';
import type { ProvisionEvent } from '../provision/events.js';
import type { ProvisionResult } from '../provision/flow.js';
import type { Clock } from '../timers.js';
import type { BoardResult, PhaseTimes } from './types.js';

/** Colon-separated hex, the way BSSIDs are written everywhere else. */
function mac(bytes: Uint8Array): string {
  return (toHex(bytes).match(/../g) ?? []).join(':');
}

/** Phase boundaries from the flow's own events (the clock's reading when each arrived). */
export class PhaseTimer {
  readonly phases: PhaseTimes = {};
  protoVer: string | undefined;
  capabilities: string[] | undefined;
  applied = false;
  #marks = new Map<string, number>();

  constructor(
    readonly clock: Clock,
    readonly start: number,
  ) {}

  #span(mark: string, key: keyof PhaseTimes): void {
    const t = this.#marks.get(mark);
    if (t !== undefined) this.phases[key] = this.clock.now() - t;
  }

  see(e: ProvisionEvent): void {
    const now = this.clock.now();
    switch (e.type) {
      case 'version':
        this.phases.connectMs = now - this.start;
        this.protoVer = e.info.version;
        this.capabilities = e.info.capabilities;
        break;
      case 'handshake-start':
        this.#marks.set('handshake', now);
        break;
      case 'session-established':
        this.#span('handshake', 'handshakeMs');
        break;
      case 'scan-start':
        this.#marks.set('scan', now);
        break;
      case 'scan-results':
      case 'thread-scan-results':
        this.#span('scan', 'scanMs');
        break;
      case 'config-applied':
        this.applied = true;
        this.#marks.set('apply', now);
        break;
      default:
        break;
    }
  }

  finish(): void {
    if (this.applied) this.#span('apply', 'applyMs');
  }
}

export function networkFacts(r: ProvisionResult): Pick<BoardResult, 'wifi' | 'thread'> {
  if (r.network === 'wifi') {
    const c = r.connected;
    return {
      wifi: { ip: c.ip, bssid: mac(c.bssid), channel: c.channel, ssid: new TextDecoder().decode(c.ssid) },
    };
  }
  if (r.network === 'thread') {
    const a = r.attached;
    return { thread: { panId: a.panId, extPanId: toHex(a.extPanId), channel: a.channel, name: a.name } };
  }
  return {};
}

export function deviceFacts(timer: PhaseTimer): Pick<BoardResult, 'protoVer' | 'capabilities'> {
  return {
    ...(timer.protoVer !== undefined ? { protoVer: timer.protoVer } : {}),
    ...(timer.capabilities !== undefined ? { capabilities: timer.capabilities } : {}),
  };
}
