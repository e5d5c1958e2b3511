/**
 * Where provisionMany's workers take their next board from: a manifest's array, or boards that arrive over
 * time (discovery.ts). Both hand out each board once with its index, so results keep manifest / arrival order.
 */
import type { Board } from './types.js';

/** Where the workers take their next board from; undefined once there is none (or the batch stopped). */
export type Pull = () => Promise<{ board: Board; index: number } | undefined>;

export function fromArray(boards: readonly Board[]): Pull {
  let next = 0;
  return () => {
    const index = next++;
    const board = boards[index];
    return Promise.resolve(board === undefined ? undefined : { board, index });
  };
}

/**
 * Boards arriving over time (discovery.ts). Pulls are chained so that each board gets the next index even when
 * the iterable is not an async generator (which would serialise them itself). A stop ends the wait for the
 * next board at once: the iterable may be waiting for a device that never comes.
 */
export function fromStream(boards: AsyncIterable<Board>, signal: AbortSignal, failed: (e: unknown) => void): Pull {
  const it = boards[Symbol.asyncIterator]();
  let ended = false;
  let count = 0;
  let chain: Promise<unknown> = Promise.resolve();
  const stopped = new Promise<'stopped'>((resolve) => {
    if (signal.aborted) resolve('stopped');
    else signal.addEventListener('abort', () => resolve('stopped'), { once: true });
  });
  const take = async (): Promise<{ board: Board; index: number } | undefined> => {
    if (ended) return undefined;
    if (signal.aborted) {
      ended = true;
      it.return?.()?.catch(() => undefined);
      return undefined;
    }
    try {
      const r = await Promise.race([it.next(), stopped]);
      if (r === 'stopped' || r.done === true) {
        ended = true;
        // Tell the source nobody listens any more (an async generator then runs its `finally`), without
        // waiting: a source stuck in a wait of its own would hold the batch.
        if (r === 'stopped') it.return?.()?.catch(() => undefined);
        return undefined;
      }
      return { board: r.value, index: count++ };
    } catch (e) {
      ended = true;
      failed(e);
      return undefined;
    }
  };
  return () => {
    const p = chain.then(take);
    chain = p;
    return p;
  };
}
