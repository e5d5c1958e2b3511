/**
 * `esp-prov sim --transport console` pairs with `esp-prov --transport serial` as documented: the console cannot
 * carry Security 2 (its first handshake message exceeds the device's 256-byte line), so the console simulator
 * defaults to Security 1; the HTTP simulator keeps Security 2. An explicit --sec always wins.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { parseArgv } from '../src/cli/options.js';

function simSec(argv: string[]): number | undefined {
  const p = parseArgv(['sim', ...argv], {});
  return p.command === 'sim' ? p.args.sec : undefined;
}

void it('the console simulator defaults to Security 1, the SoftAP one to Security 2', () => {
  assert.equal(simSec(['--transport', 'console']), 1);
  assert.equal(simSec([]), 2);
  assert.equal(simSec(['--transport', 'softap']), 2);
});

void it('an explicit --sec wins on either transport', () => {
  assert.equal(simSec(['--transport', 'console', '--sec', '0']), 0);
  assert.equal(simSec(['--transport', 'console', '--sec_ver', '2']), 2);
  assert.equal(simSec(['--transport', 'softap', '--sec', '1']), 1);
});
