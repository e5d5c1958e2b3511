/**
 * What inspect reads from a BLE link without sending anything (advertisement, GATT table, MTU), and the
 * findings that explain BLE-only trouble: pairing required, a GATT table that does not look like the device's
 * (the computer's Bluetooth cache is then the usual suspect), a name or service other than the one expected.
 */
import { toHex } from '../bytes.js';
import { EspProvError } from '../errors.js';
import { CONFIG_ENDPOINT, SESSION_ENDPOINT, VERSION_ENDPOINT } from '../protocol/endpoints.js';
import { dashedUuid, normalizeUuid, type GattCharacteristicInfo } from '../transport/ble-gatt.js';
import type { Transport } from '../transport/transport.js';

export type BleFindingId =
  | 'ble-pairing-required'
  | 'ble-pairing-suspected'
  | 'ble-gatt-stale'
  | 'ble-no-descriptions'
  | 'ble-name-mismatch'
  | 'ble-service-mismatch';

export interface BleDetails {
  name: string;
  address: string;
  rssi: number;
  serviceUuid: string;
  advertisedServices: string[];
  manufacturerDataHex?: string;
  mtu: number | null;
  stack: string;
  /** The provisioning service's characteristics: UUID, 0x2901 name (null = none), properties. */
  characteristics: { uuid: string; name: string | null; properties: string[] }[];
  /** The device refused a read or write for want of a paired, encrypted link. */
  pairingRequired: boolean;
}

/** What the user expected to find (--service_name, the QR code's name, a service UUID). */
export interface BleExpectation {
  name?: string;
  serviceUuid?: string;
}

interface BleLike {
  device: { name: string; address: string; rssi: number; serviceUuids: string[]; manufacturerData?: Uint8Array };
  serviceUuid: string;
  endpoints: string[];
  endpointSources: ReadonlyMap<string, string>;
  gattTable: readonly GattCharacteristicInfo[];
  mtu: number | null;
  stack: string;
}

export function isBleTransport(t: Transport): boolean {
  return t.kind === 'ble' && 'endpointSources' in t && 'gattTable' in t;
}

/** Read from the transport's own properties: nothing is sent. */
export function bleLinkDetails(t: Transport): { endpoints: { name: string; foundBy?: string }[]; ble: BleDetails } {
  const b = t as unknown as BleLike;
  return {
    endpoints: b.endpoints.map((name) => {
      const foundBy = b.endpointSources.get(name);
      return foundBy ? { name, foundBy } : { name };
    }),
    ble: {
      name: b.device.name,
      address: b.device.address,
      rssi: b.device.rssi,
      serviceUuid: b.serviceUuid,
      advertisedServices: b.device.serviceUuids.map(safeDashed),
      ...(b.device.manufacturerData ? { manufacturerDataHex: toHex(b.device.manufacturerData) } : {}),
      mtu: b.mtu,
      stack: b.stack,
      characteristics: b.gattTable.map((c) => ({
        uuid: c.uuid,
        name: c.description ?? null,
        properties: [...c.properties],
      })),
      pairingRequired: false,
    },
  };
}

/** ATT errors that mean "pair first": insufficient authentication, authorization, key size, encryption. */
const PAIRING_ATT_ERRORS = new Set([0x05, 0x08, 0x0c, 0x0f]);

export function isPairingRefusal(e: unknown): boolean {
  const att = e instanceof EspProvError ? (e.details as { attError?: unknown } | undefined)?.attError : undefined;
  return typeof att === 'number' && PAIRING_ATT_ERRORS.has(att);
}

/**
 * A first write that timed out on a link whose GATT table was read: the reads needed no encryption, the write
 * did. noble's Linux HCI client answers an ATT authentication error by starting pairing itself instead of
 * reporting it, and when that pairing does not complete the write just waits until the deadline.
 */
export function isSilentPairingStall(e: unknown, b: BleDetails): boolean {
  return e instanceof EspProvError && e.code === 'TIMEOUT' && b.characteristics.length > 0;
}

function safeDashed(uuid: string): string {
  try {
    return dashedUuid(uuid);
  } catch {
    return uuid;
  }
}

/** Bytes 0–1 and 4–15 of a characteristic UUID are the service's; bytes 2–3 carry the endpoint id (§2.2.1). */
function derivedFrom(service: string, characteristic: string): boolean {
  try {
    const s = normalizeUuid(service);
    const c = normalizeUuid(characteristic);
    return c.slice(0, 4) === s.slice(0, 4) && c.slice(8) === s.slice(8);
  } catch {
    return false;
  }
}

const FORGET = "forget the device in the computer's Bluetooth settings (bluetoothctl remove ADDRESS) and try again";

export function bleFindings(
  b: BleDetails,
  endpoints: readonly string[],
  expect: BleExpectation = {},
  seen: { firstWriteTimedOut?: boolean } = {},
) {
  const f: { id: BleFindingId; text: string }[] = [];
  if (b.pairingRequired) {
    f.push({
      id: 'ble-pairing-required',
      text: 'the device requires a paired, encrypted link: pair it in the Bluetooth settings of this computer first',
    });
  } else if (seen.firstWriteTimedOut) {
    f.push({
      id: 'ble-pairing-suspected',
      text:
        'the device listed its GATT table but did not answer the first write (proto-ver) in time: it may require ' +
        `pairing (BLE forced encryption) that this computer did not complete; on Linux pair and trust it first ` +
        `(bluetoothctl pair ${b.address}, then bluetoothctl trust ${b.address}) and try again`,
    });
  }
  const missing = [VERSION_ENDPOINT, SESSION_ENDPOINT, CONFIG_ENDPOINT].filter((e) => !endpoints.includes(e));
  const foreign = b.characteristics.filter((c) => !derivedFrom(b.serviceUuid, c.uuid));
  if (missing.length > 0 || foreign.length > 0) {
    const why =
      missing.length > 0
        ? `no ${missing.join(', ')}`
        : `characteristics ${foreign.map((c) => c.uuid).join(', ')} do not belong to service ${b.serviceUuid}`;
    f.push({ id: 'ble-gatt-stale', text: `the GATT table looks stale (${why}): ${FORGET}` });
  } else if (b.characteristics.length > 0 && b.characteristics.every((c) => c.name === null)) {
    f.push({
      id: 'ble-no-descriptions',
      text: `no characteristic has a 0x2901 endpoint name (found by UUID only); if the firmware changed, ${FORGET}`,
    });
  }
  if (expect.name !== undefined && expect.name !== b.name) {
    f.push({
      id: 'ble-name-mismatch',
      text: `the device advertises the name ${JSON.stringify(b.name)}, not ${JSON.stringify(expect.name)}: check that this is the device meant`,
    });
  }
  const expected = expect.serviceUuid === undefined ? undefined : safeDashed(expect.serviceUuid);
  const advertised = b.advertisedServices.find((u) => u !== b.serviceUuid);
  if (expected !== undefined && expected !== b.serviceUuid) {
    f.push({
      id: 'ble-service-mismatch',
      text: `provisioning runs on service ${b.serviceUuid}, not the expected ${expected}: give the device's own service UUID`,
    });
  } else if (advertised !== undefined && !b.advertisedServices.includes(b.serviceUuid)) {
    f.push({
      id: 'ble-service-mismatch',
      text: `the device advertises service ${advertised} but its GATT table serves ${b.serviceUuid}: ${FORGET}`,
    });
  }
  return f;
}
