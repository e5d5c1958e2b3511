/**
 * Rules shared by the prov-config / prov-scan / prov-ctrl handlers (PROTOCOL.md §5, §6.2). The device answers
 * every known command with msg = request msg + 1; an unknown msg fails the handler. network_provisioning
 * (≥ 1.2.3) also fails when the payload's oneof case does not belong to msg; wifi_provisioning does not look,
 * but it reads the union member of the expected type, so a command that needs its payload cannot work with
 * another one: that, and a missing payload such a command dereferences, are failures here too (never a crash).
 */
import type { SimFlavour } from './version.js';
import type { ProvManager } from './manager.js';
import { DeviceFailure } from '../protocol/device.js';

export interface EndpointContext {
  flavour: SimFlavour;
  manager: ProvManager;
  /** CONFIG_*_SCAN_MAX_ENTRIES: the bound network_provisioning checks result requests against. */
  scanMaxEntries: number;
  signal: AbortSignal | undefined;
}

export function isNetprov(flavour: SimFlavour): boolean {
  return flavour !== 'wifi_prov';
}

/**
 * Checks the payload of a command. `expected` is the oneof member msg calls for; `needed` whether the
 * handler reads it. Returns the member (or undefined when absent and not needed).
 */
export function commandPayload<T>(
  ctx: EndpointContext,
  request: { payload?: string | undefined },
  expected: string,
  value: T | null | undefined,
  needed: boolean,
): T | undefined {
  const actual = request.payload;
  if (actual !== undefined && actual !== expected) {
    if (isNetprov(ctx.flavour) || needed)
      throw new DeviceFailure(`payload ${actual} does not match the message type (${expected})`);
    return undefined;
  }
  if (needed && (value === null || value === undefined))
    throw new DeviceFailure(`command without its ${expected} payload`);
  return value ?? undefined;
}

export function unknownMessage(endpoint: string, msg: number): DeviceFailure {
  return new DeviceFailure(`${endpoint}: unknown message type ${msg}`);
}
