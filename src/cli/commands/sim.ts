/**
 * `esp-prov sim`: a simulated device to provision, until Ctrl-C / SIGTERM (then exit 0). SoftAP: the simulated
 * protocomm_httpd on --listen. Console: the device console on a pseudo-terminal, for `--transport serial`.
 * With --json the first stdout line is {"event":"ready",…} and every request is one JSON line after it.
 * Once a device has been provisioned (its provisioning service stops), a fresh one takes its place: the
 * simulator keeps serving client after client, and says so each time ({"event":"rearmed"}).
 */
import { toHex } from '../../bytes.js';
import type { SimDevice, SimRequestEvent } from '../../sim/device.js';
import type { SimStateEvent } from '../../sim/manager.js';
import type { SimAccessPoint } from '../../sim/access-points.js';
import type { SimAnswers } from '../../sim/answers.js';
import type { SimDeviceOptions } from '../../sim/options.js';
import type { CommandContext } from '../context.js';
import { authModeName } from '../../endpoints/wifi-auth.js';
import { displayBytes, macText, padText, ssidText } from '../format.js';
import { serveDevice, untilInterrupted } from './sim-serve.js';
import type { SimArgs } from './sim-options.js';
import { forTerminal } from '../terminal-text.js';
import { EXAMPLE_SECRET, EXAMPLE_USERNAME, FAST_TIMINGS, simSecurity } from '../simulator.js';

function stateJson(e: SimStateEvent): Record<string, unknown> {
  if (e.kind !== 'wifi') return { event: 'state', kind: e.kind, state: e.state };
  const s = e.state;
  switch (s.kind) {
    case 'connected':
      return { event: 'state', kind: 'wifi', state: 'connected', ssid: displayBytes(s.ssid), ip: s.ip };
    case 'attempt-failed':
      return { event: 'state', kind: 'wifi', state: s.kind, attemptsRemaining: s.attemptsRemaining };
    case 'failed':
      return { event: 'state', kind: 'wifi', state: 'failed', reason: s.reason };
    default:
      return { event: 'state', kind: 'wifi', state: s.kind };
  }
}

function requestJson(e: SimRequestEvent): Record<string, unknown> {
  return {
    event: 'request',
    endpoint: e.endpoint,
    session: e.sessionId,
    phase: e.phase,
    bytesIn: e.requestBytes.length,
    bytesOut: e.responseBytes?.length ?? null,
    ...(e.failure ? { failure: e.failure } : {}),
    ...(e.faults.length > 0 ? { faults: e.faults } : {}),
  };
}

function securityText(a: SimArgs, show: boolean): { text: string; command: string } {
  if (a.sec === 0) return { text: 'Security 0 (none)', command: '--sec_ver 0' };
  if (a.sec === 1) {
    const pop = a.pop ?? EXAMPLE_SECRET;
    if (pop === '') return { text: 'Security 1 without PoP', command: '--sec_ver 1' };
    const shown = show || a.pop === undefined ? pop : '<your PoP>';
    return { text: `Security 1, PoP ${shown}`, command: `--sec_ver 1 --pop ${shown}` };
  }
  if (a.salt)
    return {
      text: `Security 2 (salt/verifier given), patch ${a.secPatch}`,
      command: '--sec_ver 2 --sec2_username <user> --sec2_pwd <password>',
    };
  const user = a.username ?? EXAMPLE_USERNAME;
  const pwd = show || a.password === undefined ? (a.password ?? EXAMPLE_SECRET) : '<your password>';
  return {
    text: `Security 2 (${user} / ${pwd}), patch ${a.secPatch}`,
    // --sec_ver spelled out so that the line also works with Espressif's esp_prov.py, which never reads sec_ver.
    command: `--sec_ver 2 --sec2_username ${user} --sec2_pwd ${pwd}`,
  };
}

function apLine(ap: SimAccessPoint): string {
  const pass = ap.passphrase ? `passphrase ${displayBytes(ap.passphrase)}` : 'no passphrase';
  const auth = authModeName(ap.auth).padEnd(15);
  return `    ${padText(ssidText(ap.ssid), 33)} ${macText(ap.bssid)}  ch ${String(ap.channel).padStart(2)}  ${auth} ${pass}`;
}

/** --answers and --http-status: a hostile device's texts and statuses (sim/answers.ts). */
async function loadAnswers(a: SimArgs, ctx: CommandContext): Promise<SimAnswers | undefined> {
  if (a.answers === undefined && a.httpStatus === undefined) return undefined;
  const mod = await import('../../sim/answers.js');
  let answers: SimAnswers = {};
  if (a.answers !== undefined) {
    const { decodeUtf8Strict, readInputFile } = await import('../read-input.js');
    const what = 'the --answers device answers';
    const bytes = await readInputFile(a.answers, { what, kind: 'manifest', signal: ctx.signal });
    answers = mod.loadAnswers(decodeUtf8Strict(bytes, `${what} from ${JSON.stringify(a.answers)}`));
  }
  if (a.httpStatus !== undefined) answers.httpStatus = mod.parseHttpStatus(a.httpStatus);
  return answers;
}

export async function runSim(a: SimArgs, ctx: CommandContext): Promise<number> {
  if (a.replay !== undefined) return (await import('./sim-replay.js')).runReplaySim({ ...a, replay: a.replay }, ctx);
  const out = ctx.out;
  let accessPoints: SimAccessPoint[] | undefined;
  if (a.aps !== undefined) {
    const { loadAccessPoints } = await import('../../sim/access-points.js');
    const { decodeUtf8Strict, readInputFile } = await import('../read-input.js');
    const what = 'the --aps access points';
    const bytes = await readInputFile(a.aps, { what, kind: 'aps', signal: ctx.signal });
    accessPoints = loadAccessPoints(decodeUtf8Strict(bytes, `${what} from ${JSON.stringify(a.aps)}`));
  }
  const log = (e: SimRequestEvent): void => {
    if (out.json) return out.line(requestJson(e));
    const size = e.responseBytes
      ? `${e.responseBytes.length} B`
      : out.colors.red(`no answer: ${e.failure ?? 'failed'}`);
    out.step(
      'request',
      `${forTerminal(e.endpoint).padEnd(13)} session ${e.sessionId}  ${e.phase.padEnd(16)} ${String(e.requestBytes.length).padStart(4)} B → ${size}`,
    );
    if (a.verbose)
      out.debug(`  in ${toHex(e.requestBytes)}${e.responseBytes ? `\n    out ${toHex(e.responseBytes)}` : ''}`);
  };
  const { parseFaultSpec } = await import('../../sim/faults.js');
  const answers = await loadAnswers(a, ctx);
  const behaviour: Partial<SimDeviceOptions> = {
    flavour: a.flavour,
    versionStyle: a.versionStyle,
    faults: a.faults.map(parseFaultSpec),
    autoStop: a.autoStop,
    ...(answers ? { answers } : {}),
    ...(a.connAttempts !== undefined ? { connAttempts: a.connAttempts } : {}),
  };
  const credentials = {
    sec: a.sec,
    pop: a.pop,
    username: a.username,
    password: a.password,
    salt: a.salt,
    verifier: a.verifier,
  };
  const show = ctx.redactor.enabled === false;
  const sec = securityText(a, show);
  const [{ SimDevice }, { ReplaceableDevice }, security] = await Promise.all([
    import('../../sim/device.js'),
    import('../../sim/replaceable-device.js'),
    simSecurity(credentials),
  ]);
  const makeDevice = (): SimDevice =>
    new SimDevice({
      security,
      patchLevel: a.secPatch,
      ...(accessPoints ? { accessPoints } : {}),
      ...(a.fast ? FAST_TIMINGS : {}),
      ...behaviour,
    });
  // A provisioned device stops its provisioning service; a real one is then reset into provisioning mode. The
  // simulator does that by itself: a fresh device with the same options takes the stopped one's place behind
  // the server, so that the next client is served instead of meeting silence.
  let current = makeDevice();
  const slot = new ReplaceableDevice(current);
  let round = 1;
  const watch = (device: SimDevice): void => {
    device.on('request', log);
    // Shutting down stops the device too; those last state changes are not news.
    device.on('state', (e) => {
      if (ctx.signal.aborted) return;
      if (out.json) out.line(stateJson(e));
      else out.step('state', `${e.kind}: ${JSON.stringify(stateJson(e)['state'])}`);
    });
    device.once('stopped', (i) => {
      if (ctx.signal.aborted) return;
      current = makeDevice();
      watch(current);
      slot.replace(current);
      round++;
      if (out.json) {
        out.line({ event: 'stopped', reason: i.reason });
        out.line({ event: 'rearmed', round });
      } else {
        const what = i.reason === 'provisioned' ? 'provisioned' : `provisioning stopped (${i.reason})`;
        out.step('ready', `${what}; ready for the next client (a fresh device, as after a reset)`);
      }
    });
  };
  watch(current);
  const { ready, where, stop } = await serveDevice(slot, a, ctx.signal);
  const howTo = `esp-prov --transport ${a.transport === 'softap' ? 'softap' : 'serial'} --service_name ${where} ${sec.command}`;
  if (out.json) out.line({ ...ready, security: a.sec, ...(a.sec === 2 ? { patchLevel: a.secPatch } : {}) });
  else {
    const { DEFAULT_ACCESS_POINTS } = await import('../../sim/default-aps.js');
    out.step('ready', `Simulated device ready: ${sec.text}`);
    out.step('ready', `Provision it with:\n    ${howTo}`);
    out.step('ready', `Networks it can join:\n${(accessPoints ?? DEFAULT_ACCESS_POINTS).map(apLine).join('\n')}`);
    out.step('ready', 'Ctrl-C to stop.');
  }
  await untilInterrupted(ctx.signal);
  await stop();
  current.stop();
  if (out.json) out.line({ event: 'exit' });
  else out.step('exit', 'Simulator stopped.');
  return 0;
}
