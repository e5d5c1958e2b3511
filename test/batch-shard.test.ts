/**
 * `--shard K/N`: every row lands in exactly one shard, whatever N; a board's shard depends on its id alone,
 * so reordering the manifest or adding rows never moves an already-listed board.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { InvalidArgumentError } from 'commander';
import { parseManifest } from '../src/batch/manifest.js';
import { inShard, shardOf } from '../src/batch/shard.js';
import { isCode } from './helpers/rejects.js';
import { parseShard } from '../src/cli/commands/batch-options.js';

const ids = fc.uniqueArray(fc.string({ minLength: 1, maxLength: 24 }), { minLength: 0, maxLength: 80 });

describe('shards', () => {
  it('partition every row exactly once, for any N', () => {
    fc.assert(
      fc.property(ids, fc.integer({ min: 1, max: 12 }), (list, n) => {
        const boards = list.map((id) => ({ id }));
        const seen = new Map<string, number>();
        for (let k = 1; k <= n; k++) {
          for (const b of inShard(boards, { index: k, count: n })) seen.set(b.id, (seen.get(b.id) ?? 0) + 1);
        }
        assert.equal(seen.size, list.length);
        for (const count of seen.values()) assert.equal(count, 1);
      }),
    );
  });

  it('survive reordering and added rows: a listed board keeps its shard', () => {
    fc.assert(
      fc.property(ids, ids, fc.integer({ min: 1, max: 12 }), (list, extra, n) => {
        const before = new Map(list.map((id) => [id, shardOf(id, n)]));
        const after = [...extra.filter((id) => !before.has(id)), ...[...list].reverse()];
        for (const id of after) if (before.has(id)) assert.equal(shardOf(id, n), before.get(id));
      }),
    );
  });

  it('keep manifest order within a shard, and are about equal for a rack', () => {
    const boards = Array.from({ length: 400 }, (_, i) => ({ id: `board-${i}` }));
    const sizes = [1, 2, 3, 4].map((k) => inShard(boards, { index: k, count: 4 }));
    for (const s of sizes) {
      assert.deepEqual(
        s.map((b) => b.id),
        [...s].sort((a, b) => Number(a.id.slice(6)) - Number(b.id.slice(6))).map((b) => b.id),
      );
      assert.ok(s.length > 70 && s.length < 130, `shard of ${s.length} boards`);
    }
  });

  it('a row wired to one runner (its shard cell) lands there, whatever its hash; the others still partition', () => {
    fc.assert(
      fc.property(
        ids,
        fc.integer({ min: 1, max: 8 }),
        fc.infiniteStream(fc.option(fc.nat(), { nil: undefined })),
        (list, n, picks) => {
          const it = picks[Symbol.iterator]();
          const boards = list.map((id) => {
            const p = it.next().value as number | undefined;
            return { id, shard: p === undefined ? undefined : (p % n) + 1 };
          });
          const seen = new Map<string, number>();
          for (let k = 1; k <= n; k++) {
            for (const b of inShard(boards, { index: k, count: n })) {
              seen.set(b.id, (seen.get(b.id) ?? 0) + 1);
              if (b.shard !== undefined) assert.equal(b.shard, k, `${b.id} is wired to runner ${b.shard}`);
            }
          }
          assert.equal(seen.size, list.length);
          for (const count of seen.values()) assert.equal(count, 1);
        },
      ),
    );
  });

  it('a shard cell is a runner number; one beyond N is refused on every runner, naming file:line', () => {
    const rows = parseManifest('id,device,shard\na,/dev/ttyUSB0,2\nb,/dev/ttyUSB1,\nc,/dev/ttyUSB2,5\n', 'rack.csv');
    assert.deepEqual(
      rows.map((r) => r.shard),
      [2, undefined, 5],
    );
    for (const k of [1, 2, 3, 4]) assert.throws(() => inShard(rows, { index: k, count: 4 }), /rack\.csv:4: shard 5/);
    assert.deepEqual(
      inShard(rows, { index: 2, count: 5 })
        .map((r) => r.id)
        .filter((id) => id !== 'b'),
      ['a'],
    );
    for (const bad of ['0', 'two', '1.5', '-1'])
      assert.throws(() => parseManifest(`id,device,shard\na,/dev/ttyUSB0,${bad}\n`, 'rack.csv'), isCode('USAGE'), bad);
  });

  it('parse K/N and refuse what is not 1 ≤ K ≤ N', () => {
    assert.deepEqual(parseShard('2/4'), { index: 2, count: 4 });
    assert.deepEqual(parseShard('1/1'), { index: 1, count: 1 });
    for (const bad of ['0/4', '5/4', '1/0', '2', 'a/b', '-1/2', '1/2/3', ''])
      assert.throws(() => parseShard(bad), InvalidArgumentError, bad);
  });
});
