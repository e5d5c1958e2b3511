/**
 * The batch journal: append-only NDJSON, one line per board outcome, flushed to the disk (fsync) before the
 * next board of that slot starts, so a `kill -9` or a power cut loses no recorded outcome. Lines are results
 * (types.ts), which hold no secret. `--resume` reads it back: boards whose last line says provisioned are
 * skipped, so a finished board is never provisioned twice.
 */
import { open, type FileHandle } from 'node:fs/promises';
import type { BoardResult } from './types.js';

export const JOURNAL_VERSION = 1;

export interface JournalLine extends BoardResult {
  journal: typeof JOURNAL_VERSION;
}

export class Journal {
  #file: FileHandle;
  #tail: Promise<void> = Promise.resolve();

  private constructor(file: FileHandle) {
    this.#file = file;
  }

  /** Opens (creating) the journal for appending; earlier lines are kept. */
  static async open(path: string): Promise<Journal> {
    return new Journal(await open(path, 'a', 0o600));
  }

  /** Appends one outcome and waits until it is on the disk. Lines from parallel boards never interleave. */
  record(result: BoardResult): Promise<void> {
    const line = JSON.stringify({ journal: JOURNAL_VERSION, ...result }) + '\n';
    const write = this.#tail.then(async () => {
      await this.#file.write(line);
      await this.#file.sync();
    });
    // A failed write fails that board's record call; the next one still gets its turn.
    this.#tail = write.catch(() => undefined);
    return write;
  }

  async close(): Promise<void> {
    await this.#tail;
    await this.#file.close();
  }
}

/** The key a journal line and a manifest row share: a board is its id at its address. */
export function boardKey(b: { id: string; device: string }): string {
  return `${b.id}\u0000${b.device}`;
}

/**
 * The last recorded outcome per board. A line cut short (the process died mid-write, before its fsync
 * returned) is ignored: that board's outcome was never recorded, so it runs again.
 */
export function readJournal(text: string): Map<string, JournalLine> {
  const last = new Map<string, JournalLine>();
  for (const raw of text.split('\n')) {
    if (raw.trim() === '') continue;
    let v: unknown;
    try {
      v = JSON.parse(raw);
    } catch {
      continue;
    }
    const line = v as Partial<JournalLine> | null;
    if (line?.journal !== JOURNAL_VERSION || typeof line.id !== 'string' || typeof line.device !== 'string') continue;
    last.set(boardKey(line as JournalLine), line as JournalLine);
  }
  return last;
}

/** True when the journal shows this board provisioned (its last outcome). */
export function provisionedBefore(journal: Map<string, JournalLine>, board: { id: string; device: string }): boolean {
  return journal.get(boardKey(board))?.outcome === 'provisioned';
}
