/**
 * Manifest rows → boards for provisionMany: each row's transport factory (HTTP, BLE or serial, each module
 * loaded only when a row needs it) and its provisioning options, with absent cells falling back to the
 * environment variables a single run reads. Every secret is registered with the redactor before any board runs.
 */
import { utf8 } from '../../bytes.js';
import type { Board } from '../../batch/types.js';
import type { BatchTransport, ManifestRow, SecretColumn } from '../../batch/manifest.js';
import { fromHex } from '../../bytes.js';
import { EspProvError } from '../../errors.js';
import { ENV } from '../option-common.js';
import type { CommandContext } from '../context.js';

/** SoftAP when the device looks like host:port or an IP, serial for a device path, BLE otherwise. */
export function inferTransport(device: string): BatchTransport {
  if (/^(\/dev\/|COM\d+$)/i.test(device)) return 'serial';
  if (/^\[[0-9a-f:.]+\](:\d+)?$|^[^\s:]+:\d{1,5}$|^\d{1,3}(\.\d{1,3}){3}$/i.test(device)) return 'softap';
  return 'ble';
}

function opener(transport: BatchTransport, device: string, timeoutMs: number | undefined): Board['connect'] {
  switch (transport) {
    case 'softap':
      return async () => {
        const { HttpTransport, parseServiceAddress } = await import('../../transport/http.js');
        return new HttpTransport({ address: parseServiceAddress(device), ...(timeoutMs ? { timeoutMs } : {}) });
      };
    case 'ble':
      return async ({ signal }) => {
        const { openBleTransport } = await import('../../transport/ble.js');
        const byAddress = /^([0-9a-f]{2}[:-]){5}[0-9a-f]{2}$/i.test(device);
        return openBleTransport({
          ...(byAddress ? { address: device } : { serviceName: device }),
          signal,
          ...(timeoutMs ? { requestTimeoutMs: timeoutMs } : {}),
        });
      };
    case 'serial':
      return async ({ signal }) => {
        const { openSerialTransport } = await import('../../transport/serial.js');
        return openSerialTransport({ path: device, signal, ...(timeoutMs ? { requestTimeoutMs: timeoutMs } : {}) });
      };
  }
}

export function toBoards(
  rows: readonly ManifestRow[],
  secrets: Map<string, Partial<Record<SecretColumn, string>>>,
  ctx: CommandContext,
  timeoutMs: number | undefined,
  fallbackSsid?: string,
): Board[] {
  const env = ctx.io.env;
  const fromEnv = (name: string): string | undefined => (env[name] === '' ? undefined : env[name]);
  return rows.map((row) => {
    const s = secrets.get(row.id) ?? {};
    const pop = s.pop ?? fromEnv(ENV.pop);
    const username = s.sec2_username ?? fromEnv(ENV.username);
    const password = s.sec2_password ?? fromEnv(ENV.password);
    const passphrase = s.passphrase ?? fromEnv(ENV.passphrase);
    for (const v of [pop, password, passphrase, s.thread_dataset]) ctx.redactor.add(v);
    const ssid = row.ssid ?? fallbackSsid;
    if (ssid === undefined && s.thread_dataset === undefined) {
      throw new EspProvError('USAGE', `${row.where}: no ssid (nor --ssid) and no thread_dataset: nothing to provision`);
    }
    const transport = row.transport ?? inferTransport(row.device);
    return {
      id: row.id,
      device: row.device,
      transport,
      connect: opener(transport, row.device, timeoutMs),
      options: {
        security: {
          ...(pop !== undefined ? { pop } : {}),
          ...(username !== undefined ? { username } : {}),
          ...(password !== undefined ? { password } : {}),
        },
        ...(s.thread_dataset !== undefined
          ? { network: 'thread' as const, thread: { dataset: fromHex(s.thread_dataset) } }
          : {
              network: 'wifi' as const,
              wifi: { ssid: utf8(ssid!), passphrase: passphrase === undefined ? undefined : utf8(passphrase) },
            }),
        ...(row.custom_data !== undefined
          ? { custom: [{ endpoint: 'custom-data', data: utf8(row.custom_data) }] }
          : {}),
        ...(timeoutMs ? { requestTimeoutMs: timeoutMs } : {}),
      },
    };
  });
}
