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
