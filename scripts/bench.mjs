#!/usr/bin/env node
// `npm run bench`: the numbers behind esp-prov's performance claims, measured on this machine.
// Medians and spread over repeated runs; ratios where two things are compared in the same run (absolute
// times on shared machines are noise). Budgets are checked here, never in the test suite.
//
//   BENCH_RUNS=N        repetitions per measurement (default 15)
//   BENCH_BOARDS=1,10,100  fleet sizes for the concurrency measurement
//   BENCH_ONLY=lab      the lab rows alone: `esp-prov batch` as a child against `esp-prov sim --count` in another
//   BENCH_LAB_BOARDS=100  BENCH_LAB_BIG=1000 (0: skip)  BENCH_LAB_CONCURRENCY=100   sizes of the two lab runs
//   BENCH_LAB_FAST=1    the simulators' short timings (a quick check of the harness; not the budgets' setting)
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const lib = await import(join(root, 'dist', 'index.js'));
const testing = await import(join(root, 'dist', 'testing.js'));
const srp = await import(join(root, 'dist', 'security', 'srp.js'));

const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const BOARDS = (process.env.BENCH_BOARDS ?? '1,10,100').split(',').map(Number);
const enc = new TextEncoder();

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const quantile = (xs, q) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];
const fmt = (ms) => (ms >= 100 ? ms.toFixed(0) : ms.toFixed(1));
const spread = (xs) => `${fmt(quantile(xs, 0.1))}–${fmt(quantile(xs, 0.9))}`;
const rows = [];
const budgets = [];
function row(section, what, values, unit = 'ms', note = '') {
  rows.push({
    section,
    what,
    median: values.length ? fmt(median(values)) : '',
    spread: values.length > 1 ? spread(values) : '',
    unit,
    note,
  });
}
function budget(name, ok, detail) {
  budgets.push(`${ok ? 'ok  ' : 'OVER'} ${name}: ${detail}`);
}

function run(cmd, args, env = {}) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ ms: performance.now() - t0, code, out }));
  });
}

// 1. Cold start --------------------------------------------------------------------------------------------
async function coldStart() {
  const sets = {
    'node -e 0': ['-e', '0'],
    'esp-prov --help': ['bin/esp-prov.js', '--help'],
    'esp-prov --version': ['bin/esp-prov.js', '--version'],
  };
  const times = Object.fromEntries(Object.keys(sets).map((k) => [k, []]));
  for (let i = 0; i < RUNS; i++) {
    for (const [name, args] of Object.entries(sets)) {
      const r = await run(process.execPath, args);
      if (r.code !== 0) throw new Error(`${name} exited ${r.code}`);
      times[name].push(r.ms);
    }
  }
  const base = median(times['node -e 0']);
  for (const [name, t] of Object.entries(times)) {
    row(
      'cold start',
      name,
      t,
      'ms',
      name === 'node -e 0'
        ? 'baseline'
        : `×${(median(t) / base).toFixed(2)} of bare node, +${fmt(median(t) - base)} ms`,
    );
  }
  for (const name of ['esp-prov --help', 'esp-prov --version']) {
    const ratio = median(times[name]) / base;
    budget(`${name} start-up vs bare node`, ratio <= 1.35, `×${ratio.toFixed(2)} (budget ×1.35)`);
  }
}

// 2. One provisioning run in a child process: wall, CPU, peak RSS, requests per endpoint ------------------
const FAST = {
  applyDelayMs: 0,
  connectDelayMs: 0,
  attemptFailMs: 0,
  scanDurationMs: 0,
  scanGroupPauseMs: 0,
  cleanupDelayMs: 100,
};
const SCHEMES = {
  sec0: { device: { security: { version: 0 } }, args: ['--sec_ver', '0'], min: 1 },
  sec1: { device: { security: { version: 1, pop: enc.encode('abcd1234') } }, args: ['--pop', 'abcd1234'], min: 2 },
  'sec2 patch 0': {
    device: { patchLevel: 0 },
    args: ['--sec2_username', 'wifiprov', '--sec2_pwd', 'abcd1234'],
    min: 2,
  },
  'sec2 patch 1': {
    device: { patchLevel: 1 },
    args: ['--sec2_username', 'wifiprov', '--sec2_pwd', 'abcd1234'],
    min: 2,
  },
};

const CHILD = `
const [lib, args] = [await import(process.argv[1]), JSON.parse(process.argv[2])];
const enc = new TextEncoder();
const t = new lib.HttpTransport({ address: args.address });
const t0 = performance.now();
const r = await lib.provision({ transport: t, security: args.security, wifi: args.ssid ? { ssid: enc.encode(args.ssid), passphrase: enc.encode('correct-horse-battery') } : undefined,
  selectAccessPoint: async (aps) => ({ ssid: aps.find((a) => new TextDecoder().decode(a.ssid) === 'HomeNetwork').ssid }),
  askPassphrase: async () => enc.encode('correct-horse-battery'), statusPoll: { firstMs: 20, maxMs: 100 } });
const wall = performance.now() - t0;
await t.close();
const cpu = process.cpuUsage();
console.log(JSON.stringify({ wall, cpu: (cpu.user + cpu.system) / 1000, rss: process.resourceUsage().maxRSS / 1024,
  counts: Object.fromEntries(r.connection.session.requestCounts) }));
`;

async function provisioningRuns() {
  for (const [name, s] of Object.entries(SCHEMES)) {
    for (const scan of [false, true]) {
      const walls = [],
        cpus = [],
        rss = [];
      let counts = {};
      for (let i = 0; i < Math.max(3, Math.ceil(RUNS / 3)); i++) {
        const device = new testing.SimDevice({ ...FAST, ...s.device });
        const server = await testing.startHttpServer(device, { host: '127.0.0.1', port: 0 });
        const security =
          name === 'sec1' ? { pop: 'abcd1234' } : name === 'sec0' ? {} : { username: 'wifiprov', password: 'abcd1234' };
        const r = await run(process.execPath, [
          '--input-type=module',
          '-e',
          CHILD,
          join(root, 'dist', 'index.js'),
          JSON.stringify({ address: `127.0.0.1:${server.port}`, security, ssid: scan ? undefined : 'HomeNetwork' }),
        ]);
        await server.close();
        device.stop();
        if (r.code !== 0) throw new Error(`provisioning child exited ${r.code}`);
        const m = JSON.parse(r.out.trim().split('\n').pop());
        walls.push(m.wall);
        cpus.push(m.cpu);
        rss.push(m.rss);
        counts = m.counts;
      }
      const label = `${name}${scan ? ' + scan' : ''}`;
      const minimum = 1 + s.min + 3 + (scan ? 3 : 0); // proto-ver, handshake, set/apply/status, [start/status/result]
      const sent = 1 + Object.values(counts).reduce((a, b) => a + b, 0); // + proto-ver, counted by the transport only
      row('provision (library, loopback HTTP)', `${label}: wall`, walls);
      row('provision (library, loopback HTTP)', `${label}: CPU (whole process)`, cpus);
      row('provision (library, loopback HTTP)', `${label}: peak RSS`, rss, 'MiB');
      row(
        'provision (library, loopback HTTP)',
        `${label}: requests`,
        [],
        '',
        `${sent} sent vs protocol minimum ${minimum} (${Object.entries(counts)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')})`,
      );
    }
  }
}

// 2b. The same through the command line, as a user runs it (start-up included) ----------------------------
// With `realistic`, the simulator's default timing (apply 1 s, got-IP 2.5 s later, §5.2): the wall then shows how
// late the status polling notices the join (the device's floor is ~3.6 s).
async function cliRuns(realistic = false) {
  const walls = [];
  for (let i = 0; i < Math.max(3, Math.ceil(RUNS / 3)); i++) {
    const device = new testing.SimDevice(realistic ? { patchLevel: 1 } : { ...FAST, patchLevel: 1 });
    const server = await testing.startHttpServer(device, { host: '127.0.0.1', port: 0 });
    const r = await run(process.execPath, [
      'bin/esp-prov.js',
      '--transport',
      'softap',
      '--service_name',
      `127.0.0.1:${server.port}`,
      '--sec2_username',
      'wifiprov',
      '--sec2_pwd',
      'abcd1234',
      '--ssid',
      'HomeNetwork',
      '--passphrase',
      'correct-horse-battery',
      '--json',
      '--no-input',
    ]);
    await server.close();
    device.stop();
    if (r.code !== 0) throw new Error(`esp-prov exited ${r.code}: ${r.out}`);
    walls.push(r.ms);
  }
  row(
    'provision (CLI process, loopback HTTP)',
    `esp-prov sec2 patch 1, --ssid given${realistic ? ', default device timing' : ''}: wall`,
    walls,
    'ms',
    realistic ? 'includes node start-up and the device joining' : 'includes node start-up',
  );
}

// 3. The sec2 handshake's CPU alone, and where it goes ------------------------------------------------------
async function sec2Cost() {
  const { Sec2Client } = lib;
  const user = enc.encode('wifiprov'),
    pass = enc.encode('abcd1234');
  const salt = Uint8Array.from(Buffer.from('036ee0c7bcb9eda84c9eac97d93decf4', 'hex'));
  const v = srp.verifierFor(srp.computeX(salt, user, pass));
  const b = 0x0202n;
  const B = srp.minimalBytes((srp.k * v + srp.modPow(srp.g, b, srp.N)) % srp.N);
  const resp0 = (Bb) => {
    // SessionData{sec_ver 2, sec2{msg 1, sr0{device_pubkey, device_salt}}} built by hand: lengths < 2^14.
    const v2 = (n) => (n < 128 ? [n] : [(n & 0x7f) | 0x80, n >> 7]);
    const sr0 = [0x12, ...v2(Bb.length), ...Bb, 0x1a, salt.length, ...salt];
    const sec2 = [0x08, 0x01, 0xaa, 0x01, ...v2(sr0.length), ...sr0];
    return Uint8Array.from([0x10, 0x02, 0x62, ...v2(sec2.length), ...sec2]);
  };
  const whole = [],
    parts = { 'g^a (A)': [], 'x = H(s|H(I:p))': [], 'g^x': [], '(B-kv)^(a+ux)': [], 'hashes (u, K, M)': [] };
  const a = 0x0101010101010101010101010101010101010101010101010101010101010101n;
  for (let i = 0; i < RUNS * 2; i++) {
    let t = performance.now();
    const c = new Sec2Client({ username: user, password: pass, random: () => new Uint8Array(32).fill(1) });
    c.start();
    c.next(resp0(B));
    whole.push(performance.now() - t);
    t = performance.now();
    const A = srp.padBytes(srp.modPow(srp.g, a, srp.N));
    parts['g^a (A)'].push(performance.now() - t);
    t = performance.now();
    const x = srp.computeX(salt, user, pass);
    parts['x = H(s|H(I:p))'].push(performance.now() - t);
    t = performance.now();
    const gx = srp.modPow(srp.g, x, srp.N);
    parts['g^x'].push(performance.now() - t);
    t = performance.now();
    const u = srp.computeU(A, B);
    parts['hashes (u, K, M)'].push(0);
    const base = (((srp.toBigInt(B) - srp.k * gx) % srp.N) + srp.N) % srp.N;
    t = performance.now();
    const S = srp.modPow(base, a + u * x, srp.N);
    parts['(B-kv)^(a+ux)'].push(performance.now() - t);
    t = performance.now();
    const K = srp.sessionKey(S);
    srp.computeM(user, salt, A, B, K);
    srp.computeU(A, B);
    parts['hashes (u, K, M)'][parts['hashes (u, K, M)'].length - 1] = performance.now() - t;
  }
  row('sec2 handshake CPU (client side)', 'Command0 + Command1 total', whole);
  for (const [k, v] of Object.entries(parts)) row('sec2 handshake CPU (client side)', `  ${k}`, v);
  budget('sec2 client handshake CPU', median(whole) < 100, `${fmt(median(whole))} ms (budget 100 ms)`);

  // The first exponentiation in a fresh process sets up OpenSSL's group object: a one-off cost the in-process
  // medians above cannot see, paid by every single CLI run (a wrong generator once made it a 2.6 s primality test).
  const firsts = [];
  const srpUrl = new URL(`file://${join(root, 'dist', 'security', 'srp.js')}`).href;
  const probe = `const s=await import(${JSON.stringify(srpUrl)});const t=performance.now();s.modPow(s.g,0x0101n<<200n,s.N);process.stdout.write(String(performance.now()-t))`;
  for (let i = 0; i < Math.min(RUNS, 5); i++) {
    const out = await new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ['--input-type=module', '-e', probe], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let text = '';
      child.stdout.on('data', (d) => (text += d));
      child.on('error', reject);
      child.on('close', () => resolve(Number(text)));
    });
    firsts.push(out);
  }
  row('sec2 handshake CPU (client side)', 'first modPow in a fresh process', firsts);
  budget('first modPow in a fresh process', median(firsts) < 50, `${fmt(median(firsts))} ms (budget 50 ms)`);
}

// 4. A fleet: N boards at once from one process ------------------------------------------------------------
async function fleet() {
  let perBoard1 = 0;
  for (const n of BOARDS) {
    const rigs = await Promise.all(
      Array.from({ length: n }, async () => {
        const device = new testing.SimDevice({ ...FAST, patchLevel: 1 });
        const server = await testing.startHttpServer(device, { host: '127.0.0.1', port: 0 });
        return { device, server };
      }),
    );
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const results = await Promise.allSettled(
      rigs.map(async ({ server }) => {
        const transport = new lib.HttpTransport({ address: `127.0.0.1:${server.port}`, timeoutMs: 60_000 });
        try {
          await lib.provision({
            transport,
            security: { username: 'wifiprov', password: 'abcd1234' },
            wifi: { ssid: enc.encode('HomeNetwork'), passphrase: enc.encode('correct-horse-battery') },
            statusPoll: { firstMs: 20, maxMs: 200 },
            connectTimeoutMs: 120_000,
          });
        } finally {
          await transport.close();
        }
      }),
    );
    const wall = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    for (const { device, server } of rigs) {
      await server.close();
      device.stop();
    }
    const failed = results.filter((r) => r.status === 'rejected').length;
    if (n === BOARDS[0]) perBoard1 = wall / n;
    row(
      'fleet (sec2, N boards concurrently, one process incl. simulators)',
      `${n} board${n > 1 ? 's' : ''}`,
      [wall],
      'ms',
      `${fmt(wall / n)} ms per board (×${(perBoard1 / (wall / n)).toFixed(1)} throughput vs 1), CPU ${fmt((cpu.user + cpu.system) / 1000)} ms${failed ? `, ${failed} FAILED` : ''}`,
    );
    if (failed) budget(`fleet of ${n}`, false, `${failed} boards failed`);
  }
}

// 5. The lab: `esp-prov batch` (a real CLI child) against `esp-prov sim --count` in another process ----------
// Wall of a whole batch against one board's, with the simulator's default (realistic) timing: a batch at
// full concurrency should cost little more than its slowest board. Then the client's peak RSS and CPU per
// board for a big rack. The child's numbers come from process.resourceUsage() at its exit (a preload writes
// them to a file), so no external `time` is needed and the simulator's own work is not counted.
const LAB_FAST = process.env.BENCH_LAB_FAST === '1';
const USAGE_HOOK =
  'data:text/javascript,' +
  encodeURIComponent(
    "import{writeFileSync}from'node:fs';process.on('exit',()=>{const f=process.env.BENCH_USAGE_OUT;if(f)writeFileSync(f,JSON.stringify(process.resourceUsage()))});",
  );

async function simFleet(count, dir) {
  const manifest = join(dir, `rack-${count}.csv`);
  const args = ['bin/esp-prov.js', 'sim', '--count', String(count), '--listen', '127.0.0.1:0', '--json'];
  if (LAB_FAST) args.push('--fast');
  const usageFile = join(dir, `usage-sim-${count}-${Date.now()}.json`);
  const child = spawn(process.execPath, ['--import', USAGE_HOOK, ...args, '--manifest-out', manifest], {
    cwd: root,
    env: { ...process.env, BENCH_USAGE_OUT: usageFile },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  await new Promise((resolve, reject) => {
    const deadline = setTimeout(() => reject(new Error(`sim --count ${count}: not ready in 120 s`)), 120_000);
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('"event":"ready"')) {
        clearTimeout(deadline);
        resolve();
      }
    });
    child.on('exit', (code) => reject(new Error(`sim --count ${count} exited ${code}`)));
  });
  return {
    manifest,
    /** Stops the fleet; resolves with its CPU time in ms (the devices' side of every handshake). */
    stop: () =>
      new Promise((resolve) => {
        child.removeAllListeners('exit');
        child.once('exit', () => {
          const u = JSON.parse(readFileSync(usageFile, 'utf8'));
          resolve((u.userCPUTime + u.systemCPUTime) / 1000);
        });
        child.kill('SIGTERM');
      }),
  };
}

async function batchChild(manifest, concurrency, dir, label) {
  const usageFile = join(dir, `usage-${label}.json`);
  const report = join(dir, `report-${label}.json`);
  const args = ['--import', USAGE_HOOK, 'bin/esp-prov.js', 'batch', manifest, '--concurrency', String(concurrency)];
  const r = await run(process.execPath, [...args, '--retries', '0', '--timeout', '60', '--report', `json:${report}`], {
    BENCH_USAGE_OUT: usageFile,
  });
  const { summary } = JSON.parse(readFileSync(report, 'utf8'));
  const usage = JSON.parse(readFileSync(usageFile, 'utf8'));
  return { ...r, summary, usage };
}

async function lab() {
  const dir = mkdtempSync(join(os.tmpdir(), 'esp-prov-bench-'));
  const n = Number(process.env.BENCH_LAB_BOARDS ?? 100);
  const big = Number(process.env.BENCH_LAB_BIG ?? 1000);
  const conc = Number(process.env.BENCH_LAB_CONCURRENCY ?? 100);
  const timing = LAB_FAST ? 'fast timing' : 'default timing';
  // One board alone: its own one-device fleet (a provisioned simulated device stops answering).
  const ones = [];
  for (let i = 0; i < 3; i++) {
    const one = await simFleet(1, dir);
    const r = await batchChild(one.manifest, 1, dir, `one-${i}`);
    await one.stop();
    if (r.summary.provisioned !== 1) throw new Error(`one board: ${JSON.stringify(r.summary)}`);
    ones.push(r.ms);
  }
  row('lab (esp-prov batch child, sim --count in another process)', `1 board, ${timing}: wall`, ones);
  const rack = await simFleet(n, dir);
  const many = await batchChild(rack.manifest, conc, dir, 'many');
  const simCpu = await rack.stop();
  const ratio = many.ms / median(ones);
  const clientCpu = (many.usage.userCPUTime + many.usage.systemCPUTime) / 1000;
  // On a small machine the simulators' own CPU (the device side of each Security 2 handshake) bounds the
  // rack: shown so that a ratio over budget says whose time it was.
  const cores = os.cpus().length;
  row(
    'lab (esp-prov batch child, sim --count in another process)',
    `${n} boards, concurrency ${conc}, ${timing}: wall`,
    [many.ms],
    'ms',
    `×${ratio.toFixed(2)} one board's wall; ${many.summary.provisioned}/${n} provisioned; CPU: client ${fmt(clientCpu / n)} ms, simulator ${fmt(simCpu / n)} ms per board (${fmt((clientCpu + simCpu) / cores)} ms of wall on ${cores} cores)`,
  );
  budget(
    `${n} boards at concurrency ${conc} vs one board`,
    ratio <= 1.5 && many.summary.provisioned === n,
    `×${ratio.toFixed(2)} (budget ×1.5), ${many.summary.provisioned}/${n} provisioned`,
  );
  if (big === 0) return rmSync(dir, { recursive: true, force: true });
  const bigRack = await simFleet(big, dir);
  const bigRun = await batchChild(bigRack.manifest, conc, dir, 'big');
  await bigRack.stop();
  const rssMiB = bigRun.usage.maxRSS / 1024;
  const cpuPerBoard = (bigRun.usage.userCPUTime + bigRun.usage.systemCPUTime) / 1000 / big;
  row(
    'lab (esp-prov batch child, sim --count in another process)',
    `${big} boards, concurrency ${conc}, ${timing}: wall`,
    [bigRun.ms],
    'ms',
    `peak RSS ${rssMiB.toFixed(0)} MiB, CPU ${fmt(cpuPerBoard)} ms per board; ${bigRun.summary.provisioned}/${big} provisioned`,
  );
  budget(`batch client peak RSS, ${big} boards`, rssMiB <= 250, `${rssMiB.toFixed(0)} MiB (budget 250 MiB)`);
  if (bigRun.summary.provisioned !== big) budget(`batch of ${big}`, false, JSON.stringify(bigRun.summary));
  rmSync(dir, { recursive: true, force: true });
}

console.error(
  `esp-prov benchmark: ${RUNS} runs per measurement on ${os.cpus().length}× ${os.cpus()[0]?.model ?? 'cpu'}, node ${process.version}`,
);
// BENCH_ONLY=sec2: the handshake CPU rows alone. BENCH_ONLY=cli: the command-line rows alone (a quick before/after of start-up or status polling).
const only = process.env.BENCH_ONLY;
if (only === 'lab') await lab();
else if (only === 'sec2') await sec2Cost();
else {
  if (only !== 'cli') {
    await coldStart();
    await provisioningRuns();
  }
  await cliRuns();
  await cliRuns(true);
  if (only !== 'cli') {
    await sec2Cost();
    await fleet();
    await lab();
  }
}

let section = '';
const w = Math.max(...rows.map((r) => r.what.length));
for (const r of rows) {
  if (r.section !== section) {
    section = r.section;
    console.log(`\n## ${section}`);
  }
  console.log(
    `${r.what.padEnd(w)}  ${r.median.padStart(8)} ${r.unit.padEnd(3)} ${r.spread ? `(p10–p90 ${r.spread})` : ''} ${r.note}`.trimEnd(),
  );
}
console.log('\n## budgets');
for (const b of budgets) console.log(b);
process.exitCode = budgets.some((b) => b.startsWith('OVER')) ? 1 : 0;
