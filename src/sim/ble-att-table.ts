/**
 * The attribute table a provisioning device publishes (PROTOCOL.md §2.2.1), built the way protocomm builds it:
 * one primary service; per endpoint a characteristic declaration, the value (Read + Write) and a 0x2901 user
 * description holding the endpoint name; characteristics in the order ctrl, scan, session, config, proto-ver,
 * then application endpoints. A GAP and a GATT service come first, as on a real device.
 */
import { BLE_ENDPOINT_IDS, FIRST_APP_BLE_ID, MANAGER_ENDPOINTS } from '../protocol/endpoints.js';
import { characteristicUuidFor, normalizeUuid, isBaseUuid } from '../transport/ble-gatt.js';

export const GATT_PRIMARY_SERVICE = 0x2800;
export const GATT_CHARACTERISTIC = 0x2803;
export const GATT_USER_DESCRIPTION = 0x2901;
const GAP_SERVICE = 0x1800;
const GATT_SERVICE = 0x1801;
const GAP_DEVICE_NAME = 0x2a00;
/** Read | Write (no Notify: the device never notifies, §2.2.1). */
export const PROP_READ_WRITE = 0x02 | 0x08;

export type AttributeKind = 'service' | 'declaration' | 'value' | 'description' | 'static';

export interface Attribute {
  readonly handle: number;
  /** Attribute type, normalized 32-hex UUID. */
  readonly type: string;
  readonly kind: AttributeKind;
  /** Static value (service UUID, declaration, name); undefined for endpoint values, which live in the model. */
  readonly value?: Uint8Array;
  /** For services: last handle of the group. */
  readonly groupEnd?: number;
  /** For values and descriptions: the endpoint. */
  readonly endpoint?: string;
}

export const uuid16 = (id: number): string => normalizeUuid(id.toString(16));

/** ATT wire form: 2 bytes for base UUIDs (as stacks shorten them), else 16 bytes LSB first. */
export function uuidWire(uuid: string): Uint8Array {
  const n = normalizeUuid(uuid);
  if (isBaseUuid(n) && n.startsWith('0000')) return le16(parseInt(n.slice(4, 8), 16));
  return Uint8Array.from(Buffer.from(n, 'hex').reverse());
}

export function le16(v: number): Uint8Array {
  return Uint8Array.of(v & 0xff, (v >> 8) & 0xff);
}

/** 16-bit ids per endpoint: the manager's fixed ids, application endpoints from 0xFF54 in registration order. */
export function endpointIds(endpoints: readonly string[]): Map<string, number> {
  const ids = new Map<string, number>();
  for (const name of MANAGER_ENDPOINTS) if (endpoints.includes(name)) ids.set(name, BLE_ENDPOINT_IDS[name]!);
  let next = FIRST_APP_BLE_ID;
  for (const name of endpoints) if (!ids.has(name)) ids.set(name, next++);
  return ids;
}

export interface TableOptions {
  deviceName: string;
  serviceUuid: string;
  endpoints: readonly string[];
  userDescriptions: boolean;
}

export function buildAttributeTable(o: TableOptions): {
  attributes: Attribute[];
  characteristicUuids: Map<string, string>;
} {
  const attributes: Attribute[] = [];
  const add = (a: Omit<Attribute, 'handle'>): number => {
    attributes.push({ ...a, handle: attributes.length + 1 });
    return attributes.length;
  };
  const declaration = (valueHandle: number, uuid: string): Uint8Array =>
    Uint8Array.from([PROP_READ_WRITE & 0x02, ...le16(valueHandle), ...uuidWire(uuid)]);

  add({ type: uuid16(GATT_PRIMARY_SERVICE), kind: 'service', value: uuidWire(uuid16(GAP_SERVICE)), groupEnd: 3 });
  add({ type: uuid16(GATT_CHARACTERISTIC), kind: 'static', value: declaration(3, uuid16(GAP_DEVICE_NAME)) });
  add({ type: uuid16(GAP_DEVICE_NAME), kind: 'static', value: new TextEncoder().encode(o.deviceName) });
  add({ type: uuid16(GATT_PRIMARY_SERVICE), kind: 'service', value: uuidWire(uuid16(GATT_SERVICE)), groupEnd: 4 });

  const ids = endpointIds(o.endpoints);
  const characteristicUuids = new Map<string, string>();
  const serviceIndex = attributes.length;
  add({ type: uuid16(GATT_PRIMARY_SERVICE), kind: 'service', value: uuidWire(o.serviceUuid) });
  for (const [endpoint, id] of ids) {
    const uuid = characteristicUuidFor(o.serviceUuid, id);
    characteristicUuids.set(endpoint, uuid);
    const valueHandle = attributes.length + 2;
    add({ type: uuid16(GATT_CHARACTERISTIC), kind: 'declaration', value: declarationRw(valueHandle, uuid) });
    add({ type: uuid, kind: 'value', endpoint });
    if (o.userDescriptions) {
      add({
        type: uuid16(GATT_USER_DESCRIPTION),
        kind: 'description',
        endpoint,
        value: new TextEncoder().encode(endpoint),
      });
    }
  }
  attributes[serviceIndex] = { ...attributes[serviceIndex]!, groupEnd: attributes.length };
  return { attributes, characteristicUuids };
}

function declarationRw(valueHandle: number, uuid: string): Uint8Array {
  return Uint8Array.from([PROP_READ_WRITE, ...le16(valueHandle), ...uuidWire(uuid)]);
}
