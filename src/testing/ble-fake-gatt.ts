/**
 * The GATT client side of the fake bindings in 'direct' mode: what BlueZ, CoreBluetooth or WinRT do below
 * noble's D-Bus/macOS/Windows bindings — discovery from their own cache, long writes and long reads over ATT,
 * and ATT error responses turned into errors ("Operation failed with ATT error: 0x04", BlueZ's wording).
 * It has the event interface of noble's HCI Gatt class so that the bindings treat both alike.
 */
import { EventEmitter } from 'node:events';
import { concatBytes } from '../bytes.js';
import { isBaseUuid, normalizeUuid } from '../transport/ble-gatt.js';
import { le16, type Attribute } from '../sim/ble-att-table.js';
import { ATT } from '../sim/ble-att-server.js';
import type { BleGattLink, BleGattModel } from '../sim/ble-gatt-model.js';

/** The methods/events of noble's lib/hci-socket/gatt.js the bindings use. */
export interface GattClient extends EventEmitter {
  exchangeMtu(): void;
  discoverServices(uuids: string[]): void;
  discoverIncludedServices(service: string, uuids: string[]): void;
  discoverCharacteristics(service: string, uuids: string[]): void;
  discoverDescriptors(service: string, characteristic: string): void;
  read(service: string, characteristic: string): void;
  write(service: string, characteristic: string, data: Buffer, withoutResponse: boolean): void;
  readValue(service: string, characteristic: string, descriptor: string): void;
  writeValue(service: string, characteristic: string, descriptor: string, data: Buffer): void;
  readHandle(handle: number): void;
  writeHandle(handle: number, data: Buffer, withoutResponse: boolean): void;
  notify(service: string, characteristic: string, on: boolean): void;
  broadcast(service: string, characteristic: string, on: boolean): void;
}

/** How noble spells a UUID: 16-bit ones short without leading zeros, others as 32 hex digits. */
export function nobleUuid(uuid: string): string {
  const n = normalizeUuid(uuid);
  return isBaseUuid(n) && n.startsWith('0000') ? parseInt(n.slice(4, 8), 16).toString(16) : n;
}

export class AttFailure extends Error {
  override readonly name = 'AttFailure';
  readonly attErrorCode: number;
  constructor(code: number) {
    super(`Operation failed with ATT error: 0x${code.toString(16).padStart(2, '0')}`);
    this.attErrorCode = code;
  }
}

class LinkDown extends Error {}

export class DirectGattClient extends EventEmitter implements GattClient {
  readonly #model: BleGattModel;
  readonly #link: BleGattLink;
  readonly #wantedMtu: number;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(model: BleGattModel, link: BleGattLink, wantedMtu: number) {
    super();
    this.#model = model;
    this.#link = link;
    this.#wantedMtu = wantedMtu;
  }

  /** One ATT request at a time; resolves with the response PDU, rejects if the link goes down. */
  #request(pdu: Uint8Array): Promise<Uint8Array> {
    const run = this.#queue.then(
      () =>
        new Promise<Uint8Array>((resolve, reject) => {
          if (!this.#link.connected) return reject(new LinkDown());
          const onPdu = (r: Uint8Array): void => {
            this.#link.removeListener('disconnect', onDown);
            resolve(r);
          };
          const onDown = (): void => {
            this.#link.removeListener('pdu', onPdu);
            reject(new LinkDown());
          };
          this.#link.once('pdu', onPdu);
          this.#link.once('disconnect', onDown);
          this.#link.send(pdu);
        }),
    );
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** Runs a procedure; a dropped link ends it silently (noble reports the disconnect itself). */
  #run(work: () => Promise<void>): void {
    work().catch((e: unknown) => {
      if (!(e instanceof LinkDown)) throw e;
    });
  }

  #service(uuid: string): Attribute | undefined {
    return this.#model.attributes.find(
      (a) => a.kind === 'service' && a.value && nobleUuid(wireToUuid(a.value)) === uuid,
    );
  }

  #value(service: string, characteristic: string): Attribute | undefined {
    const s = this.#service(service);
    return this.#model.attributes.find(
      (a) =>
        a.kind === 'value' &&
        s &&
        a.handle > s.handle &&
        a.handle <= (s.groupEnd ?? 0) &&
        nobleUuid(a.type) === characteristic,
    );
  }

  exchangeMtu(): void {
    this.#run(async () => {
      const r = await this.#request(Uint8Array.of(ATT.MTU_REQ, ...le16(this.#wantedMtu)));
      this.emit('mtu', '', this.#link.mtu || (r[1] ?? 23));
    });
  }

  discoverServices(uuids: string[]): void {
    const all = this.#model.attributes.filter((a) => a.kind === 'service').map((a) => nobleUuid(wireToUuid(a.value!)));
    setImmediate(() =>
      this.emit(
        'servicesDiscover',
        '',
        all.filter((u) => uuids.length === 0 || uuids.includes(u)),
      ),
    );
  }

  discoverIncludedServices(service: string): void {
    setImmediate(() => this.emit('includedServicesDiscover', '', service, []));
  }

  discoverCharacteristics(service: string, uuids: string[]): void {
    const s = this.#service(service);
    const chars = this.#model.attributes
      .filter((a) => a.kind === 'value' && s && a.handle > s.handle && a.handle <= (s.groupEnd ?? 0))
      .map((a) => ({ uuid: nobleUuid(a.type), properties: ['read', 'write'] }))
      .filter((c) => uuids.length === 0 || uuids.includes(c.uuid));
    setImmediate(() => this.emit('characteristicsDiscover', '', service, chars));
  }

  discoverDescriptors(service: string, characteristic: string): void {
    const v = this.#value(service, characteristic);
    const d = v && this.#model.attributes[v.handle];
    const list = d?.kind === 'description' ? ['2901'] : [];
    setImmediate(() => this.emit('descriptorsDiscover', '', service, characteristic, list));
  }

  async #readLong(handle: number): Promise<Uint8Array> {
    let data: Uint8Array = new Uint8Array();
    for (;;) {
      const pdu =
        data.length === 0
          ? Uint8Array.of(ATT.READ_REQ, ...le16(handle))
          : Uint8Array.of(ATT.READ_BLOB_REQ, ...le16(handle), ...le16(data.length));
      const r = await this.#request(pdu);
      if (r[0] === ATT.ERROR) throw new AttFailure(r[4] ?? 0);
      const part = r.subarray(1);
      data = concatBytes(data, part);
      if (part.length < this.#link.mtu - 1) return data;
    }
  }

  read(service: string, characteristic: string): void {
    const v = this.#value(service, characteristic);
    this.#run(async () => {
      try {
        const data = await this.#readLong(v?.handle ?? 0);
        this.emit('read', '', service, characteristic, Buffer.from(data));
      } catch (e) {
        if (!(e instanceof AttFailure)) throw e;
        this.emit('read', '', service, characteristic, null, e);
      }
    });
  }

  readValue(service: string, characteristic: string, descriptor: string): void {
    const v = this.#value(service, characteristic);
    this.#run(async () => {
      try {
        const data = await this.#readLong((v?.handle ?? 0) + 1);
        this.emit('valueRead', '', service, characteristic, descriptor, Buffer.from(data));
      } catch (e) {
        if (!(e instanceof AttFailure)) throw e;
        this.emit('valueRead', '', service, characteristic, descriptor, null, e);
      }
    });
  }

  write(service: string, characteristic: string, data: Buffer, withoutResponse: boolean): void {
    const handle = this.#value(service, characteristic)?.handle ?? 0;
    this.#run(async () => {
      const error = withoutResponse ? undefined : await this.#writeLong(handle, new Uint8Array(data));
      this.emit('write', '', service, characteristic, error);
    });
  }

  /** Write Request when it fits in one PDU, else Prepare Write chunks of MTU-5 and Execute Write. */
  async #writeLong(handle: number, data: Uint8Array): Promise<AttFailure | undefined> {
    const mtu = this.#link.mtu;
    const check = (r: Uint8Array): AttFailure | undefined =>
      r[0] === ATT.ERROR ? new AttFailure(r[4] ?? 0) : undefined;
    if (data.length + 3 <= mtu)
      return check(await this.#request(concatBytes(Uint8Array.of(ATT.WRITE_REQ, ...le16(handle)), data)));
    for (let offset = 0; offset < data.length; offset += mtu - 5) {
      const chunk = data.subarray(offset, offset + mtu - 5);
      const failed = check(
        await this.#request(concatBytes(Uint8Array.of(ATT.PREPARE_WRITE_REQ, ...le16(handle), ...le16(offset)), chunk)),
      );
      if (failed) {
        await this.#request(Uint8Array.of(ATT.EXECUTE_WRITE_REQ, 0));
        return failed;
      }
    }
    return check(await this.#request(Uint8Array.of(ATT.EXECUTE_WRITE_REQ, 1)));
  }

  writeValue(service: string, characteristic: string, descriptor: string): void {
    setImmediate(() => this.emit('valueWrite', '', service, characteristic, descriptor, new AttFailure(0x03)));
  }

  readHandle(handle: number): void {
    this.#run(async () => {
      this.emit('handleRead', '', handle, Buffer.from(await this.#readLong(handle)));
    });
  }

  writeHandle(handle: number, data: Buffer, withoutResponse: boolean): void {
    this.#run(async () => {
      const error = withoutResponse ? undefined : await this.#writeLong(handle, new Uint8Array(data));
      this.emit('handleWrite', '', handle, error);
    });
  }

  notify(service: string, characteristic: string): void {
    setImmediate(() => this.emit('notify', '', service, characteristic, false, new AttFailure(0x06)));
  }

  broadcast(service: string, characteristic: string): void {
    setImmediate(() => this.emit('broadcast', '', service, characteristic, false));
  }
}

/** A service declaration's value (UUID in ATT wire order) as a UUID string. */
function wireToUuid(value: Uint8Array): string {
  if (value.length === 2) return ((value[0] ?? 0) | ((value[1] ?? 0) << 8)).toString(16);
  return Buffer.from(value).reverse().toString('hex');
}
