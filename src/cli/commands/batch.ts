/**
 * `esp-prov batch MANIFEST` / `esp-prov batch --discover PREFIX`: a thin layer over provisionMany (src/batch).
 * Reads and validates the whole manifest and every secret it names (or, discovering, the secrets every found
 * board gets: batch-discover.ts) before any board is touched; runs the boards; writes the journal as it
 * goes and the reports at the end (also after Ctrl-C). Output: one line per board outcome, or with --json
 * NDJSON events that carry `board`, then one summary object. Exit 0 when every board is provisioned,
 * BATCH_PARTIAL (16) when some are not, 130 after an interruption.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { toHex } from '../../bytes.js';
import { dirname, isAbsolute, resolve } from 'node:path';
import { Journal, provisionedBefore, readJournal, type JournalLine } from '../../batch/journal.js';
import { parseManifest, resolveCells } from '../../batch/manifest.js';
import { renderReport } from '../../batch/report.js';
import { provisionMany } from '../../batch/run.js';
import { inShard, shardText } from '../../batch/shard.js';
import { summarize, type BatchEvent, type BatchSummary, type Board, type BoardResult } from '../../batch/types.js';
import { EspProvError, EXIT_CODES } from '../../errors.js';
import { LiveTable } from '../batch-table.js';
import type { CommandContext } from '../context.js';
import { parseQrPayload, type QrPayload } from '../qr-payload.js';
import { eventJson } from '../output-json.js';
import { decodeUtf8Strict, readInputFile, valueText } from '../read-input.js';
import type { BatchArgs } from './batch-options.js';
import { boardOptions, resolveFallbacks, toBoards, type BatchJoin, type Fallbacks } from './batch-boards.js';
import { openDiscovery, checkDiscoveryEnds, type DiscoveredBoards } from './batch-discover.js';
import { resolveSecret } from '../secrets.js';

/** A device cell copied from a board's label: the QR JSON (starts with `{`) or the esp-jumpstart URL. */
function devicePayload(cell: string): QrPayload | undefined {
  return cell.startsWith('{') || /^https?:\/\/[^\s]*[?&]data=/i.test(cell) ? parseQrPayload(cell) : undefined;
}

async function loadBoards(manifest: string, a: BatchArgs, ctx: CommandContext, fallback: Fallbacks): Promise<Board[]> {
  const read = { signal: ctx.signal, timeoutMs: a.timeoutMs };
  const bytes = await readInputFile(manifest, { ...read, what: 'the manifest', kind: 'manifest' });
  // The whole manifest is validated on every runner; only this shard's secrets are read (another runner's
  // `env:` cells need not be set here).
  const text = decodeUtf8Strict(bytes, 'the manifest');
  const rows = inShard(parseManifest(text, manifest, { devicePayload }), a.shard);
  // `file:` cells are relative to the manifest, so a rack directory can be moved as a whole.
  const base = dirname(manifest);
  const secrets = await resolveCells(rows, {
    env: ctx.io.env,
    readFile: async (p) =>
      valueText(await readInputFile(isAbsolute(p) ? p : resolve(base, p), { ...read, what: p, kind: 'secret' }), p),
  });
  return toBoards(rows, secrets, ctx, a.timeoutMs, fallback, a.ssid, a.join ? await hostJoin(a, ctx) : undefined);
}

/** `--join`: this computer's Wi-Fi tool, and the access points' passphrase (--ap-passphrase-file, environment). */
async function hostJoin(a: BatchArgs, ctx: CommandContext): Promise<BatchJoin> {
  const [{ hostWifi }, { DEFAULT_SERVICE_ADDRESS, parseServiceAddress }] = await Promise.all([
    import('../../hostwifi/select.js'),
    import('../../transport/http-address.js'),
  ]);
  // Checked before any board is touched.
  if (a.joinAddress !== undefined) parseServiceAddress(a.joinAddress);
  const resolved = await resolveSecret(a.secrets.apPassphrase, "the access point's passphrase", undefined, ctx.stdin);
  // Empty: an open access point.
  const passphrase = resolved?.value || undefined;
  ctx.redactor.add(passphrase);
  return {
    wifi: hostWifi(process.platform, { env: { ...ctx.io.env } }),
    passphrase,
    address: a.joinAddress ?? DEFAULT_SERVICE_ADDRESS,
  };
}

async function priorJournal(path: string): Promise<Map<string, JournalLine>> {
  const text = await readFile(path, 'utf8').catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return '';
    throw e;
  });
  return readJournal(text);
}

function skipped(b: Pick<Board, 'id' | 'device' | 'transport'>): BoardResult {
  const now = new Date().toISOString();
  return {
    id: b.id,
    device: b.device,
    transport: b.transport,
    outcome: 'skipped',
    attempts: 0,
    phases: {},
    startedAt: now,
    endedAt: now,
  };
}

function outcomeLine(r: BoardResult): string {
  const head = `${r.outcome.padEnd(11)} ${r.id}`;
  if (r.outcome === 'provisioned') {
    const where = r.wifi ? `ip ${r.wifi.ip}` : r.thread ? `thread ${r.thread.name}` : '';
    return `${head}  ${where}  (${r.attempts} attempt${r.attempts === 1 ? '' : 's'})`;
  }
  if (r.outcome === 'skipped') return `${head}  (already provisioned: journal)`;
  return `${head}  ${r.error?.code ?? ''}: ${r.error?.message ?? ''}`;
}

function eventLine(e: BatchEvent): Record<string, unknown> {
  switch (e.type) {
    case 'board-start':
      return { event: 'board-start', board: e.board, attempt: e.attempt };
    case 'board-progress':
      return { ...eventJson(e.event), board: e.board };
    case 'board-retry':
      return { event: 'board-retry', board: e.board, attempt: e.attempt, code: e.code, delayMs: e.delayMs };
    case 'board-end':
      return { event: 'board-end', board: e.board, result: e.result };
  }
}

/** The live table: only at a terminal (stderr), never with --json or TERM=dumb; the one-line log otherwise. */
function liveTable(a: BatchArgs, ctx: CommandContext, total: number | undefined): LiveTable | undefined {
  const err = ctx.io.stderr as CommandContext['io']['stderr'] & { columns?: number };
  if (a.json || err.isTTY !== true || ctx.io.env['TERM'] === 'dumb') return undefined;
  return new LiveTable({
    stream: err,
    colors: ctx.out.colors,
    total,
    // A pseudo-terminal nobody sized reports 0 columns: the table's default width then.
    ...(err.columns !== undefined && err.columns > 0 ? { width: err.columns } : {}),
  });
}

function summaryText(s: BatchSummary, shard: string | undefined): string {
  const counts = `${s.provisioned} provisioned, ${s.failed} failed, ${s.cancelled} cancelled, ${s.skipped} skipped`;
  return `${counts} of ${s.total}${shard ? ` (shard ${shard})` : ''}\n`;
}

export async function runBatch(a: BatchArgs, ctx: CommandContext): Promise<number> {
  if (a.discover !== undefined) checkDiscoveryEnds(a.discover, ctx);
  const fallback = await resolveFallbacks(a.secrets, ctx);
  const boards = a.manifest !== undefined ? await loadBoards(a.manifest, a, ctx, fallback) : [];
  const prior =
    a.resume && a.journal !== undefined && !a.force ? await priorJournal(a.journal) : new Map<string, JournalLine>();
  const done = new Set(boards.filter((b) => provisionedBefore(prior, b)).map((b) => b.id));
  const todo = boards.filter((b) => !done.has(b.id));
  // Results in the order they end: a discovery's boards are known only as they come.
  const ended: BoardResult[] = [];
  let discovered: DiscoveredBoards | undefined;
  const live = liveTable(a, ctx, a.discover ? a.discover.count : boards.length);
  // With the live table up, permanent lines go above it (it erases itself, then redraws below them).
  const permanent = (write: () => void): void => (live ? live.above(write) : write());
  const onEvent = (e: BatchEvent): void => {
    if (e.type === 'board-end') {
      ended.push(e.result);
      discovered?.ended(e.board);
    }
    live?.event(e);
    if (a.json) ctx.out.line(eventLine(e));
    else if (e.type === 'board-end') permanent(() => ctx.out.print(outcomeLine(e.result) + '\n'));
    else if (e.type === 'board-retry' && a.verbose) {
      const text = `${e.board}: ${e.code}, retrying in ${e.delayMs} ms (attempt ${e.attempt + 1})`;
      permanent(() => ctx.out.debug(text));
    }
  };
  for (const b of boards.filter((x) => done.has(x.id))) onEvent({ type: 'board-end', board: b.id, result: skipped(b) });
  if (a.discover !== undefined) {
    // A name the journal shows provisioned (under any address: a board's address may change) is skipped.
    const skip = new Set([...prior.values()].filter((l) => l.outcome === 'provisioned').map((l) => l.id));
    ctx.redactor.add(a.datasetTlvs);
    // batchArgs saw to it that exactly one of --ssid and --dataset_tlvs is given.
    const network = a.datasetTlvs !== undefined ? { thread_dataset: toHex(a.datasetTlvs) } : {};
    const transport = a.discover.transport;
    discovered = await openDiscovery(a.discover, ctx, {
      options: boardOptions(network, fallback, a.ssid, undefined, a.timeoutMs),
      timeoutMs: a.timeoutMs,
      skip,
      ...(a.join ? { join: await hostJoin(a, ctx) } : {}),
      onSkip: (name, address) => {
        const result = skipped({ id: name, device: address, transport });
        onEvent({ type: 'board-end', board: name, result });
      },
    });
  }
  const onAttempt =
    a.record === undefined
      ? undefined
      : await (
          await import('./batch-record.js')
        )
          .batchRecorder(a.record, (text) => permanent(() => ctx.out.warn(text)))
          .catch(closing(discovered));
  const journal = a.journal !== undefined ? await Journal.open(a.journal).catch(closing(discovered)) : undefined;
  let failure: { error: unknown } | undefined;
  let journalFailure: EspProvError | undefined;
  try {
    // Every result also arrives as a board-end event, which `ended` collects (with the skipped boards).
    await provisionMany(discovered?.boards ?? todo, {
      concurrency: a.concurrency,
      // A manifest's BLE boards each open their own noble instance on the one adapter, scanning then
      // connecting: concurrent scans and connections on one HCI device interfere, so BLE boards go one at a
      // time unless told otherwise. A discovery shares one instance (it pauses its scan while a link opens).
      perTransport: { ble: a.bleConcurrency },
      retries: a.retries,
      signal: ctx.signal,
      onEvent,
      ...(journal ? { journal } : {}),
      ...(onAttempt ? { onAttempt } : {}),
    });
  } catch (e) {
    // Every board still ended (its outcome printed above): the reports get them all, then the run fails.
    if (e instanceof EspProvError && e.code === 'JOURNAL_FAILED') {
      journalFailure = e;
    } else if (discovered !== undefined) {
      // The scanner failed (the adapter went away): what was done is still reported, then the error.
      failure = { error: e };
    } else throw e;
  } finally {
    live?.end();
    await journal?.close();
    discovered?.close();
  }
  const byId = new Map(ended.map((r) => [r.id, r]));
  const results = discovered ? ended : boards.map((b) => byId.get(b.id) ?? skipped(b));
  const shard = a.shard && shardText(a.shard);
  for (const r of a.reports) await writeFile(r.path, renderReport(r.kind, results, shard), { mode: 0o644 });
  if (failure) throw failure.error;
  const summary = summarize(results);
  const code = ctx.signal.aborted
    ? EXIT_CODES.CANCELLED
    : summary.failed + summary.cancelled > 0
      ? EXIT_CODES.BATCH_PARTIAL
      : 0;
  if (journalFailure) {
    if (!a.json) ctx.io.stderr.write(summaryText(summary, shard));
    // In --json the failure object is the one summary object, so it carries the counts.
    const details = { ...journalFailure.details, summary, ...(shard ? { shard } : {}) };
    throw new EspProvError('JOURNAL_FAILED', journalFailure.message, { cause: journalFailure, details });
  }
  if (a.json) ctx.out.line({ ok: code === 0, summary, ...(shard ? { shard } : {}), exitCode: code, schemaVersion: 1 });
  else ctx.io.stderr.write(summaryText(summary, shard));
  return code;
}

/** Releases the scanner when opening the journal fails, then fails the same way. */
function closing(d: DiscoveredBoards | undefined): (e: unknown) => never {
  return (e) => {
    d?.close();
    throw e;
  };
}
