/**
 * A simulated ESP32 running the provisioning manager (wifi_provisioning or network_provisioning) on protocomm,
 * as every simulated transport sees it (ProtocommDevice). It reuses the client's codecs (src/gen) and crypto
 * (src/security) from the other end, so the two cannot drift apart; with the device's hardware randomness
 * pinned it reproduces the recorded firmware sessions byte for byte (test/sim-replay.test.ts).
 *
 * Events: 'request' for every handled request (what `sim --json` logs), 'state' when the manager, station or
 * Thread state changes, 'stopped' once provisioning has ended; `stopped` is also a promise.
 */
import { EventEmitter } from 'node:events';
import { cryptoRandom, type RandomSource } from '../security/scheme.js';
import { realClock, sleep, type SimClock } from './clock.js';
import { configPhase, configUnknownEnums, decodeConfig, encodeConfig, handleConfig } from './config-endpoint.js';
import { ctrlUnknownEnums, decodeCtrl, encodeCtrl, handleCtrl } from './ctrl-endpoint.js';
import { DEFAULT_ACCESS_POINTS } from './default-aps.js';
import type { EndpointContext } from './endpoint-rules.js';
import {
  corrupt,
  DEFAULT_FAULT_DELAY_MS,
  FaultPlan,
  GARBAGE_VERSION,
  truncate,
  type FaultKind,
  type FaultPhase,
} from './faults.js';
import {
  DEFAULT_AUTO_STOP_TIMEOUT_MS,
  DEFAULT_CLEANUP_DELAY_MS,
  ProvManager,
  type SimStateEvent,
  type SimStopInfo,
} from './manager.js';
import {
  checkOptions,
  CUSTOM_DATA_ENDPOINT,
  CUSTOM_DATA_REPLY,
  DEFAULT_FLAVOUR,
  DEFAULT_PATCH_LEVEL,
  DEFAULT_SEC2_SALT_LENGTH,
  defaultSecurity,
  deviceGeneratedCredentials,
  type SimDeviceOptions,
  type SimEndpointHandler,
  type SimSecurity,
} from './options.js';
import { DeviceFailure, type ProtocommDevice } from './protocomm.js';
import { decodeScan, encodeScan, handleScan, scanUnknownEnums } from './scan-endpoint.js';
import { DeviceSec0 } from './sec0.js';
import { DeviceSec1 } from './sec1.js';
import { DeviceSec2 } from './sec2.js';
import type { DeviceSecurity } from './security.js';
import { decodeSession, encodeSession, sessionUnknownEnums, spoilProof } from './session-endpoint.js';
import { createNetwork } from './network.js';
import { versionResponse, DEFAULT_PLAIN_VERSION, type SimFlavour, type VersionInfo } from './version.js';

export interface SimRequestEvent {
  endpoint: string;
  sessionId: number;
  /** The exchange step (fault phase); 'other' for unknown endpoints and unparsable or unknown messages. */
  phase: FaultPhase | 'other';
  /** Clock time (ms) the request arrived. */
  at: number;
  requestBytes: Uint8Array;
  /** The request after decryption, when the device got that far. */
  requestPlain?: Uint8Array;
  /** The response as sent (encrypted), when there was one. */
  responseBytes?: Uint8Array;
  responsePlain?: Uint8Array;
  /** Why the device sent no response (DeviceFailure), or why the wait was cut short. */
  failure?: string;
  /** Faults that acted on this exchange. */
  faults: FaultKind[];
}

export interface SimDeviceEvents {
  request: [SimRequestEvent];
  state: [SimStateEvent];
  stopped: [SimStopInfo];
}

type Endpoint =
  { kind: 'version' | 'session' | 'config' | 'scan' | 'ctrl' } | { kind: 'app'; handler: SimEndpointHandler };

type RequestKind = 'config' | 'scan' | 'ctrl' | 'app';

const echo: SimEndpointHandler = (request) => request;

function createSecurity(security: SimSecurity, options: SimDeviceOptions, random: RandomSource): DeviceSecurity {
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

export class SimDevice extends EventEmitter<SimDeviceEvents> implements ProtocommDevice {
  readonly flavour: SimFlavour;
  /** Resolves once provisioning has stopped (after success, by auto-stop, or stop()). */
  readonly stopped: Promise<SimStopInfo>;
  readonly clock: SimClock;
  readonly #random: RandomSource;
  readonly #security: DeviceSecurity;
  readonly #manager: ProvManager;
  readonly #faults: FaultPlan;
  readonly #endpoints = new Map<string, Endpoint>();
  readonly #version: VersionInfo;
  readonly #scanMaxEntries: number;
  #sessionId: number | undefined;

  constructor(options: SimDeviceOptions = {}) {
    super();
    checkOptions(options);
    this.flavour = options.flavour ?? DEFAULT_FLAVOUR;
    this.clock = options.clock ?? realClock;
    this.#random = options.random ?? cryptoRandom;
    this.#faults = new FaultPlan(options.faults ?? []);
    const security = options.security ?? defaultSecurity(this.flavour);
    this.#security = createSecurity(security, options, this.#random);
    let resolveStopped: (info: SimStopInfo) => void = () => {};
    this.stopped = new Promise((resolve) => (resolveStopped = resolve));
    this.#manager = new ProvManager(
      this.clock,
      {
        autoStop: options.autoStop ?? true,
        cleanupDelayMs: options.cleanupDelayMs ?? DEFAULT_CLEANUP_DELAY_MS,
        autoStopTimeoutMs: options.autoStopTimeoutMs ?? DEFAULT_AUTO_STOP_TIMEOUT_MS,
        autoResetOnFailure: options.autoResetOnFailure ?? true,
        resetWhenStarted: options.resetWhenStarted ?? this.flavour !== 'wifi_prov',
        resetAttemptCounter: options.resetAttemptCounter ?? this.flavour !== 'wifi_prov',
      },
      {
        onState: (event) => this.emit('state', event),
        onStopped: (info) => {
          this.#security.reset();
          resolveStopped(info);
          this.emit('stopped', info);
        },
      },
    );
    this.#scanMaxEntries = createNetwork(this.#manager, this.flavour, this.clock, options, DEFAULT_ACCESS_POINTS);
    const style = options.versionStyle ?? 'json';
    const patch = options.patchLevel ?? DEFAULT_PATCH_LEVEL;
    const scan = options.scanEndpoint ?? style !== 'plain';
    const noPop =
      security.version === 1 && (security.pop === undefined || security.pop.length === 0 || security.pop[0] === 0);
    this.#version = {
      flavour: this.flavour,
      style,
      securityVersion: security.version,
      noPop,
      secPatchVer: (options.advertisePatchVersion ?? patch === 1) ? (security.version === 2 ? patch : 0) : undefined,
      scan,
      appInfo: options.appInfo ?? [],
      plainVersion: options.plainVersion ?? DEFAULT_PLAIN_VERSION,
    };
    if (options.ctrlEndpoint ?? style === 'json') this.#endpoints.set('prov-ctrl', { kind: 'ctrl' });
    if (scan) this.#endpoints.set('prov-scan', { kind: 'scan' });
    this.#endpoints.set('prov-session', { kind: 'session' });
    this.#endpoints.set('prov-config', { kind: 'config' });
    this.#endpoints.set('proto-ver', { kind: 'version' });
    if (options.customData ?? true) {
      this.#endpoints.set(CUSTOM_DATA_ENDPOINT, { kind: 'app', handler: () => CUSTOM_DATA_REPLY.slice() });
    }
    for (const e of options.extraEndpoints ?? []) {
      const name = typeof e === 'string' ? e : e.name;
      this.#endpoints.set(name, { kind: 'app', handler: (typeof e === 'string' ? undefined : e.handler) ?? echo });
    }
  }

  endpoints(): readonly string[] {
    return [...this.#endpoints.keys()];
  }

  openSession(sessionId: number): void {
    this.#security.reset();
    this.#sessionId = sessionId;
  }

  closeSession(sessionId: number): void {
    if (sessionId !== this.#sessionId) return;
    this.#security.reset();
    this.#sessionId = undefined;
  }

  get isStopped(): boolean {
    return this.#manager.stopped;
  }

  /** Manager, station and Thread states, for inspection and logs. */
  get state(): { manager: string; wifi: unknown; thread: unknown } {
    return { manager: this.#manager.state, wifi: this.#manager.station?.state, thread: this.#manager.thread?.state };
  }

  /** Ends provisioning now (wifi_prov_mgr_stop_provisioning): every later request fails. */
  stop(): void {
    this.#manager.stop('stopped');
  }

  /** esp_random(): 4 hardware-random bytes, little-endian. HTTP transports draw their session cookies here. */
  espRandom(): number {
    const b = this.#random(4);
    return (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0;
  }

  async handle(endpoint: string, sessionId: number, data: Uint8Array, signal?: AbortSignal): Promise<Uint8Array> {
    const event: SimRequestEvent = {
      endpoint,
      sessionId,
      phase: 'other',
      at: this.clock.now(),
      requestBytes: new Uint8Array(data),
      faults: [],
    };
    try {
      const response = await this.#process(event, endpoint, sessionId, new Uint8Array(data), signal);
      event.responseBytes = response;
      this.emit('request', event);
      return response;
    } catch (e) {
      event.failure = e instanceof Error ? e.message : String(e);
      this.emit('request', event);
      if (e instanceof DeviceFailure || signal?.aborted) throw e;
      throw new DeviceFailure(`simulator error: ${event.failure}`, { cause: e });
    }
  }

  #fault(event: SimRequestEvent, kind: FaultKind): boolean {
    const fault = this.#faults.take(kind, event.phase === 'other' ? undefined : event.phase);
    if (fault) event.faults.push(kind);
    return fault !== undefined;
  }

  async #finish(
    event: SimRequestEvent,
    plain: Uint8Array,
    encrypt: (p: Uint8Array) => Uint8Array,
    signal?: AbortSignal,
  ) {
    const cut = this.#fault(event, 'truncate') ? truncate(plain) : plain;
    event.responsePlain = cut;
    let out = encrypt(cut);
    if (this.#fault(event, 'corrupt')) out = corrupt(out);
    const delay = this.#faults.take('delay', event.phase === 'other' ? undefined : event.phase);
    if (delay) {
      event.faults.push('delay');
      await sleep(this.clock, delay.delayMs ?? DEFAULT_FAULT_DELAY_MS, signal);
    }
    return out;
  }

  #checkSession(sessionId: number): void {
    if (this.#security.version !== 0 && sessionId !== this.#sessionId) {
      throw new DeviceFailure(`session ${sessionId} is not the open transport session`);
    }
  }

  async #process(event: SimRequestEvent, endpoint: string, sessionId: number, data: Uint8Array, signal?: AbortSignal) {
    if (this.#manager.stopped) throw new DeviceFailure('provisioning has stopped; the endpoint is gone');
    const ep = this.#endpoints.get(endpoint);
    if (!ep) throw new DeviceFailure(`no endpoint named "${endpoint}"`);
    if (ep.kind === 'version') {
      event.phase = 'version';
      if (this.#fault(event, 'close')) throw new DeviceFailure('fault: close');
      const answer = this.#fault(event, 'garbage-version') ? GARBAGE_VERSION.slice() : versionResponse(this.#version);
      return this.#finish(event, answer, (p) => p, signal);
    }
    this.#checkSession(sessionId);
    if (ep.kind === 'session') {
      const request = decodeSession(data);
      event.phase = this.#security.phaseOf(request) ?? 'other';
      if (this.#fault(event, 'close')) throw new DeviceFailure('fault: close');
      const response = this.#security.handshake(request);
      if (this.#fault(event, 'wrong-proof')) spoilProof(response);
      if (this.#fault(event, 'unknown-enum')) sessionUnknownEnums(response);
      return this.#finish(event, encodeSession(response), (p) => p, signal);
    }
    const plain = this.#security.decrypt(data);
    event.requestPlain = plain;
    const responsePlain = await this.#dispatch(event, ep, plain, signal);
    return this.#finish(event, responsePlain, (p) => this.#security.encrypt(p), signal);
  }

  async #dispatch(event: SimRequestEvent, ep: Endpoint, plain: Uint8Array, signal?: AbortSignal): Promise<Uint8Array> {
    const kind = ep.kind as RequestKind;
    const ctx: EndpointContext = {
      flavour: this.flavour,
      manager: this.#manager,
      scanMaxEntries: this.#scanMaxEntries,
      signal,
    };
    const parse = <T>(decode: (d: Uint8Array) => T): T => {
      try {
        return decode(plain);
      } catch (e) {
        throw new DeviceFailure(`${kind} payload does not parse: ${(e as Error).message}`);
      }
    };
    const closeFault = (): void => {
      if (this.#fault(event, 'close')) throw new DeviceFailure('fault: close');
    };
    switch (kind) {
      case 'config': {
        const req = parse(decodeConfig);
        event.phase = configPhase(req) ?? 'other';
        closeFault();
        const resp = handleConfig(ctx, req);
        if (this.#fault(event, 'unknown-enum')) configUnknownEnums(resp);
        return encodeConfig(resp);
      }
      case 'scan': {
        const req = parse(decodeScan);
        event.phase = 'scan';
        closeFault();
        const resp = await handleScan(ctx, req);
        if (this.#fault(event, 'unknown-enum')) scanUnknownEnums(resp);
        return encodeScan(resp);
      }
      case 'ctrl': {
        const req = parse(decodeCtrl);
        event.phase = 'ctrl';
        closeFault();
        const resp = handleCtrl(ctx, req);
        if (this.#fault(event, 'unknown-enum')) ctrlUnknownEnums(resp);
        return encodeCtrl(resp);
      }
      case 'app': {
        event.phase = 'custom-data';
        closeFault();
        return (ep as { handler: SimEndpointHandler }).handler(plain);
      }
    }
  }
}
