/**
 * `esp-prov inspect`: what the device is, without provisioning it (diagnose/inspect.ts). Exit 0 whenever the
 * device answered proto-ver, whatever the findings; a handshake that fails is a finding, not an error.
 */
import { toHex } from '../../bytes.js';
import type { InspectReport } from '../../diagnose/inspect.js';
import { authModeName } from '../../endpoints/wifi-auth.js';
import type { CommandContext } from '../context.js';
import { EspProvError } from '../../errors.js';
import { displayBytes, macText, ssidText } from '../format.js';
import { parseQrPayload, qrSecurityHint, type QrPayload } from '../qr-payload.js';
import { resolveSecret } from '../secrets.js';
import { forTerminal } from '../terminal-text.js';
import { openTransport } from '../transports.js';
import type { InspectArgs } from './inspect-options.js';
import type { TransportName } from './provision-options.js';

function protoVerJson(p: NonNullable<InspectReport['protoVer']>): Record<string, unknown> {
  const i = p.info;
  return {
    raw: p.raw,
    hex: p.hex,
    manager: i.manager,
    version: i.version ?? null,
    secVer: i.secVer ?? null,
    secPatchVer: i.secPatchVer ?? null,
    capabilities: i.capabilities,
    apps: i.apps,
  };
}

function reportJson(r: InspectReport, transport: Record<string, unknown>): Record<string, unknown> {
  return {
    transport: {
      ...transport,
      ...(r.link.endpoints ? { endpoints: r.link.endpoints } : {}),
      ...(r.link.ble ? { ble: r.link.ble } : {}),
    },
    protoVer: r.protoVer ? protoVerJson(r.protoVer) : null,
    security: r.security
      ? {
          version: r.security.version,
          source: r.security.source,
          popRequired: r.security.popRequired,
          patchLevel: r.security.patchLevel,
        }
      : null,
    handshake: r.handshake ?? null,
    accessPoints:
      r.accessPoints?.map((ap) => ({
        ssid: displayBytes(ap.ssid),
        ssidHex: toHex(ap.ssid),
        bssid: macText(ap.bssid),
        channel: ap.channel,
        rssi: ap.rssi,
        authMode: authModeName(ap.auth),
      })) ?? null,
    findings: r.findings,
  };
}

/**
 * The human report is the command's product, so it goes to stdout (`inspect > report.txt`, a bug report's paste);
 * progress and the one-line verdict stay on stderr as for every command.
 */
function say(ctx: CommandContext, text: string): void {
  ctx.out.print(`${text}\n`);
}

function protoVerHuman(p: NonNullable<InspectReport['protoVer']>, ctx: CommandContext): void {
  const i = p.info;
  say(ctx, `proto-ver: ${forTerminal(p.raw.replace(/\s+/g, ' '))}`);
  const parsed = [
    `version ${forTerminal(i.version ?? '?')}`,
    `sec_ver ${i.secVer ?? 'absent'}`,
    ...(i.secPatchVer !== undefined ? [`sec_patch_ver ${i.secPatchVer}`] : []),
    `capabilities [${i.capabilities.map(forTerminal).join(', ')}]`,
    ...Object.keys(i.apps).map((k) => `app ${forTerminal(k)}`),
  ];
  say(ctx, parsed.join(', '));
}

function human(r: InspectReport, where: string, ctx: CommandContext): void {
  say(ctx, `Device at ${where}`);
  const b = r.link.ble;
  if (b) {
    say(
      ctx,
      `BLE ${forTerminal(b.name)} ${b.address} ${b.rssi} dBm, service ${b.serviceUuid}, MTU ${b.mtu ?? '?'}, ${b.stack}`,
    );
  }
  for (const c of b?.characteristics ?? []) {
    const name = c.name === null ? '(no 0x2901 name)' : forTerminal(c.name);
    say(ctx, `  ${c.uuid}  ${name}  ${c.properties.join(' ')}`);
  }
  if (r.link.endpoints) {
    say(ctx, `Endpoints: ${r.link.endpoints.map((e) => forTerminal(e.name)).join(', ')}`);
  }
  if (r.protoVer) protoVerHuman(r.protoVer, ctx);
  else say(ctx, 'proto-ver: not readable');
  if (r.security) {
    const pop = r.security.version === 1 ? (r.security.popRequired ? ', PoP required' : ', no PoP') : '';
    const patch = r.security.version === 2 ? `, patch ${r.security.patchLevel}` : '';
    say(ctx, `Security ${r.security.version}${pop}${patch} (from ${r.security.source})`);
  }
  if (r.handshake === undefined) say(ctx, 'Handshake not tried (no credentials given)');
  else if (r.handshake.ok) say(ctx, `Handshake succeeded (Security ${r.handshake.security})`);
  else say(ctx, `Handshake failed: ${r.handshake.message}`);
  if (r.accessPoints) {
    say(ctx, `The device sees ${r.accessPoints.length} network(s):`);
    for (const ap of r.accessPoints) {
      say(ctx, `  ${ssidText(ap.ssid)}  ch ${ap.channel}  ${ap.rssi} dBm  ${authModeName(ap.auth)}`);
    }
  }
  if (r.findings.length === 0) say(ctx, 'Findings: none');
  else {
    say(ctx, 'Findings:');
    for (const f of r.findings) say(ctx, `  ! ${f.text}`);
  }
}

/** What --qr adds, as provision reads it: transport, BLE name, PoP or Security 2 username and password. */
async function qrInputs(a: InspectArgs, ctx: CommandContext): Promise<QrPayload | undefined> {
  if (a.qr === undefined) return undefined;
  const qr = parseQrPayload(a.qr === '-' ? await ctx.stdin.takeText('the QR payload', 'qr') : a.qr);
  // The password travels in the payload's `pop`: hidden from the output before anything is printed.
  ctx.redactor.add(qr.pop);
  return qr;
}

export async function runInspect(a: InspectArgs, ctx: CommandContext): Promise<number> {
  const qr = await qrInputs(a, ctx);
  const kind = a.transport ?? qr?.transport;
  if (kind === undefined) throw new EspProvError('USAGE', 'the QR payload names no transport: give --transport');
  ctx.out.context({ transport: kind });
  // The QR name is the BLE device name; for SoftAP it is the access point to join first, not an address.
  const serviceName = a.serviceName ?? (kind === 'ble' ? qr?.name : undefined);
  const sec2 = qr?.username !== undefined;
  const pop = await resolveSecret(a.pop, 'the PoP', sec2 ? undefined : qr?.pop, ctx.stdin);
  const username = await resolveSecret(a.username, 'the Security 2 username', qr?.username, ctx.stdin);
  const password = await resolveSecret(a.password, 'the Security 2 password', sec2 ? qr?.pop : undefined, ctx.stdin);
  for (const s of [pop, password]) ctx.redactor.add(s?.value);
  // A scheme the QR code implies is what the user expects: a device announcing another is a finding.
  const secVer = a.secVer ?? (qr ? qrSecurityHint(qr) : undefined);
  const inspect = (): Promise<number> =>
    inspectOnce(a, ctx, { kind, serviceName, qr, secVer, pop, username, password });
  if (!a.join) return inspect();
  if (kind !== 'softap') {
    throw new EspProvError('USAGE', '--join is for --transport softap: the board raises the access point');
  }
  // As for provisioning: the host joins the board's access point, reads the device there, then goes back.
  const [{ runJoined }, { parseServiceAddress, DEFAULT_SERVICE_ADDRESS }] = await Promise.all([
    import('./provision-join.js'),
    import('../../transport/http-address.js'),
  ]);
  const address = parseServiceAddress(a.serviceName ?? DEFAULT_SERVICE_ADDRESS);
  return runJoined(a, qr?.name, address, ctx, inspect);
}

interface Resolved {
  kind: TransportName;
  serviceName: string | undefined;
  qr: QrPayload | undefined;
  secVer: 0 | 1 | 2 | undefined;
  pop: { value: string } | undefined;
  username: { value: string } | undefined;
  password: { value: string } | undefined;
}

/** Opens the link, inspects, prints the report; the transcript (--record) is written whatever the outcome. */
async function inspectOnce(a: InspectArgs, ctx: CommandContext, r: Resolved): Promise<number> {
  const { kind, serviceName, qr, secVer, pop, username, password } = r;
  const recording =
    a.record === undefined ? undefined : await (await import('./record.js')).startRecording(a.record, kind);
  let failure: unknown;
  try {
    const opened = await openTransport({ ...a, serviceName, transport: kind, verbose: a.verbose }, ctx);
    recording?.watch(opened.transport);
    try {
      const { inspectDevice } = await import('../../diagnose/inspect.js');
      const report = await inspectDevice({
        transport: opened.transport,
        security: { version: secVer, pop: pop?.value, username: username?.value, password: password?.value },
        signal: ctx.signal,
        scan: a.scan,
        ...(kind === 'ble' && qr?.name !== undefined ? { expect: { name: qr.name } } : {}),
        ...(a.timeoutMs ? { requestTimeoutMs: a.timeoutMs } : {}),
        onTrace: (t) => {
          recording?.trace(t);
          ctx.out.trace(t);
        },
      });
      const cookie = (opened.transport as { cookie?: string }).cookie;
      const transport = {
        kind,
        address: opened.where,
        ...(cookie ? { cookie } : {}),
        ...(qr
          ? {
              qr: {
                ...(qr.name !== undefined ? { name: qr.name } : {}),
                ...(qr.transport ? { transport: qr.transport } : {}),
              },
            }
          : {}),
      };
      if (!ctx.out.json) human(report, opened.where, ctx);
      ctx.out.success(`Inspected ${opened.where}: ${report.findings.length} finding(s)`, {
        inspect: reportJson(report, transport),
      });
      return 0;
    } finally {
      await opened.close();
    }
  } catch (e) {
    failure = e;
    throw e;
  } finally {
    await recording?.finish(failure);
  }
}
