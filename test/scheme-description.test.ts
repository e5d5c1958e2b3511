/**
 * A security scheme describes itself (per-message overhead, patch level), so that callers size pages and
 * report the session without testing `version === 2` or `instanceof Sec2Client`.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { connect } from '../src/provision/connect.js';
import type { ProvisionEvent } from '../src/provision/events.js';
import { Sec0Client } from '../src/security/sec0.js';
import { Sec1Client } from '../src/security/sec1.js';
import { Sec2Client } from '../src/security/sec2.js';
import { Session } from '../src/session/session.js';
import { SimDevice } from '../src/sim/device.js';
import { MemoryTransport } from '../src/transport/memory.js';

const utf8 = (s: string) => new TextEncoder().encode(s);

void describe('security scheme self-description', () => {
  void test('overhead per message: Security 2 adds its 16-byte GCM tag, the others nothing', () => {
    assert.equal(new Sec0Client().overheadBytes, 0);
    assert.equal(new Sec1Client({ pop: utf8('abcd1234') }).overheadBytes, 0);
    assert.equal(new Sec2Client({ username: utf8('u'), password: utf8('p') }).overheadBytes, 16);
  });

  void test('the session passes the scheme’s overhead on to page sizing', () => {
    const transport = new MemoryTransport(new SimDevice({ security: { version: 0 } }));
    for (const security of [new Sec0Client(), new Sec2Client({ username: utf8('u'), password: utf8('p') })]) {
      assert.equal(new Session({ transport, security }).overheadBytes, security.overheadBytes);
    }
  });

  void test('patch level: none before the handshake or without Security 2; the session’s after it', async () => {
    assert.equal(new Sec1Client({ pop: utf8('abcd1234') }).patchLevel, undefined);
    const device = new SimDevice({});
    const events: ProvisionEvent[] = [];
    const conn = await connect({
      transport: new MemoryTransport(device),
      security: { username: 'wifiprov', password: 'abcd1234' },
      onEvent: (e) => events.push(e),
    });
    const established = events.find((e) => e.type === 'session-established');
    assert.ok(established && 'patchLevel' in established);
    assert.equal(established.patchLevel, conn.session.security.patchLevel);
    assert.notEqual(conn.session.security.patchLevel, undefined);
  });
});
