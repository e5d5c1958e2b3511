/** proto-ver parsing and the security choice (PROTOCOL.md §1.4, §1.5, §10). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { utf8 } from '../src/bytes.js';
import { chooseSecurity, parseDeviceInfo, versionMatches } from '../src/session/version.js';
import { isCode } from './helpers/rejects.js';

const idf55Sec2 =
  '{\n\t"prov":\t{\n\t\t"ver":\t"v1.1",\n\t\t"sec_ver":\t2,\n\t\t"sec_patch_ver":\t1,\n\t\t"cap":\t["wifi_scan"]\n\t}\n}';
const npNoPop =
  '{\n\t"prov":\t{\n\t\t"ver":\t"netprov-v1.2",\n\t\t"sec_ver":\t1,\n\t\t"sec_patch_ver":\t0,\n\t\t"cap":\t["no_pop", "wifi_prov", "wifi_scan"]\n\t}\n}';

test('manager JSON with sec_ver and sec_patch_ver', () => {
  const info = parseDeviceInfo(utf8(idf55Sec2));
  assert.equal(info.manager, true);
  assert.equal(info.version, 'v1.1');
  assert.deepEqual(chooseSecurity(info), { version: 2, source: 'sec_ver', popRequired: false, patchLevel: 1 });
});

test('network_provisioning, Security 1 without PoP', () => {
  const info = parseDeviceInfo(utf8(npNoPop));
  assert.deepEqual(info.capabilities, ['no_pop', 'wifi_prov', 'wifi_scan']);
  assert.deepEqual(chooseSecurity(info), { version: 1, source: 'sec_ver', popRequired: false, patchLevel: 0 });
  assert.ok(versionMatches(info, 'NETPROV-v1.2'));
  assert.ok(!versionMatches(info, 'v1.1'));
});

test('IDF v4.x JSON without sec_ver: no_sec ⇒ 0, otherwise 1 with PoP', () => {
  const a = parseDeviceInfo(utf8('{"prov":{"ver":"v1.1","cap":["no_sec","wifi_scan"]}}'));
  assert.equal(chooseSecurity(a).version, 0);
  assert.equal(chooseSecurity(a).source, 'capabilities');
  const b = parseDeviceInfo(utf8('{"prov":{"ver":"v1.1","cap":["wifi_scan"]}}'));
  assert.deepEqual(chooseSecurity(b), { version: 1, source: 'capabilities', popRequired: true, patchLevel: 0 });
});

test('application labels come first and are kept', () => {
  const info = parseDeviceInfo(
    utf8('{"my-app":{"ver":"2.0","cap":["ota"]},"prov":{"ver":"v1.1","sec_ver":0,"cap":["no_sec"]}}'),
  );
  assert.deepEqual(info.apps, { 'my-app': { ver: '2.0', cap: ['ota'] } });
});

test('legacy plain version strings and garbage: the user must name the scheme', () => {
  for (const [text, version] of [
    ['V0.1', 'V0.1'],
    ['SUCCESS', 'SUCCESS'],
    ['\u0000\u00ff\u0001garbage', undefined],
    ['', undefined],
    ['{"prov": 5}', '{"prov": 5}'],
    ['[1,2,3]', '[1,2,3]'],
  ] as const) {
    const info = parseDeviceInfo(utf8(text));
    assert.equal(info.manager, false);
    assert.equal(info.version, version);
    // A legacy version string names no scheme: the user must. An unreadable answer is a bad answer.
    assert.throws(() => chooseSecurity(info), isCode(version === undefined ? 'DECODE_FAILED' : 'MISSING_INPUT'));
    assert.equal(chooseSecurity(info, 1).version, 1);
  }
  assert.ok(versionMatches(parseDeviceInfo(utf8('V0.1')), 'v0.1'));
});

test('odd field types are ignored, not trusted', () => {
  const info = parseDeviceInfo(utf8('{"prov":{"ver":7,"sec_ver":"2","sec_patch_ver":-1,"cap":"wifi_scan"}}'));
  assert.equal(info.version, undefined);
  assert.equal(info.secVer, undefined);
  assert.equal(info.secPatchVer, undefined);
  assert.deepEqual(info.capabilities, []);
  assert.equal(chooseSecurity(info).version, 1);
});

test('an explicit choice wins over sec_ver', () => {
  const c = chooseSecurity(parseDeviceInfo(utf8(idf55Sec2)), 1);
  assert.equal(c.version, 1);
  assert.equal(c.source, 'option');
  assert.equal(c.popRequired, true);
});
