/**
 * `esp-prov batch --discover PREFIX`: the boards of a run that has no manifest, found as they appear.
 *
 * BLE: one scanner (one noble instance) serves the whole run: it scans, and each board's link is opened on it
 * (transport/ble-scanner.ts). A board's id is its advertised name, its device its address.
 * SoftAP (--join): this computer's Wi-Fi scan, repeated (hostwifi/scanner.ts); a board's id and device are its
 * access point's name. Each board's attempt joins that access point (one at a time per interface, scans
 * waiting meanwhile), reaches the board at the join address, and restores the computer's previous network.
 *
 * When it ends: after --count devices, after --until-idle with nothing new while no board is in progress, or
 * on Ctrl-C. With neither option it runs until Ctrl-C, which needs someone at a terminal: without one (CI, a
 * pipe, a service) one of them is required, so that the run cannot wait for ever.
 */
import { discoverBoards, type DeviceScanner, type DiscoveryEvent, type SeenDevice } from '../../batch/discovery.js';
import type { BleSeenDevice } from '../../transport/ble-scanner.js';
import type { Board, BoardOptions } from '../../batch/types.js';
import { EspProvError } from '../../errors.js';
import type { CommandContext } from '../context.js';
import type { DiscoverArgs } from './batch-options.js';
import { joining, opener, type BatchJoin } from './batch-boards.js';

export interface DiscoveredBoards {
  boards: AsyncIterable<Board>;
  /** Call with each board's id when its result is in: the idle wait counts only while no board is in progress. */
  ended(id: string): void;
  /** Stops the scan and releases the adapter. */
  close(): void;
}

export interface DiscoverySetup {
  options: BoardOptions;
  timeoutMs: number | undefined;
  /** Names the journal shows provisioned (--resume): reported as skipped, never provisioned again. */
  skip: ReadonlySet<string>;
  onSkip(name: string, address: string): void;
  /** --join: required for --transport softap (batchArgs checks it). */
  join?: BatchJoin;
}

export function checkDiscoveryEnds(d: DiscoverArgs, ctx: CommandContext): void {
  if (d.count !== undefined || d.untilIdleMs !== undefined || ctx.io.stdin.isTTY === true) return;
  throw new EspProvError(
    'USAGE',
    '--discover without a terminal needs --count N or --until-idle SECONDS to know when to stop',
  );
}

function describe(e: DiscoveryEvent): string {
  switch (e.type) {
    case 'device-found':
      // An access point (SoftAP discovery) is known by its name alone.
      return e.address === undefined
        ? `found ${e.name}`
        : `found ${e.name} (${e.address}${e.rssi !== undefined ? `, ${e.rssi} dBm` : ''})`;
    case 'device-ignored':
      return e.reason === 'name-seen'
        ? `ignored ${e.name} at ${e.address ?? '?'}: a device of that name was already handled in this run`
        : `ignored ${e.name} at ${e.address ?? '?'}: that address was already handled under another name`;
    case 'discovery-end':
      return `discovery ended (${e.reason === 'idle' ? 'no new device' : e.reason === 'count' ? 'count reached' : e.reason}): ${e.found} found`;
  }
}

interface Source<T extends SeenDevice> {
  scanner: DeviceScanner<T>;
  board(dev: T): Pick<Board, 'device' | 'connect' | 'around'>;
  close(): void;
  what: string;
}

async function bleSource(d: DiscoverArgs, ctx: CommandContext, setup: DiscoverySetup): Promise<Source<BleSeenDevice>> {
  const { BleScanner } = await import('../../transport/ble-scanner.js');
  const logger = { debug: (m: string) => ctx.out.debug(m), warn: (m: string) => ctx.out.debug(`warning: ${m}`) };
  const scanner = await BleScanner.open({
    adapter: d.bleAdapter,
    logger,
    signal: ctx.signal,
    ...(ctx.io.bleLoader ? { loader: ctx.io.bleLoader } : {}),
  });
  const t = setup.timeoutMs;
  const timeouts = t ? { connectTimeoutMs: t, requestTimeoutMs: t } : {};
  return {
    scanner,
    board: (dev) => ({
      device: dev.address,
      connect: ({ signal }) => scanner.connect(dev, { signal, logger, ...timeouts }),
    }),
    close: () => scanner.close(),
    what: 'BLE devices',
  };
}

async function softApSource(ctx: CommandContext, setup: DiscoverySetup): Promise<Source<SeenDevice>> {
  const join = setup.join;
  if (join === undefined) throw new EspProvError('USAGE', '--discover --transport softap needs --join');
  const { accessPointScanner } = await import('../../hostwifi/scanner.js');
  return {
    scanner: accessPointScanner(join.wifi, ctx.io.clock ? { clock: ctx.io.clock } : {}),
    board: (dev) => ({
      device: dev.name,
      connect: opener('softap', join.address, setup.timeoutMs),
      ...joining(dev.name, join, ctx),
    }),
    close: () => undefined,
    what: 'access points',
  };
}

export async function openDiscovery(
  d: DiscoverArgs,
  ctx: CommandContext,
  setup: DiscoverySetup,
): Promise<DiscoveredBoards> {
  checkDiscoveryEnds(d, ctx);
  return d.transport === 'softap'
    ? discoverWith(await softApSource(ctx, setup), d, ctx, setup)
    : discoverWith(await bleSource(d, ctx, setup), d, ctx, setup);
}

function discoverWith<T extends SeenDevice>(
  source: Source<T>,
  d: DiscoverArgs,
  ctx: CommandContext,
  setup: DiscoverySetup,
): DiscoveredBoards {
  const onEvent = (e: DiscoveryEvent): void => {
    const { type, ...fields } = e;
    if (e.type === 'device-ignored') ctx.out.warn(describe(e), fields);
    else ctx.out.step(type, describe(e), fields);
  };
  const discovery = discoverBoards(
    {
      prefix: d.prefix,
      ...(d.count !== undefined ? { count: d.count } : {}),
      ...(d.untilIdleMs !== undefined ? { untilIdleMs: d.untilIdleMs } : {}),
      signal: ctx.signal,
      onEvent,
    },
    source.scanner,
  );
  const holds = new Map<string, () => void>();
  const found = discovery[Symbol.asyncIterator]();
  // Not an async generator: provisionMany's return() must reach the discovery at once (stopping the scan)
  // even while a next() waits for a device, which a generator would queue behind that next().
  const boards: AsyncIterable<Board> = {
    [Symbol.asyncIterator]: () => ({
      next: async (): Promise<IteratorResult<Board>> => {
        for (;;) {
          const r = await found.next();
          if (r.done === true) return { done: true, value: undefined };
          const dev = r.value;
          if (setup.skip.has(dev.name)) {
            setup.onSkip(dev.name, dev.address ?? dev.name);
            continue;
          }
          holds.set(dev.name, discovery.hold());
          return {
            done: false,
            value: { id: dev.name, transport: d.transport, options: setup.options, ...source.board(dev) },
          };
        }
      },
      return: async (): Promise<IteratorResult<Board>> => {
        await found.return?.();
        return { done: true, value: undefined };
      },
    }),
  };
  const what = [
    d.count !== undefined ? `${d.count} device${d.count === 1 ? '' : 's'}` : undefined,
    d.untilIdleMs !== undefined ? `${d.untilIdleMs / 1000} s without a new one` : undefined,
  ].filter((x) => x !== undefined);
  ctx.out.step(
    'discovery-start',
    `Looking for ${source.what} named ${d.prefix}… (until ${what.length > 0 ? what.join(' or ') : 'Ctrl-C'})`,
    { prefix: d.prefix },
  );
  return {
    boards,
    ended: (id) => {
      holds.get(id)?.();
      holds.delete(id);
    },
    close: () => {
      void found.return?.();
      source.close();
    },
  };
}
