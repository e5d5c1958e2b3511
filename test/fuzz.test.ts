/**
 * Hostile device answers at every step, thrown at the client: random bytes and mutations of the recorded
 * real-firmware responses (../shared/vectors). The only allowed outcomes are a result or an EspProvError —
 * never another exception type, a hang or a crash. FUZZ_SCALE=10 (or more) runs a longer local campaign.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { fromHex } from '../src/bytes.js';
import { EspProvError } from '../src/errors.js';
import { applyWifiConfig, getWifiStatus, setWifiConfig } from '../src/endpoints/config.js';
import { sendCtrl } from '../src/endpoints/ctrl.js';
import { scanResults, scanStatus, startScan } from '../src/endpoints/scan.js';
import { applyThreadConfig, getThreadStatus, scanThread } from '../src/endpoints/thread.js';
import { Sec1MsgType, Sec2MsgType } from '../src/gen/proto.js';
import { GcmChannel } from '../src/security/gcm.js';
import { encodeSessionData } from '../src/security/handshake.js';
import { Sec0Client } from '../src/security/sec0.js';
import { Sec1Client } from '../src/security/sec1.js';
import { Sec2Client } from '../src/security/sec2.js';
import type { EndpointCaller } from '../src/session/session.js';
import { parseDeviceInfo } from '../src/session/version.js';
import { SEC1, SEC2, sec2Resp0 } from './helpers/spec-vectors.js';
import { loadVectors } from './helpers/vectors.js';

const SCALE = Number(process.env['FUZZ_SCALE'] ?? 1);
const runs = (n: number) => Math.max(1, Math.round(n * SCALE));

function onlyCoded(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof EspProvError)) throw e;
  }
}

async function onlyCodedAsync(fn: () => Promise<unknown>): Promise<void> {
  try {
    await fn();
  } catch (e) {
    if (!(e instanceof EspProvError)) throw e;
  }
}

/** Responses recorded from the real firmware, per endpoint: the best seeds for mutation. */
const recorded = new Map<string, Uint8Array[]>();
for (const v of loadVectors()) {
  for (const e of v.exchanges) {
    const body =
      e.response_plain_hex ?? (e.endpoint === 'proto-ver' || e.endpoint === 'prov-session' ? e.response_hex : null);
    if (!body) continue;
    const list = recorded.get(e.endpoint) ?? [];
    list.push(fromHex(body));
    recorded.set(e.endpoint, list);
  }
}

function seeds(endpoint: string): Uint8Array[] {
  const s = recorded.get(endpoint);
  assert.ok(s && s.length > 0, `recordings hold ${endpoint} responses`);
  return s;
}

/** Random bytes, or a recorded response with bytes flipped, inserted, removed or truncated. */
function hostile(endpoint: string): fc.Arbitrary<Uint8Array> {
  const mutated = fc
    .tuple(
      fc.constantFrom(...seeds(endpoint)),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 3 })), { maxLength: 4 }),
    )
    .map(([seed, edits]) => {
      let b = Array.from(seed);
      for (const [pos, val, kind] of edits) {
        const i = b.length ? pos % b.length : 0;
        if (kind === 0) b[i] = val;
        else if (kind === 1) b.splice(i, 0, val);
        else if (kind === 2) b.splice(i, 1);
        else b = b.slice(0, i);
      }
      return Uint8Array.from(b);
    });
  return fc.oneof(fc.uint8Array({ maxLength: 300 }), mutated);
}

class OneAnswer implements EndpointCaller {
  readonly limits = { maxRequestBytes: 4096, maxResponseBytes: 65536 };
  readonly overheadBytes = 0;
  constructor(private readonly answer: Uint8Array) {}
  call(): Promise<Uint8Array> {
    return Promise.resolve(this.answer);
  }
}

interface Handshake {
  next(response: Uint8Array): Uint8Array | null;
}

/**
 * Feeds each case's answer to a client waiting at one handshake step, as a fresh client would be. Getting there
 * costs key agreement (X25519, or SRP's 3072-bit exponentiations) that would dominate the fuzzing if repeated
 * per case, so the client is kept for the next case when the answer left it where it was: `probe` is an answer
 * of the wrong message type, which every state refuses without moving, and only the waited-for step refuses
 * with `stillThere`'s message. Any other outcome (established, failed proof, an unknown state) means a new one.
 */
function atStep(arrive: () => Handshake, probe: Uint8Array, stillThere: RegExp): (answer: Uint8Array) => void {
  let held: Handshake | undefined;
  const waiting = (c: Handshake): boolean => {
    try {
      c.next(probe);
    } catch (e) {
      return e instanceof EspProvError && stillThere.test(e.message);
    }
    return false;
  };
  return (answer) => {
    let c = held;
    if (!c) {
      c = arrive();
      assert.ok(waiting(c), `the probe tells a client waiting at the step (${stillThere})`);
    }
    held = undefined; // a case that throws (a failure) must not leave a client of unknown state behind
    onlyCoded(() => c.next(answer));
    if (waiting(c)) held = c;
  };
}

/** Wrong message type for the steps the fuzz waits at: Response0 without its body. */
const SEC1_PROBE = encodeSessionData({ secVer: 1, sec1: { msg: Sec1MsgType.Session_Response0 } });
const SEC2_PROBE = encodeSessionData({ secVer: 2, sec2: { msg: Sec2MsgType.S2Session_Response0 } });

describe('fuzz: endpoint decoders', () => {
  const cases: [string, string, (c: EndpointCaller) => Promise<unknown>][] = [
    ['prov-config', 'GetStatus', (c) => getWifiStatus(c)],
    ['prov-config', 'SetConfig', (c) => setWifiConfig(c, { ssid: new Uint8Array([0x41]) })],
    ['prov-config', 'ApplyConfig', (c) => applyWifiConfig(c)],
    ['prov-config', 'GetThreadStatus', (c) => getThreadStatus(c)],
    ['prov-config', 'ApplyThreadConfig', (c) => applyThreadConfig(c)],
    ['prov-scan', 'ScanStart', (c) => startScan(c)],
    ['prov-scan', 'ScanStatus', (c) => scanStatus(c)],
    ['prov-scan', 'ScanResult', (c) => scanResults(c, 0, 3)],
    ['prov-scan', 'ThreadScan', (c) => scanThread(c, { scanTimeoutMs: 0 })],
    ['prov-config', 'Ctrl', (c) => sendCtrl(c, 'wifi-reset')],
  ];
  for (const [endpoint, name, call] of cases) {
    test(`${name}: ${runs(8000)} hostile answers`, async () => {
      await fc.assert(
        fc.asyncProperty(hostile(endpoint), async (answer) => onlyCodedAsync(() => call(new OneAnswer(answer)))),
        { numRuns: runs(8000) },
      );
    });
  }
});

describe('fuzz: proto-ver and handshakes', () => {
  test(`proto-ver: ${runs(10000)} answers never throw`, () => {
    fc.assert(
      fc.property(
        fc.oneof(
          hostile('proto-ver'),
          fc.string().map((s) => new TextEncoder().encode(s)),
        ),
        (b) => {
          parseDeviceInfo(b);
        },
      ),
      { numRuns: runs(10000) },
    );
  });

  test(`sec0 and sec1 step 0: ${runs(6000)} answers`, () => {
    const sec1 = atStep(
      () => {
        const s1 = new Sec1Client({ random: () => fromHex(SEC1.clientPriv) });
        s1.start();
        return s1;
      },
      SEC1_PROBE,
      /did not answer Command0/,
    );
    fc.assert(
      fc.property(hostile('prov-session'), (answer) => {
        const s0 = new Sec0Client();
        s0.start();
        onlyCoded(() => s0.next(answer));
        sec1(answer);
      }),
      { numRuns: runs(6000) },
    );
  });

  test(`sec1 step 1 (after a real Response0): ${runs(6000)} answers`, () => {
    const sec1 = atStep(
      () => {
        const s1 = new Sec1Client({ random: () => fromHex(SEC1.clientPriv) });
        s1.start();
        s1.next(fromHex(SEC1.resp0));
        return s1;
      },
      SEC1_PROBE,
      /did not answer Command1/,
    );
    fc.assert(fc.property(fc.oneof(hostile('prov-session'), fc.constant(fromHex(SEC1.resp1))), sec1), {
      numRuns: runs(6000),
    });
  });

  test(`sec2 step 0: ${runs(300)} answers (each valid-looking one costs a 3072-bit exponentiation)`, () => {
    const sec2 = atStep(
      () => {
        const c = new Sec2Client({
          username: new Uint8Array([0x61]),
          password: new Uint8Array([0x62]),
          random: () => new Uint8Array(32).fill(1),
        });
        c.start();
        return c;
      },
      SEC2_PROBE,
      /did not answer Command0/,
    );
    fc.assert(fc.property(hostile('prov-session'), sec2), { numRuns: runs(300) });
  });

  test(`sec2 step 1 (after a real Response0): ${runs(200)} answers`, () => {
    const sec2 = atStep(
      () => {
        const c = new Sec2Client({
          username: new TextEncoder().encode('wifiprov'),
          password: new TextEncoder().encode('abcd1234'),
          random: () => new Uint8Array(32).fill(1),
        });
        c.start();
        c.next(fromHex(sec2Resp0()));
        return c;
      },
      SEC2_PROBE,
      /did not answer Command1/,
    );
    fc.assert(fc.property(fc.oneof(hostile('prov-session'), fc.constant(fromHex(SEC2.resp1Patch1))), sec2), {
      numRuns: runs(200),
    });
  });

  test(`GCM decrypt: ${runs(20000)} ciphertexts`, () => {
    const key = fromHex(SEC2.K).subarray(0, 32);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.boolean(), (data, p1) => {
        const ch = new GcmChannel(key, p1 ? fromHex('a1a2a3a4a5a6a7a800000001') : new Uint8Array(16));
        onlyCoded(() => ch.decrypt(data));
      }),
      { numRuns: runs(20000) },
    );
  });
});
