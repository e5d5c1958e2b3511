/**
 * SimDevice options: every field optional, defaults exported as constants and chosen to look like the
 * ESP-IDF example firmware of the recordings (wifi_prov_mgr / NP wifi_prov / thread_prov), with short scans.
 * Times are milliseconds of the device's Clock.
 */
import { fromHex, utf8 } from '../bytes.js';
import { EspProvError } from '../errors.js';
import { CUSTOM_DATA_ENDPOINT, MANAGER_ENDPOINTS } from '../protocol/endpoints.js';
import { generateSec2Credentials } from '../security/credentials.js';
import type { PatchLevel } from '../security/gcm.js';
import type { RandomSource } from '../security/scheme.js';
import { minimalBytes, toBigInt } from '../security/srp.js';
import { isIPv4, type SimAccessPoint } from './access-points.js';
import type { Clock } from '../timers.js';
import { checkHttpStatus, type SimAnswers } from './answers.js';
import type { FaultSpec } from './faults.js';
import type { SimThreadNetwork } from './thread-networks.js';
import type { SimAppInfo, SimFlavour, VersionStyle } from './version.js';

export type SimSecurity =
  | { version: 0 }
  | { version: 1; pop?: Uint8Array | undefined }
  | { version: 2; salt: Uint8Array; verifier: Uint8Array }
  | { version: 2; username: Uint8Array; password: Uint8Array; saltLength?: number };

/** An application endpoint: gets the decrypted request, returns the plaintext response. */
export type SimEndpointHandler = (request: Uint8Array) => Uint8Array | Promise<Uint8Array>;

export interface SimEndpoint {
  name: string;
  /** Default: echo the request. */
  handler?: SimEndpointHandler;
}

export interface SimDeviceOptions {
  /** Firmware component: 'wifi_prov' (IDF, ver "v1.1"), 'netprov-wifi' / 'netprov-thread' ("netprov-v1.2"). */
  flavour?: SimFlavour;
  /** Default: Security 2 with the example credentials (wifiprov/abcd1234, Thread: threadprov/abcd1234). */
  security?: SimSecurity;
  /** Security 2 IV scheme of the build (§4.3.5). Default 1. */
  patchLevel?: PatchLevel;
  /** Whether proto-ver carries sec_patch_ver (1 for Sec2, 0 for Sec0/1). Default: patchLevel === 1. */
  advertisePatchVersion?: boolean;
  /** Default 'json'. */
  versionStyle?: VersionStyle;
  /** Answer of a 'plain' device. Default "V0.1". */
  plainVersion?: string;
  /** Application labels printed before "prov" in proto-ver. */
  appInfo?: readonly SimAppInfo[];
  /** Hardware randomness (esp_fill_random). Pin it to make sessions reproducible. */
  random?: RandomSource;
  /** Default: wall clock. Use a ManualClock in tests. */
  clock?: Clock;
  accessPoints?: readonly SimAccessPoint[];
  threadNetworks?: readonly SimThreadNetwork[];
  /** Forces the IPv4 address reported once connected (default: the AP's `ip`, else 192.168.1.100). */
  dhcpIp?: string;
  scanDurationMs?: number;
  scanGroupPauseMs?: number;
  /** CONFIG_*_SCAN_MAX_ENTRIES, 1–255. Default 16. */
  scanMaxEntries?: number;
  /** The firmware's timer between ApplyConfig and esp_wifi_connect. Default 1000. */
  applyDelayMs?: number;
  /** From esp_wifi_connect to "got IP" on a good network. Default 2500. */
  connectDelayMs?: number;
  /** Duration of one failed connection attempt. Default 1500. */
  attemptFailMs?: number;
  /** wifi_conn_attempts: default 5 (the example); 0 = legacy retry-forever for "other" reasons. */
  connAttempts?: number;
  /** The example's reset of the state machine on WIFI_PROV_CRED_FAIL. Default true. */
  autoResetOnFailure?: boolean;
  /** ctrl reset also succeeds in "started" (NP ≥ 1.2.1). Default: true for netprov flavours. */
  resetWhenStarted?: boolean;
  /** Apply and ctrl reset clear the attempt counter (NP ≥ 1.2.2). Default: true for netprov flavours. */
  resetAttemptCounter?: boolean;
  /** Stop provisioning after success (default true); false allows ctrl reprov. */
  autoStop?: boolean;
  /** Default 1000 (the manager's minimum is 100). */
  cleanupDelayMs?: number;
  /** CONFIG_WIFI_PROV_AUTOSTOP_TIMEOUT: stop this long after the IP even if nobody asked. Default 30000. */
  autoStopTimeoutMs?: number;
  threadScanDurationMs?: number;
  attachDelayMs?: number;
  /** The firmware's attach timer. Default 20000. */
  attachTimeoutMs?: number;
  /** Register the example's custom-data endpoint. Default true. */
  customData?: boolean;
  /** More application endpoints, after custom-data, in registration order. */
  extraEndpoints?: readonly (string | SimEndpoint)[];
  faults?: readonly FaultSpec[];
  /** Register prov-scan. Default: versionStyle !== 'plain'. */
  scanEndpoint?: boolean;
  /** Register prov-ctrl (IDF v5.1+). Default: versionStyle === 'json'. */
  ctrlEndpoint?: boolean;
  /** A hostile device's texts and HTTP statuses (answers.ts), for testing clients. */
  answers?: SimAnswers;
}

export const DEFAULT_FLAVOUR: SimFlavour = 'wifi_prov';
export const DEFAULT_PATCH_LEVEL: PatchLevel = 1;
export const EXAMPLE_POP = utf8('abcd1234');
/** The examples' dev-mode Sec2 salt/verifier (PROTOCOL.md §8.2, §8.3). */
export const EXAMPLE_WIFI_SEC2 = {
  username: utf8('wifiprov'),
  password: utf8('abcd1234'),
  salt: fromHex('036ee0c7bcb9eda84c9eac97d93decf4'),
  verifier: fromHex(
    '7c7c85476508946dd636af37d7e8914378cffd616c59d2f83908127238de9e24a470261cdfa903c2b270e7b13224da111d9718dc607208cc9ac90c4827e2ae89' +
      'aa1625b804d21a9b3a8f37f6e43a712ee127866eadce28ff5446601fb99687dc5740a7d46cc97754dc1682f0ed356ac470ad3d90b5819470d7bc65b2d518e02e' +
      'c3a5f968dd647bb8b73c9cfc00d8717eb79a7cb1b7c2c318342932433e0099e98294e3d82ab09629b7df0e5f08334076529132009f972c896c391ec828054417' +
      '3f68028a9f4461d1f5a17e5a70d2c72381cb3868e42c20bc40577617bd08b896bc26eb32466935058c1570d91be9becca938a667f0ad5013197264bf52c234e2' +
      '1b11797472bd345bb1e2fd6673fe716474d04ebc51241940870e9240e621e72d4e37762f2ee268c789e8321342068484534ab30c1b4c8d1c519719abae77ffdb' +
      'ecf0109534336bcb3e840fb9d85fb8a0b855533e70f718f5ce7b4ebf27cecea8b3be40c5c532293e71649ede8cf675a1e6f653c831a878de5040f762de36b2ba',
  ),
} as const;
export const EXAMPLE_THREAD_SEC2 = {
  username: utf8('threadprov'),
  password: utf8('abcd1234'),
  salt: fromHex('1fff29f5c77e074802e9933ea3a22673'),
  verifier: fromHex(
    'a729e6a54d2057717c9d782d0ab09fec7e8babf5e6c3364193fdb94967e77f7966252eac8919b2b314b116b0b0e434d4994085a4992b8421a1fb15480491f574' +
      '958a88d44e25f6f38e5cf93cdabb4fa247e1018f1cf5e034410c887646d016d9fa573d7846f1cbb10516abf7bf9deb052ec1d5e1de92e6205fe427dae3599127' +
      '7b40834ce8b5e075e6bf26a96706a3152d2081d52a2e3084dfa28262c44725b69373873ca7572a47961d89ce49c69d4f6b393867bb8524dfcdf5f19f0a9e1c31' +
      'faf101a530f0cb5e1cd6a0113ff8dd070953629f765c69d15e5bc7b00e53eb8c6788c745c026d9faf8630c64cb9ef41bb3fd780c470f66f3f7cde9c636a558e5' +
      '9d3153b2e48eddd08d13e8c696603050bcefcebc23e36063541124ba68476ab25e70a3a6c3ad58d13bcece90e9907e7afb4f69a281df15eca78fd65ab81f4218' +
      '0e4f3e452d08f2d65190ef6477eecc3cb4a66f0b10b2ce3119108d758fa8a26e7a009291e216e37af91d4e39e5d0d17e8086f4d508bcb0dd6b50fadd1610234b',
  ),
} as const;
export const DEFAULT_SEC2_SALT_LENGTH = 16;

export { CUSTOM_DATA_ENDPOINT } from '../protocol/endpoints.js';
/** The example app's reply on custom-data, "SUCCESS" with the C string's NUL (§5.7). */
export const CUSTOM_DATA_REPLY = new Uint8Array([0x53, 0x55, 0x43, 0x43, 0x45, 0x53, 0x53, 0x00]);

/** The manager's endpoints in registration order (§1.2). */
export const STANDARD_ENDPOINTS = MANAGER_ENDPOINTS;

export function defaultSecurity(flavour: SimFlavour): SimSecurity {
  const creds = flavour === 'netprov-thread' ? EXAMPLE_THREAD_SEC2 : EXAMPLE_WIFI_SEC2;
  return { version: 2, salt: creds.salt, verifier: creds.verifier };
}

/**
 * Salt and verifier for Sec2 from a username and password, as the device's own generator makes them
 * (esp_srp_gen_salt_verifier): `saltLength` hardware-random bytes read as an integer, so a leading zero byte
 * is dropped, and the full 64-byte inner digest in x.
 */
export function deviceGeneratedCredentials(
  username: Uint8Array,
  password: Uint8Array,
  saltLength: number,
  random: RandomSource,
): { salt: Uint8Array; verifier: Uint8Array } {
  if (!Number.isInteger(saltLength) || saltLength < 1 || saltLength > 64) {
    throw new EspProvError('USAGE', `Security 2 salt length must be 1 to 64 bytes (got ${saltLength})`);
  }
  let salt = minimalBytes(toBigInt(random(saltLength)));
  if (salt.length === 0) salt = new Uint8Array([0]); // an all-zero draw still needs a non-empty salt
  return generateSec2Credentials(username, password, { salt, xVariant: 'full' });
}

export function checkNonNegative(name: string, value: number | undefined): void {
  if (value !== undefined && (!Number.isFinite(value) || value < 0)) {
    throw new EspProvError('USAGE', `${name} must be a non-negative number of ms (got ${value})`);
  }
}

export function checkOptions(o: SimDeviceOptions): void {
  for (const key of [
    'scanDurationMs',
    'scanGroupPauseMs',
    'applyDelayMs',
    'connectDelayMs',
    'attemptFailMs',
    'cleanupDelayMs',
    'autoStopTimeoutMs',
    'threadScanDurationMs',
    'attachDelayMs',
    'attachTimeoutMs',
  ] as const) {
    checkNonNegative(key, o[key]);
  }
  if (
    o.scanMaxEntries !== undefined &&
    (!Number.isInteger(o.scanMaxEntries) || o.scanMaxEntries < 1 || o.scanMaxEntries > 255)
  ) {
    throw new EspProvError('USAGE', `scanMaxEntries must be 1 to 255 (got ${o.scanMaxEntries})`);
  }
  if (
    o.connAttempts !== undefined &&
    (!Number.isInteger(o.connAttempts) || o.connAttempts < 0 || o.connAttempts > 255)
  ) {
    throw new EspProvError('USAGE', `connAttempts must be 0 to 255 (got ${o.connAttempts})`);
  }
  if (o.answers?.httpStatus) checkHttpStatus(o.answers.httpStatus);
  if (o.dhcpIp !== undefined && !isIPv4(o.dhcpIp))
    throw new EspProvError('USAGE', `dhcpIp "${o.dhcpIp}" is not an IPv4 address`);
  const taken = new Set([...STANDARD_ENDPOINTS, CUSTOM_DATA_ENDPOINT]);
  for (const e of o.extraEndpoints ?? []) {
    const name = typeof e === 'string' ? e : e.name;
    if (!/^[\x21-\x7e]{1,64}$/.test(name)) {
      throw new EspProvError('USAGE', `endpoint name "${name}" must be 1–64 printable ASCII characters`);
    }
    if (taken.has(name)) throw new EspProvError('USAGE', `endpoint name "${name}" is already registered`);
    taken.add(name);
  }
}
