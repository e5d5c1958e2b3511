/**
 * The default command's options (esp_prov's, PROTOCOL.md §7.1, in their original spelling and in kebab-case) and
 * the typed arguments runProvision receives. Loaded at start-up with the option table; the handler is not.
 */
import { InvalidArgumentError } from 'commander';
import { utf8 } from '../../bytes.js';
import { EspProvError } from '../../errors.js';
import {
  ENV,
  JSON_OPTION,
  OUTPUT_OPTIONS,
  PASSPHRASE,
  POP,
  SEC2_PASSWORD,
  SEC2_USERNAME,
  outputFlags,
  sec2Options,
  sources,
  type Env,
  type OutputFlags,
  type SecretSources,
  type SecretSpec,
} from '../option-common.js';
import { flag, list, oneOf, parsed, text, type OptionValues } from '../option-table.js';
import {
  deviceText,
  duration,
  hexBytes,
  integer,
  passphraseHex,
  passphraseText,
  secVer,
  ssidBytes,
} from '../option-values.js';

export const TRANSPORTS = ['softap', 'ble', 'ble-manual', 'console', 'serial', 'sim'] as const;
export type TransportName = (typeof TRANSPORTS)[number];

export type DataSpec = { kind: 'bytes'; bytes: Uint8Array } | { kind: 'file'; path: string };

/** --data: @file (@- = stdin), hex:…, text:…; anything else is text. */
export function parseDataSpec(raw: string): DataSpec {
  if (raw.startsWith('@')) return { kind: 'file', path: raw.slice(1) || '-' };
  if (raw.startsWith('hex:')) return { kind: 'bytes', bytes: hexBytes('--data hex:')(raw.slice(4)) };
  const text = deviceText('--data')(raw.startsWith('text:') ? raw.slice(5) : raw);
  return { kind: 'bytes', bytes: utf8(text) };
}

/** The board's own access point's passphrase (--join): a file or the environment, never argv. */
export const AP_PASSPHRASE: SecretSpec = {
  envName: 'ESP_PROV_AP_PASSPHRASE',
  flagName: '--ap-passphrase-file',
  fileFlag: '--ap-passphrase-file',
};

const DEVICE = 'Device and transport:';
const SECURITY = 'Security:';
const NETWORK = 'Network:';
const CONTROL = 'Device control and application endpoints:';

export const PROVISION_OPTIONS = {
  transport: parsed(['--transport'], '<mode>', {
    help: 'softap (alias httpd), ble, ble-manual / console (relay by hand), serial (UART), sim (built-in simulator)',
    group: DEVICE,
    parse: (raw): TransportName => {
      const v = raw.trim().toLowerCase();
      if (v === 'httpd') return 'softap'; // esp_prov: the same HTTP transport on any network interface
      const found = TRANSPORTS.find((t) => t === v);
      if (found === undefined) throw new InvalidArgumentError(`transport must be one of ${TRANSPORTS.join(', ')}.`);
      return found;
    },
  }),
  serviceName: text(['--service_name', '--service-name'], '<name>', {
    help: 'BLE: device name (omit to pick); softap: host[:port] (default 192.168.4.1:80); serial: port path',
    group: DEVICE,
  }),
  qr: text(['--qr'], '<payload>', {
    help: 'fill name/transport/PoP/username from the QR payload: JSON, the qrcode.html URL, or -',
    group: DEVICE,
  }),
  join: flag(['--join'], {
    help: "softap: join the board's access point with this computer's Wi-Fi tool (nmcli, networksetup, netsh), then restore",
    group: DEVICE,
  }),
  apSsid: text(['--ap-ssid'], '<ssid>', {
    help: "--join: the board's access point (default: the --qr payload's name)",
    group: DEVICE,
  }),
  apPassphraseFile: text(['--ap-passphrase-file'], '<path>', {
    help: `--join: read the access point's passphrase from a file (- = stdin; env ${AP_PASSPHRASE.envName}); none: open`,
    group: DEVICE,
  }),
  bleAdapter: parsed(['--ble_adapter', '--ble-adapter'], '<name>', {
    help: 'BLE adapter (HCI device)',
    group: DEVICE,
    parse: (raw) => raw,
    default: 'hci0',
  }),
  baud: parsed(['--baud'], '<rate>', {
    help: 'serial: baud rate',
    group: DEVICE,
    parse: integer('--baud', 1200, 4_000_000),
    default: 115200,
  }),
  timeout: parsed(['--timeout'], '<duration>', {
    help: 'deadline per phase: each request, device discovery, the wait to connect; seconds, or 500ms, 2m',
    group: DEVICE,
    parse: duration('--timeout'),
  }),

  secVer: parsed(['--sec_ver', '--sec-ver'], '<n>', {
    help: 'security scheme 0, 1 or 2 (default: what the device reports)',
    group: SECURITY,
    parse: secVer,
  }),
  protoVer: text(['--proto_ver', '--proto-ver'], '<ver>', {
    help: 'fail unless the device reports this protocol version',
    group: SECURITY,
  }),
  pop: text(['--pop'], '<pop>', {
    help: `Security 1 proof of possession (env ${ENV.pop})`,
    group: SECURITY,
    check: deviceText('--pop'),
    secret: true,
  }),
  popFile: text(['--pop-file'], '<path>', { help: 'read the PoP from a file (- = stdin)', group: SECURITY }),
  ...sec2Options(SECURITY, { username: 'Security 2 username', password: 'Security 2 password' }),
  sec2GenCred: flag(['--sec2_gen_cred', '--sec2-gen-cred'], {
    help: 'print a salt and verifier for the username/password and exit',
    group: SECURITY,
  }),
  sec2SaltLen: parsed(['--sec2_salt_len', '--sec2-salt-len'], '<n>', {
    help: 'salt length in bytes for --sec2_gen_cred',
    group: SECURITY,
    parse: integer('--sec2_salt_len', 1, 64),
    default: 16,
  }),

  ssid: parsed(['--ssid'], '<ssid>', {
    help: 'Wi-Fi network name (omit to pick from the device scan)',
    group: NETWORK,
    parse: ssidBytes('--ssid', true),
  }),
  ssidHex: parsed(['--ssid-hex', '--ssid_hex'], '<hex>', {
    help: 'the SSID as hex bytes, for names that are not UTF-8 (Latin-1, GBK)',
    group: NETWORK,
    parse: ssidBytes('--ssid-hex', false),
  }),
  passphrase: text(['--passphrase'], '<passphrase>', {
    help: `Wi-Fi passphrase: 8 to 63 characters, or "" for an open network (env ${ENV.passphrase})`,
    group: NETWORK,
    check: passphraseText('--passphrase'),
    secret: true,
  }),
  passphraseFile: text(['--passphrase-file'], '<path>', {
    help: 'read the passphrase from a file (- = stdin)',
    group: NETWORK,
  }),
  passphraseHex: parsed(['--passphrase-hex', '--passphrase_hex'], '<hex>', {
    help: 'the passphrase as hex bytes, sent exactly (for passphrases that are not UTF-8)',
    group: NETWORK,
    parse: passphraseHex('--passphrase-hex'),
  }),
  datasetTlvs: parsed(['--dataset_tlvs', '--dataset-tlvs'], '<hex>', {
    help: 'Thread active operational dataset (hex TLVs)',
    group: NETWORK,
    parse: hexBytes('--dataset_tlvs'),
  }),
  network: oneOf(['--network'], '<kind>', {
    help: 'what to provision: auto (Thread on Thread-only devices, else Wi-Fi), wifi, thread, or none (only the endpoints)',
    group: NETWORK,
    choices: ['auto', 'wifi', 'thread', 'none'],
    default: 'auto',
  }),

  reset: flag(['--reset'], { help: 'send a provisioning reset after the handshake, then stop', group: CONTROL }),
  reprov: flag(['--reprov'], {
    help: 'ask the device to re-provision after the handshake, then stop',
    group: CONTROL,
  }),
  customData: text(['--custom_data', '--custom-data'], '<text>', {
    help: 'send text to the custom-data endpoint and print its answer',
    group: CONTROL,
    check: deviceText('--custom_data'),
  }),
  customEndpoint: list(['--custom-endpoint'], '<name>', {
    help: 'call this endpoint in the session (repeatable, pairs with --data)',
    group: CONTROL,
    parse: (raw) => raw,
  }),
  data: list(['--data'], '<spec>', {
    help: 'data for --custom-endpoint: @file, @- (stdin), hex:…, text:…',
    group: CONTROL,
    parse: parseDataSpec,
  }),
  record: text(['--record'], '<file>', {
    help: 'write a transcript of the run (every exchange, secrets redacted; mode 0600) to file',
    group: CONTROL,
  }),
  ...JSON_OPTION,
  ...OUTPUT_OPTIONS,
};

export interface ProvisionArgs extends OutputFlags {
  transport: TransportName | undefined;
  serviceName: string | undefined;
  protoVer: string | undefined;
  secVer: 0 | 1 | 2 | undefined;
  pop: SecretSources;
  username: SecretSources;
  password: SecretSources;
  passphrase: SecretSources;
  /** --passphrase-hex: exact bytes; takes the place of every other passphrase source. */
  passphraseBytes: Uint8Array | undefined;
  genCred: boolean;
  saltLength: number;
  /** --ssid (as UTF-8) or --ssid-hex. */
  ssid: Uint8Array | undefined;
  custom: { endpoint: string; data: DataSpec }[];
  ctrl: 'reset' | 'reprov' | undefined;
  datasetTlvs: Uint8Array | undefined;
  bleAdapter: string;
  baud: number;
  network: 'auto' | 'wifi' | 'thread' | 'none';
  timeoutMs: number | undefined;
  qr: string | undefined;
  record: string | undefined;
  /** --join: the access point (--ap-ssid, else the QR payload's name) is joined with the host's Wi-Fi tool. */
  join: boolean;
  apSsid: string | undefined;
  apPassphrase: SecretSources;
}

/** The checks that concern several options at once, then the command's arguments. */
export function provisionArgs(o: OptionValues<typeof PROVISION_OPTIONS>, env: Env): ProvisionArgs {
  if (o.customEndpoint.length !== o.data.length) {
    throw new EspProvError(
      'USAGE',
      `each --custom-endpoint needs one --data (got ${o.customEndpoint.length} endpoint(s), ${o.data.length} --data)`,
    );
  }
  if (o.reset && o.reprov) throw new EspProvError('USAGE', 'give --reset or --reprov, not both');
  if (o.ssid !== undefined && o.ssidHex !== undefined) {
    throw new EspProvError('USAGE', 'give either --ssid or --ssid-hex, not both');
  }
  if (o.passphraseHex !== undefined && (o.passphrase !== undefined || o.passphraseFile !== undefined)) {
    throw new EspProvError('USAGE', 'give one of --passphrase, --passphrase-file or --passphrase-hex');
  }
  if (!o.join && (o.apSsid !== undefined || o.apPassphraseFile !== undefined)) {
    throw new EspProvError('USAGE', '--ap-ssid and --ap-passphrase-file go with --join');
  }
  if (o.join && o.transport !== undefined && o.transport !== 'softap') {
    throw new EspProvError('USAGE', '--join is for --transport softap: the board raises the access point');
  }
  const custom: ProvisionArgs['custom'] = [];
  if (o.customData !== undefined)
    custom.push({ endpoint: 'custom-data', data: { kind: 'bytes', bytes: utf8(o.customData) } });
  o.customEndpoint.forEach((endpoint, i) => custom.push({ endpoint, data: o.data[i]! }));
  return {
    ...outputFlags(o),
    transport: o.transport,
    serviceName: o.serviceName,
    protoVer: o.protoVer,
    secVer: o.secVer,
    pop: sources(POP, o.pop, o.popFile, env),
    username: sources(SEC2_USERNAME, o.sec2Username, undefined, env),
    password: sources(SEC2_PASSWORD, o.sec2Pwd, o.sec2PwdFile, env),
    passphrase: sources(PASSPHRASE, o.passphrase, o.passphraseFile, env),
    passphraseBytes: o.passphraseHex,
    genCred: o.sec2GenCred,
    saltLength: o.sec2SaltLen,
    ssid: o.ssid ?? o.ssidHex,
    custom,
    ctrl: o.reset ? 'reset' : o.reprov ? 'reprov' : undefined,
    datasetTlvs: o.datasetTlvs,
    bleAdapter: o.bleAdapter,
    baud: o.baud,
    network: o.network,
    timeoutMs: o.timeout,
    qr: o.qr,
    record: o.record,
    join: o.join,
    apSsid: o.apSsid,
    apPassphrase: sources(AP_PASSPHRASE, undefined, o.apPassphraseFile, env),
  };
}
