/**
 * How a test starts the CLI as a child process: `node <bundle>`, where the bundle is src/cli/main.ts built
 * once per source state with esbuild. A tsx child spends about a second of CPU on transforming and loading
 * the module graph before it does anything; the suite starts a few hundred of them.
 *
 * The bundle behaves like `node --import tsx src/cli/main.ts`:
 * - every package stays external (node_modules resolution at run time, optional BLE/serial packages included);
 * - dynamic `import()`s stay lazy: ESM with code splitting keeps each one a separate chunk;
 * - `import.meta.url` in each source file is replaced with that file's own URL, so the paths it computes
 *   (package.json for --version, docs/cli.md for hints) are the ones the source computes;
 * - the entry calls `main(argv)` as bin/esp-prov.js does (main.ts's own "am I the script" check compares its
 *   source URL with argv[1], which is the bundle here).
 * The start-up import-graph test (cli-startup.test.ts) reads the real sources, not this bundle.
 *
 * The build lives in the temp directory, keyed by a hash of src/, package.json, this file and the checkout's
 * path, next to a `node_modules` link to the checkout's so that packages resolve. Concurrent test files
 * race safely: each builds into its own directory and renames it into place; the loser uses the winner's.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const SRC = join(ROOT, 'src');

function sourceHash(): string {
  const h = createHash('sha256');
  h.update(ROOT);
  const files = [
    ...readdirSync(SRC, { recursive: true, encoding: 'utf8' }).map((f) => join(SRC, f)),
    join(ROOT, 'package.json'),
    fileURLToPath(import.meta.url),
  ]
    .filter((f) => !f.startsWith(SRC + '/') || /\.[cm]?[jt]s$|\.json$/.test(f))
    .sort();
  for (const f of files) {
    h.update(f);
    h.update(readFileSync(f));
  }
  return h.digest('hex').slice(0, 16);
}

async function buildInto(outdir: string): Promise<void> {
  await build({
    stdin: {
      contents: `import { main } from './src/cli/main.ts';\nvoid main(process.argv.slice(2));\n`,
      resolveDir: ROOT,
      sourcefile: 'esp-prov-test-entry.ts',
      loader: 'ts',
    },
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    outdir,
    // Outside the checkout there is no package.json "type": "module": .mjs says ESM by itself.
    outExtension: { '.js': '.mjs' },
    entryNames: 'cli',
    logLevel: 'error',
    plugins: [
      {
        name: 'source-import-meta-url',
        setup(b) {
          b.onLoad({ filter: /\/src\/.*\.[cm]?[jt]s$/ }, (args) => {
            const text = readFileSync(args.path, 'utf8');
            const url = JSON.stringify(pathToFileURL(args.path).href);
            const loader = /\.[cm]?ts$/.test(args.path) ? 'ts' : 'js';
            return { contents: text.replaceAll('import.meta.url', url), loader };
          });
        },
      },
    ],
  });
}

async function ensureBundle(): Promise<string> {
  const dir = join(tmpdir(), `esp-prov-test-cli-${sourceHash()}`);
  const entry = join(dir, 'cli.mjs');
  if (existsSync(entry)) return entry;
  const staging = `${dir}.${process.pid}.${Date.now()}`;
  mkdirSync(staging, { recursive: true });
  try {
    await buildInto(staging);
    symlinkSync(join(ROOT, 'node_modules'), join(staging, 'node_modules'), 'dir');
    renameSync(staging, dir);
  } catch (err) {
    // Another test file renamed its build into place first: that one is as good as ours.
    if (!existsSync(entry)) throw err;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return entry;
}

/** The CLI's entry file: `node <CLI_ENTRY> args…` runs esp-prov as `node --import tsx src/cli/main.ts` would. */
export const CLI_ENTRY = await ensureBundle();
