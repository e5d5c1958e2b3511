/**
 * Fake noble bindings: a radio-less adapter in whose range BleGattModel peripherals advertise. noble's own
 * Noble/Peripheral/Characteristic classes run on top (createFakeNoble), so tests exercise the real client
 * library, not a mock of the transport. Two GATT clients are offered:
 *
 * - 'noble-hci' (default): noble's raw-HCI GATT client (lib/hci-socket/gatt.js, what Linux uses) over a fake
 *   ACL link: real ATT PDUs, MTU exchange, prepare/execute writes, read-blob reads, and its quirks.
 * - 'direct': the bindings run the GATT procedures themselves and report ATT errors as errors, in BlueZ's words
 *   ("Operation failed with ATT error: 0x04"), as noble's D-Bus, macOS and Windows bindings do.
 *
 * Needs @stoprocent/noble installed; it is loaded lazily like the transport loads it. This fakes the host's
 * Bluetooth stack, not the device (that is sim/ble-gatt-model.ts), and deep-imports noble's internal modules,
 * which follow no semver promise: package.json pins noble to the minor these were written against (~2.8), and
 * the `esp-prov/testing` export of them is marked experimental.
 */
import { EventEmitter } from 'node:events';
import { EspProvError } from '../errors.js';
import type { NobleAdapterState, NobleLike } from '../transport/ble-noble.js';
import type { NobleLoader } from '../transport/ble-load.js';
import type { BleGattModel, BleGattLink } from '../sim/ble-gatt-model.js';
import { DirectGattClient, nobleUuid, type GattClient } from './ble-fake-gatt.js';

export interface FakeNobleBindingsOptions {
  /** Devices in range. */
  peripherals: BleGattModel[];
  /** Adapter state reported after start. Default 'poweredOn'. */
  state?: NobleAdapterState;
  gattClient?: 'noble-hci' | 'direct';
  /** MTU the client asks for. Default: noble's 256 ('noble-hci', overridden by the connect `mtu`), 517 ('direct'). */
  clientMtu?: number;
  /** Keep the event loop alive until stop(), as the HCI binding's 1 s poll does (deps.md §1). */
  keepAlive?: boolean;
}

type GattCtor = new (address: string, acl: FakeAclStream, desiredMtu?: number) => GattClient;

interface Connection {
  model: BleGattModel;
  link: BleGattLink;
  gatt: GattClient;
  acl?: FakeAclStream;
}

/** The ACL stream noble's Gatt talks to; ATT (CID 4) goes to the device's link. */
export class FakeAclStream extends EventEmitter {
  readonly #link: BleGattLink;
  constructor(link: BleGattLink) {
    super();
    this.#link = link;
    link.on('pdu', (pdu: Uint8Array) => this.push(4, Buffer.from(pdu)));
  }
  write(cid: number, data: Buffer): void {
    if (cid === 4) this.#link.send(new Uint8Array(data));
  }
  push(cid: number, data: Buffer | null): void {
    if (data) this.emit('data', cid, data);
    else this.emit('end');
  }
  /** Pairing is not modelled. */
  encrypt(): void {
    setImmediate(() => this.emit('encryptFail'));
  }
}

export class FakeNobleBindings extends EventEmitter {
  readonly options: FakeNobleBindingsOptions;
  started = false;
  stopped = false;
  scanning = false;
  /** Same field name as noble's HCI bindings, so the transport's HCI workarounds find the Gatt objects. */
  readonly _gatts: Record<string, GattClient> = {};
  readonly #connections = new Map<string, Connection>();
  readonly #gattCtor: GattCtor | undefined;
  #keepAlive: NodeJS.Timeout | undefined;
  #scanFilter: string[] = [];

  constructor(options: FakeNobleBindingsOptions, gattCtor?: GattCtor) {
    super();
    this.options = options;
    this.#gattCtor = gattCtor;
    if ((options.gattClient ?? 'noble-hci') === 'noble-hci' && !gattCtor) {
      throw new TypeError("gattClient 'noble-hci' needs noble's Gatt class: use createFakeNoble()");
    }
  }

  start(): void {
    this.started = true;
    if (this.options.keepAlive) this.#keepAlive = setInterval(() => undefined, 1000);
    setImmediate(() => {
      if (!this.stopped) this.emit('stateChange', this.options.state ?? 'poweredOn');
    });
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.#keepAlive);
    if (this.scanning) this.stopScanning();
    for (const c of this.#connections.values()) c.link.close();
  }

  addressToId(address: string): string {
    return address.replace(/:/g, '').toLowerCase();
  }

  setScanParameters(): void {
    setImmediate(() => this.emit('scanParametersSet'));
  }

  startScanning(serviceUuids?: string[]): void {
    this.scanning = true;
    this.#scanFilter = serviceUuids ?? [];
    setImmediate(() => {
      this.emit('scanStart', false);
      for (const model of this.options.peripherals) this.#advertise(model);
    });
  }

  /** Makes a device advertise now (tests: a device that appears mid-scan, a changed RSSI). */
  advertise(model: BleGattModel): void {
    if (this.scanning) this.#advertise(model);
  }

  #advertise(model: BleGattModel): void {
    if (!this.scanning || this.stopped) return;
    const adv = model.advertisement();
    if (this.#scanFilter.length > 0 && !adv.serviceUuids.some((u) => this.#scanFilter.includes(u))) return;
    const advertisement = { serviceData: [], solicitationServiceUuids: [], ...adv };
    const id = this.addressToId(model.address);
    this.emit('discover', id, model.address, model.addressType, true, advertisement, model.rssi, false);
  }

  stopScanning(): void {
    this.scanning = false;
    setImmediate(() => this.emit('scanStop'));
  }

  connect(id: string, parameters?: { mtu?: number }): void {
    const model = this.options.peripherals.find((m) => this.addressToId(m.address) === id);
    if (!model || this.stopped || this.#connections.has(id)) {
      setImmediate(() => this.emit('connect', id, new Error(model ? 'cannot connect' : 'unknown peripheral')));
      return;
    }
    const link = model.connect();
    let connection: Connection;
    if ((this.options.gattClient ?? 'noble-hci') === 'noble-hci') {
      const acl = new FakeAclStream(link);
      const gatt = new this.#gattCtor!(model.address, acl, parameters?.mtu ?? this.options.clientMtu);
      connection = { model, link, gatt, acl };
    } else {
      connection = { model, link, gatt: new DirectGattClient(model, link, this.options.clientMtu ?? 517) };
    }
    this.#connections.set(id, connection);
    this._gatts[id] = connection.gatt;
    this.#wire(id, connection.gatt);
    link.once('disconnect', (reason: number) => this.#linkDown(id, reason));
    connection.gatt.exchangeMtu();
    setImmediate(() => this.emit('connect', id, null));
  }

  #wire(id: string, gatt: GattClient): void {
    const forward = (event: string, as: string = event) =>
      gatt.on(event, (_address: string, ...rest: unknown[]) => this.emit(as, id, ...rest));
    for (const e of [
      'servicesDiscover',
      'servicesDiscovered',
      'includedServicesDiscover',
      'characteristicsDiscover',
      'characteristicsDiscovered',
      'write',
      'broadcast',
      'notify',
      'descriptorsDiscover',
      'valueRead',
      'valueWrite',
      'handleRead',
      'handleWrite',
      'handleNotify',
    ]) {
      forward(e);
    }
    forward('mtu', 'onMtu');
    gatt.on('read', (_a: string, s: string, c: string, data: Buffer, error?: Error) =>
      this.emit('read', id, s, c, data, false, error),
    );
    gatt.on('notification', (_a: string, s: string, c: string, data: Buffer) =>
      this.emit('read', id, s, c, data, true),
    );
  }

  #linkDown(id: string, reason: number): void {
    const c = this.#connections.get(id);
    if (!c) return;
    this.#connections.delete(id);
    delete this._gatts[id];
    c.acl?.push(4, null);
    c.gatt.removeAllListeners();
    this.emit('disconnect', id, reason);
  }

  disconnect(id: string): void {
    this.#connections.get(id)?.link.close();
  }

  cancelConnect(id: string): void {
    this.disconnect(id);
  }

  updateRssi(id: string): void {
    const c = this.#connections.get(id);
    setImmediate(() => this.emit('rssiUpdate', id, c?.model.rssi ?? 127));
  }

  #gatt(id: string): GattClient | undefined {
    return this.#connections.get(id)?.gatt;
  }

  discoverServices(id: string, uuids?: string[]): void {
    this.#gatt(id)?.discoverServices(uuids ?? []);
  }
  discoverIncludedServices(id: string, service: string, uuids?: string[]): void {
    this.#gatt(id)?.discoverIncludedServices(service, uuids ?? []);
  }
  discoverCharacteristics(id: string, service: string, uuids?: string[]): void {
    this.#gatt(id)?.discoverCharacteristics(service, uuids ?? []);
  }
  discoverDescriptors(id: string, service: string, characteristic: string): void {
    this.#gatt(id)?.discoverDescriptors(service, characteristic);
  }
  read(id: string, service: string, characteristic: string): void {
    this.#gatt(id)?.read(service, characteristic);
  }
  write(id: string, service: string, characteristic: string, data: Buffer, withoutResponse: boolean): void {
    this.#gatt(id)?.write(service, characteristic, data, withoutResponse);
  }
  readValue(id: string, service: string, characteristic: string, descriptor: string): void {
    this.#gatt(id)?.readValue(service, characteristic, descriptor);
  }
  writeValue(id: string, service: string, characteristic: string, descriptor: string, data: Buffer): void {
    this.#gatt(id)?.writeValue(service, characteristic, descriptor, data);
  }
  readHandle(id: string, handle: number): void {
    this.#gatt(id)?.readHandle(handle);
  }
  writeHandle(id: string, handle: number, data: Buffer, withoutResponse: boolean): void {
    this.#gatt(id)?.writeHandle(handle, data, withoutResponse);
  }
  notify(id: string, service: string, characteristic: string, on: boolean): void {
    this.#gatt(id)?.notify(service, characteristic, on);
  }
  broadcast(id: string, service: string, characteristic: string, on: boolean): void {
    this.#gatt(id)?.broadcast(service, characteristic, on);
  }
}

const NOBLE_CLASS = '@stoprocent/noble/lib/noble.js';
const NOBLE_GATT = '@stoprocent/noble/lib/hci-socket/gatt.js';

async function loadNobleClasses(): Promise<{ Noble: new (bindings: unknown) => NobleLike; Gatt: GattCtor }> {
  try {
    const noble = (await import(NOBLE_CLASS)) as { default: new (bindings: unknown) => NobleLike };
    const gatt = (await import(NOBLE_GATT)) as { default: GattCtor };
    return { Noble: noble.default, Gatt: gatt.default };
  } catch (e) {
    throw new EspProvError('TRANSPORT_UNAVAILABLE', `fake BLE bindings need @stoprocent/noble: ${String(e)}`, {
      cause: e,
    });
  }
}

/** A real noble instance driven by fake bindings. @experimental tied to @stoprocent/noble ~2.8 internals. */
export async function createFakeNoble(
  options: FakeNobleBindingsOptions,
): Promise<{ noble: NobleLike; bindings: FakeNobleBindings }> {
  const { Noble, Gatt } = await loadNobleClasses();
  const bindings = new FakeNobleBindings(options, Gatt);
  return { noble: new Noble(bindings), bindings };
}

/**
 * A loader for openBleTransport/discoverBleDevices: each call builds a fresh noble on fresh bindings over the
 * same devices (as the real loader makes a fresh instance per use); `bindings` lists them for assertions.
 * @experimental tied to @stoprocent/noble ~2.8 internals.
 */
export function fakeNobleLoader(options: FakeNobleBindingsOptions): {
  loader: NobleLoader;
  bindings: FakeNobleBindings[];
} {
  const bindings: FakeNobleBindings[] = [];
  const loader: NobleLoader = async () => {
    const made = await createFakeNoble(options);
    bindings.push(made.bindings);
    return made.noble;
  };
  return { loader, bindings };
}

export { nobleUuid };
