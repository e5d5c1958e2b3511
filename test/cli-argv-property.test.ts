/**
 * The argument parser (src/cli/options.ts parseArgv) under random argv: real options with good and bad
 * values, misspelt options carrying a value with `=`, commands, stray values and secrets, in any order.
 * Properties: the parser returns a typed command or throws EspProvError USAGE / MISSING_INPUT, never anything
 * else; and no error message contains a secret — one given to a secret option (with `=` or as the next
 * argument), to a misspelt option with `=`, or left stray without its flag.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parseArgv } from '../src/cli/options.js';
import { EspProvError } from '../src/errors.js';

/** Secrets start with a prefix no option, command or message contains, so a match is the secret itself. */
const secretArb = fc
  .oneof(
    fc.string({ maxLength: 70 }),
    fc.string({ unit: 'grapheme', maxLength: 20 }),
    fc.constantFrom('', '=', '"', "'", '\\', '\n', '\x1b[2J', '\uFFFD', 'é'.repeat(40), ' --json'),
  )
  .map((s) => `Zq9xK${s}`);

const SECRET_OPTIONS = ['--passphrase', '--pop', '--sec2_pwd', '--sec2-pwd', '--sec2_password'];
const TYPOS = ['--pasphrase', '--passphrase-fil', '--popp', '--po', '--sec2-pw', '--sec2_pass', '--secret', '-P', '-x', '--json-', '--show-secret']; // prettier-ignore
const PLAIN: fc.Arbitrary<string[]>[] = [
  fc.constantFrom(['--json'], ['-v'], ['--no-input'], ['--no-color'], ['--show-secrets'], ['--reset'], ['--reprov'], ['--sec2_gen_cred']), // prettier-ignore
  fc.tuple(fc.constantFrom('--transport', '--service_name', '--ssid', '--ssid-hex', '--sec_ver', '--baud', '--timeout', '--network', '--data', '--custom-endpoint', '--proto_ver', '--dataset_tlvs', '--passphrase-hex', '--sec2_salt_len', '--qr', '--pop-file', '--passphrase-file'), fc.oneof(fc.constantFrom('softap', 'sim', '2', '0', '30', '-1', '99999999999', 'wifi', 'none', 'abc', '00ff', 'text:x', '@-', ''), fc.string({ maxLength: 8 }))), // prettier-ignore
  fc.constantFrom(['sim'], ['gen-cred'], ['qr'], ['demo'], ['--help'], ['-V']),
];

type Token = { argv: string[]; secret?: string };
const tokenArb: fc.Arbitrary<Token> = fc.oneof(
  ...PLAIN.map((a) => a.map((argv) => ({ argv }))),
  fc.tuple(fc.constantFrom(...SECRET_OPTIONS), secretArb, fc.boolean()).map(([o, s, eq]) => ({ argv: eq ? [`${o}=${s}`] : [o, s], secret: s })), // prettier-ignore
  fc.tuple(fc.constantFrom(...TYPOS), secretArb).map(([o, s]) => ({ argv: [`${o}=${s}`], secret: s })),
  secretArb.map((s) => ({ argv: [s], secret: s })),
);

void describe('parseArgv under random argv', () => {
  void it('a typed command or a USAGE / MISSING_INPUT error that names no secret', () => {
    fc.assert(
      fc.property(fc.array(tokenArb, { minLength: 1, maxLength: 8 }), (tokens) => {
        const argv = tokens.flatMap((t) => t.argv);
        const secrets = tokens.flatMap((t) => (t.secret === undefined ? [] : [t.secret]));
        let parsed: ReturnType<typeof parseArgv>;
        try {
          parsed = parseArgv(argv, {});
        } catch (e) {
          assert.ok(e instanceof EspProvError, `not an EspProvError: ${String(e)} for ${JSON.stringify(argv)}`);
          assert.ok(e.code === 'USAGE' || e.code === 'MISSING_INPUT', `${e.code}: ${e.message}`);
          for (const s of secrets) {
            assert.ok(!e.message.includes(s), `the message names a secret: ${e.message} for ${JSON.stringify(argv)}`);
          }
          return;
        }
        assert.ok(['help', 'version', 'provision', 'gen-cred', 'sim', 'qr', 'demo'].includes(parsed.command));
      }),
      { numRuns: 3000 },
    );
  });
});
