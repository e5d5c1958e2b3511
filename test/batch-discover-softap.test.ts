/**
 * `esp-prov batch --discover PREFIX --transport softap --join` end to end without a radio: a fake nmcli
 * (test/helpers/fake-nmcli.ts) whose scans list access points as boards power up over time, and one
 * re-arming simulator at the join address standing for "each access point has a board at 192.168.4.1" (the
 * fake cannot route an SSID to a port, and a real bench has exactly this shape: one address, the board
 * behind it changing with the join). The scan interval runs on a ManualClock moved whenever the run waits on
 * it, so the run costs no wall time beyond the tool calls. Also: the USAGE checks, and a journal that fails
 * mid-discovery stops the scan.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { EXIT_CODES } from '../src/errors.js';
import { run, type CliIo } from '../src/cli/main.js';
import { startHttpServer } from '../src/sim/http-server.js';
import { ManualClock } from '../src/timers.js';
import { Readable } from 'node:stream';
import { BoardBench } from './helpers/board-bench.js';
import { FakeNmcli, type FakeAp } from './helpers/fake-nmcli.js';
import { jsonLines } from './helpers/cli-run.js';

const POP = 'bench-Pop-7q1w';
const AP_PSK = 'board-Ap-Key-93kd';
const WIFI_PASSPHRASE = 'correct-horse-battery';
const SECRETS = [POP, AP_PSK, WIFI_PASSPHRASE];

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function bench(aps: FakeAp[]) {
  const nmcli = await FakeNmcli.create({
    iface: 'wlan0',
    active: 'uuid-office',
    profiles: [{ uuid: 'uuid-office', name: 'Office', ssid: 'Office' }],
    aps,
  });
  const boards = new BoardBench(POP);
  const server = await startHttpServer(boards, { port: 0, host: '127.0.0.1' });
  const dir = await mkdtemp(join(tmpdir(), 'esp-prov-softap-discover-'));
  const pskFile = join(dir, 'ap.psk');
  await writeFile(pskFile, `${AP_PSK}\n`);
  cleanups.push(async () => {
    await server.close();
    await nmcli.remove();
    await rm(dir, { recursive: true, force: true });
  });
  return { nmcli, boards, address: `127.0.0.1:${server.port}`, pskFile, dir };
}

/**
 * Runs the CLI in-process on a ManualClock that jumps to its next timer whenever one is pending (only the
 * scan interval runs on it), until the run ends. The tool calls are real processes, so the guard against a
 * run that never ends is on the wall clock: one still going after 60 s fails the test.
 */
async function discover(argv: string[], env: Record<string, string | undefined>) {
  const clock = new ManualClock();
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    stdin: Readable.from([]),
    env: { TERM: 'dumb', ...env },
    clock,
  };
  let done = false;
  const running = run(['batch', ...argv], io, new AbortController().signal).finally(() => (done = true));
  const giveUp = Date.now() + 60_000;
  while (!done) {
    if (Date.now() > giveUp) throw new Error(`the run did not end\n${stdout}${stderr}`);
    await new Promise((r) => setImmediate(r));
    const due = clock.nextDue;
    if (due !== undefined) clock.advanceTo(due);
  }
  return { code: await running, stdout, stderr, out: stdout + stderr };
}

/** The fake's commands without their options: scans, joins and restores. */
const WIFI = /^(device wifi (list|connect)|connection up)/;

void describe('batch --discover --transport softap --join', () => {
  it('joins each new matching access point once, one at a time, provisions its board and restores', async () => {
    const b = await bench([
      { ssid: 'PROV_A1', signal: 70, psk: AP_PSK },
      { ssid: 'Neighbours', signal: 90, psk: 'not-ours-1234' },
      { ssid: 'OTHER_Z9', signal: 60, fromScan: 2 },
      { ssid: 'PROV_B2', signal: 50, psk: AP_PSK, fromScan: 2 },
      { ssid: 'PROV_C3', signal: 40, psk: AP_PSK, fromScan: 4 },
    ]);
    const r = await discover(
      [
        '--discover', 'PROV_', '--transport', 'softap', '--join', '--join-address', b.address,
        '--ap-passphrase-file', b.pskFile, '--ssid', 'HomeNetwork', '--count', '3', '--retries', '0', '--json',
      ],
      { ...b.nmcli.env, ESP_PROV_POP: POP, ESP_PROV_PASSPHRASE: WIFI_PASSPHRASE },
    ); // prettier-ignore
    assert.equal(r.code, 0, r.out);
    const lines = jsonLines(r.stdout);
    assert.match(String(lines[0]?.['message']), /^Looking for access points named PROV_… \(until 3 devices\)$/);
    const ends = lines.filter((l) => l['event'] === 'board-end');
    assert.deepEqual(
      ends.map((l) => [l['board'], (l['result'] as { outcome: string; transport: string }).outcome]),
      [
        ['PROV_A1', 'provisioned'],
        ['PROV_B2', 'provisioned'],
        ['PROV_C3', 'provisioned'],
      ],
    );
    assert.deepEqual(
      lines.filter((l) => l['event'] === 'device-found').map((l) => l['name']),
      ['PROV_A1', 'PROV_B2', 'PROV_C3'],
      'each SSID once, though every scan lists it again',
    );
    assert.equal(b.boards.maxOpen, 1, 'one board at a time');
    const wifi = (await b.nmcli.commands()).filter((c) => WIFI.test(c));
    const joins = wifi.filter((c) => !c.startsWith('device wifi list'));
    assert.deepEqual(joins, [
      'device wifi connect PROV_A1 ifname wlan0',
      'connection up uuid uuid-office',
      'device wifi connect PROV_B2 ifname wlan0',
      'connection up uuid uuid-office',
      'device wifi connect PROV_C3 ifname wlan0',
      'connection up uuid uuid-office',
    ]);
    // No scan while a board's access point is joined: every scan falls outside a join … restore pair.
    let joined = false;
    for (const c of wifi) {
      if (c.startsWith('device wifi connect')) joined = true;
      else if (c.startsWith('connection up')) joined = false;
      else assert.ok(!joined, `a scan while joined:\n${wifi.join('\n')}`);
    }
    assert.ok(wifi.includes('device wifi list ifname wlan0 --rescan yes'), 'a fresh scan, not the cached list');
    assert.equal((await b.nmcli.state()).active, 'uuid-office', 'back on the office network');
    for (const s of SECRETS) assert.ok(!r.out.includes(s), 'no secret in the output');
    assert.ok(
      (await b.nmcli.calls()).every((c) => SECRETS.every((s) => !c.argv.includes(s))),
      'nor in argv',
    );
  });

  it('a journal that cannot record stops the discovery: no board found after it is joined', async () => {
    const b = await bench([
      { ssid: 'PROV_A1', signal: 70, psk: AP_PSK },
      { ssid: 'PROV_B2', signal: 50, psk: AP_PSK, fromScan: 3 },
    ]);
    // /dev/full opens for appending and fails every write with ENOSPC.
    const r = await discover(
      [
        '--discover', 'PROV_', '--transport', 'softap', '--join', '--join-address', b.address,
        '--ssid', 'HomeNetwork', '--until-idle', '60', '--journal', '/dev/full', '--json',
      ],
      { ...b.nmcli.env, ESP_PROV_AP_PASSPHRASE: AP_PSK, ESP_PROV_POP: POP, ESP_PROV_PASSPHRASE: WIFI_PASSPHRASE },
    ); // prettier-ignore
    assert.equal(r.code, EXIT_CODES.JOURNAL_FAILED, r.out);
    const lines = jsonLines(r.stdout);
    assert.deepEqual(
      lines.filter((l) => l['event'] === 'device-found').map((l) => l['name']),
      ['PROV_A1'],
      'the scan stopped with the journal',
    );
    assert.deepEqual(
      lines.filter((l) => l['event'] === 'discovery-end').map((l) => l['reason']),
      ['stopped'],
    );
    const commands = await b.nmcli.commands();
    assert.ok(!commands.some((c) => c.includes('PROV_B2')), commands.join('\n'));
    assert.equal((await b.nmcli.state()).active, 'uuid-office');
  });

  it('usage: softap discovery needs --join; --join with BLE discovery, and neither or both of --ssid / --dataset_tlvs, are refused', async () => {
    const env = { PATH: '/nonexistent' };
    const base = ['--discover', 'PROV_', '--count', '1'];
    const cases: [string[], RegExp][] = [
      [[...base, '--transport', 'softap', '--ssid', 'Home'], /--transport softap needs --join: each board is reached through its own access point/],
      [[...base, '--join', '--ssid', 'Home'], /--join with --discover is for --transport softap/],
      [[...base], /exactly one of --ssid .* or --dataset_tlvs/],
      [[...base, '--ssid', 'Home', '--dataset_tlvs', '0e080000000000010000'], /exactly one of --ssid/],
      [['m.csv', '--dataset_tlvs', '0e080000000000010000'], /--dataset_tlvs goes with --discover/],
      [[...base, '--ssid', 'Home', '--ap-passphrase-file', 'x'], /--ap-passphrase-file goes with --join/],
    ]; // prettier-ignore
    for (const [argv, message] of cases) {
      const r = await discover(argv, env);
      assert.equal(r.code, EXIT_CODES.USAGE, `${argv.join(' ')}\n${r.out}`);
      assert.match(r.out, message);
    }
  });
});
