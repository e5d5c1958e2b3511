/**
 * How a SimDevice is put together from its options: the security scheme, the proto-ver facts, and the
 * endpoint table in the manager's registration order (PROTOCOL.md §1.2, §1.4).
 */
import {
  CONFIG_ENDPOINT,
  CTRL_ENDPOINT,
  CUSTOM_DATA_ENDPOINT,
  SCAN_ENDPOINT,
  SESSION_ENDPOINT,
  VERSION_ENDPOINT,
} from '../protocol/endpoints.js';
import type { RandomSource } from '../security/scheme.js';
import {
  CUSTOM_DATA_REPLY,
  DEFAULT_PATCH_LEVEL,
  DEFAULT_SEC2_SALT_LENGTH,
  deviceGeneratedCredentials,
  type SimDeviceOptions,
  type SimEndpointHandler,
  type SimSecurity,
} from './options.js';
import { DeviceSec0 } from './sec0.js';
import { DeviceSec1 } from './sec1.js';
import { DeviceSec2 } from './sec2.js';
import type { DeviceSecurity } from './security.js';
import { DEFAULT_PLAIN_VERSION, type SimFlavour, type VersionInfo } from './version.js';

export type Endpoint =
  { kind: 'version' | 'session' | 'config' | 'scan' | 'ctrl' } | { kind: 'app'; handler: SimEndpointHandler };

const echo: SimEndpointHandler = (request) => request;

export function createSecurity(security: SimSecurity, options: SimDeviceOptions, random: RandomSource): DeviceSecurity {
  if (security.version === 0) return new DeviceSec0();
  if (security.version === 1) return new DeviceSec1(security.pop, random);
  const patch = options.patchLevel ?? DEFAULT_PATCH_LEVEL;
  if ('salt' in security) return new DeviceSec2(security.salt, security.verifier, patch, random);
  const generated = deviceGeneratedCredentials(
    security.username,
    security.password,
    security.saltLength ?? DEFAULT_SEC2_SALT_LENGTH,
    random,
  );
  return new DeviceSec2(generated.salt, generated.verifier, patch, random);
}

export function versionInfo(flavour: SimFlavour, security: SimSecurity, options: SimDeviceOptions): VersionInfo {
  const style = options.versionStyle ?? 'json';
  const patch = options.patchLevel ?? DEFAULT_PATCH_LEVEL;
  // The device reads the PoP as a C string: empty or starting with NUL means "no PoP".
  const noPop =
    security.version === 1 && (security.pop === undefined || security.pop.length === 0 || security.pop[0] === 0);
  return {
    flavour,
    style,
    securityVersion: security.version,
    noPop,
    // sec_patch_ver is the active scheme's patch level: only Sec2 has a patch 1.
    secPatchVer: (options.advertisePatchVersion ?? patch === 1) ? (security.version === 2 ? patch : 0) : undefined,
    scan: options.scanEndpoint ?? style !== 'plain',
    appInfo: options.appInfo ?? [],
    plainVersion: options.plainVersion ?? DEFAULT_PLAIN_VERSION,
    provVersion: options.answers?.provVersion,
    extraCapabilities: options.answers?.capabilities,
  };
}

/** prov-ctrl (v5.1+), prov-scan, prov-session, prov-config, proto-ver, then application endpoints. */
export function registerEndpoints(options: SimDeviceOptions, version: VersionInfo): Map<string, Endpoint> {
  const endpoints = new Map<string, Endpoint>();
  if (options.ctrlEndpoint ?? version.style === 'json') endpoints.set(CTRL_ENDPOINT, { kind: 'ctrl' });
  if (version.scan) endpoints.set(SCAN_ENDPOINT, { kind: 'scan' });
  endpoints.set(SESSION_ENDPOINT, { kind: 'session' });
  endpoints.set(CONFIG_ENDPOINT, { kind: 'config' });
  endpoints.set(VERSION_ENDPOINT, { kind: 'version' });
  if (options.customData ?? true) {
    const reply = options.answers?.customData ?? CUSTOM_DATA_REPLY;
    endpoints.set(CUSTOM_DATA_ENDPOINT, { kind: 'app', handler: () => reply.slice() });
  }
  for (const e of options.extraEndpoints ?? []) {
    const name = typeof e === 'string' ? e : e.name;
    endpoints.set(name, { kind: 'app', handler: (typeof e === 'string' ? undefined : e.handler) ?? echo });
  }
  return endpoints;
}
