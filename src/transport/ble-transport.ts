/**
 * The BLE transport's link (PROTOCOL.md §2.2): each request is a GATT write with response to the endpoint's
 * characteristic followed by a read of the same characteristic (§2.2.2). Long values go through noble's
 * prepare/execute writes and read-blob reads. The request gate serialises requests and owns their deadlines;
 * a dropped link fails the request in flight at once. Opening (scan, connect) is in ble.ts.
 */
import { SESSION_ENDPOINT, VERSION_ENDPOINT } from '../protocol/endpoints.js';
import { EspProvError, toEspProvError } from '../errors.js';
import { pendingWait, realClock, type Clock } from '../timers.js';
import { GatedTransport } from './gate.js';
import type { TransportLimits } from './transport.js';
import { attErrorCodeOf, attFailure } from './ble-att-errors.js';
import type { BleDeviceInfo, BleScanOptions, ScanHit } from './ble-discovery.js';
import {
  dashedUuid,
  mapEndpoints,
  pickProvisioningService,
  type EndpointMapping,
  type GattCharacteristicInfo,
} from './ble-gatt.js';
import { installHciWorkarounds, type HciWorkarounds } from './ble-hci-quirks.js';
import type { BleLoadOptions, NobleHandle } from './ble-load.js';
import { disconnectReasonText, dropLink } from './ble-link.js';
import { BLE_STACK_LIMITS, StaleResponseCheck, stackFromAdvertisement, type BleStack } from './ble-stack.js';
import type { BleLogger, NobleCharacteristic, NoblePeripheral } from './ble-noble.js';

/** A blocking Wi-Fi scan holds the write response for seconds (§2.2.2). */
export const DEFAULT_BLE_REQUEST_TIMEOUT_MS = 30_000;
/** Deadline for connecting and for each GATT discovery step, in ms. */
export const DEFAULT_BLE_CONNECT_TIMEOUT_MS = 10_000;

export type BleDiscoveryOptions = BleLoadOptions & BleScanOptions;

export interface BleTransportOptions extends BleDiscoveryOptions {
  /** Provisioning service UUID when the device advertises none and uses no known default. */
  serviceUuid?: string;
  /** Device BLE host, for `limits` and the stale-response rule. Default: read from the advertisement. */
  stack?: BleStack;
  /** Default per-request deadline in ms. Default DEFAULT_BLE_REQUEST_TIMEOUT_MS. */
  requestTimeoutMs?: number;
  /** Deadline for connecting and for each GATT discovery step, in ms. Default DEFAULT_BLE_CONNECT_TIMEOUT_MS. */
  connectTimeoutMs?: number;
  /** ATT MTU to ask for (noble's default 256). */
  mtu?: number;
  /**
   * Refuse, on every endpoint, a response byte-identical to the previous one from the same characteristic.
   * Set it when the security scheme makes repeats impossible (Security 1; Security 2 with sec_patch_ver >= 1).
   * prov-session is always checked. See BleTransport.request.
   */
  rejectRepeatedResponses?: boolean;
}

interface Slot {
  fail(e: EspProvError): void;
  endpoint: string | undefined;
}

export class BleTransport extends GatedTransport {
  readonly kind = 'ble';
  readonly limits: TransportLimits;
  /** The device's BLE host, as given or as its advertisement shows it. */
  readonly stack: BleStack;
  readonly device: BleDeviceInfo;
  readonly #handle: NobleHandle;
  readonly #peripheral: NoblePeripheral;
  readonly #options: BleTransportOptions;
  readonly #logger: BleLogger;
  readonly #clock: Clock;
  #serviceUuid = '';
  #map: EndpointMapping | null = null;
  #hci: HciWorkarounds | null = null;
  #current: Slot | null = null;
  #disconnecting: Promise<void> | null = null;
  #lost: EspProvError | null = null;
  #closed = false;
  readonly #stale: StaleResponseCheck;
  readonly #onDisconnect: (reason: unknown) => void;
  readonly #onAbort: () => void;

  private constructor(handle: NobleHandle, hit: ScanHit, options: BleTransportOptions) {
    super({
      defaultTimeoutMs: options.requestTimeoutMs ?? DEFAULT_BLE_REQUEST_TIMEOUT_MS,
      ...(options.clock ? { clock: options.clock } : {}),
    });
    this.#handle = handle;
    this.#peripheral = hit.peripheral;
    this.device = hit.info;
    this.#options = options;
    this.#logger = options.logger ?? {};
    this.#clock = options.clock ?? realClock;
    this.stack = options.stack ?? stackFromAdvertisement(hit.info);
    this.limits = BLE_STACK_LIMITS[this.stack];
    this.#stale = new StaleResponseCheck(this.stack, options.rejectRepeatedResponses === true);
    this.#onDisconnect = (reason) => {
      const text = disconnectReasonText(reason);
      const message = this.#closed
        ? 'the BLE transport was closed'
        : `the BLE link to ${this.device.name || this.device.id} was lost (${text})`;
      // Bluedroid refuses a request (a wrong PoP during the handshake) by closing the link itself (§2.2.7):
      // the device's own "no" when it ends the link while a request waits; anything else is a failed link.
      const byDevice = reason === 0x13 && this.#current !== null && !this.#closed;
      this.#loseLink(new EspProvError('CONNECTION_LOST', message, { details: { reason, refused: byDevice } }));
    };
    // The transport-wide signal (Ctrl-C) closes the transport; the gate fails what is pending with CANCELLED.
    this.#onAbort = () => void this.close();
  }

  /** Connects to a scanned device and maps its endpoints; on failure the link is dropped (noble is the caller's). */
  static async connect(handle: NobleHandle, hit: ScanHit, options: BleTransportOptions): Promise<BleTransport> {
    const t = new BleTransport(handle, hit, options);
    try {
      await t.#setup();
    } catch (e) {
      t.#closed = true;
      await t.#disconnect();
      t.#peripheral.removeListener('disconnect', t.#onDisconnect);
      throw e;
    }
    options.signal?.addEventListener('abort', t.#onAbort, { once: true });
    if (options.signal?.aborted) {
      await t.close();
      throw new EspProvError('CANCELLED', 'cancelled while connecting');
    }
    return t;
  }

  async #setup(signal = this.#options.signal): Promise<void> {
    const p = this.#peripheral;
    const o = this.#options;
    const stepMs = o.connectTimeoutMs ?? DEFAULT_BLE_CONNECT_TIMEOUT_MS;
    const name = this.device.name || this.device.address || this.device.id;
    p.on('disconnect', this.#onDisconnect);
    await this.#guard(p.connectAsync(o.mtu === undefined ? undefined : { mtu: o.mtu }), {
      what: `connecting to ${name}`,
      timeoutMs: stepMs,
      onTimeout: () => p.cancelConnect(),
      ...optSignal(signal),
    });
    this.#hci = installHciWorkarounds(this.#handle.noble, p.id, (r) => {
      const operation = r.requestOpcode === 0x0a || r.requestOpcode === 0x0c ? 'read' : 'write';
      const slot = this.#current;
      if (slot) slot.fail(attFailure(slot.endpoint ?? 'GATT setup', r.code, operation));
      else this.#logger.debug?.(`ATT error 0x${r.code.toString(16)} outside a request`);
    });
    const step = <T>(what: string, work: Promise<T>): Promise<T> =>
      this.#guard(work, { what, timeoutMs: stepMs, ...optSignal(signal) });
    const services = await step('discovering services', p.discoverServicesAsync([]));
    const service = pickProvisioningService(services, this.device.serviceUuids, o.serviceUuid);
    this.#serviceUuid = dashedUuid(service.uuid);
    const characteristics = await step('discovering characteristics', service.discoverCharacteristicsAsync([]));
    this.#map = await mapEndpoints(service, characteristics, { step });
    const how = [...this.#map.source].map(([n, s]) => `${n}${s === 'uuid-rule' ? ' (by UUID)' : ''}`).join(', ');
    this.#logger.debug?.(`BLE ${name}: service ${this.serviceUuid}, MTU ${this.mtu ?? '?'}, endpoints ${how}`);
  }

  /** Provisioning service UUID, dashed. */
  get serviceUuid(): string {
    return this.#serviceUuid;
  }

  /** Endpoint names found on the device. */
  get endpoints(): string[] {
    return [...(this.#map?.characteristics.keys() ?? [])];
  }

  /** How each endpoint was found: its 0x2901 description, or the UUID rule of PROTOCOL.md §2.2.1. */
  get endpointSources(): ReadonlyMap<string, 'descriptor' | 'uuid-rule'> {
    return this.#map?.source ?? new Map();
  }

  /** The provisioning service's characteristics with their 0x2901 texts and properties (inspect reports them). */
  get gattTable(): readonly GattCharacteristicInfo[] {
    return this.#map?.table ?? [];
  }

  /** ATT MTU in use (null before the exchange). */
  get mtu(): number | null {
    return this.#hci?.mtu() ?? this.#peripheral.mtu;
  }

  /**
   * Writes `data` to the endpoint and reads the response back. A Bluedroid device that cannot store a response
   * (larger than limits.maxResponseBytes) leaves the previous one in place and the read returns it (§2.2.3).
   * That is detectable only as "the same bytes again": on prov-session a repeat is never genuine and is refused;
   * elsewhere it may be genuine (Security 0 or 2 polling the same status), so it is logged unless
   * rejectRepeatedResponses is set.
   */
  protected async exchange(endpoint: string, data: Uint8Array, signal: AbortSignal): Promise<Uint8Array> {
    if (this.#lost) {
      if (!this.#mayReconnect(endpoint)) throw this.#lostFor(endpoint);
      await this.#reconnect(signal);
    }
    const characteristic = this.#characteristic(endpoint);
    const phase = { now: 'write' as 'write' | 'read' };
    const work = (async () => {
      await characteristic.writeAsync(Buffer.from(data.buffer, data.byteOffset, data.byteLength), false);
      phase.now = 'read';
      return characteristic.readAsync();
    })();
    let reply: Uint8Array;
    try {
      reply = await this.#guard(work, { what: endpoint, endpoint, phase, signal });
    } catch (e) {
      // The gate gave up (deadline, abort, close). A late answer could otherwise be read as the next request's:
      // noble has no way to cancel a GATT operation, so the link goes.
      if (signal.aborted) this.#breakLink(toEspProvError(signal.reason, 'CANCELLED'));
      throw e;
    }
    const response = new Uint8Array(reply);
    this.#stale.check(endpoint, data, response);
    return response;
  }

  /**
   * A lost link took the device's session with it (§2.2.6). Starting over is what proto-ver and a handshake do
   * anyway, so those reconnect (Bluedroid drops the link to refuse a handshake, §2.2.7, and a client may then
   * retry); anything else would carry keys of the dead session and fails instead.
   */
  #mayReconnect(endpoint: string): boolean {
    return (
      !this.#closed &&
      this.#lost?.code === 'CONNECTION_LOST' &&
      (endpoint === VERSION_ENDPOINT || endpoint === SESSION_ENDPOINT)
    );
  }

  async #reconnect(signal: AbortSignal): Promise<void> {
    this.#logger.debug?.(`BLE: reconnecting to ${this.device.name || this.device.id} for a new session`);
    this.#peripheral.removeListener('disconnect', this.#onDisconnect);
    await this.#disconnect();
    this.#lost = null;
    this.#stale.clear();
    try {
      await this.#setup(signal);
    } catch (e) {
      const err =
        e instanceof EspProvError ? e : new EspProvError('CONNECTION_LOST', `BLE reconnect failed: ${String(e)}`);
      this.#lost ??= err;
      throw err;
    }
  }

  #characteristic(endpoint: string): NobleCharacteristic {
    const c = this.#map?.characteristics.get(endpoint);
    if (c) return c;
    throw new EspProvError(
      'UNSUPPORTED',
      `the device has no ${JSON.stringify(endpoint)} endpoint over BLE (it has: ${this.endpoints.join(', ') || 'none'})`,
      { endpoint, details: { endpoints: this.endpoints } },
    );
  }

  #guard<T>(
    work: Promise<T>,
    o: {
      what: string;
      /** Absent for requests: the gate owns their deadline. */
      timeoutMs?: number;
      endpoint?: string;
      signal?: AbortSignal;
      phase?: { now: 'write' | 'read' };
      onTimeout?: () => void;
    },
  ): Promise<T> {
    if (this.#lost) {
      work.catch(() => undefined);
      return Promise.reject(this.#lostFor(o.endpoint));
    }
    let slot: Slot | null = null;
    const wait = pendingWait<T>({
      clock: this.#clock,
      timeoutMs: o.timeoutMs,
      onTimeout: () => {
        o.onTimeout?.();
        return new EspProvError('TIMEOUT', `${o.what}: no answer within ${o.timeoutMs} ms`, errOpts(o.endpoint));
      },
      signal: o.signal,
      onAbort: (reason) =>
        reason instanceof EspProvError
          ? reason
          : new EspProvError('CANCELLED', `${o.what}: cancelled`, errOpts(o.endpoint)),
      onEnd: () => {
        if (slot && this.#current === slot) this.#current = null;
      },
    });
    work.then(
      (v) => wait.resolve(v),
      (e: unknown) => wait.fail(this.#mapError(e, o.what, o.endpoint, o.phase?.now ?? 'read')),
    );
    if (!wait.ended) {
      slot = { endpoint: o.endpoint, fail: (e) => void wait.fail(e) };
      this.#current = slot;
    }
    return wait.promise;
  }

  #mapError(e: unknown, what: string, endpoint: string | undefined, operation: 'write' | 'read'): EspProvError {
    if (e instanceof EspProvError) return e;
    if (this.#lost) return this.#lostFor(endpoint);
    const code = attErrorCodeOf(e);
    if (code !== undefined) return attFailure(endpoint ?? what, code, operation, e);
    const message = e instanceof Error ? e.message : String(e);
    return new EspProvError('CONNECTION_LOST', `${what}: ${message}`, { ...errOpts(endpoint), cause: e });
  }

  #lostFor(endpoint: string | undefined): EspProvError {
    const lost = this.#lost!;
    return new EspProvError(lost.code === 'CANCELLED' ? 'CANCELLED' : 'CONNECTION_LOST', lost.message, {
      ...errOpts(endpoint),
      cause: lost,
    });
  }

  #loseLink(err: EspProvError): void {
    if (!this.#lost) this.#lost = err;
    const current = this.#current;
    if (!current) return;
    const details = err.details ? { details: err.details } : {};
    current.fail(new EspProvError(err.code, err.message, { ...errOpts(current.endpoint), cause: err, ...details }));
  }

  /** After a timeout or cancel the link is unusable (an answer may still arrive), and the device's session with it. */
  #breakLink(cause: EspProvError): void {
    if (this.#lost) return;
    this.#lost = new EspProvError(
      cause.code === 'CANCELLED' ? 'CANCELLED' : 'CONNECTION_LOST',
      `the BLE link was dropped after an unanswered request (${cause.message}); reconnect and redo the handshake`,
      { cause },
    );
    void this.#disconnect();
  }

  /**
   * Drops the link and waits until it is down (at most 2 s). Concurrent callers share one disconnection: a
   * reconnect right after a broken request must not connect while the old link is still going down, or the
   * old link's disconnect event would be taken for the new one's.
   */
  #disconnect(): Promise<void> {
    this.#disconnecting ??= dropLink(this.#peripheral, this.#clock, this.#logger).finally(
      () => (this.#disconnecting = null),
    );
    return this.#disconnecting;
  }

  /** Disconnects and stops noble (so that the process can exit). close() calls it once. */
  protected async shutdown(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#options.signal?.removeEventListener('abort', this.#onAbort);
    this.#loseLink(new EspProvError('CONNECTION_LOST', 'the BLE transport was closed'));
    await this.#disconnect();
    this.#peripheral.removeListener('disconnect', this.#onDisconnect);
    this.#handle.release();
  }
}

function errOpts(endpoint: string | undefined): { endpoint?: string } {
  return endpoint === undefined ? {} : { endpoint };
}

function optSignal(signal: AbortSignal | undefined): { signal?: AbortSignal } {
  return signal === undefined ? {} : { signal };
}
