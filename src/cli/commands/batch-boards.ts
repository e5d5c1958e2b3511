/**
 * Manifest rows → boards for provisionMany: each row's transport factory (HTTP, BLE or serial, each module
 * loaded only when a row needs it) and its provisioning options, with absent cells falling back to the
 * batch's secret flags (--pop, --sec2_pwd, --passphrase...), their files, then the environment variables a single run reads.
 * Every secret is registered with the redactor before any board runs.
 */
import { utf8 } from '../../bytes.js';
import type { Board, BoardOptions } from '../../batch/types.js';
import type { BatchTransport, ManifestRow, SecretColumn } from '../../batch/manifest.js';
import { fromHex } from '../../bytes.js';
import { EspProvError } from '../../errors.js';
import type { CommandContext } from '../context.js';
import type { HostWifi } from '../../hostwifi/types.js';
import { resolveSecret } from '../secrets.js';
import type { BatchSecrets } from './batch-options.js';

/** The secrets every board falls back on: flag, file, environment (secrets.ts's order), resolved once. */
export interface Fallbacks {
  pop?: string;
  username?: string;
  password?: string;
  passphrase?: string;
}

export async function resolveFallbacks(s: BatchSecrets, ctx: CommandContext): Promise<Fallbacks> {
  const get = async (src: BatchSecrets[keyof BatchSecrets], what: string): Promise<string | undefined> =>
    (await resolveSecret(src, what, undefined, ctx.stdin))?.value;
  const f: Fallbacks = {};
  const pop = await get(s.pop, 'the PoP');
  const username = await get(s.username, 'the Security 2 username');
  const password = await get(s.password, 'the Security 2 password');
  const passphrase = await get(s.passphrase, 'the Wi-Fi passphrase');
  if (pop !== undefined) f.pop = pop;
  if (username !== undefined) f.username = username;
  if (password !== undefined) f.password = password;
  if (passphrase !== undefined) f.passphrase = passphrase;
  for (const v of [f.pop, f.password, f.passphrase]) ctx.redactor.add(v);
  return f;
}

/** One board's provisioning options from its own values, the others falling back on `fallback`. */
export function boardOptions(
  s: Partial<Record<SecretColumn, string>>,
  fallback: Fallbacks,
  ssid: string | undefined,
  customData: string | undefined,
  timeoutMs: number | undefined,
): BoardOptions {
  const pop = s.pop ?? fallback.pop;
  const username = s.sec2_username ?? fallback.username;
  const password = s.sec2_password ?? fallback.password;
  const passphrase = s.passphrase ?? fallback.passphrase;
  return {
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
    ...(customData !== undefined ? { custom: [{ endpoint: 'custom-data', data: utf8(customData) }] } : {}),
    ...(timeoutMs ? { requestTimeoutMs: timeoutMs } : {}),
  };
}

/** SoftAP when the device looks like host:port or an IP, serial for a device path, BLE otherwise. */
export function inferTransport(device: string): BatchTransport {
  if (/^(\/dev\/|COM\d+$)/i.test(device)) return 'serial';
  if (/^\[[0-9a-f:.]+\](:\d+)?$|^[^\s:]+:\d{1,5}$|^\d{1,3}(\.\d{1,3}){3}$/i.test(device)) return 'softap';
  return 'ble';
}

export function opener(transport: BatchTransport, device: string, timeoutMs: number | undefined): Board['connect'] {
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

/** `batch --join`: the host's Wi-Fi, and the boards' access point passphrase (--ap-passphrase-file, ESP_PROV_AP_PASSPHRASE). */
export interface BatchJoin {
  wifi: HostWifi;
  passphrase: string | undefined;
  /** Where the boards answer once joined: the SoftAP default unless --join-address says otherwise. */
  address: string;
}

/**
 * A SoftAP row whose device is an access point's name rather than an address: the computer joins it for each
 * attempt (one board at a time per Wi-Fi interface, withJoinedAccessPoint's own queue) and reaches the board
 * at the SoftAP default address (or --join-address).
 */
export function joining(
  device: string,
  join: BatchJoin,
  ctx: CommandContext,
  passphrase = join.passphrase,
): Pick<Board, 'around'> {
  return {
    around: async (attempt, { signal }) => {
      const [{ withJoinedAccessPoint }, { parseServiceAddress }] = await Promise.all([
        import('../../hostwifi/join.js'),
        import('../../transport/http-address.js'),
      ]);
      const ap = { ssid: device, ...(passphrase !== undefined ? { passphrase } : {}) };
      return withJoinedAccessPoint(
        join.wifi,
        ap,
        {
          signal,
          address: parseServiceAddress(join.address),
          onRestoreFailed: (e) => ctx.out.warn(`${device}: could not restore this computer's Wi-Fi: ${e.message}`),
        },
        attempt,
      );
    },
  };
}

export function toBoards(
  rows: readonly ManifestRow[],
  secrets: Map<string, Partial<Record<SecretColumn, string>>>,
  ctx: CommandContext,
  timeoutMs: number | undefined,
  fallback: Fallbacks,
  fallbackSsid?: string,
  join?: BatchJoin,
): Board[] {
  return rows.map((row) => {
    const s = secrets.get(row.id) ?? {};
    for (const v of [s.pop, s.sec2_password, s.passphrase, s.thread_dataset, s.ap_passphrase]) ctx.redactor.add(v);
    const ssid = row.ssid ?? fallbackSsid;
    if (ssid === undefined && s.thread_dataset === undefined) {
      throw new EspProvError('USAGE', `${row.where}: no ssid (nor --ssid) and no thread_dataset: nothing to provision`);
    }
    const transport = row.transport ?? inferTransport(row.device);
    const viaJoin = join !== undefined && transport === 'softap' && inferTransport(row.device) !== 'softap';
    if (s.ap_passphrase !== undefined && !viaJoin) {
      throw new EspProvError(
        'USAGE',
        `${row.where}: ap_passphrase is for a softap row whose device is its access point's name, with --join`,
      );
    }
    return {
      id: row.id,
      device: row.device,
      transport,
      connect: opener(transport, viaJoin ? join.address : row.device, timeoutMs),
      ...(viaJoin ? joining(row.device, join, ctx, s.ap_passphrase ?? join.passphrase) : {}),
      options: boardOptions(s, fallback, ssid, row.custom_data, timeoutMs),
    };
  });
}
