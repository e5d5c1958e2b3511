#!/usr/bin/env node
// The bin shim: everything else is loaded by the CLI entry, lazily, per command.
import module from 'node:module';
import { readFileSync } from 'node:fs';

const argv = process.argv.slice(2);
const only = argv.length === 1 ? argv[0] : undefined;

/** The root help as rendered at build time (scripts/help-snapshot.mjs), for the width main.ts would use. */
function helpSnapshot() {
  const columns = process.stdout.isTTY ? process.stdout.columns : undefined;
  const width = Math.max(60, Math.min(columns ?? 80, 120));
  try {
    return JSON.parse(readFileSync(new URL('../dist/cli/help.json', import.meta.url), 'utf8'))[width];
  } catch {
    return undefined; // not built with the snapshot: render it
  }
}

const help = only === '--help' || only === '-h' ? helpSnapshot() : undefined;
if (only === '--version' || only === '-V') {
  // The most common probe answers from package.json alone: no CLI, no commander (about a third of start-up).
  const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  process.stdout.write(`${version}\n`);
} else if (typeof help === 'string') {
  // Likewise the root help, from the build's snapshot: `esp-prov --help | head -1` closes the pipe early.
  process.stdout.on('error', () => undefined);
  process.stdout.write(help);
} else {
  // Node >= 22.1 keeps compiled code on disk between runs (absent on Node 20: then nothing to do).
  module.enableCompileCache?.();
  import('../dist/cli/main.js').then((m) => m.main(argv));
}
