/**
 * A per-attempt observer for provisionMany (BatchOptions.onAttempt): it sees one attempt's progress events,
 * its wire exchanges and its link, and is told how the attempt ended. The batch layer stays transport- and
 * CLI-agnostic: the CLI's `batch --record DIR` builds one transcript per attempt on it (batch-record.ts).
 */
import type { EspProvError } from '../errors.js';
import type { ProvisionEvent } from '../provision/events.js';
import type { TraceEvent } from '../session/session.js';
import type { Transport } from '../transport/transport.js';
import type { BoardResult } from './types.js';

/** One attempt's observer: its progress events, its wire exchanges, its link, and its end. */
export interface AttemptWatch {
  onEvent?(e: ProvisionEvent): void;
  onTrace?(e: TraceEvent): void;
  /** The attempt's freshly opened link (read only: an HTTP link's session cookie). */
  transport?(t: Transport): void;
  /**
   * The attempt ended: `error` is why it failed (absent: provisioned). Awaited before a retry's backoff, so
   * the next attempt's watch starts after it. A failure here is ignored: the attempt's outcome stands.
   */
  end(error?: EspProvError): void | Promise<void>;
  /** Names this attempt's record in the board's result (`transcript`) when it is the board's last attempt. */
  transcript?: string;
}

/** The board's own trace hook and the attempt's watch, both fed; undefined when neither wants the trace. */
export function traceSink(
  own: ((e: TraceEvent) => void) | undefined,
  watch: AttemptWatch | undefined,
): ((e: TraceEvent) => void) | undefined {
  const theirs = watch?.onTrace?.bind(watch);
  if (!own || !theirs) return own ?? theirs;
  return (e) => {
    own(e);
    theirs(e);
  };
}

export async function endQuietly(watch: AttemptWatch | undefined, error?: EspProvError): Promise<void> {
  try {
    await watch?.end(error);
  } catch {
    // The attempt's outcome is decided; its observer failing (a transcript not written) changes nothing.
  }
}

export function recorded(watch: AttemptWatch | undefined): Pick<BoardResult, 'transcript'> {
  return watch?.transcript !== undefined ? { transcript: watch.transcript } : {};
}
