/**
 * `esp-prov sim`: its options and the typed arguments runSim receives. The security options also answer to the
 * provisioning command's spellings (--sec_ver, --sec2_username, --sec2_pwd), so that one line of flags can
 * describe both ends.
 */
import { InvalidArgumentError } from 'commander';
import { JSON_OPTION, OUTPUT_OPTIONS, type OutputFlags } from '../option-common.js';
import { flag, list, negatable, oneOf, parsed, text, type OptionValues } from '../option-table.js';
import { deviceText, hexBytes, integer, MAX_TIMER_MS } from '../option-values.js';
import { EspProvError } from '../../errors.js';

export function parseListen(raw: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(raw.trim());
  const port = Number(m?.[3]);
  if (!m || port > 65535) throw new InvalidArgumentError('--listen must be host:port, e.g. 127.0.0.1:8080.');
  return { host: m[1] ?? m[2]!, port };
}

/**
 * The shape and the delay of `kind:phase[:once|always][:ms]`; kind and phase are the simulator's to judge
 * (sim/faults.ts, loaded with the simulator). A delay a timer cannot hold would fire after 1 ms.
 */
export function faultText(raw: string): string {
  const parts = raw.split(':');
  if (parts.length < 2 || !parts[0] || !parts[1]) {
    throw new InvalidArgumentError('--fault must look like kind:phase[:once|always][:ms].');
  }
  for (const part of parts.slice(2)) {
    if (part === 'once' || part === 'always') continue;
    if (!/^\d+$/.test(part)) throw new InvalidArgumentError(`"${part}" is neither once, always nor a delay in ms.`);
    if (Number(part) > MAX_TIMER_MS) throw new InvalidArgumentError(`a fault delay is at most ${MAX_TIMER_MS} ms.`);
  }
  return raw;
}

export const SIM_OPTIONS = {
  transport: oneOf(['--transport'], '<mode>', {
    help: 'softap (HTTP; alias httpd) or console (on a pseudo-terminal)',
    choices: ['softap', 'console'],
    default: 'softap',
    normalize: (raw) => (raw.trim().toLowerCase() === 'httpd' ? 'softap' : raw.trim().toLowerCase()),
  }),
  listen: parsed(['--listen'], '<host:port>', {
    help: 'softap: address to listen on (port 0 = any free port)',
    parse: parseListen,
    default: { host: '127.0.0.1', port: 8080 },
    defaultText: '127.0.0.1:8080',
  }),
  sec: parsed(['--sec', '--sec_ver', '--sec-ver'], '<n>', {
    help: 'security scheme 0, 1 or 2 (default 2; 1 with --transport console)',
    parse: (raw): 0 | 1 | 2 => {
      const v = raw.trim();
      if (v === '0' || v === '1' || v === '2') return Number(v) as 0 | 1 | 2;
      throw new InvalidArgumentError('security version must be 0, 1 or 2.');
    },
    // Security 2's first handshake message does not fit a console line, so the console device defaults to 1:
    // `sim --transport console` then pairs with `esp-prov --transport serial` without a flag (simArgs).
  }),
  pop: text(['--pop'], '<pop>', {
    help: 'Security 1 PoP (default abcd1234; "" = none)',
    check: deviceText('--pop'),
    secret: true,
  }),
  username: text(['--sec2-username', '--sec2_username'], '<name>', {
    help: 'Security 2 username (default wifiprov)',
    check: deviceText('--sec2-username'),
  }),
  password: text(['--sec2-password', '--sec2_pwd', '--sec2-pwd'], '<password>', {
    help: 'Security 2 password (default abcd1234)',
    check: deviceText('--sec2-password'),
    secret: true,
  }),
  salt: parsed(['--salt'], '<hex>', {
    help: 'Security 2 salt (with --verifier, instead of username/password)',
    parse: hexBytes('--salt'),
  }),
  verifier: parsed(['--verifier'], '<hex>', { help: 'Security 2 verifier', parse: hexBytes('--verifier') }),
  secPatch: parsed(['--sec-patch'], '<n>', {
    help: 'Security 2 patch level (1 = per-message nonces)',
    parse: (raw): 0 | 1 => {
      if (raw.trim() === '0' || raw.trim() === '1') return Number(raw.trim()) as 0 | 1;
      throw new InvalidArgumentError('--sec-patch must be 0 or 1.');
    },
    default: 1,
  }),
  aps: text(['--aps'], '<file>', { help: 'JSON file with the access points the device "sees"' }),
  fast: flag(['--fast'], { help: 'short device timings (scan, join, failed attempts) instead of realistic ones' }),
  flavour: oneOf(['--flavour'], '<kind>', {
    help: 'firmware: wifi_prov (IDF wifi_provisioning), or network_provisioning as netprov-wifi / netprov-thread',
    choices: ['wifi_prov', 'netprov-wifi', 'netprov-thread'],
    default: 'wifi_prov',
  }),
  versionStyle: oneOf(['--version-style'], '<style>', {
    help: 'proto-ver answer: json (manager JSON), json-no-secver (IDF v4), plain (bare string)',
    choices: ['json', 'json-no-secver', 'plain'],
    default: 'json',
  }),
  faults: list(['--fault'], '<spec>', {
    help: 'inject a fault, kind:phase[:once|always][:ms], e.g. close:handshake1, delay:status:always:3000 (repeatable)',
    parse: faultText,
  }),
  answers: text(['--answers'], '<file>', {
    help: 'JSON with hostile device texts, for testing clients: provVersion, capabilities, ip, customData',
  }),
  httpStatus: parsed(['--http-status'], '<spec>', {
    help: 'softap: answer an HTTP error instead, CODE:PHASE[:once|always], e.g. 500:status',
    parse: (raw) => {
      const [code, phase, repeat] = raw.split(':');
      if (!code || !/^\d{3}$/.test(code) || Number(code) < 400 || Number(code) > 599 || !phase) {
        throw new InvalidArgumentError('--http-status must look like CODE:PHASE[:once|always], CODE 400 to 599.');
      }
      if (repeat !== undefined && repeat !== 'once' && repeat !== 'always') {
        throw new InvalidArgumentError(`"${repeat}" is neither once nor always.`);
      }
      return raw;
    },
  }),
  connAttempts: parsed(['--conn-attempts'], '<n>', {
    help: 'Wi-Fi join attempts before failing (0 = retry forever; default 5)',
    parse: integer('--conn-attempts', 0, 255),
  }),
  autoStop: negatable('--no-auto-stop', { help: 'keep provisioning running after success (allows --reprov)' }),
  replay: text(['--replay'], '<file>', {
    help: 'act as the device recorded in a transcript (--record), with the credentials given here',
  }),
  // A fleet for `esp-prov batch` (sim-fleet.ts).
  count: parsed(['--count'], '<n>', {
    help: 'softap: run N devices, each on its own port from --listen on, each with its own credentials',
    parse: integer('--count', 1, 1000),
  }),
  seed: text(['--seed'], '<text>', {
    help: 'with --count: derive every device credential from this (default: random)',
  }),
  manifestOut: text(['--manifest-out'], '<file>', {
    help: 'with --count: write a batch manifest (CSV) of the devices, their credentials and network',
  }),
  ...JSON_OPTION,
  ...OUTPUT_OPTIONS,
};

export interface SimArgs extends OutputFlags {
  transport: 'softap' | 'console';
  listen: { host: string; port: number };
  sec: 0 | 1 | 2;
  /** --sec was given (else `sec` is the default): `--replay` then takes the scheme from the recording. */
  secGiven: boolean;
  pop: string | undefined;
  username: string | undefined;
  password: string | undefined;
  salt: Uint8Array | undefined;
  verifier: Uint8Array | undefined;
  secPatch: 0 | 1;
  aps: string | undefined;
  fast: boolean;
  /** Firmware component the device runs (wifi_prov = IDF; netprov-* = network_provisioning). */
  flavour: 'wifi_prov' | 'netprov-wifi' | 'netprov-thread';
  /** How proto-ver answers: manager JSON, JSON of IDF v3.3–v4.4 (no sec_ver), or a bare legacy string. */
  versionStyle: 'json' | 'json-no-secver' | 'plain';
  /** Fault specs `kind:phase[:once|always][:ms]`, validated by the simulator. */
  faults: string[];
  /** `--answers`: path of a JSON file of hostile device texts (sim/answers.ts). */
  answers: string | undefined;
  /** `--http-status` CODE:PHASE[:once|always], validated by the simulator. */
  httpStatus: string | undefined;
  connAttempts: number | undefined;
  autoStop: boolean;
  /** `--replay`: a transcript to act out instead of simulating (sim-replay.ts). */
  replay: string | undefined;
  /** `--count`: a fleet of devices (sim-fleet.ts) instead of one. */
  count: number | undefined;
  seed: string | undefined;
  manifestOut: string | undefined;
}

export function simArgs(o: OptionValues<typeof SIM_OPTIONS>): SimArgs {
  if ((o.salt === undefined) !== (o.verifier === undefined)) {
    throw new EspProvError('USAGE', 'give --salt and --verifier together');
  }
  if (o.count === undefined && (o.seed !== undefined || o.manifestOut !== undefined)) {
    throw new EspProvError('USAGE', '--seed and --manifest-out describe a fleet: give --count N');
  }
  if (o.count !== undefined && o.transport !== 'softap') throw new EspProvError('USAGE', '--count runs SoftAP devices');
  if (o.count !== undefined && o.salt !== undefined) {
    throw new EspProvError('USAGE', '--count derives each device its own credentials: no --salt/--verifier');
  }
  return { ...o, sec: o.sec ?? (o.transport === 'console' ? 1 : 2), secGiven: o.sec !== undefined };
}
