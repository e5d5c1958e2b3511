/** `esp-prov batch MANIFEST`: its options and the typed arguments runBatch receives. */
import { InvalidArgumentError } from 'commander';
// Type only: the option table is loaded at every start, the hashing (node:crypto) only by the batch itself.
import type { Shard } from '../../batch/shard.js';
import { EspProvError } from '../../errors.js';
import { JSON_OPTION, OUTPUT_OPTIONS, outputFlags, type OutputFlags } from '../option-common.js';
import { flag, list, parsed, text, type OptionValues } from '../option-table.js';
import { duration, integer } from '../option-values.js';

const REPORTS = ['json', 'csv', 'junit'] as const;
export type BatchReportKind = (typeof REPORTS)[number];

export function reportSpec(raw: string): { kind: BatchReportKind; path: string } {
  const i = raw.indexOf(':');
  const kind = REPORTS.find((k) => k === raw.slice(0, i));
  if (i < 0 || kind === undefined || raw.length === i + 1) {
    throw new InvalidArgumentError(`--report must be KIND:FILE with KIND one of ${REPORTS.join(', ')}.`);
  }
  return { kind, path: raw.slice(i + 1) };
}

const BATCH = 'Batch:';

/** `K/N` with 1 ≤ K ≤ N: share K of N of the manifest (batch/shard.ts). */
export function parseShard(raw: string): Shard {
  const m = /^\s*(\d{1,4})\s*\/\s*(\d{1,4})\s*$/.exec(raw);
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (!m || count < 1 || index < 1 || index > count) {
    throw new InvalidArgumentError(`--shard must be K/N with 1 ≤ K ≤ N (e.g. 2/4), not ${JSON.stringify(raw)}.`);
  }
  return { index, count };
}

export const BATCH_OPTIONS = {
  concurrency: parsed(['--concurrency'], '<n>', {
    help: 'boards provisioned at once (SoftAP addresses and serial ports run in parallel)',
    group: BATCH,
    parse: integer('--concurrency', 1, 1024),
    default: 4,
  }),
  bleConcurrency: parsed(['--ble-concurrency'], '<n>', {
    help: 'BLE boards at once, within --concurrency: they share one adapter',
    group: BATCH,
    parse: integer('--ble-concurrency', 1, 16),
    default: 1,
  }),
  retries: parsed(['--retries'], '<n>', {
    help: 'extra attempts per board after a timeout, a lost link or a corrupted answer (never a wrong secret)',
    group: BATCH,
    parse: integer('--retries', 0, 20),
    default: 2,
  }),
  journal: text(['--journal'], '<file>', {
    help: 'append each board outcome to this NDJSON file, flushed to disk (for --resume)',
    group: BATCH,
  }),
  resume: flag(['--resume'], { help: 'skip boards the journal shows provisioned', group: BATCH }),
  force: flag(['--force'], { help: 'with --resume: provision every board again anyway', group: BATCH }),
  reports: list(['--report'], '<kind:file>', {
    help: 'write a report: json:FILE, csv:FILE or junit:FILE (repeatable)',
    group: BATCH,
    parse: reportSpec,
  }),
  ssid: text(['--ssid'], '<ssid>', {
    help: 'the network for boards whose row has no ssid (their passphrase: ESP_PROV_PASSPHRASE or the row)',
    group: BATCH,
  }),
  timeoutMs: parsed(['--timeout'], '<seconds>', {
    help: 'per-request deadline on each board',
    group: BATCH,
    parse: duration('--timeout'),
  }),
  shard: parsed(['--shard'], '<k/n>', {
    help: 'provision only share K of N (by board id: stable when rows are added or reordered), one per runner',
    group: BATCH,
    parse: parseShard,
  }),
  ...JSON_OPTION,
  ...OUTPUT_OPTIONS,
};

export interface BatchArgs extends OutputFlags {
  manifest: string;
  concurrency: number;
  bleConcurrency: number;
  retries: number;
  journal: string | undefined;
  resume: boolean;
  force: boolean;
  reports: { kind: BatchReportKind; path: string }[];
  timeoutMs: number | undefined;
  ssid: string | undefined;
  shard: Shard | undefined;
}

export function batchArgs(manifest: string, o: OptionValues<typeof BATCH_OPTIONS>): BatchArgs {
  if (o.resume && o.journal === undefined) throw new EspProvError('USAGE', '--resume needs --journal FILE');
  if (o.force && !o.resume) throw new EspProvError('USAGE', '--force only makes sense with --resume');
  return { ...o, ...outputFlags(o), manifest };
}
