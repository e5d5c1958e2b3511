/**
 * `esp-prov sim --replay FILE`: the recorded device (sim/replay.ts) served like any simulated device, with the
 * device credentials given as for any simulator run (a transcript holds none). Kept apart from sim.ts: the
 * replay device has no network, manager or faults, only the recording.
 */
import { serveDevice, untilInterrupted } from './sim-serve.js';
import type { ReplayDevice } from '../../sim/replay.js';
import type { CommandContext } from '../context.js';
import { forTerminal } from '../terminal-text.js';
import type { SimArgs } from './sim-options.js';
import { EspProvError } from '../../errors.js';

export async function runReplaySim(a: SimArgs & { replay: string }, ctx: CommandContext): Promise<number> {
  const out = ctx.out;
  // The recording is the device's whole behaviour: options that shape a simulated device would be ignored.
  const shaping = [
    a.faults.length > 0 && '--fault',
    a.aps !== undefined && '--aps',
    a.answers !== undefined && '--answers',
    a.httpStatus !== undefined && '--http-status',
  ].filter((x): x is string => typeof x === 'string');
  if (shaping.length > 0) {
    throw new EspProvError(
      'USAGE',
      `--replay plays the recording as it is: ${shaping.join(', ')} cannot be combined with it`,
    );
  }
  const [{ readTranscriptFile }, { ReplayDevice }, { simSecurity }] = await Promise.all([
    import('../../diagnose/transcript-io.js'),
    import('../../sim/replay.js'),
    import('../simulator.js'),
  ]);
  const transcript = await readTranscriptFile(a.replay);
  const recorded = transcript.security;
  if (a.secGiven && recorded !== undefined && recorded !== a.sec) {
    throw new EspProvError(
      'USAGE',
      `the recording used Security ${recorded}, not ${a.sec}: give --sec ${recorded} (or no --sec) and its credentials`,
    );
  }
  // The recording knows its scheme (and its Security 2 patch level, from proto-ver): --sec is then optional.
  const sec = a.secGiven ? a.sec : (recorded ?? a.sec);
  const device: ReplayDevice = new ReplayDevice(transcript, {
    security: await simSecurity({ ...a, sec, salt: a.salt, verifier: a.verifier }),
  });
  device.on('request', (e) => {
    if (out.json)
      out.line({ event: 'request', endpoint: e.endpoint, ok: e.ok, ...(e.failure ? { failure: e.failure } : {}) });
    else
      out.step(
        'request',
        `${forTerminal(e.endpoint).padEnd(13)} ${e.ok ? 'answered from the recording' : `no answer: ${e.failure ?? ''}`}`,
      );
  });
  device.on('divergence', (d) => {
    const text = `divergence from the recording at ${d.message}`;
    // Always on stderr too: a --json log on stdout is easily overlooked by the person reading the terminal.
    if (out.json) {
      out.line({
        event: 'divergence',
        index: d.index,
        endpoint: d.endpoint,
        expectedEndpoint: d.expectedEndpoint ?? null,
        expected: d.expected ?? null,
        got: d.got,
        message: d.message,
      });
      ctx.io.stderr.write(`esp-prov sim: ${forTerminal(text)}\n`);
    } else out.warn(text);
  });
  device.on('done', () => {
    if (out.json) out.line({ event: 'replayed', exchanges: device.progress.total });
    else out.step('replayed', `all ${device.progress.total} recorded exchanges replayed`);
  });
  const { ready, where, stop } = await serveDevice(device, a, ctx.signal);
  const total = device.progress.total;
  if (out.json) out.line({ ...ready, replay: a.replay, exchanges: total, security: sec });
  else {
    out.step('ready', `Replaying ${total} recorded exchanges (Security ${sec}) at ${where}. Ctrl-C to stop.`);
  }
  await untilInterrupted(ctx.signal);
  await stop();
  if (out.json) out.line({ event: 'exit' });
  return device.divergence ? 1 : 0;
}
