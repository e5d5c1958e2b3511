/**
 * `esp-prov qr <payload>`: draws the device's provisioning QR code (PROTOCOL.md §5.8) in the terminal, so that
 * a phone app can scan what a headless device only printed as text or as a URL. qrcode-terminal is loaded here
 * only. The QR encodes the payload's UTF-8 bytes, as the firmware's does.
 */
import type * as QrModule from 'qrcode-terminal';
import { EspProvError } from '../../errors.js';
import type { CommandContext } from '../context.js';
import type { QrArgs } from './qr-options.js';
import { parseQrPayload, qrSecurityHint } from '../qr-payload.js';
import { forTerminal } from '../terminal-text.js';

type QrTerminal = typeof QrModule;

export async function renderQr(text: string): Promise<string> {
  const mod = (await import('qrcode-terminal')) as unknown as { default?: QrTerminal } & QrTerminal;
  const qrcode = mod.default ?? mod;
  // The vendored encoder takes one character per byte: hand it the UTF-8 bytes as a binary string.
  const bytes = Buffer.from(text, 'utf8').toString('latin1');
  let out = '';
  qrcode.generate(bytes, { small: true }, (s) => (out = s));
  return out;
}

export async function runQr(a: QrArgs, ctx: CommandContext): Promise<number> {
  let input = a.payload;
  if (input === undefined || input === '-') {
    if (input === undefined && ctx.io.stdin.isTTY) {
      throw new EspProvError(
        'USAGE',
        'give the payload: esp-prov qr \'{"ver":"v1","name":"PROV_…",…}\' (or - for stdin)',
      );
    }
    input = await ctx.stdin.takeText('the QR payload', 'qr');
  }
  const p = parseQrPayload(input);
  ctx.redactor.add(p.pop);
  const security = qrSecurityHint(p);
  const facts = {
    name: p.name ?? null,
    transport: p.transport ?? null,
    security: security ?? null,
    username: p.username ?? null,
    ...(p.pop !== undefined ? { pop: p.pop } : {}),
  };
  if (ctx.out.json) {
    // The payload text holds the PoP: its values are redacted, not its text (however the JSON spells them).
    ctx.out.success('', { payload: ctx.redactor.jsonText(p.json), ...facts });
    return 0;
  }
  ctx.out.print(`${await renderQr(p.json)}\n`);
  const parts = [
    p.name !== undefined ? `name ${forTerminal(p.name)}` : 'no name',
    p.transport ?? 'transport not given',
    security === 2
      ? `Security 2 (username ${forTerminal(p.username ?? '')}, password in "pop")`
      : security === 1
        ? 'Security 1 (PoP)'
        : 'no PoP',
  ];
  ctx.out.print(`${parts.join(' · ')}\n`);
  if (p.ver !== undefined && p.ver !== 'v1')
    ctx.out.step('note', `unknown payload version "${forTerminal(p.ver)}" (expected v1)`);
  return 0;
}
