/**
 * Reading and writing transcript files. readTranscript accepts this tool's recordings (esp-prov-transcript-v1)
 * and the recorded firmware sessions of ../shared/vectors (peer-golden-transcript-v1): both list
 * `exchanges[]` with the same field names, so one normalised form serves replay and tests.
 */
import { constants, promises as fs } from 'node:fs';
import { fromHex } from '../bytes.js';
import { EspProvError } from '../errors.js';
import { VERSION_ENDPOINT } from '../protocol/endpoints.js';
import { parseDeviceInfo, type DeviceInfo } from '../session/version.js';
import { TRANSCRIPT_FORMAT, type TranscriptFile } from './transcript.js';

export const VECTOR_FORMAT = 'peer-golden-transcript-v1';

export interface RecordedExchange {
  endpoint: string;
  request?: Uint8Array;
  /** The decrypted request; absent when redacted. */
  requestPlain?: Uint8Array;
  requestDecoded?: string;
  response?: Uint8Array;
  responsePlain?: Uint8Array;
  responseDecoded?: string;
  /** The request's secret fields were replaced by the marker: compare it by its decoded text. */
  requestRedacted: boolean;
  /** The device sent no response (it dropped the exchange). */
  failed: boolean;
}

export interface Transcript {
  format: string;
  exchanges: RecordedExchange[];
  /** The device's proto-ver, from the first recorded answer. */
  info: DeviceInfo | undefined;
  /** The security scheme of the recording, when it says. */
  security: 0 | 1 | 2 | undefined;
  /** Security 2's patch level (its IV variant) as recorded, else as proto-ver's sec_patch_ver says. */
  patchLevel?: 0 | 1;
}

function bytes(v: unknown): Uint8Array | undefined {
  return typeof v === 'string' && /^([0-9a-f]{2})*$/i.test(v) ? fromHex(v) : undefined;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function bad(message: string): EspProvError {
  return new EspProvError('USAGE', `not a transcript: ${message}`);
}

export function readTranscript(text: string): Transcript {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw bad(`invalid JSON (${(e as Error).message})`);
  }
  const o = json as Record<string, unknown>;
  const format = o?.['format'];
  if (format !== TRANSCRIPT_FORMAT && format !== VECTOR_FORMAT) {
    throw bad(`format ${JSON.stringify(format)} is neither ${TRANSCRIPT_FORMAT} nor ${VECTOR_FORMAT}`);
  }
  if (!Array.isArray(o['exchanges'])) throw bad('no exchanges list');
  const exchanges = (o['exchanges'] as Record<string, unknown>[]).map((x, i): RecordedExchange => {
    const endpoint = str(x['endpoint']);
    if (!endpoint) throw bad(`exchange ${i} names no endpoint`);
    const redacted = Array.isArray(x['redacted']) ? (x['redacted'] as unknown[]) : [];
    const r: RecordedExchange = {
      endpoint,
      requestRedacted: redacted.includes('request'),
      failed: typeof x['response_hex'] !== 'string' && typeof x['response_decoded'] !== 'string',
    };
    const set = <K extends keyof RecordedExchange>(k: K, v: RecordedExchange[K] | undefined): void => {
      if (v !== undefined) r[k] = v;
    };
    set('request', bytes(x['request_hex']));
    set('requestPlain', bytes(x['request_plain_hex']));
    set('requestDecoded', str(x['request_decoded']));
    set('response', bytes(x['response_hex']));
    set('responsePlain', bytes(x['response_plain_hex']));
    set('responseDecoded', str(x['response_decoded']));
    return r;
  });
  const version = exchanges.find((x) => x.endpoint === VERSION_ENDPOINT && x.response);
  const info = version?.response ? parseDeviceInfo(version.response) : undefined;
  const device = o['device'] as Record<string, unknown> | undefined;
  const inputs = o['inputs'] as Record<string, unknown> | undefined;
  const sec = Number(format === TRANSCRIPT_FORMAT ? device?.['security'] : inputs?.['device_sec']);
  const security = sec === 0 || sec === 1 || sec === 2 ? sec : info?.secVer;
  const patch = format === TRANSCRIPT_FORMAT ? device?.['patch_level'] : undefined;
  const patchLevel = patch === 0 || patch === 1 ? patch : info?.secPatchVer === 1 ? 1 : 0;
  return { format, exchanges, info, security, patchLevel };
}

export async function readTranscriptFile(path: string): Promise<Transcript> {
  let text: string;
  try {
    text = await fs.readFile(path, 'utf8');
  } catch (e) {
    throw new EspProvError('USAGE', `cannot read the transcript ${JSON.stringify(path)}: ${(e as Error).message}`);
  }
  return readTranscript(text);
}

/**
 * Opens the transcript file for writing before the run starts (a bad path fails before the device is touched).
 * Created with mode 0600 by open itself: an existing file is removed first, because open keeps the mode of a
 * file it does not create.
 */
export async function openTranscriptFile(path: string): Promise<{ write(file: TranscriptFile): Promise<void> }> {
  try {
    await fs.unlink(path).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'ENOENT') throw e;
    });
    const handle = await fs.open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
    return {
      async write(file) {
        try {
          await handle.writeFile(JSON.stringify(file, null, 2) + '\n', 'utf8');
        } finally {
          await handle.close();
        }
      },
    };
  } catch (e) {
    throw new EspProvError('USAGE', `cannot create the transcript ${JSON.stringify(path)}: ${(e as Error).message}`);
  }
}
