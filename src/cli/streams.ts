/**
 * stdout and stderr as the CLI writes them. A reader that goes away early (`esp-prov … --json | head -1`,
 * a closed terminal, `2>&-`) is normal, not a bug: the write fails with EPIPE (or EBADF), asynchronously as an
 * 'error' event or synchronously as a throw. Without a listener Node turns that event into an uncaught
 * exception, which would end the run half-way — possibly with credentials sent and not yet applied. Here the
 * stream is marked closed, later writes are dropped, and the run goes on to its own outcome and exit code.
 */
import type { CliStream } from './context.js';

/** What a guarded stream needs from the real one (process.stdout / process.stderr or a test double). */
export interface RawOutputStream {
  write(text: string): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** A CliStream that never throws and never raises an unhandled 'error'. */
export interface GuardedStream {
  write(text: string): boolean;
  readonly isTTY?: boolean;
  readonly columns: number | undefined;
  /** True once the reader went away (or the stream failed otherwise); writes are then dropped. */
  readonly closed: boolean;
  /** The error code that closed it (EPIPE, EBADF, …). */
  readonly closedBy: string | undefined;
  /** The underlying stream, for the one user that needs a real Writable: the interactive prompts. */
  readonly raw: RawOutputStream;
}

/** Error codes that mean "nobody reads this any more". Any other write error closes the stream as well. */
export const READER_GONE = new Set(['EPIPE', 'EBADF', 'ERR_STREAM_DESTROYED', 'ERR_STREAM_WRITE_AFTER_END']);

export function guardStream(raw: RawOutputStream): GuardedStream {
  let closedBy: string | undefined;
  const close = (e: unknown): void => {
    closedBy ??= (e as { code?: string } | null)?.code ?? 'error';
  };
  // Installed before the first write: an 'error' without a listener would crash the process.
  raw.on('error', close);
  return {
    ...(raw.isTTY !== undefined ? { isTTY: raw.isTTY } : {}),
    get columns() {
      return raw.columns;
    },
    get closed() {
      return closedBy !== undefined;
    },
    get closedBy() {
      return closedBy;
    },
    raw,
    write(text: string): boolean {
      if (closedBy !== undefined) return false;
      try {
        raw.write(text);
        return true;
      } catch (e) {
        close(e);
        return false;
      }
    },
  };
}

/** The real stream behind a CliStream (itself when it is not guarded). */
export function rawStream(s: CliStream): unknown {
  return (s as Partial<GuardedStream>).raw ?? s;
}
