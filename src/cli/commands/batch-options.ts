/** `esp-prov batch MANIFEST`: its options and the typed arguments runBatch receives. */
import { InvalidArgumentError } from 'commander';
// Type only: the option table is loaded at every start, the hashing (node:crypto) only by the batch itself.
import type { Shard } from '../../batch/shard.js';
import { EspProvError } from '../../errors.js';
import {
  JSON_OPTION,
  OUTPUT_OPTIONS,
  PASSPHRASE,
  POP,
  SEC2_PASSWORD,
  SEC2_USERNAME,
  outputFlags,
  sources,
  type Env,
  type OutputFlags,
  type SecretSources,
} from '../option-common.js';
import { flag, list, oneOf, parsed, text, type OptionValues } from '../option-table.js';
import { duration, integer } from '../option-values.js';
import { AP_PASSPHRASE, PROVISION_OPTIONS } from './provision-options.js';

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
const DISCOVER = 'Discovery (instead of a manifest):';
const SECRETS = "Secrets (for every board; a manifest row's own value wins):";
const P = PROVISION_OPTIONS;

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
  join: flag(['--join'], {
    help: "softap rows whose device is an access point's name: join it with this computer's Wi-Fi, one board at a time (its passphrase: ESP_PROV_AP_PASSPHRASE)",
    group: BATCH,
  }),
  joinAddress: text(['--join-address'], '<host:port>', {
    help: 'with --join: where a board answers once its access point is joined (default 192.168.4.1:80)',
    group: BATCH,
  }),
  timeoutMs: parsed(['--timeout'], '<seconds>', {
    help: 'per-request deadline on each board',
    group: BATCH,
    parse: duration('--timeout'),
  }),
  discover: text(['--discover'], '<prefix>', {
    help: 'provision every device whose name starts with this, each once, as it appears (no manifest)',
    group: DISCOVER,
  }),
  count: parsed(['--count'], '<n>', {
    help: 'with --discover: stop after this many devices',
    group: DISCOVER,
    parse: integer('--count', 1, 100_000),
  }),
  untilIdleMs: parsed(['--until-idle'], '<seconds>', {
    help: 'with --discover: stop when no new device appeared for this long while no board was in progress',
    group: DISCOVER,
    parse: duration('--until-idle'),
  }),
  transport: oneOf(['--transport'], '<mode>', {
    help: "with --discover: ble (advertised names), or softap (access points' names, with --join)",
    group: DISCOVER,
    choices: ['ble', 'softap'] as const,
    default: 'ble',
    normalize: (raw) => raw.trim().toLowerCase(),
  }),
  bleAdapter: { ...P.bleAdapter, group: DISCOVER },
  datasetTlvs: {
    ...P.datasetTlvs,
    help: 'with --discover: the Thread network every discovered board joins (instead of --ssid)',
    group: DISCOVER,
  },
  pop: { ...P.pop, group: SECRETS },
  popFile: { ...P.popFile, group: SECRETS },
  sec2Username: { ...P.sec2Username, group: SECRETS },
  sec2Pwd: { ...P.sec2Pwd, group: SECRETS },
  sec2PwdFile: { ...P.sec2PwdFile, group: SECRETS },
  passphrase: { ...P.passphrase, group: SECRETS },
  passphraseFile: { ...P.passphraseFile, group: SECRETS },
  apPassphraseFile: { ...P.apPassphraseFile, group: SECRETS },
  shard: parsed(['--shard'], '<k/n>', {
    help: 'provision only share K of N (by board id: stable when rows are added or reordered), one per runner',
    group: BATCH,
    parse: parseShard,
  }),
  record: text(['--record'], '<dir>', {
    help: 'write a transcript of each board attempt into this directory (secret-free; DIR/<id>.json is the last)',
    group: BATCH,
  }),
  ...JSON_OPTION,
  ...OUTPUT_OPTIONS,
};

/** `--discover`: what to look for and when to stop. */
export interface DiscoverArgs {
  prefix: string;
  count: number | undefined;
  untilIdleMs: number | undefined;
  /** softap: boards found by their access points' names (HostWifi.scan), joined one at a time (--join). */
  transport: 'ble' | 'softap';
  bleAdapter: string;
}

/** The fallbacks every board uses when its manifest row (or a discovered device, which has none) lacks one. */
export interface BatchSecrets {
  pop: SecretSources;
  username: SecretSources;
  password: SecretSources;
  passphrase: SecretSources;
  /** --join: the boards' access points' passphrase (a manifest row's ap_passphrase wins). */
  apPassphrase: SecretSources;
}

export interface BatchArgs extends OutputFlags {
  /** Exactly one of manifest and discover is set. */
  manifest: string | undefined;
  discover: DiscoverArgs | undefined;
  secrets: BatchSecrets;
  concurrency: number;
  bleConcurrency: number;
  retries: number;
  journal: string | undefined;
  resume: boolean;
  force: boolean;
  reports: { kind: BatchReportKind; path: string }[];
  timeoutMs: number | undefined;
  ssid: string | undefined;
  /** --dataset_tlvs: a discovery's Thread network (instead of --ssid). */
  datasetTlvs: Uint8Array | undefined;
  join: boolean;
  joinAddress: string | undefined;
  shard: Shard | undefined;
  /** `--record DIR`: one transcript per board attempt (batch-record.ts). */
  record: string | undefined;
}

export function batchArgs(
  manifest: string | undefined,
  o: OptionValues<typeof BATCH_OPTIONS>,
  env: Env = {},
): BatchArgs {
  if (o.resume && o.journal === undefined) throw new EspProvError('USAGE', '--resume needs --journal FILE');
  if (o.force && !o.resume) throw new EspProvError('USAGE', '--force only makes sense with --resume');
  if (o.joinAddress !== undefined && !o.join) throw new EspProvError('USAGE', '--join-address goes with --join');
  if (manifest !== undefined && o.discover !== undefined)
    throw new EspProvError('USAGE', 'give a MANIFEST or --discover PREFIX, not both');
  if (manifest === undefined && o.discover === undefined)
    throw new EspProvError('USAGE', 'give a MANIFEST, or --discover PREFIX to provision devices as they appear');
  if (o.discover === undefined && (o.count !== undefined || o.untilIdleMs !== undefined))
    throw new EspProvError('USAGE', '--count and --until-idle only make sense with --discover');
  if (o.discover !== undefined && o.shard !== undefined)
    throw new EspProvError('USAGE', '--shard splits a manifest; with --discover each runner finds its own devices');
  if (o.discover !== undefined && o.discover.trim() === '')
    throw new EspProvError('USAGE', '--discover needs a name prefix, e.g. PROV_');
  if (o.apPassphraseFile !== undefined && !o.join)
    throw new EspProvError('USAGE', '--ap-passphrase-file goes with --join');
  if (o.discover !== undefined && o.transport === 'softap' && !o.join)
    throw new EspProvError(
      'USAGE',
      '--discover --transport softap needs --join: each board is reached through its own access point, which this computer must join (one board at a time)',
    );
  if (o.discover !== undefined && o.transport === 'ble' && o.join)
    throw new EspProvError(
      'USAGE',
      '--join with --discover is for --transport softap (BLE boards need no access point)',
    );
  if (o.datasetTlvs !== undefined && o.discover === undefined)
    throw new EspProvError(
      'USAGE',
      '--dataset_tlvs goes with --discover (a manifest row has its thread_dataset column)',
    );
  if (o.discover !== undefined && (o.ssid === undefined) === (o.datasetTlvs === undefined))
    throw new EspProvError(
      'USAGE',
      '--discover needs exactly one of --ssid (the Wi-Fi network every discovered board joins) or --dataset_tlvs (a Thread network)',
    );
  const discover: DiscoverArgs | undefined =
    o.discover === undefined
      ? undefined
      : {
          prefix: o.discover,
          count: o.count,
          untilIdleMs: o.untilIdleMs,
          transport: o.transport,
          bleAdapter: o.bleAdapter,
        };
  return {
    ...outputFlags(o),
    manifest,
    discover,
    secrets: {
      pop: sources(POP, o.pop, o.popFile, env),
      username: sources(SEC2_USERNAME, o.sec2Username, undefined, env),
      password: sources(SEC2_PASSWORD, o.sec2Pwd, o.sec2PwdFile, env),
      passphrase: sources(PASSPHRASE, o.passphrase, o.passphraseFile, env),
      apPassphrase: sources(AP_PASSPHRASE, undefined, o.apPassphraseFile, env),
    },
    concurrency: o.concurrency,
    bleConcurrency: o.bleConcurrency,
    retries: o.retries,
    journal: o.journal,
    resume: o.resume,
    force: o.force,
    reports: o.reports,
    timeoutMs: o.timeoutMs,
    ssid: o.ssid,
    datasetTlvs: o.datasetTlvs,
    join: o.join,
    joinAddress: o.joinAddress,
    shard: o.shard,
    record: o.record,
  };
}
