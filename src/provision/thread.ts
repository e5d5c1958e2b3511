/** Thread provisioning on an established connection (network_provisioning devices, PROTOCOL.md §5.9). */
import { afterApply, applyAnswerLost } from './applied.js';
import { EspProvError } from '../errors.js';
import {
  applyThreadConfig,
  getThreadStatus,
  scanThread,
  setThreadDataset,
  type ThreadNetwork,
  type ThreadScanOptions,
  type ThreadStatus,
} from '../endpoints/thread.js';
import type { Connection } from './connect.js';
import type { EventSink } from './events.js';
import { pollStatus, seconds, STATUS_POLL_INTERVAL_MS } from './poll.js';
import type { WaitOptions } from './wifi.js';

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
  await applyThreadConfig(conn.session, req).catch((e: unknown) => {
    throw applyAnswerLost(e, 'the Thread network');
  });
  o.onEvent?.({ type: 'config-applied', network: 'thread' });
  const timeoutMs = o.timeoutMs ?? DEFAULT_ATTACH_TIMEOUT_MS;
  return pollStatus(
    conn,
    () => getThreadStatus(conn.session, req),
    (status): ThreadAttached | undefined => {
      o.onEvent?.({ type: 'thread-status', status });
      if (status.state === 'attached') return status;
      if (status.state !== 'failed') return undefined;
      if (status.reason === 'dataset-invalid') {
        throw new EspProvError('THREAD_DATASET_INVALID', 'the device could not use the Thread dataset', {
          details: { reason: status.reason },
        });
      }
      throw new EspProvError(
        'THREAD_NOT_FOUND',
        'the device could not attach to the Thread network (not found within its 20 s window; check the network key and channel)',
        { details: { reason: status.reason, reasonCode: status.reasonCode } },
      );
    },
    {
      timeoutMs,
      // Steady, as for Wi-Fi: an attach is seen ≤ 0.25 s late (poll.ts).
      firstPollMs: o.firstPollMs ?? STATUS_POLL_INTERVAL_MS,
      maxPollMs: o.maxPollMs ?? STATUS_POLL_INTERVAL_MS,
      signal: o.signal,
      onEvent: o.onEvent,
      clock: o.clock,
      timeoutMessage: () => `the device did not report a Thread attach within ${seconds(timeoutMs)}`,
    },
  ).catch((e: unknown) => {
    throw afterApply(e, 'the Thread network');
  });
}
