/**
 * The Thread side of a network_provisioning Thread build (PROTOCOL.md §5.9): MLE discovery scans (results in
 * arrival order, not sorted) and attaching with an applied dataset. Attaching succeeds after `attachDelayMs`
 * when the dataset's network key, extended PAN ID, PAN ID and channel match a simulated network; otherwise the
 * firmware's attach timer (20 s) expires and the state becomes AttachingFailed(ThreadNetworkNotFound).
 */
import { equalBytes } from '../bytes.js';
import { sleep, type Clock } from '../timers.js';
import type { ParsedDataset } from './thread-dataset.js';
import type { SimThreadNetwork } from './thread-networks.js';

export const DEFAULT_THREAD_SCAN_DURATION_MS = 150;
export const DEFAULT_ATTACH_DELAY_MS = 2500;
export const DEFAULT_ATTACH_TIMEOUT_MS = 20000;
/** How often a blocking ScanThreadStart checks for the end of the discovery. */
export const BLOCKING_THREAD_SCAN_POLL_MS = 500;

/** ThreadAttachFailedReason: DatasetInvalid 0, ThreadNetworkNotFound 1. */
export type ThreadFailReason = 0 | 1;

export type ThreadState =
  | { kind: 'attaching' }
  | { kind: 'attached'; panId: number; extPanId: Uint8Array; channel: number; name: string }
  | { kind: 'failed'; reason: ThreadFailReason };

export interface ThreadOptions {
  scanDurationMs: number;
  maxEntries: number;
  attachDelayMs: number;
  attachTimeoutMs: number;
}

export interface ThreadHooks {
  onChange(state: ThreadState): void;
  onAttached(): void;
  onFailed(): void;
}

export class ThreadNode {
  readonly #networks: readonly SimThreadNetwork[];
  readonly #clock: Clock;
  readonly #options: ThreadOptions;
  readonly #hooks: ThreadHooks;
  #state: ThreadState = { kind: 'attaching' };
  #attachTimer: (() => void) | undefined;
  #scanning = false;
  #results: SimThreadNetwork[] = [];
  #scanTimers: (() => void)[] = [];

  constructor(networks: readonly SimThreadNetwork[], clock: Clock, options: ThreadOptions, hooks: ThreadHooks) {
    this.#networks = networks;
    this.#clock = clock;
    this.#options = options;
    this.#hooks = hooks;
  }

  get state(): ThreadState {
    return this.#state;
  }

  #set(state: ThreadState): void {
    this.#state = state;
    this.#hooks.onChange(state);
  }

  /** The dataset did not parse: OpenThread stays detached. */
  rejectDataset(): void {
    this.#stopAttach();
    this.#set({ kind: 'failed', reason: 0 });
  }

  attach(dataset: ParsedDataset): void {
    this.#stopAttach();
    this.#set({ kind: 'attaching' });
    const match = this.#networks.find(
      (n) =>
        dataset.networkKey !== undefined &&
        equalBytes(n.networkKey, dataset.networkKey) &&
        dataset.extPanId !== undefined &&
        equalBytes(n.extPanId, dataset.extPanId) &&
        n.panId === dataset.panId &&
        n.channel === dataset.channel,
    );
    if (match) {
      this.#attachTimer = this.#clock.setTimer(() => {
        this.#attachTimer = undefined;
        // Reported from the active dataset: a dataset without a Network Name TLV reports an empty name.
        this.#set({
          kind: 'attached',
          panId: match.panId,
          extPanId: match.extPanId,
          channel: match.channel,
          name: dataset.networkName ?? '',
        });
        this.#hooks.onAttached();
      }, this.#options.attachDelayMs);
      return;
    }
    this.#attachTimer = this.#clock.setTimer(() => {
      this.#attachTimer = undefined;
      this.#set({ kind: 'failed', reason: 1 });
      this.#hooks.onFailed();
    }, this.#options.attachTimeoutMs);
  }

  /** Thread disabled (reprov): back to the initial reported state. */
  detach(): void {
    this.#stopAttach();
    this.#set({ kind: 'attaching' });
  }

  halt(): void {
    this.#stopAttach();
    for (const cancel of this.#scanTimers) cancel();
    this.#scanTimers = [];
    this.#scanning = false;
  }

  #stopAttach(): void {
    this.#attachTimer?.();
    this.#attachTimer = undefined;
  }

  get scanFinished(): boolean {
    return !this.#scanning;
  }

  get resultCount(): number {
    return this.#results.length;
  }

  result(index: number): SimThreadNetwork | undefined {
    return this.#results[index];
  }

  /** Starts a discovery on the channels of `channelMask` (bit n = channel n; 0 = all). False if one is running. */
  startScan(channelMask: number): boolean {
    if (this.#scanning) return false;
    this.#scanning = true;
    this.#results = [];
    const found = this.#networks.filter((n) => channelMask === 0 || ((channelMask >>> n.channel) & 1) === 1);
    const step = this.#options.scanDurationMs / (found.length + 1);
    found.forEach((n, i) => {
      this.#scanTimers.push(
        this.#clock.setTimer(
          () => {
            if (this.#results.length < this.#options.maxEntries) this.#results.push(n);
          },
          step * (i + 1),
        ),
      );
    });
    this.#scanTimers.push(
      this.#clock.setTimer(() => {
        this.#scanning = false;
        this.#scanTimers = [];
      }, this.#options.scanDurationMs),
    );
    return true;
  }

  async waitScanFinished(signal?: AbortSignal): Promise<void> {
    while (this.#scanning) await sleep(BLOCKING_THREAD_SCAN_POLL_MS, signal, this.#clock);
  }
}
