/**
 * A lab manifest: one board per row, as CSV with a header row, a JSON array of objects, or NDJSON. Pure: text
 * in, validated rows out (the CLI reads the file through its bounded reader and resolves `env:` / `file:`
 * cells with resolveCells). The whole file is checked before any board is touched, and every complaint is a
 * USAGE error that names `file:line`, so a 200-row rack never stops at board 150 over a typo.
 */
import { EspProvError } from '../errors.js';
import { CsvError, parseCsv } from './csv.js';

export const MANIFEST_COLUMNS = [
  'device',
  'id',
  'transport',
  'pop',
  'sec2_username',
  'sec2_password',
  'ssid',
  'passphrase',
  'thread_dataset',
  'custom_data',
  'ap_passphrase',
  'shard',
] as const;
export type ManifestColumn = (typeof MANIFEST_COLUMNS)[number];

/** Columns whose cell may name where the value lives instead of holding it. */
export const SECRET_COLUMNS = [
  'pop',
  'sec2_username',
  'sec2_password',
  'passphrase',
  'thread_dataset',
  // The board's own access point's passphrase (a SoftAP row joined with --join).
  'ap_passphrase',
] as const;
export type SecretColumn = (typeof SECRET_COLUMNS)[number];

/** Transports a batch can drive unattended (console and ble-manual need a person to relay lines). */
export const BATCH_TRANSPORTS = ['softap', 'ble', 'serial'] as const;
export type BatchTransport = (typeof BATCH_TRANSPORTS)[number];

/** A secret cell: the value itself, `env:NAME`, or `file:PATH` (`raw:` escapes a value that starts so). */
export type Cell = { kind: 'value'; value: string } | { kind: 'env'; name: string } | { kind: 'file'; path: string };

export interface ManifestRow {
  /** `file:line` of the row, for messages. */
  where: string;
  id: string;
  device: string;
  transport: BatchTransport | undefined;
  ssid: string | undefined;
  custom_data: string | undefined;
  /** The runner this board is wired to (1-based), for `--shard`; absent: placed by a hash of its id. */
  shard: number | undefined;
  secrets: Partial<Record<SecretColumn, Cell>>;
}

type RawRow = { line: number; cells: Map<string, string> };

/**
 * What a device's QR code says (the CLI's parser for the JSON payload or the esp-jumpstart URL is passed in:
 * this layer does not import the CLI). `pop` is the Security 2 password when `username` is present.
 */
export interface DevicePayload {
  name: string | undefined;
  transport: 'ble' | 'softap' | undefined;
  pop: string | undefined;
  username: string | undefined;
}

export interface ManifestOptions {
  /** Reads a `device` cell as a QR payload: undefined when the cell is a plain device; throws when malformed. */
  devicePayload?: (cell: string) => DevicePayload | undefined;
}

function usage(where: string, message: string): EspProvError {
  return new EspProvError('USAGE', `${where}: ${message}`, { details: { manifest: where } });
}

function checkColumns(names: Iterable<string>, where: string): void {
  for (const name of names) {
    if (!(MANIFEST_COLUMNS as readonly string[]).includes(name)) {
      throw usage(where, `unknown column ${JSON.stringify(name)} (columns: ${MANIFEST_COLUMNS.join(', ')})`);
    }
  }
}

function csvRows(text: string, file: string): RawRow[] {
  let records;
  try {
    records = parseCsv(text.replace(/^\uFEFF/, ''));
  } catch (e) {
    if (e instanceof CsvError) throw usage(`${file}:${e.line}`, e.message);
    throw e;
  }
  const [header, ...body] = records.filter((r) => !r.fields[0]?.startsWith('#'));
  if (!header) throw usage(`${file}:1`, 'the manifest is empty (a header row names the columns: device,…)');
  const names = header.fields.map((f) => f.trim());
  checkColumns(names, `${file}:${header.line}`);
  const seen = new Set<string>();
  for (const n of names) {
    if (seen.has(n)) throw usage(`${file}:${header.line}`, `column ${JSON.stringify(n)} appears twice`);
    seen.add(n);
  }
  return body.map((r) => {
    if (r.fields.length !== names.length) {
      throw usage(`${file}:${r.line}`, `${r.fields.length} fields where the header has ${names.length}`);
    }
    return { line: r.line, cells: new Map(names.map((n, i) => [n, r.fields[i]!])) };
  });
}

/** The line each top-level element of a JSON array starts on (JSON.parse does not say). */
function elementLines(text: string): number[] {
  const lines: number[] = [];
  let line = 1;
  let depth = 0;
  let inString = false;
  let expecting = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\n') line++;
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (depth === 1 && expecting && !/[\s,\]]/.test(c)) {
      lines.push(line);
      expecting = false;
    }
    if (c === '"') inString = true;
    else if (c === '{' || c === '[') {
      depth++;
      if (depth === 1) expecting = true;
    } else if (c === '}' || c === ']') depth--;
    else if (c === ',' && depth === 1) expecting = true;
  }
  return lines;
}

function objectRow(value: unknown, where: string, line: number): RawRow {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw usage(where, 'each board must be a JSON object, e.g. {"device": "PROV_1a2b3c"}');
  }
  const cells = new Map<string, string>();
  checkColumns(Object.keys(value), where);
  for (const [k, v] of Object.entries(value)) {
    if (v === null) continue;
    if (typeof v !== 'string') throw usage(where, `${k} must be a string`);
    cells.set(k, v);
  }
  return { line, cells };
}

function jsonRows(text: string, file: string): RawRow[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw usage(`${file}:1`, `not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (!Array.isArray(value)) throw usage(`${file}:1`, 'a JSON manifest is an array of boards');
  const lines = elementLines(text);
  return value.map((v, i) => objectRow(v, `${file}:${lines[i] ?? 1}`, lines[i] ?? 1));
}

function ndjsonRows(text: string, file: string): RawRow[] {
  const rows: RawRow[] = [];
  text.split('\n').forEach((raw, i) => {
    const where = `${file}:${i + 1}`;
    if (raw.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      throw usage(where, 'not a JSON object (NDJSON: one board object per line)');
    }
    rows.push(objectRow(value, where, i + 1));
  });
  return rows;
}

function cell(raw: string, column: string, where: string): Cell {
  if (raw.startsWith('env:')) {
    const name = raw.slice(4);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw usage(where, `${column}: "env:" needs a variable name`);
    return { kind: 'env', name };
  }
  if (raw.startsWith('file:')) {
    if (raw.length === 5) throw usage(where, `${column}: "file:" needs a path`);
    return { kind: 'file', path: raw.slice(5) };
  }
  return { kind: 'value', value: raw.startsWith('raw:') ? raw.slice(4) : raw };
}

/** A `device` cell that is a QR payload: its name, transport and credentials, for cells the row leaves empty. */
function fromPayload(cell: string, where: string, o: ManifestOptions): DevicePayload | undefined {
  let p: DevicePayload | undefined;
  try {
    p = o.devicePayload?.(cell);
  } catch (e) {
    // The parser's messages name fields, never values: the payload may hold the PoP.
    throw usage(where, `device: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (p !== undefined && (p.name === undefined || p.name.trim() === ''))
    throw usage(where, 'device: the QR payload has no "name" (the BLE name or SoftAP network of the board)');
  return p;
}

function validRow(raw: RawRow, file: string, o: ManifestOptions): ManifestRow {
  const where = `${file}:${raw.line}`;
  const get = (c: ManifestColumn): string | undefined => {
    const v = raw.cells.get(c)?.trim();
    return v === undefined || v === '' ? undefined : v;
  };
  const cellDevice = get('device');
  if (cellDevice === undefined) throw usage(where, 'no device (a BLE name or address, host:port, or serial port)');
  const qr = fromPayload(cellDevice, where, o);
  const device = qr?.name?.trim() ?? cellDevice;
  const transport = get('transport')?.toLowerCase() ?? qr?.transport;
  if (transport !== undefined && !(BATCH_TRANSPORTS as readonly string[]).includes(transport)) {
    throw usage(where, `transport ${JSON.stringify(transport)} is not one of ${BATCH_TRANSPORTS.join(', ')}`);
  }
  const ssid = get('ssid');
  if (ssid !== undefined && new TextEncoder().encode(ssid).length > 32)
    throw usage(where, 'ssid is longer than 32 bytes');
  const shardCell = get('shard');
  if (shardCell !== undefined && !/^[1-9]\d{0,3}$/.test(shardCell))
    throw usage(where, `shard ${JSON.stringify(shardCell)} is not a runner number (1, 2, …)`);
  const secrets: ManifestRow['secrets'] = {};
  for (const column of SECRET_COLUMNS) {
    // A secret is taken as written (a passphrase may begin or end with a space); an empty cell is absent.
    const v = raw.cells.get(column);
    if (v === undefined || v === '') continue;
    const c = cell(v, column, where);
    // Secret values are never echoed: the message names the column only.
    if (column === 'thread_dataset' && c.kind === 'value' && !/^([0-9a-fA-F]{2})+$/.test(c.value)) {
      throw usage(where, 'thread_dataset must be hex (the TLVs of an operational dataset)');
    }
    if (column === 'ap_passphrase' && c.kind === 'value') checkApPassphrase(c.value, where);
    secrets[column] = c;
  }
  // The row's own cells win over the QR code's (a rack may rotate a PoP without reprinting labels).
  if (qr?.pop !== undefined && qr.pop !== '') {
    const value = (v: string): Cell => ({ kind: 'value', value: v });
    if (qr.username !== undefined) {
      secrets.sec2_username ??= value(qr.username);
      secrets.sec2_password ??= value(qr.pop);
    } else secrets.pop ??= value(qr.pop);
  } else if (qr?.username !== undefined) secrets.sec2_username ??= { kind: 'value', value: qr.username };
  return {
    where,
    id: get('id') ?? device,
    device,
    transport: transport as BatchTransport | undefined,
    ssid,
    custom_data: get('custom_data'),
    shard: shardCell === undefined ? undefined : Number(shardCell),
    secrets,
  };
}

/**
 * A SoftAP's WPA2 passphrase is 8 to 63 characters (ESP-IDF refuses others when it raises the access point);
 * checked on the value wherever it came from (a cell, `env:`, `file:`), which is never echoed.
 */
export function checkApPassphrase(value: string, where: string): void {
  if (value.length < 8 || value.length > 63)
    throw usage(
      where,
      'ap_passphrase must be 8 to 63 characters (a WPA2 passphrase; leave it empty for an open access point)',
    );
}

/** The format from the content: `[` starts a JSON array, `{` NDJSON, anything else is CSV with a header. */
export function manifestFormat(text: string): 'json' | 'ndjson' | 'csv' {
  const first = text.replace(/^\uFEFF/, '').trimStart()[0];
  return first === '[' ? 'json' : first === '{' ? 'ndjson' : 'csv';
}

export function parseManifest(text: string, file: string, options: ManifestOptions = {}): ManifestRow[] {
  const format = manifestFormat(text);
  const raws =
    format === 'json' ? jsonRows(text, file) : format === 'ndjson' ? ndjsonRows(text, file) : csvRows(text, file);
  const rows = raws.map((r) => validRow(r, file, options));
  if (rows.length === 0) throw usage(`${file}:1`, 'the manifest lists no boards');
  const devices = new Map<string, string>();
  const ids = new Map<string, string>();
  for (const r of rows) {
    // BLE addresses and host names are case-insensitive; two spellings of one board are still one board.
    const key = `${r.transport ?? ''}|${r.device.toLowerCase()}`;
    const before = devices.get(key);
    if (before) throw usage(r.where, `device ${JSON.stringify(r.device)} is listed twice (also at ${before})`);
    devices.set(key, r.where);
    const idBefore = ids.get(r.id);
    if (idBefore) throw usage(r.where, `id ${JSON.stringify(r.id)} is used twice (also at ${idBefore})`);
    ids.set(r.id, r.where);
  }
  return rows;
}

export interface CellSources {
  env: Readonly<Record<string, string | undefined>>;
  /** Reads a `file:` cell (the CLI's bounded reader); relative paths are the caller's to resolve. */
  readFile(path: string): Promise<string>;
}

/** Resolves every secret cell of every row before the batch starts; an absent variable or file names file:line. */
export async function resolveCells(
  rows: readonly ManifestRow[],
  sources: CellSources,
): Promise<Map<string, Partial<Record<SecretColumn, string>>>> {
  const out = new Map<string, Partial<Record<SecretColumn, string>>>();
  for (const r of rows) {
    const values: Partial<Record<SecretColumn, string>> = {};
    for (const [column, c] of Object.entries(r.secrets) as [SecretColumn, Cell][]) {
      if (c.kind === 'value') values[column] = c.value;
      else if (c.kind === 'env') {
        const v = sources.env[c.name];
        if (v === undefined || v === '')
          throw usage(r.where, `${column}: the environment variable ${c.name} is not set`);
        values[column] = v;
      } else {
        try {
          // One trailing line break is the file's, not the secret's (echo secret > file).
          values[column] = (await sources.readFile(c.path)).replace(/\r?\n$/, '');
        } catch (e) {
          const why = e instanceof Error ? e.message : String(e);
          throw usage(r.where, `${column}: cannot read ${JSON.stringify(c.path)} (${why})`);
        }
      }
    }
    if (values.ap_passphrase !== undefined) checkApPassphrase(values.ap_passphrase, r.where);
    out.set(r.id, values);
  }
  return out;
}
