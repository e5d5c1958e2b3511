/**
 * The parts of @stoprocent/noble (2.8) the BLE transport uses, as structural types. noble is an optional
 * dependency loaded with `await import()` only for BLE (research/deps.md §1), so nothing here imports it:
 * these types let the transport compile and be tested without it, and let tests hand in a noble instance
 * driven by fake bindings (src/testing/ble-fake-bindings.ts).
 */

/** Adapter states noble reports ('stateChange'). */
export type NobleAdapterState = 'poweredOn' | 'poweredOff' | 'unauthorized' | 'unsupported' | 'unknown' | 'resetting';

export type Listener = (...args: never[]) => void;

export interface NobleEmitter {
  on(event: string, listener: Listener): unknown;
  once(event: string, listener: Listener): unknown;
  removeListener(event: string, listener: Listener): unknown;
  removeAllListeners(event?: string): unknown;
}

export interface NobleAdvertisement {
  localName?: string;
  serviceUuids?: string[];
  manufacturerData?: Uint8Array;
  txPowerLevel?: number;
}

export interface NobleDescriptor {
  readonly uuid: string;
  readValueAsync(): Promise<Uint8Array>;
}

export interface NobleCharacteristic {
  readonly uuid: string;
  readonly properties: readonly string[];
  discoverDescriptorsAsync(): Promise<NobleDescriptor[]>;
  readAsync(): Promise<Uint8Array>;
  writeAsync(data: Buffer, withoutResponse: boolean): Promise<void>;
}

export interface NobleService {
  readonly uuid: string;
  discoverCharacteristicsAsync(uuids?: string[]): Promise<NobleCharacteristic[]>;
}

/** Connect parameters; `mtu` is the ATT MTU the HCI binding asks for (noble's default 256). */
export interface NobleConnectOptions {
  mtu?: number;
}

export interface NoblePeripheral extends NobleEmitter {
  readonly id: string;
  readonly address: string;
  readonly addressType?: string;
  readonly connectable?: boolean;
  readonly advertisement: NobleAdvertisement;
  readonly rssi: number;
  readonly mtu: number | null;
  readonly state: string;
  connectAsync(options?: NobleConnectOptions): Promise<void>;
  disconnectAsync(): Promise<void>;
  cancelConnect(options?: object): void;
  discoverServicesAsync(uuids?: string[]): Promise<NobleService[]>;
}

export interface NobleLike extends NobleEmitter {
  readonly state: string;
  startScanningAsync(serviceUuids?: string[], allowDuplicates?: boolean): Promise<void>;
  stopScanningAsync(): Promise<void>;
  /** Stops scanning, drops links and releases the adapter; without it the process never exits (deps.md §1). */
  stop(): void;
}

/** Where BLE diagnostics go (noble's own console output included). Both methods are optional. */
export interface BleLogger {
  debug?(message: string): void;
  warn?(message: string): void;
}
