/**
 * The help's layout and its closing sections. The exit-code list is generated from EXIT_CODES (src/errors.ts),
 * the environment list from ENV, so neither can drift from what the program does. Everything fits the help
 * width (80 columns by default): long option names get their own line, descriptions wrap beneath them.
 */
import type { Help } from 'commander';
import { EXIT_CODES, type ErrorCode } from '../errors.js';
import { ENV } from './option-common.js';

/** What each code means to someone reading `--help`; the compiler insists on one line per code. */
const CODE_LABELS: Readonly<Record<ErrorCode, string>> = {
  USAGE: 'bad options',
  MISSING_INPUT: 'a value is missing and cannot be asked for',
  TRANSPORT_UNAVAILABLE: 'transport unavailable',
  DEVICE_NOT_FOUND: 'device not found',
  CONNECTION_LOST: 'connection lost',
  TIMEOUT: 'timeout',
  CANCELLED: 'interrupted',
  VERSION_MISMATCH: 'protocol version mismatch',
  UNSUPPORTED: 'not supported by the device',
  HANDSHAKE_FAILED: 'handshake rejected: wrong PoP or password',
  DEVICE_AUTH_FAILED: 'the device failed its proof',
  DECRYPT_FAILED: 'a response did not decrypt',
  DECODE_FAILED: 'bad response',
  DEVICE_STATUS: 'the device reported an error',
  WIFI_AUTH_FAILED: 'wrong Wi-Fi passphrase',
  WIFI_NOT_FOUND: 'Wi-Fi network not found',
  WIFI_FAILED: 'other Wi-Fi failure',
  THREAD_DATASET_INVALID: 'bad Thread dataset',
  THREAD_NOT_FOUND: 'Thread network not found',
  BATCH_PARTIAL: 'batch: some boards were not provisioned',
  APPLIED_UNCONFIRMED: 'credentials applied, outcome unknown',
  JOURNAL_FAILED: 'batch: the journal could not record, stopped',
  INTERNAL: 'internal error, a bug',
};

/** Words of `text` in lines of at most `width` columns (a word longer than that stands alone). */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  if (line !== '') lines.push(line);
  return lines;
}

const CODE_COLUMN = 6;

export function exitCodeList(width: number): string {
  const byExit = new Map<number, string[]>([[0, ['success']]]);
  for (const [code, exit] of Object.entries(EXIT_CODES) as [ErrorCode, number][]) {
    byExit.set(exit, [...(byExit.get(exit) ?? []), `${CODE_LABELS[code]} (${code})`]);
  }
  const rows = [...byExit.entries()].sort(([a], [b]) => a - b);
  const out = ['Exit codes (details: docs/cli.md)'];
  for (const [exit, labels] of rows) {
    const lines = wrap(labels.join('; '), width - 2 - CODE_COLUMN);
    out.push(`  ${String(exit).padEnd(CODE_COLUMN)}${lines.join(`\n  ${' '.repeat(CODE_COLUMN)}`)}`);
  }
  return out.join('\n');
}

export function environmentList(): string {
  return [
    'Environment',
    ...Object.values(ENV).map((name) => `  ${name.padEnd(24)}the value, when no flag or file gives it`),
    `  ${'NO_COLOR'.padEnd(24)}no colours`,
  ].join('\n');
}

const EXAMPLES = `
Examples
  Porting a script: esp_prov.py's options work as they are (kebab-case too).
    esp-prov --transport softap --sec_ver 1 --pop abcd1234 \\
             --ssid myssid --passphrase mypassword
    esp-prov --transport ble --service_name PROV_261FCC --sec_ver 2 \\
             --sec2_username wifiprov --sec2_pwd abcd1234 \\
             --ssid myssid --passphrase mypassword
    esp-prov --transport softap --sec_ver 2 --sec2_gen_cred \\
             --sec2_username wifiprov --sec2_pwd abcd1234

  At a bench: what is missing is asked for; the network is picked from the
  device's own scan.
    esp-prov --transport ble          # pick the device, then the network
    esp-prov --qr '{"ver":"v1","name":"PROV_261FCC","pop":"abcd1234",...}'
    esp-prov demo                     # a simulated device, end to end

  In CI: never prompts; --json prints NDJSON events and a final {"ok":...}
  line; one exit code per kind of failure.
    export ESP_PROV_SEC2_PASSWORD=abcd1234
    esp-prov --transport softap --service-name 192.168.4.1 \\
             --sec2-username wifiprov --ssid lab \\
             --passphrase-file /run/secrets/wifi --json --no-input --timeout 30
    esp-prov sim --listen 127.0.0.1:0 --sec_ver 2 --json   # a device to test
`;

/** The text after the root command's options. */
export function rootEpilogue(width: number): string {
  return `${EXAMPLES}\n${environmentList()}\n\n${exitCodeList(width)}\n`;
}

/** Widest term kept beside its description; longer ones get a line of their own. */
const TERM_COLUMN = 24;

/** Replaces commander's item layout, which stops wrapping once the widest option name leaves < 40 columns. */
export function formatItem(this: Help, term: string, termWidth: number, description: string): string {
  const indent = '  ';
  if (!description) return indent + term;
  const column = Math.min(termWidth, TERM_COLUMN);
  const width = Math.max(20, (this.helpWidth ?? 80) - indent.length - column - 2);
  const lines = wrap(description, width);
  const pad = ' '.repeat(indent.length + column + 2);
  const rest = lines.slice(1).map((l) => pad + l);
  if (term.length > column) return [indent + term, ...lines.map((l) => pad + l)].join('\n');
  return [indent + term.padEnd(column) + '  ' + (lines[0] ?? ''), ...rest].join('\n');
}
