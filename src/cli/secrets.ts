/**
 * Where secret values come from, in one order for every secret: the flag, its file (`-` = stdin), the QR
 * payload, the environment, and only then a prompt (on a terminal) — or MISSING_INPUT naming all the ways
 * to give it. Files and stdin lose one trailing newline (what `echo` and editors add), nothing else.
 */
import { EspProvError } from '../errors.js';
import type { SecretSources } from './options.js';
import {
  decodeUtf8Strict,
  readInputFile,
  readStreamBounded,
  valueText,
  type InputKind,
  type ReadContext,
} from './read-input.js';

export type SecretOrigin = 'flag' | 'file' | 'qr' | 'env';

export interface Resolved {
  value: string;
  from: SecretOrigin;
}

/**
 * The user's inputs as files and stdin, read through read-input.ts with the run's signal and `--timeout`.
 * stdin is read at most once: two values cannot both come from it.
 */
export class StdinOnce {
  #used: string | undefined;
  constructor(
    private readonly stream: NodeJS.ReadableStream,
    /** The run's signal and `--timeout`, for every file read as well. */
    readonly context: ReadContext = {},
  ) {}

  async takeBytes(purpose: string, kind: InputKind): Promise<Uint8Array> {
    if (this.#used !== undefined) {
      throw new EspProvError('USAGE', `stdin is already used for ${this.#used}; it cannot also give ${purpose}`);
    }
    this.#used = purpose;
    return readStreamBounded(this.stream, 'stdin', { ...this.context, what: purpose, kind }, false);
  }

  /** Any UTF-8 text (a QR payload may be pretty-printed JSON), one trailing newline dropped. */
  async takeText(purpose: string, kind: InputKind): Promise<string> {
    return stripNewline(decodeUtf8Strict(await this.takeBytes(purpose, kind), `${purpose} from stdin`));
  }

  /** One line of text (one trailing newline dropped), as for a secret. */
  async take(purpose: string, kind: InputKind): Promise<string> {
    return valueText(await this.takeBytes(purpose, kind), `${purpose} from stdin`);
  }
}

export function stripNewline(text: string): string {
  return text.replace(/\r?\n$/, '');
}

/** A one-line text value from a file or stdin ("-"): bounded, strict UTF-8, no control characters. */
export async function readValueFile(
  path: string,
  purpose: string,
  stdin: StdinOnce,
  kind: InputKind = 'secret',
): Promise<string> {
  if (path === '-') return stdin.take(purpose, kind);
  const bytes = await readInputFile(path, { ...stdin.context, what: purpose, kind });
  return valueText(bytes, `${purpose} from ${JSON.stringify(path)}`);
}

/** Raw bytes from a file or stdin ("-"), up to the --data limit. */
export async function readBytesFile(path: string, purpose: string, stdin: StdinOnce): Promise<Uint8Array> {
  if (path === '-') return stdin.takeBytes(purpose, 'data');
  return readInputFile(path, { ...stdin.context, what: purpose, kind: 'data' });
}

/** Applies the precedence; undefined when no source has a value (the caller prompts or fails). */
export async function resolveSecret(
  s: SecretSources,
  purpose: string,
  qr: string | undefined,
  stdin: StdinOnce,
): Promise<Resolved | undefined> {
  if (s.flag !== undefined) return { value: s.flag, from: 'flag' };
  if (s.file !== undefined) return { value: await readValueFile(s.file, purpose, stdin), from: 'file' };
  if (qr !== undefined) return { value: qr, from: 'qr' };
  if (s.env !== undefined) return { value: s.env, from: 'env' };
  return undefined;
}

/** The MISSING_INPUT error for a value nobody gave, naming every way to give it. */
export function missing(s: SecretSources, what: string): EspProvError {
  const ways = [s.flagName, ...(s.fileFlag ? [s.fileFlag] : []), `the ${s.envName} environment variable`];
  return new EspProvError(
    'MISSING_INPUT',
    `${what} is needed: pass ${ways.join(', or ')} (prompting is off: no terminal, or --no-input)`,
  );
}
