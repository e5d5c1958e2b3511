/**
 * Transcripts and their replay: a recorded run holds none of the secrets given and parses back; the same
 * client run succeeds against a ReplayDevice fed the recording; a changed request is a divergence; and every
 * recorded firmware session in ../shared/vectors replays through the ReplayDevice with the device credentials
 * its README names (requests sent as recorded, answers compared by meaning).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fromHex, toHex, utf8 } from '../src/bytes.js';
import { decodeMessage, familyOf, REDACTED } from '../src/diagnose/decode.js';
import { openTranscriptFile, readTranscript, readTranscriptFile } from '../src/diagnose/transcript-io.js';
import { TranscriptRecorder } from '../src/diagnose/transcript.js';
import { WiFiConfigPayload, type WifiStationState } from '../src/gen/proto.js';
import { provision, type ProvisionOptions } from '../src/provision/flow.js';
import { Sec0Client } from '../src/security/sec0.js';
import { Sec1Client } from '../src/security/sec1.js';
import { Sec2Client } from '../src/security/sec2.js';
import type { ClientSecurity } from '../src/security/scheme.js';
import { Session } from '../src/session/session.js';
import { SimDevice } from '../src/sim/device.js';
import type { SimSecurity } from '../src/sim/options.js';
import { ReplayDevice, type ReplayDivergence } from '../src/sim/replay.js';
import type { ProtocommDevice } from '../src/protocol/device.js';
import { MemoryTransport } from '../src/transport/memory.js';
import { QUICK, QUICK_CLIENT } from './helpers/e2e.js';
import { isCode } from './helpers/rejects.js';
import { loadVectors, VECTORS_DIR, type Vector } from './helpers/vectors.js';

const PASSPHRASE = 'correct-horse-battery';
const PASSWORD = 'rec0rd-secret-pw';
const POP = 'pop-s3cret-xyz';

type Scheme = { sim: SimSecurity; client: NonNullable<ProvisionOptions['security']> };
const SCHEMES: Record<string, Scheme> = {
  sec0: { sim: { version: 0 }, client: { version: 0 } },
  sec1: { sim: { version: 1, pop: utf8(POP) }, client: { version: 1, pop: POP } },
  sec2: {
    sim: { version: 2, username: utf8('alice'), password: utf8(PASSWORD) },
    client: { version: 2, username: 'alice', password: PASSWORD },
  },
};

async function recordRun(scheme: Scheme, path: string): Promise<void> {
  const device = new SimDevice({ ...QUICK, security: scheme.sim, patchLevel: 1 });
  const transport = new MemoryTransport(device);
  const recorder = new TranscriptRecorder({ toolVersion: 'test', transport: 'memory' });
  const file = await openTranscriptFile(path);
  try {
    await provision({
      ...QUICK_CLIENT,
      transport,
      security: scheme.client,
      wifi: { ssid: utf8('HomeNetwork'), passphrase: utf8(PASSPHRASE) },
      custom: [{ endpoint: 'custom-data', data: utf8('hello') }],
      onTrace: recorder.trace,
      onEvent: recorder.event,
    });
  } finally {
    await file.write(recorder.finish());
    await transport.close();
    device.stop();
  }
}

async function replayRun(scheme: Scheme, path: string, ssid = 'HomeNetwork') {
  const replay = new ReplayDevice(await readTranscriptFile(path), { security: scheme.sim });
  const divergences: ReplayDivergence[] = [];
  replay.on('divergence', (d) => divergences.push(d));
  const transport = new MemoryTransport(replay);
  try {
    const result = await provision({
      ...QUICK_CLIENT,
      transport,
      security: scheme.client,
      wifi: { ssid: utf8(ssid), passphrase: utf8(PASSPHRASE) },
      custom: [{ endpoint: 'custom-data', data: utf8('hello') }],
    }).then(
      (r) => ({ ok: true as const, r }),
      (e: unknown) => ({ ok: false as const, e }),
    );
    return { result, divergences, replay };
  } finally {
    await transport.close();
  }
}

describe('record and replay a provisioning run', () => {
  const dir = mkdtempSync(join(tmpdir(), 'esp-prov-transcript-'));
  test.after(() => rmSync(dir, { recursive: true, force: true }));

  for (const [name, scheme] of Object.entries(SCHEMES)) {
    test(`${name}: the transcript is 0600, secret-free, parses back, and replays`, async () => {
      const path = join(dir, `${name}.json`);
      await recordRun(scheme, path);
      assert.equal(statSync(path).mode & 0o777, 0o600);
      const text = readFileSync(path, 'utf8');
      for (const secret of [PASSPHRASE, PASSWORD, POP]) {
        assert.ok(!text.includes(secret), `${secret} in the transcript`);
        assert.ok(!text.includes(toHex(utf8(secret))), `${secret} (hex) in the transcript`);
      }
      const json = JSON.parse(text) as { format: string; device: { proto_ver: string; security: number } };
      assert.equal(json.format, 'esp-prov-transcript-v1');
      assert.equal(json.device.security, scheme.sim.version);
      assert.match(json.device.proto_ver, /"prov"/);
      const t = readTranscript(text);
      const set = t.exchanges.find((x) => x.requestDecoded?.includes('cmd_set_config'));
      assert.ok(set, 'SetConfig recorded');
      assert.ok(set.requestRedacted && set.requestDecoded!.includes(`passphrase: ${REDACTED}`));
      assert.equal(set.requestPlain, undefined);
      if (scheme.sim.version === 0) assert.equal(set.request, undefined, 'Security 0 wire bytes are the plaintext');

      const same = await replayRun(scheme, path);
      assert.deepEqual(same.divergences, []);
      assert.ok(same.result.ok, same.result.ok ? '' : String(same.result.e));
      assert.equal(same.replay.progress.replayed, same.replay.progress.total);

      const changed = await replayRun(scheme, path, 'OtherNetwork');
      assert.equal(changed.result.ok, false);
      assert.equal(changed.divergences.length, 1);
      assert.equal(changed.divergences[0]!.endpoint, 'prov-config');
      assert.match(changed.divergences[0]!.message, /OtherNetwork/);
      assert.ok(!changed.divergences[0]!.message.includes(PASSPHRASE));
    });
  }

  test('a file that is not a transcript is refused', () => {
    assert.throws(() => readTranscript('{"format":"x","exchanges":[]}'), isCode('USAGE'));
    assert.throws(() => readTranscript('nope'), isCode('USAGE'));
  });
});

function deviceSecurity(v: Vector): SimSecurity {
  const i = v.inputs;
  const sec = Number(i['device_sec']);
  if (sec === 0) return { version: 0 };
  if (sec === 1) {
    const pop = i['device_pop'];
    return { version: 1, pop: typeof pop === 'string' ? utf8(pop) : undefined };
  }
  return { version: 2, salt: fromHex(i.device_sec2_salt_hex!), verifier: fromHex(i.device_sec2_verifier_hex!) };
}

function clientSecurity(v: Vector, patchLevel: 0 | 1): ClientSecurity {
  const i = v.inputs;
  const sec = Number(i.client_sec_ver);
  if (sec === 0) return new Sec0Client();
  if (sec === 1) return new Sec1Client({ pop: i.client_pop ? utf8(i.client_pop) : undefined });
  return new Sec2Client({ username: utf8(i.client_username!), password: utf8(i.client_password!), patchLevel });
}

describe('every recorded firmware session replays through the ReplayDevice', () => {
  for (const v of loadVectors()) {
    test(v.name, async () => {
      const transcript = readTranscript(readFileSync(join(VECTORS_DIR, v.file), 'utf8'));
      const replay = new ReplayDevice(transcript, { security: deviceSecurity(v) });
      const divergences: ReplayDivergence[] = [];
      replay.on('divergence', (d) => divergences.push(d));
      const transport = new MemoryTransport(replay);
      const patch = transcript.info?.secPatchVer === 1 ? 1 : 0;
      const session = new Session({ transport, security: clientSecurity(v, patch) });
      try {
        const handshakeFails = transcript.exchanges.some((x) => x.endpoint === 'prov-session' && x.failed);
        if (handshakeFails) {
          await assert.rejects(session.establish(), isCode('HANDSHAKE_FAILED'));
          return;
        }
        await session.establish();
        for (const x of transcript.exchanges) {
          if (x.endpoint === 'prov-session') continue;
          if (x.endpoint === 'proto-ver') {
            // Byte-exact: the recorded answer itself.
            assert.deepEqual(await transport.request('proto-ver', x.request!), x.response);
            continue;
          }
          const answer = session.call(x.endpoint, x.requestPlain!);
          if (x.failed) await assert.rejects(answer);
          else assert.equal(toHex(await answer), toHex(x.responsePlain!), `${x.endpoint} answer`);
        }
        assert.deepEqual(divergences, []);
        assert.equal(replay.progress.replayed, replay.progress.total);
      } finally {
        await session.close();
      }
    });
  }
});

test('decoded messages read as the firmware recordings do: .proto field names and enum names', () => {
  // Custom endpoints stay raw (their meaning is the application's) and credentials are redacted; the rest of
  // every recording's decoded text is the protobuf text format this tool writes.
  let compared = 0;
  const flat = (s: string) => s.replace(/\s+/g, ' ').trim();
  for (const v of loadVectors()) {
    const t = readTranscript(readFileSync(join(VECTORS_DIR, v.file), 'utf8'));
    for (const x of t.exchanges) {
      if (x.endpoint === 'proto-ver' || x.endpoint === 'custom-data') continue;
      for (const [plain, text] of [
        [x.requestPlain, x.requestDecoded],
        [x.responsePlain, x.responseDecoded],
      ] as const) {
        if (!plain || text === undefined) continue;
        const mine = decodeMessage(x.endpoint, plain, familyOf(t.info?.version));
        if (mine.redacted) continue;
        assert.equal(mine.text, flat(text), `${v.name} ${x.endpoint}`);
        compared++;
      }
    }
  }
  assert.ok(compared > 20, `${compared} messages compared`);
  const status = WiFiConfigPayload.encode({ msg: 1, respGetStatus: { status: 4, staState: 1 } }).finish();
  assert.equal(
    decodeMessage('prov-config', status, 'wifi_prov').text,
    'msg: TypeRespGetStatus resp_get_status { status: InvalidArgument sta_state: Connecting }',
  );
  // A value the enum does not name stays a number.
  const odd = WiFiConfigPayload.encode({ msg: 1, respGetStatus: { staState: 9 as WifiStationState } }).finish();
  assert.match(decodeMessage('prov-config', odd, 'wifi_prov').text, /sta_state: 9 /);
});

describe('a Thread run', () => {
  test('keeps the dataset readable but its network key out, and replays', async () => {
    const keyHex = 'fedcba9876543210fedcba9876543210';
    const key = fromHex(keyHex);
    const sim: SimSecurity = { version: 0 };
    const run = async (device: ProtocommDevice, recorder?: TranscriptRecorder) => {
      const transport = new MemoryTransport(device);
      try {
        return await provision({
          ...QUICK_CLIENT,
          transport,
          security: { version: 0 },
          selectThreadNetwork: (nets) =>
            Promise.resolve({ network: nets.find((n) => n.networkName === 'ESP-Thread-Lab')! }),
          askNetworkKey: () => Promise.resolve(key),
          ...(recorder ? { onTrace: recorder.trace, onEvent: recorder.event } : {}),
        });
      } finally {
        await transport.close();
      }
    };
    const device = new SimDevice({ ...QUICK, flavour: 'netprov-thread', security: sim });
    const recorder = new TranscriptRecorder({ toolVersion: 'test', transport: 'memory' });
    await run(device, recorder);
    device.stop();
    const text = JSON.stringify(recorder.finish());
    assert.ok(!text.includes(keyHex), 'the network key is in the transcript');
    const set = readTranscript(text).exchanges.find((x) => x.requestDecoded?.includes('dataset'));
    assert.ok(set?.requestRedacted);
    assert.match(set.requestDecoded!, /5:<redacted>/);
    assert.match(set.requestDecoded!, /2:1111111122222222/);
    assert.equal(set.request, undefined, 'Security 0: the wire bytes are the plaintext');

    const replay = new ReplayDevice(readTranscript(text), { security: sim });
    const res = await run(replay);
    assert.equal(res.network, 'thread');
    assert.equal(replay.divergence, undefined);
  });
});
