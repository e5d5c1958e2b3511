/**
 * Where secret values come from, in one order for every secret: the flag, its file (`-` = stdin), the QR
 * payload, the environment, and only then a prompt (on a terminal) — or MISSING_INPUT naming all the ways
 * to give it. Files and stdin lose one trailing newline (what `echo` and editors add), nothing else.
 */
import { readFile } from 'node:fs/promises';
import { EspProvError } from '../errors.js';
import type { SecretSources } from './options.js';

export type SecretOrigin = 'flag' | 'file' | 'qr' | 'env';

export interface Resolved {
  value: string;
  from: SecretOrigin;
}

/** Reads stdin at most once: two values cannot both come from it. */
export class StdinOnce {
  #used: string | undefined;
  constructor(private readonly read: () => Promise<string>) {}

  async take(purpose: string): Promise<string> {
    if (this.#used !== undefined) {
      throw new EspProvError('USAGE', `stdin is already used for ${this.#used}; it cannot also give ${purpose}`);
    }
    this.#used = purpose;
    return this.read();
  }
}

export function stripNewline(text: string): string {
  return text.replace(/\r?\n$/, '');
}

export async function readValueFile(path: string, purpose: string, stdin: StdinOnce): Promise<string> {
  if (path === '-') return stripNewline(await stdin.take(purpose));
  try {
    return stripNewline(await readFile(path, 'utf8'));
  } catch (e) {
    const code = (e as { code?: string }).code ?? 'error';
    throw new EspProvError('USAGE', `cannot read ${purpose} from ${JSON.stringify(path)} (${code})`, { cause: e });
  }
}

export async function readBytesFile(path: string, purpose: string, stdin: StdinOnce): Promise<Uint8Array> {
  if (path === '-') return new TextEncoder().encode(await stdin.take(purpose));
  try {
    return new Uint8Array(await readFile(path));
  } catch (e) {
    const code = (e as { code?: string }).code ?? 'error';
    throw new EspProvError('USAGE', `cannot read ${purpose} from ${JSON.stringify(path)} (${code})`, { cause: e });
  }
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
