/**
 * `esp-prov batch MANIFEST`: a thin layer over provisionMany (src/batch). Reads and validates the whole
 * manifest and every secret it names before any board is touched; runs the boards; writes the journal as it
 * goes and the reports at the end (also after Ctrl-C). Output: one line per board outcome, or with --json
 * NDJSON events that carry `board`, then one summary object. Exit 0 when every board is provisioned,
 * BATCH_PARTIAL (16) when some are not, 130 after an interruption.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { Journal, provisionedBefore, readJournal } from '../../batch/journal.js';
import { parseManifest, resolveCells } from '../../batch/manifest.js';
import { renderReport } from '../../batch/report.js';
import { provisionMany } from '../../batch/run.js';
import { summarize, type BatchEvent, type Board, type BoardResult } from '../../batch/types.js';
import { EXIT_CODES } from '../../errors.js';
import type { CommandContext } from '../context.js';
import { eventJson } from '../output-json.js';
import { decodeUtf8Strict, readInputFile, valueText } from '../read-input.js';
import type { BatchArgs } from './batch-options.js';
import { toBoards, type BatchJoin } from './batch-boards.js';
import { AP_PASSPHRASE } from './provision-options.js';

async function loadBoards(a: BatchArgs, ctx: CommandContext): Promise<Board[]> {
  const read = { signal: ctx.signal, timeoutMs: a.timeoutMs };
  const bytes = await readInputFile(a.manifest, { ...read, what: 'the manifest', kind: 'manifest' });
  const rows = parseManifest(decodeUtf8Strict(bytes, 'the manifest'), a.manifest);
  // `file:` cells are relative to the manifest, so a rack directory can be moved as a whole.
  const base = dirname(a.manifest);
  const secrets = await resolveCells(rows, {
    env: ctx.io.env,
    readFile: async (p) =>
      valueText(await readInputFile(isAbsolute(p) ? p : resolve(base, p), { ...read, what: p, kind: 'secret' }), p),
  });
  return toBoards(rows, secrets, ctx, a.timeoutMs, a.ssid, a.join ? await hostJoin(a, ctx) : undefined);
}

/** `--join`: this computer's Wi-Fi tool, and the access points' passphrase from the environment. */
async function hostJoin(a: BatchArgs, ctx: CommandContext): Promise<BatchJoin> {
  const [{ hostWifi }, { DEFAULT_SERVICE_ADDRESS, parseServiceAddress }] = await Promise.all([
    import('../../hostwifi/select.js'),
    import('../../transport/http-address.js'),
  ]);
  // Checked before any board is touched.
  if (a.joinAddress !== undefined) parseServiceAddress(a.joinAddress);
  const passphrase = ctx.io.env[AP_PASSPHRASE.envName] || undefined;
  ctx.redactor.add(passphrase);
  return {
    wifi: hostWifi(process.platform, { env: { ...ctx.io.env } }),
    passphrase,
    address: a.joinAddress ?? DEFAULT_SERVICE_ADDRESS,
  };
}

function skipped(b: Board): BoardResult {
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

export async function runBatch(a: BatchArgs, ctx: CommandContext): Promise<number> {
  const boards = await loadBoards(a, ctx);
  let done = new Map<string, unknown>();
  if (a.resume && a.journal !== undefined && !a.force) {
    const text = await readFile(a.journal, 'utf8').catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return '';
      throw e;
    });
    const journal = readJournal(text);
    done = new Map(boards.filter((b) => provisionedBefore(journal, b)).map((b) => [b.id, true]));
  }
  const todo = boards.filter((b) => !done.has(b.id));
  const journal = a.journal !== undefined ? await Journal.open(a.journal) : undefined;
  const onEvent = (e: BatchEvent): void => {
    if (a.json) ctx.out.line(eventLine(e));
    else if (e.type === 'board-end') ctx.out.print(outcomeLine(e.result) + '\n');
    else if (e.type === 'board-retry' && a.verbose) {
      ctx.out.debug(`${e.board}: ${e.code}, retrying in ${e.delayMs} ms (attempt ${e.attempt + 1})`);
    }
  };
  for (const b of boards.filter((x) => done.has(x.id))) onEvent({ type: 'board-end', board: b.id, result: skipped(b) });
  let ran: BoardResult[];
  try {
    ran = await provisionMany(todo, {
      concurrency: a.concurrency,
      // Each BLE board opens its own noble instance on the one adapter, scanning then connecting: concurrent
      // scans and connections on one HCI device interfere, so BLE boards go one at a time unless told otherwise.
      perTransport: { ble: a.bleConcurrency },
      retries: a.retries,
      signal: ctx.signal,
      onEvent,
      ...(journal ? { journal } : {}),
    });
  } finally {
    await journal?.close();
  }
  const byId = new Map(ran.map((r) => [r.id, r]));
  const results = boards.map((b) => byId.get(b.id) ?? skipped(b));
  for (const r of a.reports) await writeFile(r.path, renderReport(r.kind, results), { mode: 0o644 });
  const summary = summarize(results);
  const code = ctx.signal.aborted
    ? EXIT_CODES.CANCELLED
    : summary.failed + summary.cancelled > 0
      ? EXIT_CODES.BATCH_PARTIAL
      : 0;
  if (a.json) ctx.out.line({ ok: code === 0, summary, exitCode: code, schemaVersion: 1 });
  else {
    const s = summary;
    ctx.io.stderr.write(
      `${s.provisioned} provisioned, ${s.failed} failed, ${s.cancelled} cancelled, ${s.skipped} skipped of ${s.total}\n`,
    );
  }
  return code;
}
