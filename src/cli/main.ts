/**
 * The CLI entry. Loads only commander and the option table up front; each command (and with it protobuf,
 * crypto, transports, prompts, QR, noble) is imported when it runs, so `--help` costs little more than
 * starting node. The only place that touches process.exit / process.exitCode and installs signal handlers:
 * Ctrl-C aborts the run's AbortController (transports close cleanly, exit 130); a second Ctrl-C exits at once.
 */
import { pathToFileURL } from 'node:url';
import { EspProvError, toEspProvError } from '../errors.js';
import type { CliIo, CliStream, CommandContext } from './context.js';
import { parseArgv, type OutputFlags, type ParsedCommand } from './options.js';
import { packageVersion } from './package-version.js';
import type { Prompter } from './prompts.js';
import { guardStream, rawStream } from './streams.js';

export type { CliIo } from './context.js';

/** Colour only on a terminal, unless NO_COLOR / TERM=dumb / --no-color; FORCE_COLOR forces it on. */
export function useColor(flags: OutputFlags, stream: CliStream, env: CliIo['env']): boolean {
  if (!flags.color || (env['NO_COLOR'] ?? '') !== '') return false;
  if ((env['FORCE_COLOR'] ?? '') !== '' && env['FORCE_COLOR'] !== '0') return true;
  return stream.isTTY === true && env['TERM'] !== 'dumb';
}

function usageFailure(err: EspProvError, argv: readonly string[], io: CliIo): number {
  if (argv.includes('--json')) {
    // schemaVersion: SCHEMA_VERSION in output-json.ts, not imported here to keep --help's start-up small.
    const error = { code: err.code, message: err.message, exitCode: err.exitCode };
    io.stdout.write(JSON.stringify({ ok: false, error, schemaVersion: 1 }) + '\n');
  } else {
    io.stderr.write(`esp-prov: ${err.message}\n(esp-prov --help lists the options)\n`);
  }
  return err.exitCode;
}

async function dispatch(parsed: Exclude<ParsedCommand, { command: 'help' | 'version' }>, ctx: CommandContext) {
  switch (parsed.command) {
    case 'provision':
      return (await import('./commands/provision.js')).runProvision(parsed.args, ctx);
    case 'gen-cred':
      return (await import('./commands/gen-cred.js')).runGenCred(parsed.args, ctx);
    case 'qr':
      return (await import('./commands/qr.js')).runQr(parsed.args, ctx);
    case 'sim':
      if (parsed.args.count !== undefined)
        return (await import('./commands/sim-fleet.js')).runSimFleet(parsed.args, ctx);
      return (await import('./commands/sim.js')).runSim(parsed.args, ctx);
    case 'demo':
      return (await import('./commands/demo.js')).runDemo(parsed.args, ctx);
    case 'inspect':
      return (await import('./commands/inspect.js')).runInspect(parsed.args, ctx);
    case 'batch':
      return (await import('./commands/batch.js')).runBatch(parsed.args, ctx);
  }
}

/** Runs one command with injected streams; resolves with the exit code. Never exits the process. */
export async function run(argv: readonly string[], io: CliIo, signal: AbortSignal): Promise<number> {
  let parsed: ParsedCommand;
  try {
    const width = (io.stdout as { columns?: number }).columns;
    parsed = parseArgv(argv, io.env, packageVersion(), Math.max(60, Math.min(width ?? 80, 120)));
  } catch (e) {
    return usageFailure(toEspProvError(e, 'USAGE'), argv, io);
  }
  if (parsed.command === 'help' || parsed.command === 'version') {
    io.stdout.write(parsed.text);
    return 0;
  }
  const flags = parsed.args;
  const [{ createOutput }, { Redactor }, { StdinOnce }, { hintsFor }] = await Promise.all([
    import('./output.js'),
    import('./redact.js'),
    import('./secrets.js'),
    import('./hints.js'),
  ]);
  const redactor = new Redactor(!flags.showSecrets);
  const out = createOutput({
    stdout: io.stdout,
    stderr: io.stderr,
    redactor,
    json: flags.json,
    verbose: flags.verbose,
    color: useColor(flags, io.stderr, io.env),
    colorStdout: useColor(flags, io.stdout, io.env),
    spinner: !flags.json && io.stderr.isTTY === true && io.env['TERM'] !== 'dumb',
    // inspect's result is one report: `esp-prov inspect --json | jq` reads one object, no event lines.
    finalOnly: parsed.command === 'inspect',
  });
  const interactive = flags.input && io.stdin.isTTY === true && io.stderr.isTTY === true;
  let prompter: Prompter | undefined;
  const [{ createPrompter }, { stoppingProgress }] = interactive
    ? await Promise.all([import('./prompts.js'), import('./prompt-progress.js')])
    : [{ createPrompter: undefined }, { stoppingProgress: undefined }];
  const ctx: CommandContext = {
    io,
    out,
    redactor,
    signal,
    interactive,
    stdin: new StdinOnce(io.stdin, { signal, timeoutMs: (flags as { timeoutMs?: number }).timeoutMs }),
    prompter() {
      if (!createPrompter || !stoppingProgress)
        throw new EspProvError('INTERNAL', 'prompt requested without a terminal');
      // A prompt draws on the terminal the spinner uses: every question stops the spinner first.
      prompter ??= stoppingProgress(
        createPrompter({ input: io.stdin, output: rawStream(io.stderr) as NodeJS.WritableStream, signal }),
        () => out.stopProgress(),
      );
      return prompter;
    },
  };
  try {
    return await dispatch(parsed, ctx);
  } catch (e) {
    let err = toEspProvError(e);
    // After Ctrl-C, whatever broke first (a closed socket, a cut prompt) is the interruption.
    if (signal.aborted && err.code !== 'CANCELLED') err = new EspProvError('CANCELLED', 'interrupted', { cause: err });
    if (err.code === 'INTERNAL' && flags.verbose && e instanceof Error && e.stack) io.stderr.write(`${e.stack}\n`);
    const transport = ctx.transport ?? (parsed.command === 'provision' ? parsed.args.transport : undefined);
    out.failure(err, hintsFor(err, transport));
    return err.exitCode;
  }
}

/** The process entry (bin/esp-prov.js). */
export async function main(argv: string[]): Promise<void> {
  const controller = new AbortController();
  let interrupted = false;
  const onSignal = (): void => {
    if (interrupted) process.exit(130);
    interrupted = true;
    controller.abort(new EspProvError('CANCELLED', 'interrupted'));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // A reader that goes away (`| head -1`) closes a stream; the run still ends with its own exit code (streams.ts).
  const io: CliIo = {
    stdout: guardStream(process.stdout),
    stderr: guardStream(process.stderr),
    stdin: process.stdin,
    env: process.env,
  };
  const code = await run(argv, io, controller.signal);
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  process.exitCode = code;
  // stdin is only read on demand; make sure a paused stdin does not keep the process alive, and give any
  // straggling handle (a BLE stack, a keep-alive socket) a moment before leaving regardless.
  process.stdin.unref?.();
  setTimeout(() => process.exit(code), 1500).unref();
}

// `node --import tsx src/cli/main.ts …` (tests, development) runs the CLI directly.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  void main(process.argv.slice(2));
}
