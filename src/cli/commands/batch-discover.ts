/**
 * `esp-prov batch --discover PREFIX`: the boards of a run that has no manifest, found as they appear. One BLE
 * scanner (one noble instance) serves the whole run: it scans, and each board's link is opened on it
 * (transport/ble-scanner.ts). A board's id is its advertised name, its device its address.
 *
 * When it ends: after --count devices, after --until-idle with nothing new while no board is in progress, or
 * on Ctrl-C. With neither option it runs until Ctrl-C, which needs someone at a terminal: without one (CI, a
 * pipe, a service) one of them is required, so that the run cannot wait for ever.
 */
import { discoverBoards, type DiscoveryEvent } from '../../batch/discovery.js';
import type { Board, BoardOptions } from '../../batch/types.js';
import { EspProvError } from '../../errors.js';
import type { CommandContext } from '../context.js';
import type { DiscoverArgs } from './batch-options.js';

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
      return `found ${e.name} (${e.address ?? 'no address'}${e.rssi !== undefined ? `, ${e.rssi} dBm` : ''})`;
    case 'device-ignored':
      return e.reason === 'name-seen'
        ? `ignored ${e.name} at ${e.address ?? '?'}: a device of that name was already handled in this run`
        : `ignored ${e.name} at ${e.address ?? '?'}: that address was already handled under another name`;
    case 'discovery-end':
      return `discovery ended (${e.reason === 'idle' ? 'no new device' : e.reason === 'count' ? 'count reached' : e.reason}): ${e.found} found`;
  }
}

export async function openDiscovery(
  d: DiscoverArgs,
  ctx: CommandContext,
  setup: DiscoverySetup,
): Promise<DiscoveredBoards> {
  checkDiscoveryEnds(d, ctx);
  const { BleScanner } = await import('../../transport/ble-scanner.js');
  const logger = { debug: (m: string) => ctx.out.debug(m), warn: (m: string) => ctx.out.debug(`warning: ${m}`) };
  const scanner = await BleScanner.open({
    adapter: d.bleAdapter,
    logger,
    signal: ctx.signal,
    ...(ctx.io.bleLoader ? { loader: ctx.io.bleLoader } : {}),
  });
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
    scanner,
  );
  const holds = new Map<string, () => void>();
  const t = setup.timeoutMs;
  const timeouts = t ? { connectTimeoutMs: t, requestTimeoutMs: t } : {};
  async function* boards(): AsyncGenerator<Board> {
    for await (const dev of discovery) {
      if (setup.skip.has(dev.name)) {
        setup.onSkip(dev.name, dev.address);
        continue;
      }
      holds.set(dev.name, discovery.hold());
      yield {
        id: dev.name,
        device: dev.address,
        transport: 'ble',
        connect: ({ signal }) => scanner.connect(dev, { signal, logger, ...timeouts }),
        options: setup.options,
      };
    }
  }
  const what = [
    d.count !== undefined ? `${d.count} device${d.count === 1 ? '' : 's'}` : undefined,
    d.untilIdleMs !== undefined ? `${d.untilIdleMs / 1000} s without a new one` : undefined,
  ].filter((x) => x !== undefined);
  ctx.out.step(
    'discovery-start',
    `Looking for BLE devices named ${d.prefix}… (until ${what.length > 0 ? what.join(' or ') : 'Ctrl-C'})`,
    { prefix: d.prefix },
  );
  return {
    boards: boards(),
    ended: (id) => {
      holds.get(id)?.();
      holds.delete(id);
    },
    close: () => scanner.close(),
  };
}
