/**
 * Start-up stays light: what `esp-prov --help` loads is the static import graph of src/cli/main.ts, and that
 * graph must not reach protobuf code, crypto, transports, the simulator, prompts, QR or noble — those are
 * imported by the command that needs them (research/deps.md §6: eager loading costs ~110 ms).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { it } from 'node:test';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Static value imports (not `import type`, not `import()`), as written in the file. */
function staticImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/^\s*(?:import|export)\s+(?!type\b)([^'";]*?)\s*from\s*'([^']+)'/gm)) {
    const names = m[1] ?? '';
    // `import { type A, type B } from` brings in nothing at run time.
    if (
      /^\{[^}]*\}$/.test(names) &&
      names
        .slice(1, -1)
        .split(',')
        .every((n) => /^\s*type\s/.test(n) || n.trim() === '')
    )
      continue;
    out.push(m[2]!);
  }
  for (const m of text.matchAll(/^\s*import\s+'([^']+)'/gm)) out.push(m[1]!);
  return out;
}

function graph(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string): void => {
    if (files.has(file)) return;
    files.add(file);
    for (const spec of staticImports(file)) {
      if (spec.startsWith('.')) visit(resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
      else if (!spec.startsWith('node:')) packages.add(spec);
    }
  };
  visit(entry);
  return { files, packages };
}

void it('the CLI entry statically loads only the option table and commander', () => {
  const { files, packages } = graph(join(ROOT, 'src/cli/main.ts'));
  const rel = [...files].map((f) => relative(ROOT, f)).sort();
  assert.deepEqual([...packages], ['commander']);
  // The option tables (commands/*-options.ts) load up front; the command handlers beside them do not.
  assert.deepEqual(rel, [
    'src/bytes.ts',
    'src/cli/commands/batch-options.ts',
    'src/cli/commands/demo-options.ts',
    'src/cli/commands/gen-cred-options.ts',
    'src/cli/commands/inspect-options.ts',
    'src/cli/commands/provision-options.ts',
    'src/cli/commands/qr-options.ts',
    'src/cli/commands/sim-options.ts',
    'src/cli/main.ts',
    'src/cli/option-common.ts',
    'src/cli/option-help.ts',
    'src/cli/option-table.ts',
    'src/cli/option-values.ts',
    'src/cli/options.ts',
    'src/cli/package-version.ts',
    'src/cli/streams.ts', // guards stdout/stderr before the first write (no imports of its own)
    'src/cli/utf8-strict.ts',
    'src/errors.ts',
  ]);
});

void it('the graph walker sees through the files it is given (it can fail)', () => {
  const { files, packages } = graph(join(ROOT, 'src/cli/output.ts'));
  assert.ok(packages.has('picocolors'));
  assert.ok([...files].some((f) => f.endsWith('src/endpoints/wifi-auth.ts')));
});

void it('the bin shim answers --version / -V from package.json without loading the CLI', () => {
  // A copy of the shim beside a package.json and no dist/: anything beyond package.json would fail to load.
  const dir = mkdtempSync(join(tmpdir(), 'esp-prov-shim-'));
  try {
    mkdirSync(join(dir, 'bin'));
    copyFileSync(join(ROOT, 'bin/esp-prov.js'), join(dir, 'bin/esp-prov.js'));
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module', version: '9.8.7' }));
    for (const flag of ['--version', '-V']) {
      const r = spawnSync(process.execPath, [join(dir, 'bin/esp-prov.js'), flag], {
        encoding: 'utf8',
        timeout: 30_000,
      });
      assert.equal(r.stderr, '');
      assert.equal(r.stdout, '9.8.7\n');
      assert.equal(r.status, 0);
    }
    // Anything else goes to the CLI (here absent, so it fails): the fast path is for the bare probe only.
    const other = spawnSync(process.execPath, [join(dir, 'bin/esp-prov.js'), '--version', '--json'], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    assert.notEqual(other.status, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

void it('the bin shim prints the root help from the build snapshot without loading the CLI', () => {
  // The shim beside a snapshot and no CLI: only the snapshot can answer.
  const dir = mkdtempSync(join(tmpdir(), 'esp-prov-shim-'));
  const shim = (args: string[]) =>
    spawnSync(process.execPath, [join(dir, 'bin/esp-prov.js'), ...args], { encoding: 'utf8', timeout: 30_000 });
  try {
    mkdirSync(join(dir, 'bin'));
    mkdirSync(join(dir, 'dist/cli'), { recursive: true });
    copyFileSync(join(ROOT, 'bin/esp-prov.js'), join(dir, 'bin/esp-prov.js'));
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module', version: '9.8.7' }));
    // Not a terminal here: the CLI would render at 80 columns, so the 80-column text is the one printed.
    writeFileSync(join(dir, 'dist/cli/help.json'), JSON.stringify({ 80: 'help at 80\n', 120: 'help at 120\n' }));
    for (const flag of ['--help', '-h']) {
      const r = shim([flag]);
      assert.equal(r.stderr, '');
      assert.equal(r.stdout, 'help at 80\n');
      assert.equal(r.status, 0);
    }
    // A command's help, or help with other options, is the CLI's (absent here, so it fails).
    assert.notEqual(shim(['sim', '--help']).status, 0);
    assert.notEqual(shim(['--help', '--json']).status, 0);
    // Without a snapshot for the width (an older build), the CLI renders it.
    writeFileSync(join(dir, 'dist/cli/help.json'), JSON.stringify({ 120: 'help at 120\n' }));
    assert.notEqual(shim(['--help']).status, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
