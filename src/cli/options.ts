/**
 * argv → options, and nothing else: no files read, no prompts, no exit. Each command declares its options in
 * its own table (commands/*-options.ts, beside the handler that is loaded only when the command runs); this
 * module assembles them into one commander program and returns which command runs, with a typed object.
 * Secrets stay *sources* (flag, file, environment) that secrets.ts resolves later.
 */
import { Command, CommanderError } from 'commander';
import { EspProvError } from '../errors.js';
import { BATCH_OPTIONS, batchArgs, type BatchArgs } from './commands/batch-options.js';
import { DEMO_OPTIONS, type DemoArgs } from './commands/demo-options.js';
import { genCredArgs, GEN_CRED_OPTIONS, type GenCredArgs } from './commands/gen-cred-options.js';
import { INSPECT_OPTIONS, inspectArgs, type InspectArgs } from './commands/inspect-options.js';
import { PROVISION_OPTIONS, provisionArgs, type ProvisionArgs } from './commands/provision-options.js';
import { QR_OPTIONS, type QrArgs } from './commands/qr-options.js';
import { SIM_OPTIONS, simArgs, type SimArgs } from './commands/sim-options.js';
import { outputFlags, type Env } from './option-common.js';
import { formatItem, rootEpilogue } from './option-help.js';
import { bindOptions } from './option-table.js';

export { ENV, type OutputFlags, type SecretSources } from './option-common.js';
export { parseDataSpec, TRANSPORTS, type DataSpec, type TransportName } from './commands/provision-options.js';
export type { BatchArgs, DemoArgs, GenCredArgs, InspectArgs, ProvisionArgs, QrArgs, SimArgs };

export type ParsedCommand =
  | { command: 'help'; text: string }
  | { command: 'version'; text: string }
  | { command: 'provision'; args: ProvisionArgs }
  | { command: 'gen-cred'; args: GenCredArgs }
  | { command: 'sim'; args: SimArgs }
  | { command: 'qr'; args: QrArgs }
  | { command: 'demo'; args: DemoArgs }
  | { command: 'inspect'; args: InspectArgs }
  | { command: 'batch'; args: BatchArgs };

/** The option name of an unknown `--name=value` or `-xVALUE`: the value may be a mistyped secret. */
export function optionNameOnly(arg: string): string {
  if (arg.startsWith('--')) return arg.split('=')[0]!;
  return arg.startsWith('-') ? arg.slice(0, 2) : arg.split('=')[0]!;
}

// Commander reports an unknown option with the whole argument; `--pasphrase=hunter22` would print the
// passphrase into a CI log. unknownOption is commander's own hook (not in its typings), called with that text.
const commanderUnknownOption = (
  Command.prototype as unknown as { unknownOption: (this: Command, flag: string) => never }
).unknownOption;

const COMMANDS = ['gen-cred', 'sim', 'qr', 'demo', 'inspect', 'batch'] as const;

/** Levenshtein distance, for telling a misspelt command from a stray value. */
function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length]!;
}

class Program extends Command {
  override createCommand(name?: string): Command {
    return new Program(name);
  }

  unknownOption(flag: string): never {
    return commanderUnknownOption.call(this, optionNameOnly(flag));
  }
}

function definePrograms(version: string, env: Env, width: number, record: (c: ParsedCommand) => void): Command {
  const program = new Program('esp-prov')
    .description(
      'Provision an ESP32 onto Wi-Fi or Thread over SoftAP, BLE, console or serial: a drop-in for esp_prov.py.',
    )
    .version(version, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show this help')
    .enablePositionalOptions()
    .showSuggestionAfterError(true)
    .addHelpText('after', rootEpilogue(width));

  const provision = bindOptions(program, PROVISION_OPTIONS);
  program.allowExcessArguments(true).action((_o: unknown, cmd: Command) => {
    if (cmd.args.length > 0) {
      const commands = 'commands: gen-cred, sim, qr, demo, inspect, batch; provisioning takes options only';
      const arg = cmd.args[0]!;
      // A stray argument is often a value whose flag went missing (a passphrase): named only when it is
      // plainly a misspelt command.
      if (COMMANDS.some((c) => editDistance(c, arg) <= 2)) {
        throw new EspProvError('USAGE', `unknown command ${JSON.stringify(arg)} (${commands})`);
      }
      throw new EspProvError(
        'USAGE',
        `unexpected argument #${cmd.args.length > 1 ? '1 of ' + cmd.args.length : '1'} (not shown: it may be a value whose option is missing; ${commands})`,
      );
    }
    record({ command: 'provision', args: provisionArgs(provision(), env) });
  });

  const genCred = program
    .command('gen-cred')
    .description('print a Security 2 salt and verifier for the device (same as --sec_ver 2 --sec2_gen_cred)');
  const genCredValues = bindOptions(genCred, GEN_CRED_OPTIONS);
  genCred.action(() => record({ command: 'gen-cred', args: genCredArgs(genCredValues(), env) }));

  const sim = program.command('sim').description('run a simulated provisioning device (until Ctrl-C / SIGTERM)');
  const simValues = bindOptions(sim, SIM_OPTIONS);
  sim.action(() => record({ command: 'sim', args: simArgs(simValues()) }));

  const qr = program
    .command('qr')
    .description("draw the device's QR payload in the terminal (JSON, the qrcode.html URL, or - for stdin)")
    .argument('[payload]', 'the payload; read from stdin when absent or -');
  const qrValues = bindOptions(qr, QR_OPTIONS);
  qr.action((payload: string | undefined) => record({ command: 'qr', args: { ...qrValues(), payload } }));

  const demo = program
    .command('demo')
    .description('provision a built-in simulated device end to end over loopback HTTP (Security 2), no board');
  const demoValues = bindOptions(demo, DEMO_OPTIONS);
  demo.action(() => record({ command: 'demo', args: outputFlags(demoValues()) }));

  const inspect = program
    .command('inspect')
    .description('read the device without provisioning it: proto-ver, security, handshake and scan, findings');
  const inspectValues = bindOptions(inspect, INSPECT_OPTIONS);
  inspect.action(() => record({ command: 'inspect', args: inspectArgs(inspectValues(), env) }));
  const batch = program
    .command('batch')
    .description(
      'provision every board of a manifest (CSV, JSON or NDJSON), or each device --discover finds: concurrency, ' +
        'retries, journal, reports',
    )
    .argument('[manifest]', 'the manifest file: one board per row (columns in docs/cli.md); or --discover');
  const batchValues = bindOptions(batch, BATCH_OPTIONS);
  batch.action((manifest: string | undefined) =>
    record({ command: 'batch', args: batchArgs(manifest, batchValues(), env) }),
  );

  return program;
}

/**
 * Parses argv (without node and script path). Throws EspProvError('USAGE') with commander's message on
 * bad input; returns help and version text instead of printing it.
 */
export function parseArgv(argv: readonly string[], env: Env = {}, version = '0.0.0', helpWidth = 80): ParsedCommand {
  let result: ParsedCommand | undefined;
  let out = '';
  let err = '';
  const program = definePrograms(version, env, helpWidth, (c) => (result = c));
  const capture = (cmd: Command): void => {
    cmd
      .exitOverride()
      .configureOutput({
        writeOut: (s) => (out += s),
        writeErr: (s) => (err += s),
        outputError: (s) => (err += s),
        getOutHelpWidth: () => helpWidth,
        getErrHelpWidth: () => helpWidth,
      })
      .configureHelp({ formatItem });
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
