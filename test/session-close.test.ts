/**
 * Closing a session wipes its keys: Session.close() makes the security scheme fill the key buffers it holds
 * with zeros, and every later call fails with a coded error instead of using (or resurrecting) the keys.
 *
 * The test sees the client's key buffers the way AES sees them: it spies on node:crypto's createCipheriv and
 * createDecipheriv (they still run) while the client scheme, and only the client scheme, is working; the
 * in-process device uses the same functions, so calls made outside the client are ignored.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { syncBuiltinESMExports } from 'node:module';
import { afterEach, beforeEach, describe, mock, test } from 'node:test';
import { utf8 } from '../src/bytes.js';
import { Sec0Client } from '../src/security/sec0.js';
import { Sec1Client } from '../src/security/sec1.js';
import { Sec2Client } from '../src/security/sec2.js';
import type { ClientSecurity } from '../src/security/scheme.js';
import { Session } from '../src/session/session.js';
import { SimDevice } from '../src/sim/device.js';
import type { SimDeviceOptions } from '../src/sim/options.js';
import { MemoryTransport } from '../src/transport/memory.js';
import { isCode } from './helpers/rejects.js';
import { counterRandom } from './sim-harness.js';

const original = { createCipheriv: crypto.createCipheriv, createDecipheriv: crypto.createDecipheriv };
/** Key buffers the client handed to AES. */
let captured: Uint8Array[] = [];
let inClient = false;

beforeEach(() => {
  captured = [];
  for (const name of ['createCipheriv', 'createDecipheriv'] as const) {
    mock.method(crypto, name, (...args: unknown[]): unknown => {
      if (inClient && args[1] instanceof Uint8Array) captured.push(args[1]);
      return Reflect.apply(original[name], crypto, args);
    });
  }
  // src/ imports these as ESM named bindings: make them see the spies.
  syncBuiltinESMExports();
});

afterEach(() => {
  mock.restoreAll();
  syncBuiltinESMExports();
});

/** The scheme under test, with a flag raised while its own code runs. Observes only; changes nothing. */
function observed(scheme: ClientSecurity): ClientSecurity {
  const run = <T>(f: () => T): T => {
    inClient = true;
    try {
      return f();
    } finally {
      inClient = false;
    }
  };
  return {
    version: scheme.version,
    overheadBytes: scheme.overheadBytes,
    patchLevel: scheme.patchLevel,
    get established() {
      return scheme.established;
    },
    get warnings() {
      return scheme.warnings;
    },
    start: () => run(() => scheme.start()),
    next: (r) => run(() => scheme.next(r)),
    encrypt: (p) => run(() => scheme.encrypt(p)),
    decrypt: (c) => run(() => scheme.decrypt(c)),
    dispose: () => scheme.dispose(),
  };
}

const SEC2_DEVICE = { version: 2, username: utf8('wifiprov'), password: utf8('abcd1234') } as const;
const CASES: { name: string; device: SimDeviceOptions; client: () => ClientSecurity }[] = [
  { name: 'Security 0', device: { security: { version: 0 } }, client: () => new Sec0Client() },
  {
    name: 'Security 1 with a PoP',
    device: { security: { version: 1, pop: utf8('abcd1234') } },
    client: () => new Sec1Client({ pop: utf8('abcd1234') }),
  },
  { name: 'Security 1 without PoP', device: { security: { version: 1 } }, client: () => new Sec1Client() },
  ...([0, 1] as const).map((patchLevel) => ({
    name: `Security 2 patch ${patchLevel}`,
    device: { security: SEC2_DEVICE, patchLevel },
    client: () => new Sec2Client({ username: utf8('wifiprov'), password: utf8('abcd1234') }),
  })),
];

void describe('Session.close() wipes the session keys', () => {
  for (const c of CASES) {
    void test(`${c.name}: keys zeroed, later calls refused with a coded error`, async () => {
      const device = new SimDevice({ ...c.device, random: counterRandom() });
      const scheme = c.client();
      const session = new Session({ transport: new MemoryTransport(device), security: observed(scheme) });
      try {
        await session.establish();
        assert.ok((await session.call('custom-data', utf8('before close'))).length > 0);
        const keys = captured.filter((k) => k.length === 32);
        assert.equal(keys.length > 0, c.name !== 'Security 0', 'the client used AES-256 keys');
        assert.ok(
          keys.every((k) => k.some((b) => b !== 0)),
          'keys are live before close',
        );

        await session.close();

        for (const k of keys) assert.deepEqual(k, new Uint8Array(32), 'a key buffer survived close()');
        assert.equal(scheme.established, false);
        await assert.rejects(session.call('custom-data', utf8('after close')), isCode('INTERNAL', /closed/));
        assert.throws(() => scheme.encrypt(utf8('x')), isCode('INTERNAL', /closed/));
        assert.throws(() => scheme.decrypt(utf8('x')), isCode('INTERNAL', /closed/));
        assert.throws(() => scheme.start(), isCode('INTERNAL', /closed/));
      } finally {
        device.stop();
      }
    });
  }

  void test('a scheme disposed mid-handshake refuses to go on', () => {
    const device = new SimDevice({ security: SEC2_DEVICE, random: counterRandom() });
    const scheme = new Sec2Client({ username: utf8('wifiprov'), password: utf8('abcd1234') });
    scheme.start();
    scheme.dispose();
    assert.throws(() => scheme.next(new Uint8Array()), isCode('INTERNAL', /closed/));
    device.stop();
  });
});
