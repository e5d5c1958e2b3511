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
import { realClock, sleep, type Clock } from '../timers.js';
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
  type ManagerState,
  type SimStateEvent,
  type SimStopInfo,
} from './manager.js';
import type { ThreadState } from './thread-node.js';
import type { StationState } from './wifi-station.js';
import { checkOptions, DEFAULT_FLAVOUR, defaultSecurity, type SimDeviceOptions } from './options.js';
import { createSecurity, registerEndpoints, versionInfo, type Endpoint } from './device-setup.js';
import { DeviceFailure, type ProtocommDevice } from '../protocol/device.js';
import { HttpStatusFailure, type SimHttpStatusAnswer } from './answers.js';
import { decodeScan, encodeScan, handleScan, scanUnknownEnums } from './scan-endpoint.js';
import { SessionSlot, type DeviceSecurity } from './security.js';
import { decodeSession, encodeSession, sessionUnknownEnums, spoilProof } from './session-endpoint.js';
import { createNetwork } from './network.js';
import { versionResponse, type SimFlavour, type VersionInfo } from './version.js';

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

export class SimDevice extends EventEmitter<SimDeviceEvents> implements ProtocommDevice {
  readonly flavour: SimFlavour;
  /** Resolves once provisioning has stopped (after success, by auto-stop, or stop()). */
  readonly stopped: Promise<SimStopInfo>;
  readonly clock: Clock;
  readonly #random: RandomSource;
  readonly #security: DeviceSecurity;
  /** State changes made while a request is being handled, told after its 'request' event. */
  #heldStates: SimStateEvent[] | undefined;
  readonly #manager: ProvManager;
  readonly #faults: FaultPlan;
  readonly #endpoints: ReadonlyMap<string, Endpoint>;
  readonly #version: VersionInfo;
  readonly #scanMaxEntries: number;
  #httpStatus: SimHttpStatusAnswer | undefined;
  readonly #session: SessionSlot;
  #queue: Promise<void> = Promise.resolve();

  constructor(options: SimDeviceOptions = {}) {
    super();
    checkOptions(options);
    this.flavour = options.flavour ?? DEFAULT_FLAVOUR;
    this.clock = options.clock ?? realClock;
    this.#random = options.random ?? cryptoRandom;
    this.#faults = new FaultPlan(options.faults ?? []);
    this.#httpStatus = options.answers?.httpStatus;
    const security = options.security ?? defaultSecurity(this.flavour);
    this.#security = createSecurity(security, options, this.#random);
    this.#session = new SessionSlot(this.#security);
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
        onState: (event) => {
          // Changes caused by a request are told after that request, so that a log reads in causal order.
          if (this.#heldStates) this.#heldStates.push(event);
          else this.emit('state', event);
        },
        onStopped: (info) => {
          this.#security.reset();
          resolveStopped(info);
          this.emit('stopped', info);
        },
      },
    );
    this.#scanMaxEntries = createNetwork(this.#manager, this.flavour, this.clock, options, DEFAULT_ACCESS_POINTS);
    this.#version = versionInfo(this.flavour, security, options);
    this.#endpoints = registerEndpoints(options, this.#version);
  }

  endpoints(): readonly string[] {
    return [...this.#endpoints.keys()];
  }

  openSession(sessionId: number): void {
    this.#session.open(sessionId);
  }

  closeSession(sessionId: number): void {
    this.#session.close(sessionId);
  }

  /** The current session's key (Security 1: the CTR key; Security 2: the GCM key), as a debug build logs it. */
  get sessionKey(): Uint8Array | undefined {
    return this.#security.sessionKey;
  }

  get isStopped(): boolean {
    return this.#manager.stopped;
  }

  /** Manager, station and Thread states, for inspection and logs. */
  get state(): { manager: ManagerState; wifi: StationState | undefined; thread: ThreadState | undefined } {
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

  /**
   * Handles one request. Requests are served one at a time, in arrival order, as protocomm's transports do
   * (a blocking scan holds up everything behind it); a request whose signal aborts while queued is dropped.
   */
  async handle(endpoint: string, sessionId: number, data: Uint8Array, signal?: AbortSignal): Promise<Uint8Array> {
    const copy = new Uint8Array(data);
    const turn = this.#queue.then(async () => {
      if (signal?.aborted) throw signal.reason;
      return this.#handleNow(endpoint, sessionId, copy, signal);
    });
    this.#queue = turn.then(
      () => undefined,
      () => undefined,
    );
    return turn;
  }

  async #handleNow(endpoint: string, sessionId: number, data: Uint8Array, signal?: AbortSignal): Promise<Uint8Array> {
    const event: SimRequestEvent = {
      endpoint,
      sessionId,
      phase: 'other',
      at: this.clock.now(),
      requestBytes: data,
      faults: [],
    };
    let failure: unknown;
    this.#heldStates = [];
    try {
      event.responseBytes = await this.#process(event, endpoint, sessionId, new Uint8Array(data), signal);
    } catch (e) {
      failure = e;
      event.failure = e instanceof Error ? e.message : String(e);
    }
    const held = this.#heldStates;
    this.#heldStates = undefined;
    this.emit('request', event);
    for (const s of held) this.emit('state', s);
    if (event.responseBytes) return event.responseBytes;
    if (failure instanceof DeviceFailure || signal?.aborted) throw failure;
    throw new DeviceFailure(`simulator error: ${event.failure}`, { cause: failure });
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
    // Before encrypting: the request was handled and nothing was sent, so cipher streams stay in step.
    const status = this.#httpStatus;
    if (status && status.phase === event.phase) {
      if ((status.repeat ?? 'once') === 'once') this.#httpStatus = undefined;
      throw new HttpStatusFailure(status.status);
    }
    const cut = this.#fault(event, 'truncate') ? truncate(plain) : plain;
    event.responsePlain = cut;
    let out = encrypt(cut);
    if (this.#fault(event, 'corrupt')) out = corrupt(out);
    const delay = this.#faults.take('delay', event.phase === 'other' ? undefined : event.phase);
    if (delay) {
      event.faults.push('delay');
      await sleep(delay.delayMs ?? DEFAULT_FAULT_DELAY_MS, signal, this.clock);
    }
    return out;
  }

  #checkSession(sessionId: number): void {
    if (this.#security.version !== 0 && sessionId !== this.#session.id) {
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
    const kind = ep.kind;
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
    switch (ep.kind) {
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
        return ep.handler(plain);
      }
      default:
        throw new DeviceFailure(`${kind} is not a Request endpoint`);
    }
  }
}
