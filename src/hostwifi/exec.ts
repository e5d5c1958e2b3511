/**
 * Runs an OS tool: execFile (no shell, so no quoting of SSIDs), a deadline and the run's AbortSignal on every
 * call, optional stdin (how a passphrase reaches nmcli without appearing in argv). Failures become coded
 * errors whose messages name the tool and its subcommand and never the whole argv (it may hold a passphrase);
 * the tool's own stderr is quoted with any secret the caller names cut out.
 */
import { execFile } from 'node:child_process';
import { EspProvError } from '../errors.js';

export interface ToolRun {
  /** Program name or path, as given to execFile (looked up on env.PATH). */
  file: string;
  args: readonly string[];
  /** What the message calls this call ("device wifi connect"). */
  what: string;
  signal: AbortSignal;
  timeoutMs: number;
  input?: string;
  env?: NodeJS.ProcessEnv | undefined;
  /** Cut from anything quoted back (stderr, stdout). */
  secrets?: readonly string[];
}

export interface ToolOutput {
  stdout: string;
  stderr: string;
}

/** Raised when the tool ran and exited non-zero: carries its exit status for callers that map it. */
export class ToolFailed extends EspProvError {
  constructor(
    readonly status: number | null,
    message: string,
  ) {
    super('CONNECTION_LOST', message, { details: { exitStatus: status } });
  }
}

export function scrub(text: string, secrets: readonly string[] | undefined): string {
  let out = text;
  for (const s of secrets ?? []) if (s.length > 0) out = out.split(s).join('***');
  return out;
}

/** The last non-empty line of the tool's output, trimmed: what a person needs to see. */
function said(r: ToolOutput, secrets: readonly string[] | undefined): string {
  const lines = `${r.stderr}\n${r.stdout}`
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
  const text = lines.slice(-2).join(' ');
  return scrub(text.length > 300 ? `${text.slice(0, 300)}…` : text, secrets);
}

export function runTool(r: ToolRun): Promise<ToolOutput> {
  const name = `${r.file.split(/[\\/]/).pop() ?? r.file} ${r.what}`;
  if (r.signal.aborted) return Promise.reject(new EspProvError('CANCELLED', 'interrupted'));
  return new Promise((resolve, reject) => {
    const child = execFile(
      r.file,
      r.args,
      {
        signal: r.signal,
        timeout: r.timeoutMs,
        killSignal: 'SIGTERM',
        encoding: 'utf8',
        maxBuffer: 4 * 1024 * 1024,
        windowsHide: true,
        ...(r.env ? { env: r.env } : {}),
      },
      (error, stdout, stderr) => {
        const out = { stdout, stderr };
        if (!error) return resolve(out);
        const e = error as NodeJS.ErrnoException & { killed?: boolean; code?: unknown; signal?: unknown };
        if (r.signal.aborted) return reject(new EspProvError('CANCELLED', 'interrupted'));
        if (e.code === 'ENOENT') {
          return reject(
            new EspProvError(
              'TRANSPORT_UNAVAILABLE',
              `${r.file} was not found: joining the board's access point needs it to switch this computer's Wi-Fi; install it, or join the access point by hand`,
              { details: { tool: r.file } },
            ),
          );
        }
        if (e.killed || e.signal === 'SIGTERM') {
          return reject(
            new EspProvError('TIMEOUT', `${name} did not finish within ${Math.round(r.timeoutMs / 1000)} s`),
          );
        }
        const status = typeof e.code === 'number' ? e.code : null;
        const detail = said(out, r.secrets);
        reject(
          new ToolFailed(
            status,
            `${name} failed${status !== null ? ` (exit ${String(status)})` : ''}${detail ? `: ${detail}` : ''}`,
          ),
        );
      },
    );
    // A tool that never reads its stdin closes it early: EPIPE then is no failure of ours.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(r.input ?? '');
  });
}
