/** Waiting with a deadline and an AbortSignal: the only kind of wait this project does. */
import { EspProvError } from './errors.js';

/** Resolves after `ms`; rejects with CANCELLED as soon as `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new EspProvError('CANCELLED', 'cancelled'));
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new EspProvError('CANCELLED', 'cancelled'));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Settles with `work`, or rejects with `onTimeout()` after `ms` / CANCELLED when `signal` aborts. `work` is not
 * cancelled (most I/O cannot be); `late` receives its value if it arrives after we gave up, to release it.
 */
export function withDeadline<T>(
  work: Promise<T>,
  ms: number,
  onTimeout: () => EspProvError,
  options: { signal?: AbortSignal | undefined; late?: (value: T) => void } = {},
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let done = false;
    const finish = (): boolean => {
      if (done) return false;
      done = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      return true;
    };
    const onAbort = (): void => {
      if (finish()) reject(new EspProvError('CANCELLED', 'cancelled'));
    };
    const timer = setTimeout(() => {
      if (finish()) reject(onTimeout());
    }, ms);
    options.signal?.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => (finish() ? resolve(v) : options.late?.(v)),
      (e: unknown) => {
        if (finish()) reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}
