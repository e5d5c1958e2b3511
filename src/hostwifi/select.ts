/** The host Wi-Fi tool for this operating system: nmcli on Linux, networksetup on macOS, netsh on Windows. */
import { EspProvError } from '../errors.js';
import { NetshWifi } from './netsh.js';
import { NetworksetupWifi } from './networksetup.js';
import { NmcliWifi } from './nmcli.js';
import type { HostWifi, WifiToolOptions } from './types.js';

/** What hostWifi passes on to the tool it picks (the program itself is the platform's). */
export type HostWifiOptions = Omit<WifiToolOptions, 'file'>;

export function hostWifi(platform: NodeJS.Platform = process.platform, o: HostWifiOptions = {}): HostWifi {
  switch (platform) {
    case 'linux':
      return new NmcliWifi(o);
    case 'darwin':
      return new NetworksetupWifi(o);
    case 'win32':
      return new NetshWifi(o);
    default:
      throw new EspProvError(
        'UNSUPPORTED',
        `esp-prov does not know how to switch Wi-Fi on ${platform}: join the access point by hand`,
      );
  }
}
