/**
 * Manual BLE transport: a person performs the GATT operations with a tool of their choice (nRF Connect,
 * bluetoothctl, ...) and relays the bytes, as esp_prov's console BLE client does (`BLECLI >>` texts, seed
 * transcript in shared/reference). Chosen explicitly, never as a silent fallback. Characteristics are named
 * by UUID: the service UUID with characters 4–7 replaced by the endpoint's 16-bit id (PROTOCOL.md §2.2.1,
 * ids from §1.2). Each request is one write (with response) followed by one read of the same characteristic
 * (§2.2.2); the sizes are Bluedroid's, the smaller of the two hosts (§2.2.3).
 */
import { toHex } from '../bytes.js';
import { EspProvError } from '../errors.js';
import { CONFIG_ENDPOINT, SESSION_ENDPOINT, VERSION_ENDPOINT } from '../protocol/endpoints.js';
import { BLE_HOST_LIMITS } from '../protocol/limits.js';
import { BLE_ENDPOINT_IDS, characteristicUuidFor, dashedUuid } from './ble-gatt.js';
import { GatedTransport } from './gate.js';
import { DEFAULT_ANSWER_TIMEOUT_MS, ManualIo, type ManualIoOptions } from './manual-io.js';
import { deviceRefused, type TransportLimits } from './transport.js';

/** The ESP-IDF and network_provisioning examples' service UUID (§2.2.1). */
export const EXAMPLE_SERVICE_UUID = '021a9004-0382-4aea-bff4-6b3f1c5adfb4';

/** 16-bit characteristic ids (§1.2): the one table, shared with the BLE transport. */
export { BLE_ENDPOINT_IDS } from './ble-gatt.js';

/** Bluedroid's CHAR_VAL_LEN_MAX with Security 2 compiled in (§2.2.3). */
export const BLUEDROID_LIMITS: TransportLimits = {
  maxRequestBytes: BLE_HOST_LIMITS.bluedroid.maxValue,
  maxResponseBytes: BLE_HOST_LIMITS.bluedroid.maxValue,
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The characteristic UUID of a 16-bit endpoint id under `serviceUuid` (§2.2.1 replacement rule). */
export function characteristicUuid(serviceUuid: string, id16: number): string {
  const service = serviceUuid.toLowerCase();
  if (!UUID.test(service)) throw new EspProvError('USAGE', `not a 128-bit UUID: ${JSON.stringify(serviceUuid)}`);
  if (!Number.isInteger(id16) || id16 < 0 || id16 > 0xffff) {
    throw new EspProvError('USAGE', `characteristic id must be 16 bits, got ${id16}`);
  }
  return dashedUuid(characteristicUuidFor(service, id16));
}

export interface ManualBleOptions extends ManualIoOptions {
  /** Advertised name of the device to connect to, for the instructions. */
  deviceName?: string;
  /** Primary service UUID. Default EXAMPLE_SERVICE_UUID. */
  serviceUuid?: string;
  /** Extra or overriding endpoint → 16-bit id entries (application endpoints). */
  endpointIds?: Readonly<Record<string, number>>;
  /** Characteristics confirmed while connecting; others are confirmed on first use. Default: esp_prov's three. */
  confirmEndpoints?: readonly string[];
  signal?: AbortSignal;
}

const ESP_PROV_CONFIRMED = [VERSION_ENDPOINT, SESSION_ENDPOINT, CONFIG_ENDPOINT];

export class ManualBleTransport extends GatedTransport {
  readonly kind = 'ble-manual';
  readonly limits = BLUEDROID_LIMITS;
  readonly serviceUuid: string;
  readonly #io: ManualIo;
  readonly #ids: Readonly<Record<string, number>>;
  readonly #confirmed = new Set<string>();

  constructor(options: ManualBleOptions) {
    // A person relays each message: the default deadline is the time they have to answer; a request's own
    // deadline (--timeout) still applies.
    super({
      defaultTimeoutMs: options.answerTimeoutMs ?? DEFAULT_ANSWER_TIMEOUT_MS,
      ...(options.clock ? { clock: options.clock } : {}),
    });
    this.serviceUuid = (options.serviceUuid ?? EXAMPLE_SERVICE_UUID).toLowerCase();
    characteristicUuid(this.serviceUuid, 0);
    this.#ids = { ...BLE_ENDPOINT_IDS, ...options.endpointIds };
    this.#io = new ManualIo(options);
  }

  protected override refuse(endpoint: string): EspProvError | undefined {
    try {
      this.uuidOf(endpoint);
      return undefined;
    } catch (e) {
      return e as EspProvError;
    }
  }

  /** The characteristic UUID of `endpoint`; UNSUPPORTED when its id is unknown. */
  uuidOf(endpoint: string): string {
    const id = Object.hasOwn(this.#ids, endpoint) ? this.#ids[endpoint] : undefined;
    if (id === undefined) {
      throw new EspProvError(
        'UNSUPPORTED',
        `no BLE characteristic id is known for endpoint ${endpoint}; give it with the endpoint ids option`,
        { endpoint },
      );
    }
    return characteristicUuid(this.serviceUuid, id);
  }

  /** The connection dialogue: connect by hand, find the service and the characteristics. */
  async connect(deviceName: string | undefined, endpoints: readonly string[], signal?: AbortSignal): Promise<void> {
    const ask = signal ? { signal } : {};
    const io = this.#io;
    io.write('BLE client is running in manual (console) mode\n');
    io.write('\tPerform each GATT operation below with a BLE tool of your choice and relay the data in hex\n');
    const name = deviceName === undefined ? 'your provisioning device' : `\`${deviceName}\``;
    io.write(`BLECLI >> Please connect to BLE device ${name} manually using your tool of choice\n`);
    if (!(await io.askYesNo('BLECLI >> Was the device connected successfully? [y/n] ', ask))) {
      throw new EspProvError('DEVICE_NOT_FOUND', `the BLE device ${deviceName ?? ''} was not connected`.trimEnd());
    }
    io.write('BLECLI >> List available attributes of the connected device\n');
    const service = `BLECLI >> Is the service UUID '${this.serviceUuid}' listed among available attributes? [y/n] `;
    if (!(await io.askYesNo(service, ask))) {
      throw new EspProvError(
        'DEVICE_NOT_FOUND',
        `the provisioning service ${this.serviceUuid} is not on the device; give the service UUID it advertises`,
      );
    }
    for (const endpoint of endpoints) await this.#confirm(endpoint, signal);
  }

  async #confirm(endpoint: string, signal?: AbortSignal): Promise<void> {
    if (this.#confirmed.has(endpoint)) return;
    const uuid = this.uuidOf(endpoint);
    const question = `BLECLI >> Is the characteristic UUID '${uuid}' listed among available attributes? [y/n] `;
    if (!(await this.#io.askYesNo(question, signal ? { endpoint, signal } : { endpoint }))) {
      throw new EspProvError('DEVICE_NOT_FOUND', `the device has no characteristic ${uuid} (${endpoint})`, {
        endpoint,
      });
    }
    this.#confirmed.add(endpoint);
  }

  protected async exchange(endpoint: string, data: Uint8Array, signal: AbortSignal): Promise<Uint8Array> {
    await this.#confirm(endpoint, signal);
    const uuid = this.uuidOf(endpoint);
    const io = this.#io;
    io.write(`BLECLI >> Write following data to characteristic with UUID '${uuid}' :\n`);
    io.write(`\t>> ${toHex(data)}\n`);
    io.write('BLECLI >> Enter data read from characteristic (in hex) :\n');
    const reply = await io.askHex('\t<< ', { endpoint, signal });
    if (reply === null) {
      throw deviceRefused(
        endpoint,
        `no data read back from ${uuid} (${endpoint}): the write failed or the device disconnected`,
      );
    }
    return reply;
  }

  protected shutdown(): Promise<void> {
    this.#io.close();
    return Promise.resolve();
  }
}

/** Creates the transport and runs the connection dialogue. */
export async function openManualBleTransport(options: ManualBleOptions): Promise<ManualBleTransport> {
  const transport = new ManualBleTransport(options);
  try {
    await transport.connect(options.deviceName, options.confirmEndpoints ?? ESP_PROV_CONFIRMED, options.signal);
  } catch (e) {
    await transport.close();
    throw e;
  }
  return transport;
}
