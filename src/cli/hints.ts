/**
 * "What to try" after a failure, per error code (and transport where it matters). The library's messages
 * say what happened in its own terms and put the facts in `details` (what is missing, what a refused
 * handshake may mean); this is the one place that turns those facts into command-line flags.
 */
import { fileURLToPath } from 'node:url';
import type { EspProvError } from '../errors.js';

/**
 * The option reference as installed: docs/ ships in the package (package.json `files`), two levels above
 * both src/cli/ and dist/cli/. A full path, because "docs/cli.md" means nothing after `npx esp-prov`.
 */
export const CLI_DOCS_PATH = fileURLToPath(new URL('../../docs/cli.md', import.meta.url));

/** The flag that supplies each value the library reports as `details.missing`. */
const FLAG_FOR_MISSING: Readonly<Record<string, string>> = {
  ssid: '--ssid',
  passphrase: '--passphrase (an empty one for an open network)',
  dataset: '--dataset_tlvs',
  security: '--sec_ver 0, 1 or 2',
  pop: '--pop',
  username: '--sec2_username',
  password: '--sec2_pwd',
};

/** Advice per `details.suspects` of a refused handshake. */
const HANDSHAKE_ADVICE: Readonly<Record<string, string>> = {
  pop: 'check --pop (or leave it out: the device may expect none)',
  credentials: 'check --sec2_username and --sec2_pwd',
  scheme: 'the scheme comes from the device’s sec_ver; --sec_ver forces another one',
};

function missingInput(err: EspProvError): string[] {
  if (err.details?.['inputEnded'] === true) {
    return ['the terminal input ended (Ctrl-D); give the value as a flag, a file or an environment variable'];
  }
  const missing = err.details?.['missing'];
  const flag = typeof missing === 'string' ? FLAG_FOR_MISSING[missing] : undefined;
  if (flag === undefined) {
    return ['run in a terminal to be asked, or give the value as a flag, a file or an environment variable'];
  }
  return [err.details?.['askable'] === true ? `pass ${flag}, or run in a terminal to be asked` : `pass ${flag}`];
}

/**
 * A SoftAP device that has been provisioned stops its provisioning service (PROTOCOL.md §5.4) but may still
 * answer on its address: its httpd then drops the first exchanges (proto-ver, the first handshake step)
 * unanswered. That is the likely cause when a second client meets a refusal right at the start.
 */
const PROVISIONING_ENDED =
  'the device may have finished provisioning (a provisioned device stops its provisioning service): reset it into provisioning mode';

/** The device's own refusal (details.refused) of the first exchange, or of the first handshake step, on SoftAP. */
function refusedAtStart(err: EspProvError, transport: string | undefined): boolean {
  if (transport !== 'softap') return false;
  if (err.code === 'HANDSHAKE_FAILED') return err.details?.['step'] === 0;
  return err.details?.['refused'] === true && err.endpoint === 'proto-ver';
}

function handshakeFailed(err: EspProvError, transport: string | undefined): string[] {
  const advice = handshakeAdvice(err);
  return refusedAtStart(err, transport) ? [PROVISIONING_ENDED, ...advice] : advice;
}

function handshakeAdvice(err: EspProvError): string[] {
  const suspects = err.details?.['suspects'];
  if (!Array.isArray(suspects)) {
    return ['Security 1: check --pop; Security 2: check --sec2_username and --sec2_pwd', HANDSHAKE_ADVICE['scheme']!];
  }
  return suspects.flatMap((s) => (typeof s === 'string' && HANDSHAKE_ADVICE[s] ? [HANDSHAKE_ADVICE[s]] : []));
}

export function hintsFor(err: EspProvError, transport: string | undefined): string[] {
  // --join: this computer's Wi-Fi tool failed (missing, or could not join), before any exchange with the board.
  if (typeof err.details?.['tool'] === 'string' && err.code !== 'CANCELLED' && err.code !== 'TIMEOUT') {
    const byHand = 'or join the access point by hand and run without --join';
    if (err.code === 'TRANSPORT_UNAVAILABLE') return ['join the access point by hand, then run again without --join'];
    return [
      'is the board in provisioning mode and in range, and is the access point passphrase right (--ap-passphrase-file, ESP_PROV_AP_PASSPHRASE)?',
      byHand,
    ];
  }
  switch (err.code) {
    case 'USAGE':
      return [`esp-prov --help lists every option; ${CLI_DOCS_PATH} has the details`];
    case 'MISSING_INPUT':
      return missingInput(err);
    case 'TRANSPORT_UNAVAILABLE':
      if (transport === 'ble') {
        // The BLE loader says what to install or enable for this platform and adapter state, in one line.
        const hint = err.details?.['hint'];
        if (typeof hint === 'string') return [hint];
        return [
          'BLE needs the optional package @stoprocent/noble and a powered Bluetooth adapter',
          '--ble-adapter hciN picks another adapter (Linux)',
          'or relay by hand with --transport ble-manual, or use --transport softap',
        ];
      }
      return transport === 'serial'
        ? ['or type the lines on the device console yourself with --transport console']
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
      if (refusedAtStart(err, transport)) return [PROVISIONING_ENDED, 'run again; -v shows the last exchange'];
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
      return handshakeFailed(err, transport);
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
    case 'BATCH_PARTIAL':
      return ['each failed board names its own code; --resume --journal FILE runs only the boards not yet provisioned'];
    case 'APPLIED_UNCONFIRMED':
      return [
        'the device has the credentials: check whether it joined (its log, your router) before provisioning again',
        'a device stops provisioning once it has joined, so it may no longer answer',
      ];
    case 'JOURNAL_FAILED':
      return [
        "free space on (or fix) the journal's disk, then run again with --resume --journal FILE",
        'boards the reports show provisioned but the journal does not: check them before provisioning again',
      ];
    case 'INTERNAL':
      return ['this is a bug in esp-prov: please report it with the output of -v'];
  }
}
