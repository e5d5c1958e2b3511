/** `--record FILE` for provisioning runs: the CLI's side of diagnose/transcript.ts (file, tool version, outcome). */
import { packageVersion } from '../package-version.js';
import { toEspProvError } from '../../errors.js';
import type { EventSink } from '../../provision/events.js';
import type { TraceEvent } from '../../session/session.js';

export interface Recording {
  trace(e: TraceEvent): void;
  event: EventSink;
  /** Records the session cookie of each exchange when `transport` is HTTP (it has one). */
  watch(transport: object): void;
  /** Writes the file; `error` is the run's failure, recorded as its outcome. */
  finish(error?: unknown): Promise<void>;
}

/** Creates the file now (mode 0600), so that a bad path fails before the device is touched. */
export async function startRecording(path: string, transport: string): Promise<Recording> {
  const [{ TranscriptRecorder }, { openTranscriptFile }] = await Promise.all([
    import('../../diagnose/transcript.js'),
    import('../../diagnose/transcript-io.js'),
  ]);
  const file = await openTranscriptFile(path);
  const recorder = new TranscriptRecorder({ toolVersion: packageVersion(), transport });
  return {
    trace: recorder.trace,
    event: recorder.event,
    watch(transport) {
      if ('cookie' in transport) recorder.watchCookies(transport as { readonly cookie?: string });
    },
    async finish(error) {
      const err = error === undefined ? undefined : toEspProvError(error);
      await file.write(recorder.finish(err ? { code: err.code, message: err.message } : undefined));
    },
  };
}
