/**
 * The default command, esp_prov's whole run (PROTOCOL.md §7.2) on the library's provision(): resolve inputs
 * (flags, files, QR, environment), open the transport, run, report. Everything interactive is a callback that
 * exists only on a terminal; without one, a missing value is MISSING_INPUT naming the flag.
 */
import { fromHex, toHex, utf8 } from '../../bytes.js';
import { EspProvError } from '../../errors.js';
import type { WifiCredentials } from '../../endpoints/config.js';
import { authModeName, authNeedsPassphrase } from '../../endpoints/wifi-auth.js';
import type { ProvisionOptions, ProvisionResult } from '../../provision/flow.js';
import type { SecretName } from '../../provision/connect.js';
import type { CommandContext } from '../context.js';
import { displayBytes, macText, responseText, ssidText } from '../format.js';
import { passphraseProblem } from '../option-values.js';
import { pickThreadNetwork, validateNetworkKey, validatePassphrase, WifiPicker } from '../pickers.js';
import { parseQrPayload, type QrPayload } from '../qr-payload.js';
import { missing, readBytesFile, resolveSecret } from '../secrets.js';
import { forTerminal } from '../terminal-text.js';
import { openTransport } from '../transports.js';
import { TRANSPORTS, type ProvisionArgs } from './provision-options.js';

/** Wrong passphrases a person may retry before we stop asking. */
const MAX_WIFI_RETRIES = 5;

/** The flags were checked at parse time; a passphrase from a file or the environment is checked here. */
function checkPassphrase(passphrase: Uint8Array | undefined, flagName: string): void {
  const problem = passphrase === undefined ? undefined : passphraseProblem(passphrase);
  if (problem) throw new EspProvError('USAGE', `${flagName}: ${problem}`);
}

interface Inputs {
  transport: ProvisionArgs['transport'];
  serviceName: string | undefined;
  /** The access point a SoftAP QR payload names: the computer must join it first. */
  joinAp: string | undefined;
  pop: string | undefined;
  username: string | undefined;
  password: string | undefined;
  passphrase: Uint8Array | undefined;
  custom: { endpoint: string; data: Uint8Array }[];
}

async function gatherInputs(a: ProvisionArgs, ctx: CommandContext): Promise<Inputs> {
  let qr: QrPayload | undefined;
  if (a.qr !== undefined) qr = parseQrPayload(a.qr === '-' ? await ctx.stdin.takeText('the QR payload', 'qr') : a.qr);
  const transport = a.transport ?? qr?.transport;
  ctx.transport = transport;
  let serviceName = a.serviceName;
  // The QR name is the BLE device name; for SoftAP it is the access point to join, not an address.
  if (serviceName === undefined && qr?.name !== undefined && (transport === 'ble' || transport === 'ble-manual')) {
    serviceName = qr.name;
  }
  const joinAp = transport === 'softap' ? qr?.name : undefined;
  const sec2 = qr?.username !== undefined;
  const pop = await resolveSecret(a.pop, 'the PoP', sec2 ? undefined : qr?.pop, ctx.stdin);
  const username = await resolveSecret(a.username, 'the Security 2 username', qr?.username, ctx.stdin);
  const password = await resolveSecret(a.password, 'the Security 2 password', sec2 ? qr?.pop : undefined, ctx.stdin);
  const passphrase = await resolveSecret(a.passphrase, 'the passphrase', undefined, ctx.stdin);
  for (const s of [pop, password, passphrase]) ctx.redactor.add(s?.value);
  ctx.redactor.add(a.datasetTlvs);
  ctx.redactor.add(a.passphraseBytes);
  const passphraseBytes = a.passphraseBytes ?? (passphrase ? utf8(passphrase.value) : undefined);
  if (a.passphraseBytes === undefined && passphrase?.from !== 'flag') {
    checkPassphrase(passphraseBytes, passphrase?.from === 'file' ? a.passphrase.fileFlag! : a.passphrase.envName);
  }
  const custom: Inputs['custom'] = [];
  for (const c of a.custom) {
    const data =
      c.data.kind === 'bytes' ? c.data.bytes : await readBytesFile(c.data.path, `data for ${c.endpoint}`, ctx.stdin);
    custom.push({ endpoint: c.endpoint, data });
  }
  return {
    transport,
    serviceName,
    joinAp,
    pop: pop?.value,
    username: username?.value,
    password: password?.value,
    passphrase: passphraseBytes,
    custom,
  };
}

const SECRET_PROMPTS: Record<SecretName, string> = {
  pop: 'Proof of possession (PoP)',
  username: 'Security 2 username',
  password: 'Security 2 password',
};

function interaction(a: ProvisionArgs, ctx: CommandContext): Partial<ProvisionOptions> {
  const source = { pop: a.pop, username: a.username, password: a.password } as const;
  if (!ctx.interactive) {
    return {
      askSecret: (name) => Promise.reject(missing(source[name], SECRET_PROMPTS[name])),
      askPassphrase: () => Promise.reject(missing(a.passphrase, 'the Wi-Fi passphrase')),
    };
  }
  const prompter = ctx.prompter();
  const note = (line: string): void => ctx.out.step('note', line);
  const picker = new WifiPicker(prompter, ctx.out.colors, { note, warn: (line) => ctx.out.warn(line) });
  let retries = 0;
  return {
    async askSecret(name) {
      const nonEmpty = (v: string): true | string => (v.length > 0 ? true : 'required');
      const v =
        name === 'username'
          ? await prompter.text(SECRET_PROMPTS[name], nonEmpty)
          : await prompter.secret(SECRET_PROMPTS[name], nonEmpty);
      if (name !== 'username') ctx.redactor.add(v);
      return v;
    },
    selectAccessPoint: (aps) => picker.select(aps),
    async askPassphrase(ssid) {
      const p = await picker.passphrase(ssid);
      ctx.redactor.add(p);
      return p;
    },
    async onWifiFailure(err, last): Promise<WifiCredentials | undefined> {
      if (++retries > MAX_WIFI_RETRIES) return undefined;
      ctx.out.failed('wifi-failed', err.code, err.message);
      if (err.code === 'WIFI_AUTH_FAILED') {
        // "empty to give up" must accept an empty answer even when the network needs a passphrase; the run
        // then ends with the Wi-Fi failure's own code.
        const needs = picker.lastAuth !== undefined && authNeedsPassphrase(picker.lastAuth);
        const valid = validatePassphrase(needs);
        const text = await prompter.secret(`New passphrase for "${ssidText(last.ssid)}" (empty to give up)`, (v) =>
          v.length === 0 ? true : valid(v),
        );
        if (text.length === 0) return undefined;
        const p = new TextEncoder().encode(text);
        ctx.redactor.add(p);
        return { ...last, passphrase: p };
      }
      return (await prompter.confirm('Try again with the same network?', false)) ? last : undefined;
    },
    selectThreadNetwork: (networks) => pickThreadNetwork(prompter, networks, ctx.out.colors, note),
    async askNetworkKey(network) {
      const name = forTerminal(network.networkName);
      const key = await prompter.secret(`Network key of "${name}" (32 hex digits)`, validateNetworkKey);
      const bytes = fromHex(key.trim());
      ctx.redactor.add(bytes);
      return bytes;
    },
  };
}

type CustomAnswer = { endpoint: string; response: Uint8Array };

function report(result: ProvisionResult, a: ProvisionArgs, ctx: CommandContext, answers: CustomAnswer[]): void {
  const security = result.connection.choice.version;
  // Every endpoint's answer, also in the final line (scripts that read only the result find them there).
  const custom =
    answers.length > 0
      ? { custom: answers.map((c) => ({ endpoint: c.endpoint, response: responseText(c.response).text })) }
      : {};
  if (result.network === 'wifi') {
    const c = result.connected;
    ctx.out.success(
      `Connected to "${ssidText(c.ssid)}" — IP ${forTerminal(c.ip)}, BSSID ${macText(c.bssid)}, channel ${c.channel} (${authModeName(c.authMode)})`,
      {
        network: 'wifi',
        ssid: displayBytes(c.ssid),
        ssidHex: toHex(c.ssid),
        ip: c.ip,
        bssid: macText(c.bssid),
        channel: c.channel,
        authMode: authModeName(c.authMode),
        security,
        ...custom,
      },
    );
  } else if (result.network === 'thread') {
    const t = result.attached;
    ctx.out.success(
      `Attached to the Thread network${t.name ? ` "${forTerminal(t.name)}"` : ''} — PAN 0x${t.panId.toString(16).padStart(4, '0')}, extended PAN ${toHex(t.extPanId)}, channel ${t.channel}`,
      {
        network: 'thread',
        name: t.name,
        panId: t.panId,
        extPanId: toHex(t.extPanId),
        channel: t.channel,
        security,
        ...custom,
      },
    );
  } else if (a.ctrl) {
    ctx.out.success(`Sent ${a.ctrl} to the device`, { network: 'none', ctrl: a.ctrl, security });
  } else {
    ctx.out.success('Session finished; no network provisioned (--network none)', {
      network: 'none',
      custom: answers.map((c) => ({ endpoint: c.endpoint, response: responseText(c.response).text })),
      security,
    });
  }
}

/**
 * Without a terminal, fail before touching the device when a value is certainly needed: Security 2 always
 * needs both credentials; a named network needs a passphrase ("" for an open one); and provisioning needs a
 * network, which only a picker could otherwise supply, after the handshake.
 */
function precheck(a: ProvisionArgs, inputs: Inputs, ctx: CommandContext): void {
  if (ctx.interactive || a.ctrl) return;
  if (a.secVer === 2) {
    if (inputs.username === undefined) throw missing(a.username, 'the Security 2 username');
    if (inputs.password === undefined) throw missing(a.password, 'the Security 2 password');
  }
  const wifi = a.network === 'wifi' || (a.network === 'auto' && a.datasetTlvs === undefined);
  if (wifi && a.ssid !== undefined && inputs.passphrase === undefined) {
    throw missing(a.passphrase, 'the Wi-Fi passphrase ("" for an open network)');
  }
  const off = '(prompting is off: no terminal, or --no-input)';
  if (a.network === 'none') return;
  if (a.network === 'thread' && a.datasetTlvs === undefined) {
    throw new EspProvError('MISSING_INPUT', `no Thread network given: pass --dataset_tlvs ${off}`);
  }
  if (a.ssid === undefined && (a.network === 'wifi' || a.datasetTlvs === undefined)) {
    const ways =
      a.network === 'wifi' ? '--ssid or --ssid-hex' : '--ssid or --ssid-hex (Wi-Fi), --dataset_tlvs (Thread)';
    throw new EspProvError('MISSING_INPUT', `no network given: pass ${ways}, or --network none ${off}`);
  }
}

export async function runProvision(a: ProvisionArgs, ctx: CommandContext): Promise<number> {
  if (a.genCred) {
    const { runGenCred } = await import('./gen-cred.js');
    return runGenCred(
      { ...a, salt: undefined, format: a.json ? 'json' : 'c', username: a.username, password: a.password },
      ctx,
    );
  }
  const inputs = await gatherInputs(a, ctx);
  // Said first: whatever else is missing, this is the one thing no prompt can supply.
  if (inputs.transport === undefined) {
    throw new EspProvError('USAGE', `--transport is required: ${TRANSPORTS.join(', ')} (softap is also httpd)`);
  }
  ctx.out.context({ transport: inputs.transport });
  precheck(a, inputs, ctx);
  // Only a person at a terminal can join an access point; a script fails fast with DEVICE_NOT_FOUND and a hint
  // (told which access point when no --service_name says where the device is).
  const waitForJoin = ctx.interactive && !a.json;
  if (a.join) {
    if (inputs.transport !== 'softap') {
      throw new EspProvError('USAGE', '--join is for --transport softap: the board raises the access point');
    }
    const [{ runJoined }, { parseServiceAddress, DEFAULT_SERVICE_ADDRESS }] = await Promise.all([
      import('./provision-join.js'),
      import('../../transport/http-address.js'),
    ]);
    const address = parseServiceAddress(inputs.serviceName ?? DEFAULT_SERVICE_ADDRESS);
    return runJoined(a, inputs.joinAp, address, ctx, () => runOnDevice(a, inputs, ctx));
  }
  if (inputs.joinAp !== undefined && (waitForJoin || inputs.serviceName === undefined)) {
    const [{ joinAccessPoint }, { parseServiceAddress, formatServiceAddress, DEFAULT_SERVICE_ADDRESS }] =
      await Promise.all([import('./provision-join.js'), import('../../transport/http-address.js')]);
    const address = parseServiceAddress(inputs.serviceName ?? DEFAULT_SERVICE_ADDRESS);
    await joinAccessPoint(
      inputs.joinAp,
      address,
      formatServiceAddress(address),
      { wait: waitForJoin, timeoutMs: a.timeoutMs },
      ctx,
    );
  }
  return runOnDevice(a, inputs, ctx);
}

/** Opens the transport, provisions, reports; the transcript (--record) is written whatever the outcome. */
async function runOnDevice(a: ProvisionArgs, inputs: Inputs, ctx: CommandContext): Promise<number> {
  if (inputs.transport === undefined) throw new EspProvError('INTERNAL', 'no transport');
  const answers: CustomAnswer[] = [];
  const recording =
    a.record === undefined ? undefined : await (await import('./record.js')).startRecording(a.record, inputs.transport);
  let failure: unknown;
  const opened = await openTransport({ ...a, transport: inputs.transport, serviceName: inputs.serviceName }, ctx).catch(
    async (e: unknown) => {
      await recording?.finish(e);
      throw e;
    },
  );
  recording?.watch(opened.transport);
  try {
    const { provision } = await import('../../provision/flow.js');
    const result = await provision({
      transport: opened.transport,
      security: { version: a.secVer, pop: inputs.pop, username: inputs.username, password: inputs.password },
      expectedVersion: a.protoVer,
      requestTimeoutMs: a.timeoutMs,
      connectTimeoutMs: a.timeoutMs,
      signal: ctx.signal,
      ...(ctx.io.clock ? { clock: ctx.io.clock } : {}),
      onEvent: (e) => {
        if (e.type === 'custom-data') answers.push({ endpoint: e.endpoint, response: e.response });
        recording?.event(e);
        ctx.out.event(e);
      },
      onTrace: (t) => {
        recording?.trace(t);
        ctx.out.trace(t);
      },
      wifi: {
        ssid: a.ssid,
        passphrase: inputs.passphrase,
      },
      thread: { dataset: a.datasetTlvs },
      custom: inputs.custom,
      ctrl: a.ctrl,
      // A dataset means Thread even on a device that can do both.
      network: a.network !== 'auto' ? a.network : a.datasetTlvs ? 'thread' : undefined,
      ...(a.timeoutMs ? { scan: { scanTimeoutMs: a.timeoutMs } } : {}),
      ...interaction(a, ctx),
    });
    report(result, a, ctx, answers);
    return 0;
  } catch (e) {
    failure = e;
    throw e;
  } finally {
    await opened.close();
    // A failed run's transcript is the one a bug report needs most: written either way.
    await recording?.finish(failure);
  }
}
