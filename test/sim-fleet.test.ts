/**
 * `esp-prov sim --count`: the options that only make sense together, and the manifest a fleet writes — one that
 * `esp-prov batch` accepts as it is, the same for the same seed, with each device's own secrets.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseManifest } from '../src/batch/manifest.js';
import { parseArgv } from '../src/cli/options.js';
import { runCli } from './helpers/cli-run.js';

async function fleetManifestText(args: string[]): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'esp-prov-fleet-'));
  const file = join(dir, 'rack.csv');
  const stop = new AbortController();
  // Once the fleet is ready (the manifest written), stop it as Ctrl-C would.
  const stdout = { write: (s: string) => (/"event":"ready"/.test(s) ? stop.abort() : undefined) };
  const { code } = await runCli(['sim', '--listen', '127.0.0.1:0', '--json', '--manifest-out', file, ...args], {
    io: { stdout },
    signal: stop.signal,
  });
  assert.equal(code, 0);
  assert.equal(statSync(file).mode & 0o777, 0o600, 'the manifest holds secrets: owner only');
  return readFileSync(file, 'utf8');
}

describe('sim --count', () => {
  it('refuses --seed / --manifest-out without --count, a console fleet, and a shared salt', () => {
    assert.throws(() => parseArgv(['sim', '--seed', 'x']), /give --count N/);
    assert.throws(() => parseArgv(['sim', '--manifest-out', 'f']), /give --count N/);
    assert.throws(() => parseArgv(['sim', '--count', '2', '--transport', 'console']), /SoftAP/);
    assert.throws(() => parseArgv(['sim', '--count', '2', '--salt', '00', '--verifier', '00']), /no --salt/);
    assert.throws(() => parseArgv(['sim', '--count', '0']), /count/);
  });

  it('writes a manifest batch accepts; the same seed gives the same secrets, another seed others', async () => {
    const a = await fleetManifestText(['--count', '3', '--sec', '1', '--seed', 'alpha']);
    const b = await fleetManifestText(['--count', '3', '--sec', '1', '--seed', 'alpha']);
    const c = await fleetManifestText(['--count', '3', '--sec', '1', '--seed', 'beta']);
    const rows = parseManifest(a, 'rack.csv');
    assert.deepEqual(
      rows.map((r) => [r.id, r.transport, r.ssid]),
      [
        ['sim-1', 'softap', 'HomeNetwork'],
        ['sim-2', 'softap', 'HomeNetwork'],
        ['sim-3', 'softap', 'HomeNetwork'],
      ],
    );
    const pops = (text: string): unknown[] => parseManifest(text, 'r').map((r) => r.secrets.pop);
    assert.equal(new Set(pops(a).map((p) => JSON.stringify(p))).size, 3, 'each device its own PoP');
    assert.deepEqual(pops(a), pops(b));
    assert.notDeepEqual(pops(a), pops(c));
  });
  it('a fleet larger than ten devices raises no listener-leak warning', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error): void => void warnings.push(w.name);
    process.on('warning', onWarning);
    try {
      await fleetManifestText(['--count', '12', '--fast']);
      // Node emits the warning on the next turn after the listener that crossed the line.
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', onWarning);
    }
    assert.deepEqual(warnings, []);
  });
});
