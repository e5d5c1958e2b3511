/**
 * Loads @stoprocent/noble only when BLE is used, and turns every way it can be unusable into one
 * TRANSPORT_UNAVAILABLE error a person can act on. Never falls back to another transport (STYLE.md: no silent
 * fallback when a dependency is missing). Measured noble behaviour this file works around is in
 * research/deps.md §1: it prints warnings to stdout with console.log, and it keeps the process alive until
 * stop() is called.
 */
import { format } from 'node:util';
import { EspProvError } from '../errors.js';
import { realClock, type Clock } from '../timers.js';
import type { BleLogger, NobleLike } from './ble-noble.js';

const NOBLE_PACKAGE = '@stoprocent/noble';

export interface NobleLoaderOptions {
  /** HCI device number (Linux raw HCI binding). */
  deviceId?: number;
  /** Adapter name ('hci1') for the BlueZ D-Bus binding. */
  adapterId?: string;
}

/** Creates a fresh noble instance. Injected in tests; the default imports @stoprocent/noble. */
export type NobleLoader = (options: NobleLoaderOptions) => Promise<NobleLike>;

export interface BleLoadOptions {
  /** Adapter to use: 'hci1' or '1' (Linux). Sets NOBLE_HCI_DEVICE_ID before noble is imported. */
  adapter?: string;
  /** Receives noble's console output and BLE diagnostics instead of stdout. */
  logger?: BleLogger;
  loader?: NobleLoader;
  /** How long to wait for the adapter to report poweredOn, in ms. Default DEFAULT_POWER_ON_TIMEOUT_MS. */
  powerOnTimeoutMs?: number;
  signal?: AbortSignal;
  /** Platform whose advice goes into error messages. Default process.platform. */
  platform?: NodeJS.Platform;
  /** Time source for the power-on wait (a test's ManualClock). Default: the wall clock. */
  clock?: Clock;
}

/** noble's HCI binding reports 'unsupported' about 1 s after start on a machine without Bluetooth (deps.md §1). */
export const DEFAULT_POWER_ON_TIMEOUT_MS = 5000;

export interface NobleHandle {
  readonly noble: NobleLike;
  /** Stops noble (scans, links, adapter) and restores the console. Idempotent. */
  release(): void;
}

export const defaultNobleLoader: NobleLoader = async (options) => {
  const mod = (await import(NOBLE_PACKAGE)) as { default?: unknown; withBindings?: unknown };
  const api = (typeof mod.withBindings === 'function' ? mod : mod.default) as
    { withBindings?: (type: string, options: object) => NobleLike } | undefined;
  if (typeof api?.withBindings !== 'function') throw new Error(`${NOBLE_PACKAGE} has no withBindings()`);
  // A fresh instance per use: the module's default instance cannot be restarted once stopped.
  return api.withBindings('default', { ...options });
};

/** Parses `hci1` / `1` into noble's device number. */
export function parseAdapter(adapter: string): number {
  const m = /^(?:hci)?(\d{1,3})$/i.exec(adapter.trim());
  if (!m) throw new EspProvError('USAGE', `BLE adapter must look like hci0 or 0, got ${JSON.stringify(adapter)}`);
  return Number(m[1]);
}

export async function loadNoble(options: BleLoadOptions = {}): Promise<NobleHandle> {
  const platform = options.platform ?? process.platform;
  if (options.signal?.aborted) throw new EspProvError('CANCELLED', 'cancelled');
  const loaderOptions: NobleLoaderOptions = {};
  if (options.adapter !== undefined) {
    const id = parseAdapter(options.adapter);
    loaderOptions.deviceId = id;
    loaderOptions.adapterId = `hci${id}`;
    // noble's HCI layer also reads this when it starts; set it in case the binding ignores the option.
    process.env['NOBLE_HCI_DEVICE_ID'] = String(id);
  }
  const restoreConsole = captureNobleConsole(options.logger ?? {});
  let noble: NobleLike;
  try {
    noble = await (options.loader ?? defaultNobleLoader)(loaderOptions);
  } catch (e) {
    restoreConsole();
    throw loadFailure(e, platform, options.logger);
  }
  let released = false;
  const release = (): void => {
    if (released) return;
    released = true;
    try {
      noble.stop();
    } catch (e) {
      options.logger?.debug?.(`noble.stop() failed: ${e instanceof Error ? e.message : String(e)}`);
    }
    restoreConsole();
  };
  try {
    noble.removeAllListeners('warning');
    noble.on('warning', (message: string) => options.logger?.warn?.(`noble: ${message}`));
    startWithoutExitOnSigint(noble);
    const timeoutMs = options.powerOnTimeoutMs ?? DEFAULT_POWER_ON_TIMEOUT_MS;
    await waitForPoweredOn(noble, timeoutMs, platform, options.clock ?? realClock, options.signal);
  } catch (e) {
    release();
    throw e;
  }
  return { noble, release };
}

/**
 * Reading `state` starts the bindings. noble's HCI binding then adds a SIGINT handler that calls
 * process.exit(1) when it is the last one, which would skip our clean disconnect and the CLI's own Ctrl-C
 * handling; moving it to the front keeps noble's behaviour only when nobody else handles SIGINT.
 */
function startWithoutExitOnSigint(noble: NobleLike): void {
  const before = new Set(process.listeners('SIGINT'));
  void noble.state;
  for (const l of process.listeners('SIGINT')) {
    if (before.has(l)) continue;
    process.removeListener('SIGINT', l);
    process.prependListener('SIGINT', l);
  }
}

function waitForPoweredOn(
  noble: NobleLike,
  timeoutMs: number,
  platform: NodeJS.Platform,
  clock: Clock,
  signal?: AbortSignal,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let last = noble.state;
    const finish = (err?: EspProvError): void => {
      cancelTimer();
      noble.removeListener('stateChange', onState);
      signal?.removeEventListener('abort', onAbort);
      if (err) reject(err);
      else resolve();
    };
    const onState = (state: string): void => {
      last = state;
      if (state === 'poweredOn') finish();
      // poweredOff is often the first report before the real state; only final states fail early.
      else if (state === 'unsupported' || state === 'unauthorized') finish(adapterUnavailable(state, platform));
    };
    const onAbort = (): void => finish(new EspProvError('CANCELLED', 'cancelled while waiting for the adapter'));
    const cancelTimer = clock.setTimer(() => finish(adapterUnavailable(last, platform, timeoutMs)), timeoutMs, true);
    noble.on('stateChange', onState);
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted) onAbort();
    else onState(last);
  });
}

const SOFTAP_HINT = 'Or provision over Wi-Fi with the softap transport.';

/** Per-OS advice for an adapter state other than poweredOn. */
export function adapterAdvice(state: string, platform: NodeJS.Platform): string {
  if (platform === 'darwin') {
    if (state === 'unauthorized')
      return 'macOS denied Bluetooth access: allow your terminal app (Terminal, iTerm, VS Code, ...) under System Settings > Privacy & Security > Bluetooth, then restart it.';
    if (state === 'poweredOff') return 'Bluetooth is off: turn it on in Control Center or System Settings > Bluetooth.';
    return 'This Mac reports no usable Bluetooth LE controller.';
  }
  if (platform === 'win32') {
    if (state === 'unauthorized')
      return 'Windows denied Bluetooth access: allow apps to control device radios under Settings > Privacy & security > Radios.';
    if (state === 'poweredOff') return 'Bluetooth is off: turn it on under Settings > Bluetooth & devices.';
    return 'No Bluetooth LE adapter is available: Windows 10 (1703) or later with a BLE-capable adapter is needed; check Device Manager and that the adapter is on.';
  }
  const setcap = 'sudo setcap cap_net_raw+eip $(readlink -f $(which node))';
  if (state === 'unauthorized')
    return `noble may not open the raw HCI socket: run \`${setcap}\` once (or run as root).`;
  if (state === 'poweredOff')
    return 'The Bluetooth adapter is down or blocked: `rfkill unblock bluetooth`, then `bluetoothctl power on` (or `sudo hciconfig hci0 up`).';
  return `Check the adapter with \`bluetoothctl show\` (or pick another, hciN), then allow raw HCI access: \`${setcap}\`.`;
}

/** The plain sentence for an adapter state; what to do goes into `details.hint` (one line, shown as a hint). */
function stateSentence(state: string): string {
  if (state === 'poweredOff') return 'Bluetooth is turned off';
  if (state === 'unauthorized') return 'this program is not allowed to use Bluetooth';
  return 'no usable Bluetooth LE adapter was found';
}

/**
 * The message is one sentence; `details.hint` says what to enable, `details.reason` keeps what the BLE
 * library said (the command line shows that under -v only, through the logger).
 */
function adapterUnavailable(state: string, platform: NodeJS.Platform, waitedMs?: number): EspProvError {
  const what =
    waitedMs === undefined
      ? `BLE unavailable: ${stateSentence(state)} (adapter state: ${state})`
      : `BLE unavailable: the Bluetooth adapter was not ready after ${waitedMs} ms (state: ${state})`;
  return new EspProvError('TRANSPORT_UNAVAILABLE', what, {
    details: { adapterState: state, platform, hint: `${adapterAdvice(state, platform)} ${SOFTAP_HINT}` },
  });
}

function loadFailure(e: unknown, platform: NodeJS.Platform, logger: BleLogger | undefined): EspProvError {
  if (e instanceof EspProvError) return e;
  const code = (e as { code?: unknown } | null)?.code;
  const reason = e instanceof Error ? e.message : String(e);
  logger?.debug?.(`${NOBLE_PACKAGE} did not load: ${reason}`);
  const missing = code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
  const message = missing
    ? `BLE unavailable: BLE support (the optional package ${NOBLE_PACKAGE}) is not installed`
    : `BLE unavailable: ${NOBLE_PACKAGE} is installed but failed to load on this machine`;
  const hint = missing
    ? `install it with \`npm install ${NOBLE_PACKAGE}\` (prebuilt for common platforms), or use the softap transport`
    : `${adapterAdvice('unsupported', platform)} ${SOFTAP_HINT}`;
  return new EspProvError('TRANSPORT_UNAVAILABLE', message, { cause: e, details: { platform, hint, reason } });
}

// --- noble's console output --------------------------------------------------------------------------------

type ConsoleMethod = (...args: unknown[]) => void;
const CONSOLE_METHODS = ['log', 'info', 'warn', 'error'] as const;
const sinks: BleLogger[] = [];
let saved: Record<(typeof CONSOLE_METHODS)[number], ConsoleMethod> | null = null;
let continuing = false;

/**
 * While noble is loaded, console lines that are noble's ("noble warning: ...", and the indented lines that
 * continue them) go to the logger; everything else passes through untouched. Reference-counted so that
 * overlapping BLE uses share one patch; the last release restores the original methods.
 */
export function captureNobleConsole(logger: BleLogger): () => void {
  const con = globalThis.console;
  if (saved === null) {
    /* eslint-disable @typescript-eslint/unbound-method -- saved to be put back, and called with apply(con) */
    saved = { log: con.log, info: con.info, warn: con.warn, error: con.error };
    /* eslint-enable @typescript-eslint/unbound-method */
    for (const method of CONSOLE_METHODS) {
      const original = saved[method];
      con[method] = (...args: unknown[]): void => {
        const text = format(...args);
        const isNoble = /^noble\b/i.test(text) || (continuing && /^\s{4,}\S/.test(text));
        continuing = isNoble;
        const sink = sinks[sinks.length - 1];
        if (!isNoble) original.apply(con, args);
        else if (method === 'log' || method === 'info') sink?.debug?.(text.trim());
        else sink?.warn?.(text.trim());
      };
    }
  }
  sinks.push(logger);
  let done = false;
  return () => {
    if (done) return;
    done = true;
    sinks.splice(sinks.lastIndexOf(logger), 1);
    if (sinks.length === 0 && saved !== null) {
      Object.assign(con, saved);
      saved = null;
      continuing = false;
    }
  };
}
