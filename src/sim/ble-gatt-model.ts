/**
 * A provisioning device as a BLE peripheral: advertising, the GATT table of PROTOCOL.md §2.2.1 and the
 * behaviour of the two ESP-IDF BLE hosts around protocomm (§2.2.2–§2.2.7), serving any ProtocommDevice.
 *
 *                       NimBLE                              Bluedroid
 *   server MTU          256                                 500
 *   request / response  512 / 512                           481 / 481 (257 without Sec2 support)
 *   plain write         up to 512                           any length the MTU carries (up to 497)
 *   oversize response   stored                              not stored: reads return the previous value
 *   empty write         acknowledged, protocomm not called  passed to protocomm
 *   long write          host reassembles per link           one global prepare buffer of 481/257 bytes
 *   long read           sliced per request                  static state shared by all attributes
 *   device failure      ATT error 0x04, link kept           no response, link closed (Write and Execute alike)
 *   advertised TX power none                                +3 dBm (ESP32's default level, ESP_PWR_LVL_P3)
 *
 * Values are stored per characteristic, not per link, and survive reconnection; never written = empty.
 * Each connection opens a protocomm session and its end closes it (§2.2.6).
 */
import { EventEmitter } from 'node:events';
import { DeviceFailure, type ProtocommDevice } from '../protocol/device.js';
import { BLE_HOST_LIMITS, type BleHost } from '../protocol/limits.js';
import { normalizeUuid } from '../transport/ble-gatt.js';
import { buildAttributeTable, type Attribute } from './ble-att-table.js';
import { ATT_ERR, serveAtt, type AttBackend, type AttLinkState, type WriteOutcome } from './ble-att-server.js';

export type SimBleStack = BleHost;

export const SIM_BLE_STACKS = BLE_HOST_LIMITS;

/** TX Power Level (AD type 0x0A) a Bluedroid device advertises, dBm. NimBLE's protocomm advertises none. */
export const BLUEDROID_ADV_TX_POWER_DBM = 3;

/** The example application's service UUID (PROTOCOL.md §2.2.1). */
export const SIM_DEFAULT_SERVICE_UUID = '021a9004-0382-4aea-bff4-6b3f1c5adfb4';
export const SIM_LEGACY_SERVICE_UUID = '0000ffff-0000-1000-8000-00805f9b34fb';

export interface BleGattModelOptions {
  device: ProtocommDevice;
  /** Advertised name = service name. Default 'PROV_SIM000'. */
  name?: string;
  /** Default 'e4:65:b8:00:00:01'. */
  address?: string;
  addressType?: 'public' | 'random';
  /** RSSI the fake scanner reports, dBm. Default -50. */
  rssi?: number;
  stack?: SimBleStack;
  /** Default SIM_DEFAULT_SERVICE_UUID. */
  serviceUuid?: string;
  /** Serve the pre-v4.1 fixed layout: service 0000ffff-…, characteristics 0000ff4f-… (§2.2.1). */
  legacyUuids?: boolean;
  /** Publish the 0x2901 endpoint names. Default true. */
  userDescriptions?: boolean;
  /** Put the service UUID in the advertisement. Default true. */
  advertiseServiceUuid?: boolean;
  manufacturerData?: Uint8Array;
  /** Override the host's MTU. */
  serverMtu?: number;
  /**
   * Characteristic values need a paired, encrypted link (ESP-IDF's BLE forced encryption). The simulated link
   * is never encrypted, so their reads and writes are answered with ATT 0x05 Insufficient Authentication.
   */
  requireEncryption?: boolean;
}

export interface SimAdvertisement {
  localName: string;
  /** noble's form: 32 lowercase hex digits. */
  serviceUuids: string[];
  manufacturerData?: Buffer;
  txPowerLevel?: number;
}

let nextSessionId = 1;

export class BleGattModel {
  readonly device: ProtocommDevice;
  readonly name: string;
  readonly address: string;
  readonly addressType: 'public' | 'random';
  rssi: number;
  readonly stack: SimBleStack;
  readonly serviceUuid: string;
  readonly attributes: readonly Attribute[];
  /** Characteristic UUID (normalized) per endpoint. */
  readonly characteristicUuids: ReadonlyMap<string, string>;
  readonly serverMtu: number;
  readonly maxValue: number;
  /** ATT opcodes received, for tests that check long writes/reads really happened. */
  readonly opcodeCounts = new Map<number, number>();
  /** Characteristic values refuse an unencrypted link (requireEncryption). */
  readonly encrypted: boolean;
  readonly #options: BleGattModelOptions;
  readonly #values = new Map<number, Uint8Array>();
  readonly #links = new Set<BleGattLink>();
  /** Bluedroid protocomm: one prepare buffer and one long-read state for the whole device. */
  readonly bluedroid = {
    prepare: null as { buf: Uint8Array; len: number; handle: number } | null,
    read: { remaining: 0, total: 0, buf: null as Uint8Array | null },
  };

  constructor(options: BleGattModelOptions) {
    this.#options = options;
    this.encrypted = options.requireEncryption === true;
    this.device = options.device;
    this.name = options.name ?? 'PROV_SIM000';
    this.address = (options.address ?? 'e4:65:b8:00:00:01').toLowerCase();
    this.addressType = options.addressType ?? 'public';
    this.rssi = options.rssi ?? -50;
    this.stack = options.stack ?? 'nimble';
    this.serverMtu = options.serverMtu ?? SIM_BLE_STACKS[this.stack].serverMtu;
    this.maxValue = SIM_BLE_STACKS[this.stack].maxValue;
    this.serviceUuid = normalizeUuid(
      options.legacyUuids === true ? SIM_LEGACY_SERVICE_UUID : (options.serviceUuid ?? SIM_DEFAULT_SERVICE_UUID),
    );
    const table = buildAttributeTable({
      deviceName: this.name,
      serviceUuid: this.serviceUuid,
      endpoints: options.device.endpoints(),
      userDescriptions: options.userDescriptions ?? true,
    });
    this.attributes = table.attributes;
    this.characteristicUuids = table.characteristicUuids;
  }

  advertisement(): SimAdvertisement {
    const adv: SimAdvertisement = {
      localName: this.name,
      serviceUuids: this.#options.advertiseServiceUuid === false ? [] : [this.serviceUuid],
    };
    if (this.#options.manufacturerData) adv.manufacturerData = Buffer.from(this.#options.manufacturerData);
    // protocomm_ble.c advertises with include_txpower; Bluedroid fills in the controller's advertising level,
    // ESP_PWR_LVL_P3 by default on the ESP32, which its table {-12, -9, -6, -3, 0, 3, 6, 9} maps to +3 dBm.
    if (this.stack !== 'nimble') adv.txPowerLevel = BLUEDROID_ADV_TX_POWER_DBM;
    return adv;
  }

  /** A central connects: a new link and a new protocomm session. */
  connect(): BleGattLink {
    const link = new BleGattLink(this, nextSessionId++);
    this.#links.add(link);
    link.once('disconnect', () => this.#links.delete(link));
    this.device.openSession(link.sessionId);
    return link;
  }

  get links(): readonly BleGattLink[] {
    return [...this.#links];
  }

  /** Drops every link (e.g. the device went out of range: HCI 0x08). */
  disconnectAll(reason = 0x08): void {
    for (const link of this.#links) link.drop(reason);
  }

  /** The stored value of an endpoint's characteristic. */
  storedValue(endpoint: string): Uint8Array {
    const a = this.attributes.find((x) => x.kind === 'value' && x.endpoint === endpoint);
    return a ? (this.#values.get(a.handle) ?? new Uint8Array()) : new Uint8Array();
  }

  valueOf(handle: number): Uint8Array {
    return this.#values.get(handle) ?? new Uint8Array();
  }

  /** Stores a response; Bluedroid refuses values over its attribute maximum and keeps the old one. */
  store(handle: number, value: Uint8Array): void {
    if (this.stack !== 'nimble' && value.length > this.maxValue) return;
    this.#values.set(handle, value);
  }

  count(op: number): void {
    this.opcodeCounts.set(op, (this.opcodeCounts.get(op) ?? 0) + 1);
  }
}

/**
 * One connection. The client sends ATT PDUs with `send`; answers come back as 'pdu' events, and 'disconnect'
 * (HCI reason) ends it. Requests are served one at a time, like ATT's one outstanding request.
 */
export class BleGattLink extends EventEmitter implements AttBackend, AttLinkState {
  readonly sessionId: number;
  mtu = 23;
  #open = true;
  #closing = false;
  #queue: Promise<void> = Promise.resolve();
  readonly #abort = new AbortController();
  readonly #model: BleGattModel;
  /** NimBLE's per-link prepare queue. */
  #prepared: { handle: number; offset: number; data: Uint8Array }[] = [];

  constructor(model: BleGattModel, sessionId: number) {
    super();
    this.#model = model;
    this.sessionId = sessionId;
  }

  get attributes(): readonly Attribute[] {
    return this.#model.attributes;
  }

  get serverMtu(): number {
    return this.#model.serverMtu;
  }

  get connected(): boolean {
    return this.#open;
  }

  send(pdu: Uint8Array): void {
    if (!this.#open || this.#closing) return;
    if (pdu[0] !== undefined) this.#model.count(pdu[0]);
    this.#queue = this.#queue.then(async () => {
      if (!this.#open || this.#closing) return;
      const { response, drop } = await serveAtt(this, this, pdu);
      if (drop) this.#closing = true;
      await tick();
      if (response && this.#open) this.emit('pdu', response);
      if (drop) {
        await tick();
        this.drop(0x13);
      }
    });
  }

  /** The central disconnects (HCI 0x16 seen from its side). */
  close(): void {
    this.drop(0x16);
  }

  /** The link ends for `reason`; the protocomm session closes and a pending request is abandoned. */
  drop(reason: number): void {
    if (!this.#open) return;
    this.#open = false;
    this.#abort.abort();
    this.#model.device.closeSession(this.sessionId);
    setImmediate(() => this.emit('disconnect', reason));
  }

  read(link: AttLinkState, a: Attribute, offset: number): Uint8Array | number {
    if (a.kind === 'value' && this.#model.encrypted) return ATT_ERR.INSUFFICIENT_AUTHENTICATION;
    const bluedroid = this.#model.stack !== 'nimble';
    if (a.kind === 'value' || (bluedroid && a.kind === 'description')) {
      const stored = a.kind === 'value' ? this.#model.valueOf(a.handle) : (a.value ?? new Uint8Array());
      if (!bluedroid) return offset > stored.length ? ATT_ERR.INVALID_OFFSET : stored.subarray(offset);
      // protocomm_ble.c's read handler: the first read at offset 0 latches the value; later ones continue it,
      // whatever attribute they name (§2.2.3).
      const st = this.#model.bluedroid.read;
      if (st.remaining === 0 && offset === 0) {
        st.buf = stored;
        st.total = st.remaining = stored.length;
      } else if (st.remaining + offset > st.total) {
        st.remaining = st.total = 0;
        st.buf = null;
        return ATT_ERR.INVALID_OFFSET;
      }
      const n = Math.min(st.remaining, link.mtu - 1);
      st.remaining -= n;
      return (st.buf ?? new Uint8Array()).subarray(offset, offset + n);
    }
    const v = a.value ?? new Uint8Array();
    return offset > v.length ? ATT_ERR.INVALID_OFFSET : v.subarray(offset);
  }

  async write(_link: AttLinkState, a: Attribute, data: Uint8Array): Promise<WriteOutcome> {
    if (this.#model.encrypted) return { error: ATT_ERR.INSUFFICIENT_AUTHENTICATION };
    if (this.#model.stack === 'nimble' && data.length === 0) return { ok: true };
    // Bluedroid checks no length for a 128-bit characteristic value (gatts_write_attr_perm_check) and
    // protocomm_ble.c passes a plain write to protocomm whole: CHAR_VAL_LEN_MAX only bounds the prepare buffer.
    return this.#process(a.handle, data);
  }

  prepare(_link: AttLinkState, a: Attribute, offset: number, data: Uint8Array): WriteOutcome {
    if (this.#model.encrypted) return { error: ATT_ERR.INSUFFICIENT_AUTHENTICATION };
    if (this.#model.stack === 'nimble') {
      this.#prepared.push({ handle: a.handle, offset, data: data.slice() });
      return { ok: true };
    }
    const max = this.#model.maxValue;
    const bd = this.#model.bluedroid;
    if (offset > max || offset + data.length > max) {
      bd.prepare = null;
      return { error: offset > max ? ATT_ERR.INVALID_OFFSET : ATT_ERR.INVALID_ATTRIBUTE_VALUE_LENGTH };
    }
    bd.prepare ??= { buf: new Uint8Array(max), len: 0, handle: a.handle };
    bd.prepare.buf.set(data, offset);
    bd.prepare.len += data.length;
    bd.prepare.handle = a.handle;
    return { ok: true };
  }

  async execute(_link: AttLinkState, commit: boolean): Promise<WriteOutcome> {
    if (this.#model.stack === 'nimble') {
      const parts = this.#prepared;
      this.#prepared = [];
      if (!commit || parts.length === 0) return { ok: true };
      let expected = 0;
      for (const p of parts) {
        if (p.handle !== parts[0]!.handle || p.offset !== expected) return { error: ATT_ERR.INVALID_OFFSET };
        expected += p.data.length;
      }
      if (expected > this.#model.maxValue) return { error: ATT_ERR.INVALID_ATTRIBUTE_VALUE_LENGTH };
      const whole = new Uint8Array(expected);
      for (const p of parts) whole.set(p.data, p.offset);
      return this.#process(parts[0]!.handle, whole);
    }
    const bd = this.#model.bluedroid;
    const pending = bd.prepare;
    bd.prepare = null;
    if (!commit || !pending) return { ok: true };
    return this.#process(pending.handle, pending.buf.slice(0, pending.len));
  }

  async #process(handle: number, data: Uint8Array): Promise<WriteOutcome> {
    const a = this.#model.attributes[handle - 1];
    const endpoint = a?.endpoint ?? '';
    try {
      const response = await this.#model.device.handle(endpoint, this.sessionId, data, this.#abort.signal);
      if (!this.#open) return { drop: true };
      this.#model.store(handle, response);
      return { ok: true };
    } catch (e) {
      if (!(e instanceof DeviceFailure) && !this.#open) return { drop: true };
      if (this.#model.stack === 'nimble') return { error: ATT_ERR.INVALID_PDU };
      // protocomm_ble.c calls esp_ble_gatts_close() and then queues the Write or Execute Write response; the
      // link is gone before L2CAP sends it, so the client sees no response, only the disconnect.
      return { drop: true };
    }
  }
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
