/**
 * GATT layout of a provisioning device (PROTOCOL.md §2.2.1): which service is the provisioning one, and which
 * characteristic carries which endpoint. Endpoint names come from the 0x2901 user descriptions when the device
 * has them (what ESP-IDF tells client authors to use); the UUID replacement rule is only the fallback.
 */
import { EspProvError } from '../errors.js';
import { fromUtf8 } from '../bytes.js';
import { BLE_ENDPOINT_IDS } from '../protocol/endpoints.js';
import type { NobleCharacteristic, NobleService } from './ble-noble.js';

export { BLE_ENDPOINT_IDS } from '../protocol/endpoints.js';

/** Tried in this order when the advertisement names no service: example, manager default, pre-v4.1 legacy. */
export const KNOWN_SERVICE_UUIDS: readonly string[] = [
  '021a9004-0382-4aea-bff4-6b3f1c5adfb4',
  '1775244d-6b43-439b-877c-060f2d9bed07',
  '0000ffff-0000-1000-8000-00805f9b34fb',
];

export const USER_DESCRIPTION_UUID = '2901';
const BASE_SUFFIX = '00001000800000805f9b34fb';

/**
 * Canonical comparable form: 32 lowercase hex digits, no dashes. noble reports 16-bit UUIDs short and
 * without leading zeros ('2901', '1' for 0x0001), so short forms are expanded onto the Bluetooth base UUID.
 */
export function normalizeUuid(uuid: string): string {
  const hex = uuid.replace(/-/g, '').toLowerCase();
  if (!/^[0-9a-f]+$/.test(hex)) throw new EspProvError('USAGE', `not a UUID: ${JSON.stringify(uuid)}`);
  if (hex.length <= 8) return hex.padStart(8, '0') + BASE_SUFFIX;
  if (hex.length !== 32) throw new EspProvError('USAGE', `not a UUID: ${JSON.stringify(uuid)}`);
  return hex;
}

/** The dashed 8-4-4-4-12 form people read. */
export function dashedUuid(uuid: string): string {
  const h = normalizeUuid(uuid);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** True for a 16/32-bit UUID in the Bluetooth base range (the legacy 0000ffff service is one). */
export function isBaseUuid(uuid: string): boolean {
  return normalizeUuid(uuid).endsWith(BASE_SUFFIX);
}

/**
 * The device derives each characteristic UUID from the service UUID by overwriting bytes 12–13 of its LSB-first
 * form, i.e. characters 4–7 of the canonical string, with the endpoint's 16-bit id (PROTOCOL.md §2.2.1).
 * esp_prov's fallback ANDs the id into those digits instead, which is only right for ffff bases; not copied.
 */
export function characteristicUuidFor(serviceUuid: string, id16: number): string {
  if (!Number.isInteger(id16) || id16 < 0 || id16 > 0xffff) throw new RangeError('16-bit id expected');
  const s = normalizeUuid(serviceUuid);
  return s.slice(0, 4) + id16.toString(16).padStart(4, '0') + s.slice(8);
}

/**
 * Chooses the provisioning service among the discovered ones: the one the device advertised, else a known
 * default, else the only custom (non-base) 128-bit service.
 */
export function pickProvisioningService<S extends { uuid: string }>(
  services: readonly S[],
  advertised: readonly string[],
  requested?: string,
): S {
  const byUuid = new Map(services.map((s) => [normalizeUuid(s.uuid), s]));
  const found = (u: string): S | undefined => byUuid.get(normalizeUuid(u));
  const list = (): string => services.map((s) => dashedUuid(s.uuid)).join(', ') || 'none';
  if (requested !== undefined) {
    const s = found(requested);
    if (s) return s;
    throw new EspProvError('UNSUPPORTED', `the device has no service ${dashedUuid(requested)} (it has: ${list()})`);
  }
  for (const u of [...advertised, ...KNOWN_SERVICE_UUIDS]) {
    const s = found(u);
    if (s) return s;
  }
  const custom = services.filter((s) => !isBaseUuid(s.uuid));
  if (custom.length === 1) return custom[0]!;
  throw new EspProvError(
    'UNSUPPORTED',
    custom.length === 0
      ? `no provisioning service on this device (services: ${list()}); is it in provisioning mode?`
      : `several candidate services (${list()}); name the provisioning one with the service UUID option`,
  );
}

export interface EndpointMapOptions {
  /** Deadline applied to each descriptor discovery/read (those noble calls have none of their own). */
  step<T>(what: string, work: Promise<T>): Promise<T>;
}

/** How each endpoint was found: from its 0x2901 description, or by the §2.2.1 UUID rule. */
export interface EndpointMapping {
  readonly characteristics: ReadonlyMap<string, NobleCharacteristic>;
  readonly source: ReadonlyMap<string, 'descriptor' | 'uuid-rule'>;
  /** Every characteristic of the service as discovered, with its 0x2901 text (for inspect). */
  readonly table: readonly GattCharacteristicInfo[];
}

export interface GattCharacteristicInfo {
  /** Dashed UUID. */
  uuid: string;
  /** The 0x2901 user description, undefined when the characteristic has none. */
  description: string | undefined;
  properties: readonly string[];
}

/**
 * Maps endpoint names to characteristics. Every 0x2901 description wins; known endpoints the descriptions did
 * not name are then looked up by the UUID rule, so a device without descriptors still works for the standard
 * endpoints (application endpoints other than custom-data need descriptors).
 */
export async function mapEndpoints(
  service: NobleService,
  characteristics: readonly NobleCharacteristic[],
  options: EndpointMapOptions,
): Promise<EndpointMapping> {
  const map = new Map<string, NobleCharacteristic>();
  const source = new Map<string, 'descriptor' | 'uuid-rule'>();
  const table: GattCharacteristicInfo[] = [];
  for (const c of characteristics) {
    const descriptors = await options.step(`descriptors of ${c.uuid}`, c.discoverDescriptorsAsync());
    const desc = descriptors.find((d) => safeNormalize(d.uuid) === normalizeUuid(USER_DESCRIPTION_UUID));
    const row: GattCharacteristicInfo = { uuid: safeDashed(c.uuid), description: undefined, properties: c.properties };
    table.push(row);
    if (!desc) continue;
    const raw = await options.step(`user description of ${c.uuid}`, desc.readValueAsync());
    const name = fromUtf8(raw).replace(/\0+$/, '');
    row.description = name;
    if (name.length > 0 && !map.has(name)) {
      map.set(name, c);
      source.set(name, 'descriptor');
    }
  }
  const byUuid = new Map(characteristics.map((c) => [safeNormalize(c.uuid), c]));
  const claimed = new Set(map.values());
  for (const [name, id] of Object.entries(BLE_ENDPOINT_IDS)) {
    if (map.has(name)) continue;
    const c = byUuid.get(characteristicUuidFor(service.uuid, id));
    if (c && !claimed.has(c)) {
      map.set(name, c);
      source.set(name, 'uuid-rule');
    }
  }
  return { characteristics: map, source, table };
}

function safeDashed(uuid: string): string {
  try {
    return dashedUuid(uuid);
  } catch {
    return uuid;
  }
}

function safeNormalize(uuid: string): string {
  try {
    return normalizeUuid(uuid);
  } catch {
    return uuid;
  }
}
