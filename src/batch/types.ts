/**
 * The batch layer's vocabulary: a board to provision (how to reach it and with what), and the one typed result
 * per board that the journal, the reports and the CLI all print. A result never carries a secret: it is built
 * from progress events and error codes, which never do (provision/events.ts).
 */
import type { ErrorCode } from '../errors.js';
import type { ProvisionEvent } from '../provision/events.js';
import type { ProvisionOptions } from '../provision/flow.js';
import type { Transport } from '../transport/transport.js';

/** What a board's run is given besides its transport; the batch layer owns signal, clock and onEvent. */
export type BoardOptions = Omit<ProvisionOptions, 'transport' | 'signal' | 'onEvent' | 'clock'>;

export interface Board {
  /** Label for reports and events; unique within a batch. */
  id: string;
  /** Where the board is (BLE name, host:port, serial path): for reports only. */
  device: string;
  /** Transport name, for reports only (the factory decides what it really is). */
  transport: string;
  /**
   * Opens a fresh link to the board, once per attempt. The batch layer closes it after the attempt, so the
   * library stays transport-agnostic (the CLI passes HTTP/BLE/serial factories, tests pass memory links).
   */
  connect(o: { signal: AbortSignal }): Promise<Transport>;
  /**
   * Wraps each attempt (connect, provision, close), for what must hold around the whole of it: the CLI's
   * `batch --join` joins the board's access point here and restores the computer's Wi-Fi after.
   */
  around?: <T>(attempt: () => Promise<T>, o: { signal: AbortSignal }) => Promise<T>;
  options?: BoardOptions;
}

export type Outcome = 'provisioned' | 'failed' | 'cancelled' | 'skipped';

/** Milliseconds spent per phase of the last attempt (absent: the phase did not happen). */
export interface PhaseTimes {
  /** Opening the link until the device answered proto-ver. */
  connectMs?: number;
  handshakeMs?: number;
  scanMs?: number;
  /** Apply sent until the device reported Connected / attached. */
  applyMs?: number;
}

export interface BoardResult {
  id: string;
  device: string;
  transport: string;
  outcome: Outcome;
  error?: { code: ErrorCode; message: string; exitCode: number };
  attempts: number;
  phases: PhaseTimes;
  wifi?: { ip: string; bssid: string; channel: number; ssid: string };
  thread?: { panId: number; extPanId: string; channel: number; name: string };
  protoVer?: string;
  capabilities?: string[];
  /** Where the last attempt's exchange was recorded (`batch --record DIR`: a transcript file), when it was. */
  transcript?: string;
  /** ISO 8601 on the batch's clock. */
  startedAt: string;
  endedAt: string;
}

export type BatchEvent =
  | { type: 'board-start'; board: string; attempt: number }
  | { type: 'board-progress'; board: string; event: ProvisionEvent }
  | { type: 'board-retry'; board: string; attempt: number; code: ErrorCode; delayMs: number }
  | { type: 'board-end'; board: string; result: BoardResult };

export interface BatchSummary {
  total: number;
  provisioned: number;
  failed: number;
  cancelled: number;
  skipped: number;
}

export function summarize(results: readonly BoardResult[]): BatchSummary {
  const count = (o: Outcome): number => results.filter((r) => r.outcome === o).length;
  return {
    total: results.length,
    provisioned: count('provisioned'),
    failed: count('failed'),
    cancelled: count('cancelled'),
    skipped: count('skipped'),
  };
}
