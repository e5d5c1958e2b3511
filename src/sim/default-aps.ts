/**
 * The built-in Wi-Fi environment: the twelve access points of the recorded sessions in shared/vectors (SSID,
 * BSSID, channel, RSSI and auth mode as the recorded scans show them). Passphrases of HomeNetwork and
 * IoT-Devices are the ones the recordings used; the others are invented. DHCP addresses follow the recordings
 * (HomeNetwork → 192.168.1.100, IoT-Devices → .111): 100 + the last BSSID byte − 0x10.
 */
import { toAccessPoint, type SimAccessPoint, type SimAccessPointSpec } from './access-points.js';

export const DEFAULT_ACCESS_POINT_SPECS: readonly SimAccessPointSpec[] = [
  {
    ssid: 'HomeNetwork',
    bssid: '02:11:22:33:44:10',
    channel: 6,
    rssi: -42,
    auth: 'WPA2_PSK',
    passphrase: 'correct-horse-battery',
    ip: '192.168.1.100',
  },
  {
    ssid: 'WPA3-Only-Lab',
    bssid: '02:11:22:33:44:13',
    channel: 3,
    rssi: -51,
    auth: 'WPA3_PSK',
    passphrase: 'sae-lab-passphrase',
    ip: '192.168.1.103',
  },
  { ssid: 'Corp-EAP', bssid: '02:11:22:33:44:19', channel: 5, rssi: -55, auth: 'WPA2_ENTERPRISE', ip: '192.168.1.109' },
  {
    ssid: 'Office-5F',
    bssid: '02:11:22:33:44:12',
    channel: 11,
    rssi: -58,
    auth: 'WPA_WPA2_PSK',
    passphrase: 'fifth-floor-guest',
    ip: '192.168.1.102',
  },
  {
    ssid: 'Café-Ünicøde-☕',
    bssid: '02:11:22:33:44:16',
    channel: 4,
    rssi: -60,
    auth: 'WPA2_PSK',
    passphrase: 'croissant-au-beurre',
    ip: '192.168.1.106',
  },
  { ssid: 'CoffeeShop_Free', bssid: '02:11:22:33:44:11', channel: 1, rssi: -67, auth: 'OPEN', ip: '192.168.1.101' },
  {
    ssid: 'IoT-Devices',
    bssid: '02:11:22:33:44:1b',
    channel: 10,
    rssi: -70,
    auth: 'WPA2_PSK',
    passphrase: 'iot-devices-pw',
    ip: '192.168.1.111',
  },
  {
    ssid: 'Mixed_WPA2_WPA3',
    bssid: '02:11:22:33:44:14',
    channel: 9,
    rssi: -73,
    auth: 'WPA2_WPA3_PSK',
    passphrase: 'transition-mode',
    ip: '192.168.1.104',
  },
  {
    ssid: 'OldRouter-WPA',
    bssid: '02:11:22:33:44:18',
    channel: 7,
    rssi: -77,
    auth: 'WPA_PSK',
    passphrase: 'tkip-forever',
    ip: '192.168.1.108',
  },
  {
    ssid: 'ThirtyTwoByteSSID_abcdefghijklmn',
    bssid: '02:11:22:33:44:15',
    channel: 13,
    rssi: -80,
    auth: 'WPA2_PSK',
    passphrase: 'exactly-32-bytes',
    ip: '192.168.1.105',
  },
  {
    ssid: 'LegacyWEP',
    bssid: '02:11:22:33:44:17',
    channel: 2,
    rssi: -85,
    auth: 'WEP',
    passphrase: 'wep40',
    ip: '192.168.1.107',
  },
  {
    ssid: 'Neighbor_2G',
    bssid: '02:11:22:33:44:1a',
    channel: 8,
    rssi: -88,
    auth: 'WPA_WPA2_PSK',
    passphrase: 'not-your-network',
    ip: '192.168.1.110',
  },
];

export const DEFAULT_ACCESS_POINTS: readonly SimAccessPoint[] = DEFAULT_ACCESS_POINT_SPECS.map((s, i) =>
  toAccessPoint(s, `default access point #${i + 1}`),
);
