/**
 * `esp-prov batch --record DIR`: one transcript (docs/transcripts.md) per board attempt, through
 * provisionMany's per-attempt hook (batch/attempt.ts) and the single run's recorder (record.ts).
 *
 * Names: DIR/<name>.json is always the board's last attempt; when an attempt is retried, its file is first
 * renamed DIR/<name>.attempt-N.json, so the name the reports give (`transcript`) never changes meaning. <name> is
 * the board id when it is filesystem-safe everywhere; otherwise it is made safe and gets `~` and 8 hex digits of
 * the id's SHA-256, so two ids that clean up alike never share a file. `~` is never in a name kept as it is.
 * DIR is created 0700 when missing; files are created 0600 (openTranscriptFile).
 */
import { createHash } from 'node:crypto';
import { mkdir, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { AttemptWatch } from '../../batch/attempt.js';
import type { Board } from '../../batch/types.js';
import { EspProvError } from '../../errors.js';
import { startRecording } from './record.js';

/** Longest kept part of an id: file systems cap a name at 255 bytes; this leaves room for the suffixes. */
const MAX_KEPT = 120;

/** Names Windows refuses whatever their extension. */
const RESERVED = /^(con|prn|aux|nul|com\d|lpt\d)$/i;

function hash8(id: string): string {
  return createHash('sha256').update(id, 'utf8').digest('hex').slice(0, 8);
}

/**
 * A file name for `id`: the id itself when it is made only of letters, digits, `.`, `_` and `-`, does not
 * start with a dot, is no reserved device name and does not look like an earlier attempt's name; otherwise
 * its safe characters (others become `_`) plus `~` and a hash of the whole id.
 */
export function safeName(id: string): string {
  const kept = id.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_') || '_';
  const asIs = kept === id && id !== '' && id.length <= MAX_KEPT && !RESERVED.test(id) && !/\.attempt-\d+$/.test(id);
  return asIs ? id : `${kept.slice(0, MAX_KEPT)}~${hash8(id)}`;
}

/**
 * Names per id for one batch. On a case-insensitive file system (macOS, Windows) `Rack-1` and `rack-1` are
 * one file: the second id to arrive gets its hash as well.
 */
class Names {
  readonly #byId = new Map<string, string>();
  readonly #taken = new Map<string, string>();

  get(id: string): string {
    const known = this.#byId.get(id);
    if (known !== undefined) return known;
    let name = safeName(id);
    const holder = this.#taken.get(name.toLowerCase());
    if (holder !== undefined && holder !== id) name = `${name}~${hash8(id)}`;
    this.#taken.set(name.toLowerCase(), id);
    this.#byId.set(id, name);
    return name;
  }
}

async function removeIfThere(path: string): Promise<void> {
  await unlink(path).catch((e: NodeJS.ErrnoException) => {
    if (e.code !== 'ENOENT') throw e;
  });
}

/**
 * Creates DIR (0700) now, before any board is touched, and returns the hook that records each attempt.
 * `warn` reports a transcript that could not be written (the board's outcome stands).
 */
export async function batchRecorder(
  dir: string,
  warn: (text: string) => void,
): Promise<(board: Board, attempt: number) => Promise<AttemptWatch>> {
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
  } catch (e) {
    throw new EspProvError(
      'USAGE',
      `cannot create the --record directory ${JSON.stringify(dir)}: ${(e as Error).message}`,
    );
  }
  const names = new Names();
  return async (board, attempt) => {
    const base = join(dir, names.get(board.id));
    const last = `${base}.json`;
    if (attempt === 1) {
      // A board run again in the same DIR (a resumed batch): an earlier run's attempt files are not this run's.
      for (let n = 1; ; n++) {
        const old = `${base}.attempt-${n}.json`;
        try {
          await unlink(old);
        } catch {
          break;
        }
      }
    } else {
      await removeIfThere(`${base}.attempt-${attempt - 1}.json`);
      await rename(last, `${base}.attempt-${attempt - 1}.json`).catch(() => undefined);
    }
    const recording = await startRecording(last, board.transport);
    return {
      onEvent: recording.event,
      onTrace: (t) => recording.trace(t),
      transport: (t) => recording.watch(t),
      end: async (error) => {
        try {
          await recording.finish(error);
        } catch (e) {
          warn(`${board.id}: the transcript ${last} could not be written: ${(e as Error).message}`);
        }
      },
      transcript: last,
    };
  };
}
