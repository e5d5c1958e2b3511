/** test/vectors must stay a byte-identical copy of ../shared/vectors (the source of truth) when both exist. */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { COPY_VECTORS_DIR, SHARED_VECTORS_DIR, walk } from './helpers/vectors.js';

test(
  'the vendored vectors equal ../shared/vectors',
  { skip: !existsSync(SHARED_VECTORS_DIR) && 'no ../shared here' },
  () => {
    const shared = walk(SHARED_VECTORS_DIR).map((p) => relative(SHARED_VECTORS_DIR, p));
    const copy = walk(COPY_VECTORS_DIR).map((p) => relative(COPY_VECTORS_DIR, p));
    assert.deepEqual(copy, shared, 'run: cp -r ../shared/vectors/. test/vectors/');
    for (const f of shared) {
      assert.ok(
        readFileSync(join(SHARED_VECTORS_DIR, f)).equals(readFileSync(join(COPY_VECTORS_DIR, f))),
        `${f} differs`,
      );
    }
  },
);
