/**
 * The CLI's hint table turns the library's facts (error details) into flags, once: the library's message
 * names what is missing or what a refused handshake may mean, and only the hint names the flag.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { describe, test } from 'node:test';
import { hintsFor } from '../src/cli/hints.js';
import { EspProvError } from '../src/errors.js';

const err = (code: 'MISSING_INPUT' | 'HANDSHAKE_FAILED', details?: Record<string, unknown>) =>
  new EspProvError(code, 'what happened', details ? { details } : {});

void describe('hints from error details', () => {
  const missing: [Record<string, unknown>, string][] = [
    [{ missing: 'ssid', askable: true }, 'pass --ssid, or run in a terminal to be asked'],
    [{ missing: 'ssid' }, 'pass --ssid'],
    [
      { missing: 'passphrase', askable: true },
      'pass --passphrase (an empty one for an open network), or run in a terminal to be asked',
    ],
    [{ missing: 'dataset', askable: true }, 'pass --dataset_tlvs, or run in a terminal to be asked'],
    [{ missing: 'security' }, 'pass --sec_ver 0, 1 or 2'],
    [{ missing: 'pop', askable: true }, 'pass --pop, or run in a terminal to be asked'],
    [{ missing: 'username', askable: true }, 'pass --sec2_username, or run in a terminal to be asked'],
    [{ missing: 'password', askable: true }, 'pass --sec2_pwd, or run in a terminal to be asked'],
  ];
  for (const [details, hint] of missing) {
    void test(`MISSING_INPUT ${JSON.stringify(details)} → ${hint}`, () => {
      assert.deepEqual(hintsFor(err('MISSING_INPUT', details), 'softap'), [hint]);
    });
  }

  void test('MISSING_INPUT without details keeps the general advice', () => {
    assert.match(hintsFor(err('MISSING_INPUT'), 'softap').join('\n'), /run in a terminal to be asked/);
  });

  void test('HANDSHAKE_FAILED: one line per suspect, in the library’s order', () => {
    assert.deepEqual(
      hintsFor(err('HANDSHAKE_FAILED', { step: 1, security: 2, suspects: ['credentials', 'scheme'] }), 'ble'),
      [
        'check --sec2_username and --sec2_pwd',
        'the scheme comes from the device’s sec_ver; --sec_ver forces another one',
      ],
    );
    assert.deepEqual(hintsFor(err('HANDSHAKE_FAILED', { step: 1, security: 1, suspects: ['pop', 'scheme'] }), 'ble'), [
      'check --pop (or leave it out: the device may expect none)',
      'the scheme comes from the device’s sec_ver; --sec_ver forces another one',
    ]);
    assert.deepEqual(hintsFor(err('HANDSHAKE_FAILED', { step: 0, security: 1, suspects: ['scheme'] }), 'ble'), [
      'the scheme comes from the device’s sec_ver; --sec_ver forces another one',
    ]);
  });
});

void test('the usage hint names the option reference by a path that exists', () => {
  const [hint] = hintsFor(new EspProvError('USAGE', 'bad'), undefined);
  const path = /; (.*cli\.md) has the details/.exec(hint ?? '')?.[1];
  assert.ok(path !== undefined && isAbsolute(path), hint);
  assert.ok(existsSync(path), path);
});

void test('BLE unavailable: one hint line, the one the BLE loader gives for this platform and state', () => {
  const e = new EspProvError('TRANSPORT_UNAVAILABLE', 'BLE unavailable: Bluetooth is turned off', {
    details: { hint: 'turn Bluetooth on. Or provision over Wi-Fi with the softap transport.' },
  });
  assert.deepEqual(hintsFor(e, 'ble'), ['turn Bluetooth on. Or provision over Wi-Fi with the softap transport.']);
});

void describe('a SoftAP device that has finished provisioning', () => {
  const ENDED =
    /may have finished provisioning \(a provisioned device stops its provisioning service\): reset it into provisioning mode/;
  const refusedVersion = new EspProvError('CONNECTION_LOST', 'closed without answering', {
    endpoint: 'proto-ver',
    details: { refused: true },
  });

  void test('its refusal of proto-ver suggests that provisioning ended and a reset', () => {
    const hints = hintsFor(refusedVersion, 'softap');
    assert.match(hints[0] ?? '', ENDED);
    assert.equal(hints.length, 2);
  });

  void test('its refusal of the first handshake step too, before the scheme advice', () => {
    const hints = hintsFor(err('HANDSHAKE_FAILED', { step: 0, security: 2, suspects: ['scheme'] }), 'softap');
    assert.match(hints[0] ?? '', ENDED);
    assert.equal(hints[1], 'the scheme comes from the device’s sec_ver; --sec_ver forces another one');
  });

  void test('not for a link that failed by itself, a later step, or another transport', () => {
    const reset = new EspProvError('CONNECTION_LOST', 'reset', { endpoint: 'proto-ver' });
    assert.doesNotMatch(hintsFor(reset, 'softap').join('\n'), ENDED);
    const later = new EspProvError('CONNECTION_LOST', 'x', { endpoint: 'prov-config', details: { refused: true } });
    assert.doesNotMatch(hintsFor(later, 'softap').join('\n'), ENDED);
    const step1 = err('HANDSHAKE_FAILED', { step: 1, security: 2, suspects: ['credentials', 'scheme'] });
    assert.doesNotMatch(hintsFor(step1, 'softap').join('\n'), ENDED);
    assert.doesNotMatch(hintsFor(refusedVersion, 'ble').join('\n'), ENDED);
  });
});
