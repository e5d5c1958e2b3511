/**
 * Layers point one way (STYLE.md §1): cli → provision → endpoints → session → security | transport → protocol
 * → gen. protocol/ holds what both ends share (the device contract, endpoint names, limits, status names,
 * the Thread TLV framing); the simulator sits beside the client and may use the shared codecs and crypto,
 * never the client's flow; no library module imports the CLI. This test walks src/ and fails on any import
 * that goes upward. There are no exemptions.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'src');

const RANK: Record<string, number> = {
  gen: 0,
  'errors.ts': 0,
  'bytes.ts': 0,
  protocol: 0.25,
  'timers.ts': 0.5,
  security: 1,
  transport: 1,
  session: 2,
  endpoints: 3,
  provision: 4,
  diagnose: 4.5,
  // The host computer's own Wi-Fi (nmcli, networksetup, netsh), for --join: reaches a board's address.
  hostwifi: 4.5,
  sim: 5,
  // Many boards at once: schedules, retries, records and reports provision/ runs; the CLI's batch command sits on it.
  batch: 5,
  // Host-side fakes (noble bindings) for tests: they drive sim/ devices through transport/.
  testing: 5.5,
  cli: 6,
  'index.ts': 7,
  'testing.ts': 7,
};

// Layers only the named modules may import, whatever their rank: test code reaches users through
// `esp-prov/testing` alone, never through the CLI or the library.
const ONLY_IMPORTED_BY: Record<string, Set<string>> = { testing: new Set(['testing.ts']) };

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

function layer(path: string): string {
  return relative(SRC, path).split('/')[0]!;
}

test('imports never point up the layers', () => {
  const violations: string[] = [];
  for (const file of files(SRC)) {
    const from = layer(file);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(
      /(?:import|export)[^'"]*?from\s+['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g,
    )) {
      const spec = m[1] ?? m[2]!;
      const target = resolve(dirname(file), spec).replace(/\.js$/, '.ts');
      const to = layer(target);
      if (to === from) continue;
      const rel = relative(SRC, target);
      const only = ONLY_IMPORTED_BY[to];
      if (only && !only.has(from)) violations.push(`${relative(SRC, file)} imports test code ${rel}`);
      const a = RANK[from];
      const b = RANK[to];
      assert.ok(
        a !== undefined && b !== undefined,
        `unknown layer for ${relative(SRC, file)} or ${rel}: add it to RANK`,
      );
      if (b >= a) violations.push(`${relative(SRC, file)} imports ${rel}`);
    }
  }
  assert.deepEqual(violations, []);
});

// noble writes warnings with console.log; this loader redirects them into our logger (it must name console).
const CAPTURES_CONSOLE = new Set(['transport/ble-load.ts']);

test('the library never prints, prompts or exits', () => {
  const offenders = files(SRC)
    .filter((f) => layer(f) !== 'cli' && !CAPTURES_CONSOLE.has(relative(SRC, f)))
    .filter((f) => /\bprocess\.exit\b|\bconsole\.(log|error|warn|info)\b|@inquirer\//.test(readFileSync(f, 'utf8')))
    .map((f) => relative(SRC, f));
  assert.deepEqual(offenders, []);
});

/**
 * The library speaks in facts and the CLI in flags: a library message that says "pass --ssid" shows library
 * users a flag they do not have, and CLI users the advice twice (the CLI's hints say it too). Facts go in the
 * error's `details`; src/cli/hints.ts turns them into flags. This reads every string literal (template parts
 * included) outside src/cli, comments excluded, and fails on anything shaped like a long option.
 */
test('no command-line flag in a library string', () => {
  const FLAG = /(?:^|[^\w-])(--[a-z][a-z0-9_-]*)/i;
  const found: string[] = [];
  for (const file of files(SRC).filter((f) => layer(f) !== 'cli' && layer(f) !== 'gen')) {
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
    const visit = (node: ts.Node): void => {
      // An element of an argv array in hostwifi/ is an option of the operating system's tool, not a message.
      const toolArgv =
        layer(file) === 'hostwifi' && node.parent !== undefined && ts.isArrayLiteralExpression(node.parent);
      if ((ts.isStringLiteralLike(node) || ts.isTemplateLiteralToken(node)) && !toolArgv) {
        const m = FLAG.exec(node.text);
        if (m) {
          const { line } = source.getLineAndCharacterOfPosition(node.getStart());
          found.push(`${relative(SRC, file)}:${line + 1} ${m[1]!}`);
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  assert.deepEqual(found, []);
});
