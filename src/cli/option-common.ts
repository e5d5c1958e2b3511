/**
 * Options several commands share: the output switches, and the secrets, which stay *sources* (flag, file,
 * environment) that secrets.ts resolves later, in one order for every secret.
 */
import { EspProvError } from '../errors.js';
import { flag, negatable, text, type OptionValues } from './option-table.js';
import { deviceText } from './option-values.js';

export const ENV = {
  pop: 'ESP_PROV_POP',
  username: 'ESP_PROV_SEC2_USERNAME',
  password: 'ESP_PROV_SEC2_PASSWORD',
  passphrase: 'ESP_PROV_PASSPHRASE',
} as const;

/** Where a value may come from, highest precedence first: flag, file, (QR payload), environment. */
export interface SecretSources {
  flag?: string;
  /** Path given with --*-file; "-" is stdin. */
  file?: string;
  /** Value of the environment variable (empty values count as unset). */
  env?: string;
  /** Name of that variable, for messages. */
  envName: string;
  /** The flags that set it, for messages. */
  flagName: string;
  fileFlag?: string;
}

export type Env = Readonly<Record<string, string | undefined>>;

const OUTPUT_GROUP = 'Output:';

export const JSON_OPTION = {
  json: flag(['--json'], {
    help: 'machine-readable output: NDJSON events and a final result line on stdout',
    group: OUTPUT_GROUP,
  }),
};

export const OUTPUT_OPTIONS = {
  verbose: flag(['-v', '--verbose'], {
    help: 'trace every exchange (endpoint, sizes, wire hex; secrets redacted)',
    group: OUTPUT_GROUP,
  }),
  input: negatable('--no-input', {
    help: 'never prompt, even on a terminal (missing values are errors)',
    group: OUTPUT_GROUP,
  }),
  color: negatable('--no-color', {
    help: 'no colours (also NO_COLOR=1; off anyway when not a terminal)',
    group: OUTPUT_GROUP,
  }),
  showSecrets: flag(['--show-secrets'], {
    help: 'do not redact PoP, passwords and passphrases in output',
    group: OUTPUT_GROUP,
  }),
};

export type OutputFlags = OptionValues<typeof JSON_OPTION & typeof OUTPUT_OPTIONS>;

export function outputFlags(o: OutputFlags): OutputFlags {
  return { json: o.json, verbose: o.verbose, input: o.input, color: o.color, showSecrets: o.showSecrets };
}

/** A secret given as a flag, optionally a file flag, and an environment variable. */
export interface SecretSpec {
  envName: string;
  /** The spelling messages name (esp_prov's). */
  flagName: string;
  fileFlag?: string;
}

export function sources(spec: SecretSpec, flagValue: string | undefined, file: string | undefined, env: Env) {
  if (flagValue !== undefined && file !== undefined) {
    throw new EspProvError('USAGE', `give either ${spec.flagName} or ${spec.fileFlag ?? 'its file'}, not both`);
  }
  const s: SecretSources = { envName: spec.envName, flagName: spec.flagName };
  if (spec.fileFlag) s.fileFlag = spec.fileFlag;
  if (flagValue !== undefined) s.flag = flagValue;
  if (file !== undefined) s.file = file;
  const e = env[spec.envName];
  if (e !== undefined && e !== '') s.env = e;
  return s;
}

export const POP: SecretSpec = { envName: ENV.pop, flagName: '--pop', fileFlag: '--pop-file' };
export const SEC2_USERNAME: SecretSpec = { envName: ENV.username, flagName: '--sec2_username' };
export const SEC2_PASSWORD: SecretSpec = {
  envName: ENV.password,
  flagName: '--sec2_pwd',
  fileFlag: '--sec2-pwd-file',
};
export const PASSPHRASE: SecretSpec = {
  envName: ENV.passphrase,
  flagName: '--passphrase',
  fileFlag: '--passphrase-file',
};

/** The Security 2 credential options, as provisioning and gen-cred both spell them. */
export function sec2Options(group: string | undefined, what: { username: string; password: string }) {
  const g = group === undefined ? {} : { group };
  return {
    sec2Username: text(['--sec2_username', '--sec2-username'], '<name>', {
      help: `${what.username} (env ${ENV.username})`,
      check: deviceText('--sec2_username'),
      ...g,
    }),
    sec2Pwd: text(['--sec2_pwd', '--sec2-pwd'], '<password>', {
      help: `${what.password} (env ${ENV.password})`,
      check: deviceText('--sec2_pwd'),
      secret: true,
      ...g,
    }),
    sec2PwdFile: text(['--sec2-pwd-file'], '<path>', {
      help: 'read the Security 2 password from a file (- = stdin)',
      ...g,
    }),
  };
}
