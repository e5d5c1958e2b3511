/** `esp-prov inspect`: the provisioning command's device, transport and security options, plus --scan/--record. */
import { EspProvError } from '../../errors.js';
import {
  JSON_OPTION,
  OUTPUT_OPTIONS,
  outputFlags,
  POP,
  SEC2_PASSWORD,
  SEC2_USERNAME,
  sources,
  type Env,
  type OutputFlags,
  type SecretSources,
} from '../option-common.js';
import { negatable, text, type OptionValues } from '../option-table.js';
import { AP_PASSPHRASE, PROVISION_OPTIONS, type TransportName } from './provision-options.js';

const P = PROVISION_OPTIONS;

export const INSPECT_OPTIONS = {
  transport: P.transport,
  serviceName: P.serviceName,
  qr: P.qr,
  join: P.join,
  apSsid: P.apSsid,
  apPassphraseFile: P.apPassphraseFile,
  bleAdapter: P.bleAdapter,
  baud: P.baud,
  timeout: P.timeout,
  secVer: P.secVer,
  pop: P.pop,
  popFile: P.popFile,
  sec2Username: P.sec2Username,
  sec2Pwd: P.sec2Pwd,
  sec2PwdFile: P.sec2PwdFile,
  scan: negatable('--no-scan', { help: 'with credentials: do not read the Wi-Fi scan list' }),
  record: text(['--record'], '<file>', { help: 'write a transcript of the exchanges (secrets redacted; mode 0600)' }),
  ...JSON_OPTION,
  ...OUTPUT_OPTIONS,
};

export interface InspectArgs extends OutputFlags {
  /** Undefined only with --qr: the payload then names it. */
  transport: TransportName | undefined;
  serviceName: string | undefined;
  qr: string | undefined;
  /** --join: the host joins the board's access point (--ap-ssid, else the QR name) and restores afterwards. */
  join: boolean;
  apSsid: string | undefined;
  apPassphrase: SecretSources;
  bleAdapter: string;
  baud: number;
  timeoutMs: number | undefined;
  secVer: 0 | 1 | 2 | undefined;
  pop: SecretSources;
  username: SecretSources;
  password: SecretSources;
  scan: boolean;
  record: string | undefined;
}

export function inspectArgs(o: OptionValues<typeof INSPECT_OPTIONS>, env: Env): InspectArgs {
  if (o.transport === undefined && o.qr === undefined)
    throw new EspProvError('USAGE', '--transport is required (or --qr): softap, ble, console, serial or sim');
  if (!o.join && (o.apSsid !== undefined || o.apPassphraseFile !== undefined)) {
    throw new EspProvError('USAGE', '--ap-ssid and --ap-passphrase-file go with --join');
  }
  if (o.join && o.transport !== undefined && o.transport !== 'softap') {
    throw new EspProvError('USAGE', '--join is for --transport softap: the board raises the access point');
  }
  return {
    ...outputFlags(o),
    transport: o.transport,
    serviceName: o.serviceName,
    qr: o.qr,
    join: o.join,
    apSsid: o.apSsid,
    apPassphrase: sources(AP_PASSPHRASE, undefined, o.apPassphraseFile, env),
    bleAdapter: o.bleAdapter,
    baud: o.baud,
    timeoutMs: o.timeout,
    secVer: o.secVer,
    pop: sources(POP, o.pop, o.popFile, env),
    username: sources(SEC2_USERNAME, o.sec2Username, undefined, env),
    password: sources(SEC2_PASSWORD, o.sec2Pwd, o.sec2PwdFile, env),
    scan: o.scan,
    record: o.record,
  };
}
