/**
 * argv → options, and nothing else: no files read, no prompts, no exit. Every esp_prov option is accepted
 * in its original spelling and in kebab-case (PROTOCOL.md §7.1); commander stores both under one name.
 * The result says which command runs and with what; secrets stay as *sources* (flag, file, environment)
 * that secrets.ts resolves later, so that this module stays a table a test can check line by line.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { fromHex } from '../bytes.js';
import { EspProvError } from '../errors.js';
import { parseDuration } from './format.js';

export const TRANSPORTS = ['softap', 'ble', 'ble-manual', 'console', 'serial', 'sim'] as const;
export type TransportName = (typeof TRANSPORTS)[number];

/** Where a value may come from, highest precedence first: flag, file, (QR payload), environment. */
export interface SecretSources {
  flag?: string;
  /** Path given with --*-file; "-" is stdin. */
  file?: string;
  /** Value of the environment variable (empty values count as unset). */
  env?: string;
  /** Name of that variable, for messages. */
  envName: string;
  /** The flags that set it, for messages. */
  flagName: string;
  fileFlag?: string;
}

export type DataSpec = { kind: 'bytes'; bytes: Uint8Array } | { kind: 'file'; path: string };

export interface OutputFlags {
  json: boolean;
  verbose: boolean;
  color: boolean;
  /** False with --no-input: never prompt, even on a terminal. */
  input: boolean;
  showSecrets: boolean;
}

export interface ProvisionArgs extends OutputFlags {
  transport: TransportName | undefined;
  serviceName: string | undefined;
  protoVer: string | undefined;
  secVer: 0 | 1 | 2 | undefined;
  pop: SecretSources;
  username: SecretSources;
  password: SecretSources;
  passphrase: SecretSources;
  genCred: boolean;
  saltLength: number;
  ssid: string | undefined;
  custom: { endpoint: string; data: DataSpec }[];
  ctrl: 'reset' | 'reprov' | undefined;
  datasetTlvs: Uint8Array | undefined;
  bleAdapter: string;
  baud: number;
  network: 'auto' | 'wifi' | 'thread' | 'none';
  timeoutMs: number | undefined;
  qr: string | undefined;
}

export interface GenCredArgs extends OutputFlags {
  username: SecretSources;
  password: SecretSources;
  saltLength: number;
  salt: Uint8Array | undefined;
  format: 'c' | 'json' | 'hex';
}

export interface SimArgs extends OutputFlags {
  transport: 'softap' | 'console';
  listen: string;
  sec: 0 | 1 | 2;
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
  connAttempts: number | undefined;
  autoStop: boolean;
}

export interface QrArgs extends OutputFlags {
  payload: string | undefined;
}

export type DemoArgs = OutputFlags;

export type ParsedCommand =
  | { command: 'help'; text: string }
  | { command: 'version'; text: string }
  | { command: 'provision'; args: ProvisionArgs }
  | { command: 'gen-cred'; args: GenCredArgs }
  | { command: 'sim'; args: SimArgs }
  | { command: 'qr'; args: QrArgs }
  | { command: 'demo'; args: DemoArgs };

export const ENV = {
  pop: 'ESP_PROV_POP',
  username: 'ESP_PROV_SEC2_USERNAME',
  password: 'ESP_PROV_SEC2_PASSWORD',
  passphrase: 'ESP_PROV_PASSPHRASE',
} as const;

const HELP_EXAMPLES = `
Examples
  Porting a script: the esp_prov.py options work as they are (kebab-case too).
    esp-prov --transport softap --sec_ver 1 --pop abcd1234 --ssid myssid --passphrase mypassword
    esp-prov --transport ble --service_name PROV_261FCC --sec_ver 2 \\
             --sec2_username wifiprov --sec2_pwd abcd1234 --ssid myssid --passphrase mypassword
    esp-prov --transport softap --sec_ver 2 --sec2_gen_cred --sec2_username wifiprov --sec2_pwd abcd1234

  At a bench: what is missing is asked for; the network is picked from the device's own scan.
    esp-prov --transport ble                      # pick the device, then the network
    esp-prov --qr 'https://espressif.github.io/esp-jumpstart/qrcode.html?data={"ver":"v1",...}'
    esp-prov demo                                 # a simulated device, end to end, no board

  In CI: never prompts; --json prints NDJSON events and a final {"ok":...} line; exit code per failure.
    export ESP_PROV_SEC2_PASSWORD=abcd1234
    esp-prov --transport softap --service-name 192.168.4.1 --sec2-username wifiprov \\
             --ssid lab --passphrase-file /run/secrets/wifi --json --no-input --timeout 30
    esp-prov sim --transport softap --listen 127.0.0.1:0 --sec 2 --json   # a device to test against

Environment
  ESP_PROV_POP, ESP_PROV_SEC2_USERNAME, ESP_PROV_SEC2_PASSWORD, ESP_PROV_PASSPHRASE   secret values
  NO_COLOR                                                                           no colours
Exit codes: 0 ok, 2 usage or missing input, 3 device not found, 4 connection lost, 5 timeout,
  6 unsupported, 7 handshake rejected (PoP/password), 8 device failed its proof, 9 bad response,
  10 device status error, 11 wrong Wi-Fi passphrase, 12 network not found, 13 other Wi-Fi failure,
  14/15 Thread dataset/attach failure, 130 interrupted, 1 internal error.  Details: docs/cli.md
`;

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

function choice<T extends string | number>(name: string, allowed: readonly T[], map?: (s: string) => string) {
  return (raw: string): T => {
    const v = map ? map(raw) : raw;
    const found = allowed.find((a) => String(a) === v);
    if (found === undefined) throw new InvalidArgumentError(`${name} must be one of ${allowed.join(', ')}.`);
    return found;
  };
}

function integer(name: string, min: number, max: number) {
  return (raw: string): number => {
    if (!/^\d+$/.test(raw.trim())) throw new InvalidArgumentError(`${name} must be a whole number.`);
    const n = Number(raw);
    if (n < min || n > max) throw new InvalidArgumentError(`${name} must be ${min} to ${max}.`);
    return n;
  };
}

function hexBytes(name: string) {
  return (raw: string): Uint8Array => {
    try {
      return fromHex(raw);
    } catch {
      throw new InvalidArgumentError(`${name} must be hex digits (an even number of them).`);
    }
  };
}

function duration(raw: string): number {
  const ms = parseDuration(raw);
  if (ms === undefined) throw new InvalidArgumentError('use seconds ("30", "1.5s") or "500ms" / "2m".');
  return ms;
}

function secVer(raw: string): 0 | 1 | 2 {
  const v = raw.trim();
  if (v === '0' || v === '1' || v === '2') return Number(v) as 0 | 1 | 2;
  throw new InvalidArgumentError('security version must be 0, 1 or 2.');
}

const transportChoice = (raw: string): TransportName => {
  const v = raw.trim().toLowerCase();
  if (v === 'httpd') return 'softap'; // esp_prov: the same HTTP transport on any network interface
  return choice('transport', TRANSPORTS)(v);
};

/** --data: @file (@- = stdin), hex:…, text:…; anything else is text. */
export function parseDataSpec(raw: string): DataSpec {
  if (raw.startsWith('@')) return { kind: 'file', path: raw.slice(1) || '-' };
  if (raw.startsWith('hex:')) return { kind: 'bytes', bytes: hexBytes('--data hex:')(raw.slice(4)) };
  const text = raw.startsWith('text:') ? raw.slice(5) : raw;
  return { kind: 'bytes', bytes: new TextEncoder().encode(text) };
}

function outputOptions(cmd: Command, json = true): Command {
  if (json) cmd.option('--json', 'machine-readable output: NDJSON events and a final result line on stdout');
  return cmd
    .option('-v, --verbose', 'trace every exchange (endpoint, sizes, wire hex; secrets redacted)')
    .option('--no-input', 'never prompt, even on a terminal (missing values are errors)')
    .option('--no-color', 'no colours (also NO_COLOR=1; off anyway when not a terminal)')
    .option('--show-secrets', 'do not redact PoP, passwords and passphrases in output');
}

function outputFlags(o: Record<string, unknown>): OutputFlags {
  return {
    json: o['json'] === true,
    verbose: o['verbose'] === true,
    color: o['color'] !== false,
    input: o['input'] !== false,
    showSecrets: o['showSecrets'] === true,
  };
}

function envValue(env: Readonly<Record<string, string | undefined>>, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v === '' ? undefined : v;
}

function sources(
  o: Record<string, unknown>,
  env: Readonly<Record<string, string | undefined>>,
  spec: { key: string; fileKey?: string; envName: string; flagName: string; fileFlag?: string },
): SecretSources {
  const flag = o[spec.key] as string | undefined;
  const file = spec.fileKey ? (o[spec.fileKey] as string | undefined) : undefined;
  if (flag !== undefined && file !== undefined) {
    throw new EspProvError('USAGE', `give either ${spec.flagName} or ${spec.fileFlag ?? 'its file'}, not both`);
  }
  const s: SecretSources = { envName: spec.envName, flagName: spec.flagName };
  if (spec.fileFlag) s.fileFlag = spec.fileFlag;
  if (flag !== undefined) s.flag = flag;
  if (file !== undefined) s.file = file;
  const e = envValue(env, spec.envName);
  if (e !== undefined) s.env = e;
  return s;
}

// Where the Security 2 secrets come from; provisioning and gen-cred read them the same way.
const SEC2_USERNAME = { key: 'sec2Username', envName: ENV.username, flagName: '--sec2_username' };
const SEC2_PASSWORD = {
  key: 'sec2Pwd',
  fileKey: 'sec2PwdFile',
  envName: ENV.password,
  flagName: '--sec2_pwd',
  fileFlag: '--sec2-pwd-file',
};

function definePrograms(
  version: string,
  environment: Readonly<Record<string, string | undefined>>,
  record: (c: ParsedCommand) => void,
): Command {
  const program = new Command('esp-prov')
    .description(
      'Provision an ESP32 onto Wi-Fi or Thread over SoftAP, BLE, console or serial: a drop-in for esp_prov.py.',
    )
    .version(version, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show this help')
    .enablePositionalOptions()
    .showSuggestionAfterError(true)
    .addHelpText('after', HELP_EXAMPLES);

  program.optionsGroup('Device and transport:');
  program
    .addOption(
      new Option(
        '--transport <mode>',
        'softap (alias httpd), ble, ble-manual / console (relay by hand), serial (UART), sim (built-in simulator)',
      ).argParser(transportChoice),
    )
    .option(
      '--service_name, --service-name <name>',
      'BLE: device name (omit to pick); softap: host[:port] (default 192.168.4.1:80); serial: port path',
    )
    .option('--qr <payload>', 'fill name/transport/PoP/username from the QR payload: JSON, the qrcode.html URL, or -')
    .option('--ble_adapter, --ble-adapter <name>', 'BLE adapter (HCI device)', 'hci0')
    .option('--baud <rate>', 'serial: baud rate', integer('--baud', 1200, 4_000_000), 115200)
    .option(
      '--timeout <duration>',
      'deadline per phase: each request, device discovery, the wait to connect',
      duration,
    );

  program.optionsGroup('Security:');
  program
    .option('--sec_ver, --sec-ver <n>', 'security scheme 0, 1 or 2 (default: what the device reports)', secVer)
    .option('--proto_ver, --proto-ver <ver>', 'fail unless the device reports this protocol version')
    .option('--pop <pop>', `Security 1 proof of possession (env ${ENV.pop})`)
    .option('--pop-file <path>', 'read the PoP from a file (- = stdin)')
    .option('--sec2_username, --sec2-username <name>', `Security 2 username (env ${ENV.username})`)
    .option('--sec2_pwd, --sec2-pwd <password>', `Security 2 password (env ${ENV.password})`)
    .option('--sec2-pwd-file <path>', 'read the Security 2 password from a file (- = stdin)')
    .option('--sec2_gen_cred, --sec2-gen-cred', 'print a salt and verifier for the username/password and exit')
    .option(
      '--sec2_salt_len, --sec2-salt-len <n>',
      'salt length for --sec2_gen_cred',
      integer('--sec2_salt_len', 1, 64),
      16,
    );

  program.optionsGroup('Network:');
  program
    .option('--ssid <ssid>', 'Wi-Fi network name (omit to pick from the device scan)')
    .option('--passphrase <passphrase>', `Wi-Fi passphrase, "" for an open network (env ${ENV.passphrase})`)
    .option('--passphrase-file <path>', 'read the passphrase from a file (- = stdin)')
    .option(
      '--dataset_tlvs, --dataset-tlvs <hex>',
      'Thread active operational dataset (hex TLVs)',
      hexBytes('--dataset_tlvs'),
    )
    .addOption(
      new Option(
        '--network <kind>',
        'what to provision (auto: Thread on Thread-only devices, else Wi-Fi; none: only the endpoints)',
      )
        .choices(['auto', 'wifi', 'thread', 'none'])
        .default('auto'),
    );

  program.optionsGroup('Device control and application endpoints:');
  program
    .option('--reset', 'send a provisioning reset after the handshake, then stop')
    .option('--reprov', 'ask the device to re-provision after the handshake, then stop')
    .option('--custom_data, --custom-data <text>', 'send text to the custom-data endpoint and print its answer')
    .option(
      '--custom-endpoint <name>',
      'call this endpoint in the session (repeatable, pairs with --data)',
      collect,
      [],
    )
    .option('--data <spec>', 'data for --custom-endpoint: @file, @- (stdin), hex:…, text:…', collect);

  program.optionsGroup('Output:');
  outputOptions(program);

  program.allowExcessArguments(true).action((o: Record<string, unknown>, cmd: Command) => {
    if (cmd.args.length > 0) {
      throw new EspProvError(
        'USAGE',
        `unknown command ${JSON.stringify(cmd.args[0])} (commands: gen-cred, sim, qr, demo; provisioning takes options only)`,
      );
    }
    const e = environment;
    const endpoints = (o['customEndpoint'] as string[] | undefined) ?? [];
    const data = (o['data'] as string[] | undefined) ?? [];
    if (endpoints.length !== data.length) {
      throw new EspProvError(
        'USAGE',
        `each --custom-endpoint needs one --data (got ${endpoints.length} endpoint(s), ${data.length} --data)`,
      );
    }
    const custom: ProvisionArgs['custom'] = [];
    if (o['customData'] !== undefined) {
      custom.push({ endpoint: 'custom-data', data: parseDataSpec(`text:${o['customData'] as string}`) });
    }
    endpoints.forEach((endpoint, i) => custom.push({ endpoint, data: parseDataSpec(data[i]!) }));
    if (o['reset'] === true && o['reprov'] === true)
      throw new EspProvError('USAGE', 'give --reset or --reprov, not both');
    record({
      command: 'provision',
      args: {
        ...outputFlags(o),
        transport: o['transport'] as TransportName | undefined,
        serviceName: o['serviceName'] as string | undefined,
        protoVer: o['protoVer'] as string | undefined,
        secVer: o['secVer'] as 0 | 1 | 2 | undefined,
        pop: sources(o, e, {
          key: 'pop',
          fileKey: 'popFile',
          envName: ENV.pop,
          flagName: '--pop',
          fileFlag: '--pop-file',
        }),
        username: sources(o, e, SEC2_USERNAME),
        password: sources(o, e, SEC2_PASSWORD),
        passphrase: sources(o, e, {
          key: 'passphrase',
          fileKey: 'passphraseFile',
          envName: ENV.passphrase,
          flagName: '--passphrase',
          fileFlag: '--passphrase-file',
        }),
        genCred: o['sec2GenCred'] === true,
        saltLength: o['sec2SaltLen'] as number,
        ssid: o['ssid'] as string | undefined,
        custom,
        ctrl: o['reset'] === true ? 'reset' : o['reprov'] === true ? 'reprov' : undefined,
        datasetTlvs: o['datasetTlvs'] as Uint8Array | undefined,
        bleAdapter: o['bleAdapter'] as string,
        baud: o['baud'] as number,
        network: o['network'] as ProvisionArgs['network'],
        timeoutMs: o['timeout'] as number | undefined,
        qr: o['qr'] as string | undefined,
      },
    });
  });

  const genCred = program
    .command('gen-cred')
    .description('print a Security 2 salt and verifier for the device (same as --sec_ver 2 --sec2_gen_cred)')
    .option('--sec2_username, --sec2-username <name>', `username (env ${ENV.username})`)
    .option('--sec2_pwd, --sec2-pwd <password>', `password (env ${ENV.password}; prompted on a terminal)`)
    .option('--sec2-pwd-file <path>', 'read the password from a file (- = stdin)')
    .option(
      '--sec2_salt_len, --sec2-salt-len <n>',
      'random salt length in bytes',
      integer('--sec2_salt_len', 1, 64),
      16,
    )
    .option('--salt <hex>', 'use this salt instead of a random one', hexBytes('--salt'))
    .addOption(
      new Option('--format <format>', 'c arrays (as esp_prov prints), json, or hex').choices(['c', 'json', 'hex']),
    );
  outputOptions(genCred).action((o: Record<string, unknown>) => {
    const e = environment;
    const format = (o['format'] as GenCredArgs['format'] | undefined) ?? (o['json'] === true ? 'json' : 'c');
    record({
      command: 'gen-cred',
      args: {
        ...outputFlags(o),
        username: sources(o, e, SEC2_USERNAME),
        password: sources(o, e, SEC2_PASSWORD),
        saltLength: o['sec2SaltLen'] as number,
        salt: o['salt'] as Uint8Array | undefined,
        format,
      },
    });
  });

  const sim = program
    .command('sim')
    .description('run a simulated provisioning device (until Ctrl-C / SIGTERM)')
    .addOption(
      new Option('--transport <mode>', 'softap (HTTP) or console (on a pseudo-terminal)')
        .choices(['softap', 'httpd', 'console'])
        .default('softap'),
    )
    .option('--listen <host:port>', 'softap: address to listen on (port 0 = any free port)', '127.0.0.1:8080')
    .addOption(new Option('--sec <n>', 'security scheme').choices(['0', '1', '2']).default('2'))
    .option('--pop <pop>', 'Security 1 PoP (default abcd1234; "" = none)')
    .option('--sec2-username <name>', 'Security 2 username (default wifiprov)')
    .option('--sec2-password <password>', 'Security 2 password (default abcd1234)')
    .option('--salt <hex>', 'Security 2 salt (with --verifier, instead of username/password)', hexBytes('--salt'))
    .option('--verifier <hex>', 'Security 2 verifier', hexBytes('--verifier'))
    .addOption(
      new Option('--sec-patch <n>', 'Security 2 patch level (1 = per-message nonces)').choices(['0', '1']).default('1'),
    )
    .option('--aps <file>', 'JSON file with the access points the device "sees"')
    .option('--fast', 'short device timings (scan, join, failed attempts) instead of realistic ones')
    .addOption(
      new Option('--flavour <kind>', 'firmware: IDF wifi_provisioning, or network_provisioning for Wi-Fi or Thread')
        .choices(['wifi_prov', 'netprov-wifi', 'netprov-thread'])
        .default('wifi_prov'),
    )
    .addOption(
      new Option(
        '--version-style <style>',
        'proto-ver answer: manager JSON, JSON without sec_ver (IDF v4), bare string',
      )
        .choices(['json', 'json-no-secver', 'plain'])
        .default('json'),
    )
    .option(
      '--fault <spec>',
      'inject a fault, kind:phase[:once|always][:ms], e.g. close:handshake1, delay:status:always:3000 (repeatable)',
      collect,
    )
    .option(
      '--conn-attempts <n>',
      'Wi-Fi join attempts before failing (0 = retry forever; default 5)',
      integer('--conn-attempts', 0, 255),
    )
    .option('--no-auto-stop', 'keep provisioning running after success (allows --reprov)');
  outputOptions(sim).action((o: Record<string, unknown>) => {
    if ((o['salt'] === undefined) !== (o['verifier'] === undefined)) {
      throw new EspProvError('USAGE', 'give --salt and --verifier together');
    }
    const t = o['transport'] as string;
    record({
      command: 'sim',
      args: {
        ...outputFlags(o),
        transport: t === 'console' ? 'console' : 'softap',
        listen: o['listen'] as string,
        sec: Number(o['sec']) as 0 | 1 | 2,
        pop: o['pop'] as string | undefined,
        username: o['sec2Username'] as string | undefined,
        password: o['sec2Password'] as string | undefined,
        salt: o['salt'] as Uint8Array | undefined,
        verifier: o['verifier'] as Uint8Array | undefined,
        secPatch: Number(o['secPatch']) as 0 | 1,
        aps: o['aps'] as string | undefined,
        fast: o['fast'] === true,
        flavour: o['flavour'] as SimArgs['flavour'],
        versionStyle: o['versionStyle'] as SimArgs['versionStyle'],
        faults: (o['fault'] as string[] | undefined) ?? [],
        connAttempts: o['connAttempts'] as number | undefined,
        autoStop: o['autoStop'] !== false,
      },
    });
  });

  const qr = program
    .command('qr')
    .description("draw the device's QR payload in the terminal (JSON, the qrcode.html URL, or - for stdin)")
    .argument('[payload]', 'the payload; read from stdin when absent or -');
  outputOptions(qr).action((payload: string | undefined, o: Record<string, unknown>) => {
    record({ command: 'qr', args: { ...outputFlags(o), payload } });
  });

  const demo = program
    .command('demo')
    .description('provision a built-in simulated device end to end over loopback HTTP (Security 2), no board');
  outputOptions(demo).action((o: Record<string, unknown>) => {
    record({ command: 'demo', args: outputFlags(o) });
  });

  return program;
}

/**
 * Parses argv (without node and script path). Throws EspProvError('USAGE') with commander's message on
 * bad input; returns help and version text instead of printing it.
 */
export function parseArgv(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>> = {},
  version = '0.0.0',
  helpWidth = 80,
): ParsedCommand {
  let result: ParsedCommand | undefined;
  let out = '';
  let err = '';
  const program = definePrograms(version, env, (c) => (result = c));
  const capture = (cmd: Command): void => {
    cmd.exitOverride().configureOutput({
      writeOut: (s) => (out += s),
      writeErr: (s) => (err += s),
      outputError: (s) => (err += s),
      getOutHelpWidth: () => helpWidth,
      getErrHelpWidth: () => helpWidth,
    });
    for (const sub of cmd.commands) capture(sub);
  };
  capture(program);
  try {
    program.parse([...argv], { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.help') return { command: 'help', text: out };
      if (e.code === 'commander.version') return { command: 'version', text: out };
      const message = (err || e.message).trim().replace(/^error:\s*/i, '');
      throw new EspProvError('USAGE', message, { cause: e });
    }
    throw e;
  }
  if (!result) throw new EspProvError('INTERNAL', 'no command was selected');
  return result;
}
