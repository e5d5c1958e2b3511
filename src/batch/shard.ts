/**
 * `--shard K/N`: the share of a manifest one of N runners provisions. A board belongs to shard
 * (hash(id) mod N) + 1, so the split depends on the board alone: reordering the rows, or adding rows, never
 * moves a board that was already listed to another shard (a position-based split would move every board
 * after an inserted row, and two runners could then both provision it, or neither). The price is that shards
 * are only about equal in size (within a few boards for a rack of hundreds), not exactly equal.
 *
 * A board wired to one runner (its serial hub, the BLE adapter in range of its shelf) cannot be hashed to
 * another: a row's own `shard` cell places it explicitly, and only rows without one are hashed.
 */
import { createHash } from 'node:crypto';
import { EspProvError } from '../errors.js';

export interface Shard {
  /** 1-based index of this runner's share. */
  index: number;
  /** Number of shares the manifest is split into. */
  count: number;
}

/** Which shard (1-based) a board id falls in: SHA-256 is stable across Node versions and platforms. */
export function shardOf(id: string, count: number): number {
  const digest = createHash('sha256').update(id, 'utf8').digest();
  return (digest.readUInt32BE(0) % count) + 1;
}

/**
 * The boards of `shard`, in their manifest order: those whose own `shard` says so, and those without one that
 * hash there. A board placed on a runner that does not exist (shard 5 of 4) is a usage error on every runner,
 * so it cannot be silently left out by all of them.
 */
export function inShard<T extends { id: string; shard?: number | undefined; where?: string }>(
  boards: readonly T[],
  shard: Shard | undefined,
): T[] {
  if (shard === undefined) return [...boards];
  for (const b of boards) {
    if (b.shard !== undefined && b.shard > shard.count) {
      throw new EspProvError(
        'USAGE',
        `${b.where ?? b.id}: shard ${b.shard} is beyond the ${shard.count} runners the batch is split into`,
      );
    }
  }
  return boards.filter((b) => (b.shard ?? shardOf(b.id, shard.count)) === shard.index);
}

export function shardText(shard: Shard): string {
  return `${shard.index}/${shard.count}`;
}
