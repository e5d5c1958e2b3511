/** Thread provisioning on an established connection (network_provisioning devices, PROTOCOL.md §5.9). */
import { EspProvError, toEspProvError } from '../errors.js';
import {
  applyThreadConfig,
  getThreadStatus,
  scanThread,
  setThreadDataset,
  type ThreadNetwork,
  type ThreadScanOptions,
  type ThreadStatus,
} from '../endpoints/thread.js';
import { sleep } from '../timers.js';
import type { Connection } from './connect.js';
import type { EventSink } from './events.js';
import { MAX_TRANSIENT_FAILURES, type WaitOptions } from './wifi.js';

/** The device gives up attaching after 20 s (§5.9); leave room for the transport. */
export const DEFAULT_ATTACH_TIMEOUT_MS = 45_000;

export type ThreadAttached = Extract<ThreadStatus, { state: 'attached' }>;

export async function scanThreadNetworks(
  conn: Connection,
  o: ThreadScanOptions & { onEvent?: EventSink | undefined } = {},
): Promise<ThreadNetwork[]> {
  o.onEvent?.({ type: 'scan-start', network: 'thread' });
  const networks = await scanThread(conn.session, o);
  o.onEvent?.({ type: 'thread-scan-results', networks });
  return networks;
}

export async function provisionThread(
  conn: Connection,
  dataset: Uint8Array,
  o: WaitOptions = {},
): Promise<ThreadAttached> {
  const req = o.signal ? { signal: o.signal } : {};
  await setThreadDataset(conn.session, dataset, req);
  o.onEvent?.({ type: 'config-sent', network: 'thread' });
  await applyThreadConfig(conn.session, req);
  o.onEvent?.({ type: 'config-applied', network: 'thread' });
  const deadline = Date.now() + (o.timeoutMs ?? DEFAULT_ATTACH_TIMEOUT_MS);
  let interval = o.firstPollMs ?? 500;
  let failures = 0;
  for (;;) {
    const left = deadline - Date.now();
    if (left <= 0)
      throw new EspProvError('TIMEOUT', 'the device did not report a Thread attach in time', {
        endpoint: 'prov-config',
      });
    await sleep(Math.min(interval, left), o.signal);
    interval = Math.min(interval * 1.5, o.maxPollMs ?? 2_000);
    let status: ThreadStatus;
    try {
      status = await getThreadStatus(conn.session, req);
      failures = 0;
    } catch (e) {
      const err = toEspProvError(e);
      const transient = err.code === 'CONNECTION_LOST' || err.code === 'TIMEOUT' || err.code === 'DECRYPT_FAILED';
      if (!transient || ++failures > MAX_TRANSIENT_FAILURES) throw err;
      o.onEvent?.({ type: 'reconnect', reason: err.message });
      await conn.reestablish().catch(() => undefined);
      continue;
    }
    o.onEvent?.({ type: 'thread-status', status });
    if (status.state === 'attached') return status;
    if (status.state === 'failed') {
      if (status.reason === 'dataset-invalid') {
        throw new EspProvError('THREAD_DATASET_INVALID', 'the device could not use the Thread dataset', {
          details: { reason: status.reason },
        });
      }
      throw new EspProvError(
        'THREAD_NOT_FOUND',
        'the device could not attach to the Thread network (not found within its 20 s window; check the network key and channel)',
        {
          details: { reason: status.reason, reasonCode: status.reasonCode },
        },
      );
    }
  }
}
