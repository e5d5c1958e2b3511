/**
 * Security 2 salt + verifier for the device's firmware (esp_prov --sec_ver 2 --sec2_gen_cred). The C output is
 * byte-for-byte esp_prov's layout (PROTOCOL.md §7.2): a header line, then two `static const char` arrays of
 * `0x%02x` bytes, 16 per line, four-space indent, each followed by a blank line. The generator is the
 * device's (full inner digest, salt never starting with 0x00, verifier padded to 384 bytes; §4.3.2, §9 items 4–5).
 */
import { toHex, utf8 } from '../../bytes.js';
import { EspProvError } from '../../errors.js';
import { generateSec2Credentials } from '../../security/credentials.js';
import type { CommandContext } from '../context.js';
import type { GenCredArgs } from './gen-cred-options.js';
import { missing, resolveSecret } from '../secrets.js';

export const GEN_CRED_HEADER = '==== Salt-verifier for security scheme 2 (SRP6a) ====';

export function cArray(name: string, bytes: Uint8Array): string {
  const items = Array.from(bytes, (b) => `0x${b.toString(16).padStart(2, '0')}`);
  const lines: string[] = [];
  for (let i = 0; i < items.length; i += 16) lines.push(`    ${items.slice(i, i + 16).join(', ')}`);
  return `static const char ${name}[] = {\n${lines.join(',\n')}\n};\n\n`;
}

export function formatCredentials(salt: Uint8Array, verifier: Uint8Array): string {
  return `${GEN_CRED_HEADER}\n${cArray('sec2_salt', salt)}${cArray('sec2_verifier', verifier)}`;
}

async function askPasswordTwice(ctx: CommandContext): Promise<string> {
  const p = ctx.prompter();
  for (;;) {
    const first = await p.secret('Security 2 password', (v) => (v.length > 0 ? true : 'required'));
    const again = await p.secret('Repeat the password');
    if (first === again) return first;
    ctx.out.step('note', 'The two passwords differ; again.');
  }
}

export async function runGenCred(a: GenCredArgs, ctx: CommandContext): Promise<number> {
  // The password is not registered with the redactor: it is never printed here, and filtering its text out
  // of the hex output could corrupt a verifier that happens to contain it.
  const username =
    (await resolveSecret(a.username, 'the username', undefined, ctx.stdin))?.value ??
    (ctx.interactive
      ? await ctx.prompter().text('Security 2 username', (v) => (v.length > 0 ? true : 'required'))
      : undefined);
  if (username === undefined || username === '') throw missing(a.username, 'the Security 2 username');
  const password =
    (await resolveSecret(a.password, 'the password', undefined, ctx.stdin))?.value ??
    (ctx.interactive ? await askPasswordTwice(ctx) : undefined);
  if (password === undefined || password === '') throw missing(a.password, 'the Security 2 password');
  if (a.salt && a.salt.length === 0) throw new EspProvError('USAGE', '--salt must not be empty');
  const { salt, verifier } = generateSec2Credentials(utf8(username), utf8(password), {
    saltLength: a.saltLength,
    ...(a.salt ? { salt: a.salt } : {}),
  });
  const fields = { username, salt: toHex(salt), verifier: toHex(verifier) };
  if (a.json || a.format === 'json') {
    ctx.out.line({ ok: true, ...fields });
  } else if (a.format === 'hex') {
    ctx.out.print(`salt=${fields.salt}\nverifier=${fields.verifier}\n`);
  } else {
    ctx.out.print(formatCredentials(salt, verifier));
  }
  return 0;
}
