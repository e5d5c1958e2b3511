/** `esp-prov gen-cred`: its options and the typed arguments runGenCred receives. */
import { InvalidArgumentError } from 'commander';
import {
  JSON_OPTION,
  OUTPUT_OPTIONS,
  SEC2_PASSWORD,
  SEC2_USERNAME,
  outputFlags,
  sec2Options,
  sources,
  type Env,
  type OutputFlags,
  type SecretSources,
} from '../option-common.js';
import { parsed, type OptionValues } from '../option-table.js';
import { hexBytes, integer } from '../option-values.js';

const FORMATS = ['c', 'json', 'hex'] as const;

export const GEN_CRED_OPTIONS = {
  ...sec2Options(undefined, { username: 'username', password: 'password; prompted on a terminal' }),
  sec2SaltLen: parsed(['--sec2_salt_len', '--sec2-salt-len'], '<n>', {
    help: 'random salt length in bytes',
    parse: integer('--sec2_salt_len', 1, 64),
    default: 16,
  }),
  salt: parsed(['--salt'], '<hex>', {
    help: 'use this salt instead of a random one',
    parse: (raw) => {
      const bytes = hexBytes('--salt')(raw);
      if (bytes.length === 0) throw new InvalidArgumentError('--salt must not be empty');
      return bytes;
    },
  }),
  // No default here: without --format, --json picks json.
  format: parsed(['--format'], '<format>', {
    help: 'c arrays (as esp_prov prints), json, or hex (default c)',
    parse: (raw) => {
      const found = FORMATS.find((f) => f === raw);
      if (found === undefined) throw new InvalidArgumentError(`--format must be one of ${FORMATS.join(', ')}.`);
      return found;
    },
  }),
  ...JSON_OPTION,
  ...OUTPUT_OPTIONS,
};

export interface GenCredArgs extends OutputFlags {
  username: SecretSources;
  password: SecretSources;
  saltLength: number;
  salt: Uint8Array | undefined;
  format: (typeof FORMATS)[number];
}

export function genCredArgs(o: OptionValues<typeof GEN_CRED_OPTIONS>, env: Env): GenCredArgs {
  return {
    ...outputFlags(o),
    username: sources(SEC2_USERNAME, o.sec2Username, undefined, env),
    password: sources(SEC2_PASSWORD, o.sec2Pwd, o.sec2PwdFile, env),
    saltLength: o.sec2SaltLen,
    salt: o.salt,
    format: o.format ?? (o.json ? 'json' : 'c'),
  };
}
