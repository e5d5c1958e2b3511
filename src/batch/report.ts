/**
 * Reports of a finished batch, for people and CI: JSON (the results as they are), CSV (one row per board, for
 * a spreadsheet) and JUnit XML (one testcase per board, read by the test reporters of GitHub Actions, GitLab
 * and Jenkins). Built from results only, which hold no secret.
 */
import { summarize, type BoardResult } from './types.js';

export const REPORT_KINDS = ['json', 'csv', 'junit'] as const;
export type ReportKind = (typeof REPORT_KINDS)[number];

/** `shard` (K/N) names which share of the manifest the results are, when the batch ran with --shard. */
export function jsonReport(results: readonly BoardResult[], shard?: string): string {
  const head = { schemaVersion: 1, ...(shard ? { shard } : {}), summary: summarize(results) };
  return JSON.stringify({ ...head, boards: results }, null, 2) + '\n';
}

const CSV_COLUMNS = [
  'id',
  'device',
  'transport',
  'outcome',
  'error_code',
  'exit_code',
  'error_message',
  'attempts',
  'connect_ms',
  'handshake_ms',
  'scan_ms',
  'apply_ms',
  'ip',
  'bssid',
  'channel',
  'thread_pan_id',
  'thread_name',
  'proto_ver',
  'capabilities',
  'started_at',
  'ended_at',
  'transcript',
] as const;

/**
 * RFC 4180 quoting; a cell that a spreadsheet would run as a formula (= + - @ first) gets a leading quote
 * mark, because error messages and device texts come from the boards.
 */
function csvCell(v: string | number | undefined): string {
  let s = v === undefined ? '' : String(v);
  if (/^[=+\-@\t\r]/.test(s) && typeof v !== 'number') s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvReport(results: readonly BoardResult[]): string {
  const rows = results.map((r) =>
    [
      r.id,
      r.device,
      r.transport,
      r.outcome,
      r.error?.code,
      r.error?.exitCode ?? (r.outcome === 'provisioned' ? 0 : undefined),
      r.error?.message,
      r.attempts,
      r.phases.connectMs,
      r.phases.handshakeMs,
      r.phases.scanMs,
      r.phases.applyMs,
      r.wifi?.ip,
      r.wifi?.bssid,
      r.wifi?.channel ?? r.thread?.channel,
      r.thread?.panId,
      r.thread?.name,
      r.protoVer,
      r.capabilities?.join(' '),
      r.startedAt,
      r.endedAt,
      r.transcript,
    ]
      .map(csvCell)
      .join(','),
  );
  return [CSV_COLUMNS.join(','), ...rows].join('\r\n') + '\r\n';
}

/** XML 1.0 text: escape the five specials, and replace characters XML cannot carry at all (C0 controls). */
export function xmlText(s: string): string {
  return s
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

function seconds(ms: number): string {
  return (Math.max(0, ms) / 1000).toFixed(3);
}

function facts(r: BoardResult): string {
  const lines = [`device: ${r.device} (${r.transport})`, `attempts: ${r.attempts}`];
  if (r.wifi) lines.push(`wifi: ip ${r.wifi.ip}, bssid ${r.wifi.bssid}, channel ${r.wifi.channel}`);
  if (r.thread) lines.push(`thread: ${r.thread.name} pan ${r.thread.panId} channel ${r.thread.channel}`);
  if (r.protoVer) lines.push(`proto-ver: ${r.protoVer} [${(r.capabilities ?? []).join(', ')}]`);
  const p = r.phases;
  lines.push(
    `phases ms: connect ${p.connectMs ?? '-'}, handshake ${p.handshakeMs ?? '-'}, scan ${p.scanMs ?? '-'}, apply ${p.applyMs ?? '-'}`,
  );
  // The exchange behind a failed testcase, for whoever opens the CI artefact (`batch --record DIR`).
  if (r.transcript !== undefined) lines.push(`transcript: ${r.transcript}`);
  return lines.join('\n');
}

export function junitReport(results: readonly BoardResult[], name = 'esp-prov batch'): string {
  const s = summarize(results);
  const starts = results.map((r) => Date.parse(r.startedAt));
  const ends = results.map((r) => Date.parse(r.endedAt));
  const total = results.length ? Math.max(...ends) - Math.min(...starts) : 0;
  const cases = results.map((r) => {
    const time = seconds(Date.parse(r.endedAt) - Date.parse(r.startedAt));
    const head = `    <testcase name="${xmlText(r.id)}" classname="esp-prov.batch.${xmlText(r.transport)}" time="${time}">`;
    let body = '';
    if (r.outcome === 'failed' && r.error) {
      const text = `${r.error.code}: ${r.error.message}`;
      body = `      <failure type="${xmlText(r.error.code)}" message="${xmlText(text)}">${xmlText(text)}</failure>\n`;
    } else if (r.outcome === 'cancelled' || r.outcome === 'skipped') {
      const why = r.outcome === 'skipped' ? 'already provisioned (journal)' : (r.error?.message ?? 'cancelled');
      body = `      <skipped message="${xmlText(why)}"/>\n`;
    }
    body += `      <system-out>${xmlText(facts(r))}</system-out>\n`;
    return `${head}\n${body}    </testcase>`;
  });
  const attrs = `tests="${s.total}" failures="${s.failed}" errors="0" skipped="${s.cancelled + s.skipped}" time="${seconds(total)}"`;
  const stamp = results[0] ? ` timestamp="${xmlText(results[0].startedAt)}"` : '';
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${xmlText(name)}" ${attrs}>`,
    `  <testsuite name="${xmlText(name)}" ${attrs}${stamp}>`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}

export function renderReport(kind: ReportKind, results: readonly BoardResult[], shard?: string): string {
  if (kind === 'json') return jsonReport(results, shard);
  if (kind === 'csv') return csvReport(results);
  // Each shard's suite gets its own name, so a CI reporter that merges the runners' files tells them apart.
  return junitReport(results, shard ? `esp-prov batch shard ${shard}` : undefined);
}
