/**
 * Opening a provisioning session: proto-ver (one round trip) → security choice → handshake.
 * Secrets the device turns out to need are asked for through `askSecret` (the CLI prompts; library users
 * pass values up front); missing ones end in MISSING_INPUT naming what is needed.
 */
import { utf8 } from '../bytes.js';
import { EspProvError } from '../errors.js';
import { VERSION_ENDPOINT } from '../protocol/endpoints.js';
import { Sec0Client } from '../security/sec0.js';
import { Sec1Client } from '../security/sec1.js';
import { Sec2Client } from '../security/sec2.js';
import type { ClientSecurity, RandomSource, SecurityVersion } from '../security/scheme.js';
import { sha512, type XVariant } from '../security/srp.js';
import { Session, readDeviceInfo, type TraceEvent } from '../session/session.js';
import { chooseSecurity, versionMatches, type DeviceInfo, type SecurityChoice } from '../session/version.js';
import type { Clock } from '../timers.js';
import type { Transport } from '../transport/transport.js';
import type { EventSink } from './events.js';

export type SecretName = 'pop' | 'username' | 'password';

export interface SecurityInput {
  /** Force a scheme; auto-detected from proto-ver when absent. */
  version?: SecurityVersion | undefined;
  pop?: string | undefined;
  username?: string | undefined;
  password?: string | undefined;
}

export interface ConnectOptions {
  transport: Transport;
  security?: SecurityInput;
  /** esp_prov's --proto_ver: fail unless the device reports this version. */
  expectedVersion?: string | undefined;
  /** Called for a secret the device needs and that was not given. Absent = MISSING_INPUT. */
  askSecret?: ((name: SecretName, info: DeviceInfo) => Promise<string>) | undefined;
  requestTimeoutMs?: number | undefined;
  signal?: AbortSignal | undefined;
  onEvent?: EventSink | undefined;
  onTrace?: ((e: TraceEvent) => void) | undefined;
  /** Client randomness (tests, replays). */
  random?: RandomSource | undefined;
  /**
   * Time source for every wait of the run: scan polls, status polls and their deadlines. Default: the wall
   * clock. The transport keeps its own deadlines: give it the same clock when you create it (a test's
   * ManualClock shared with a simulated device).
   */
  clock?: Clock | undefined;
}

export interface Connection {
  session: Session;
  info: DeviceInfo;
  choice: SecurityChoice;
  /** Opens a fresh handshake on the same transport (after a lost message desynchronised the keys). */
  reestablish(): Promise<void>;
}

async function secret(
  o: ConnectOptions,
  name: SecretName,
  info: DeviceInfo,
  given: string | undefined,
): Promise<string> {
  if (given !== undefined && given !== '') return given;
  if (!o.askSecret) {
    throw new EspProvError(
      'MISSING_INPUT',
      `the device needs ${name === 'pop' ? 'a proof of possession' : `a Security 2 ${name}`} and none was given`,
      { details: { missing: name, askable: true } },
    );
  }
  const v = await o.askSecret(name, info);
  if (v === '') throw new EspProvError('MISSING_INPUT', `an empty ${name} was given`);
  return v;
}

type SecurityFactory = ((variant: XVariant) => ClientSecurity) & {
  /** True when esp_prov's way of deriving x gives another verifier for these credentials (1 in 256). */
  strippedDiffers?: boolean;
};

async function makeSecurity(o: ConnectOptions, info: DeviceInfo, choice: SecurityChoice): Promise<SecurityFactory> {
  const s = o.security ?? {};
  const random = o.random ? { random: o.random } : {};
  if (choice.version === 0) return () => new Sec0Client();
  if (choice.version === 1) {
    let pop: string | undefined;
    if (choice.popRequired) pop = await secret(o, 'pop', info, s.pop);
    else if (s.pop)
      o.onEvent?.({ type: 'warning', message: 'the device takes no proof of possession; the one given is ignored' });
    return () => new Sec1Client({ pop: pop === undefined ? undefined : utf8(pop), ...random });
  }
  const username = utf8(await secret(o, 'username', info, s.username));
  const password = utf8(await secret(o, 'password', info, s.password));
  const factory: SecurityFactory = (xVariant) =>
    new Sec2Client({ username, password, patchLevel: choice.patchLevel, xVariant, ...random });
  factory.strippedDiffers = sha512(username, utf8(':'), password)[0] === 0;
  return factory;
}

/** The device refused our proof (Security 2 step 1): wrong credentials, or a verifier made another way. */
function proofRefused(e: unknown): boolean {
  return e instanceof EspProvError && e.code === 'HANDSHAKE_FAILED' && e.details?.['step'] === 1;
}

export async function connect(o: ConnectOptions): Promise<Connection> {
  const req = {
    ...(o.signal ? { signal: o.signal } : {}),
    ...(o.requestTimeoutMs ? { timeoutMs: o.requestTimeoutMs } : {}),
  };
  const info = await readDeviceInfo(o.transport, {
    ...req,
    ...(o.expectedVersion ? { probe: utf8(o.expectedVersion) } : {}),
    ...(o.onTrace ? { onTrace: o.onTrace } : {}),
  });
  o.onEvent?.({ type: 'version', info });
  if (o.expectedVersion !== undefined && !versionMatches(info, o.expectedVersion)) {
    throw new EspProvError(
      'VERSION_MISMATCH',
      `the device reports version ${info.version ?? JSON.stringify(info.text)}, expected ${o.expectedVersion}`,
      {
        endpoint: VERSION_ENDPOINT,
      },
    );
  }
  const choice = chooseSecurity(info, o.security?.version);
  o.onEvent?.({ type: 'security', choice });
  const factory = await makeSecurity(o, info, choice);
  let variant: XVariant = 'full';
  const newSession = (): Session =>
    new Session({
      transport: o.transport,
      security: factory(variant),
      ...req,
      ...(o.onTrace ? { onTrace: o.onTrace } : {}),
    });
  let session = newSession();
  const establish = async (): Promise<void> => {
    o.onEvent?.({ type: 'handshake-start', security: choice.version });
    await session.establish();
    for (const w of session.security.warnings) o.onEvent?.({ type: 'warning', message: w });
    const patchLevel = session.security.patchLevel;
    o.onEvent?.({
      type: 'session-established',
      security: choice.version,
      ...(patchLevel !== undefined ? { patchLevel } : {}),
    });
  };
  try {
    await establish();
  } catch (e) {
    // esp_prov's generator drops leading zero bytes of H(I:p) (§9 item 5): for 1 credential pair in 256 its
    // verifier differs from the device generator's. Only then, and only after a refused proof, try its way.
    if (!factory.strippedDiffers || !proofRefused(e)) throw e;
    o.onEvent?.({
      type: 'warning',
      message: "proof refused; retrying with esp_prov's variant of the SRP x derivation (verifier made by esp_prov?)",
    });
    variant = 'stripped';
    session = newSession();
    await establish();
  }
  const connection: Connection = {
    get session() {
      return session;
    },
    info,
    choice,
    async reestablish() {
      session = newSession();
      await establish();
    },
  };
  return connection;
}
