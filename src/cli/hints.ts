/**
 * "What to try" after a failure, per error code (and transport where it matters). The library's messages
 * already say what happened; these lines say what a person can do about it.
 */
import type { EspProvError } from '../errors.js';

export function hintsFor(err: EspProvError, transport: string | undefined): string[] {
  switch (err.code) {
    case 'USAGE':
      return ['esp-prov --help lists every option; docs/cli.md has the details'];
    case 'MISSING_INPUT':
      return ['run in a terminal to be asked, or give the value as a flag, a file or an environment variable'];
    case 'TRANSPORT_UNAVAILABLE':
      return transport === 'ble'
        ? [
            'BLE needs the optional package @stoprocent/noble and a powered Bluetooth adapter',
            'or relay by hand with --transport ble-manual, or use --transport softap',
          ]
        : [];
    case 'DEVICE_NOT_FOUND':
      if (transport === 'softap') {
        return [
          "join the device's Wi-Fi access point (PROV_xxxxxx) first",
          'check --service_name (default 192.168.4.1:80) and that the device is in provisioning mode',
        ];
      }
      if (transport === 'ble') return ['is the device advertising and close by? check --service_name (exact name)'];
      return ['check --service_name and that the device is in provisioning mode'];
    case 'CONNECTION_LOST':
      return [
        'another client may have taken the device’s only session, or provisioning already ended on the device',
        'run again; -v shows the last exchange',
      ];
    case 'TIMEOUT':
      return ['raise --timeout, and check that the device is still in provisioning mode'];
    case 'CANCELLED':
      return [];
    case 'VERSION_MISMATCH':
      return ['drop --proto_ver or give the version the device reports (-v shows it)'];
    case 'UNSUPPORTED':
      return ['-v shows what the device reported'];
    case 'HANDSHAKE_FAILED':
      return [
        'Security 1: check --pop; Security 2: check --sec2_username and --sec2_pwd',
        'the scheme comes from the device’s sec_ver; --sec_ver forces one',
      ];
    case 'DEVICE_AUTH_FAILED':
      return ['the device does not hold the secret you gave: is it the right device, flashed with these credentials?'];
    case 'DECRYPT_FAILED':
      return ['the session got out of step (a lost or repeated message); run again'];
    case 'DECODE_FAILED':
      return ['the device sent something this protocol does not allow; -v shows the bytes'];
    case 'DEVICE_STATUS':
      return ['-v shows the exchange; after a failed attempt the device may need esp-prov --reset or a reboot'];
    case 'WIFI_AUTH_FAILED':
      return [
        'check the passphrase (it is case-sensitive)',
        'then provision again; if the device stays out of provisioning mode, reset it (--reset) or erase its NVS',
      ];
    case 'WIFI_NOT_FOUND':
      return ['check the SSID (case-sensitive), that the access point is on 2.4 GHz and within reach of the device'];
    case 'WIFI_FAILED':
      return ['check the access point (MAC filter, DHCP, client limit), then provision again'];
    case 'THREAD_DATASET_INVALID':
      return ['check --dataset_tlvs (hex of the active operational dataset, e.g. from `ot-ctl dataset active -x`)'];
    case 'THREAD_NOT_FOUND':
      return ['check the network key and channel, and that a Thread border router is up nearby'];
    case 'INTERNAL':
      return ['this is a bug in esp-prov: please report it with the output of -v'];
  }
}
