#!/usr/bin/env node
// The bin shim: everything else is loaded by the CLI entry, lazily, per command.
import module from 'node:module';
import { readFileSync } from 'node:fs';

const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
  // The most common probe answers from package.json alone: no CLI, no commander (about a third of start-up).
  const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  process.stdout.write(`${version}\n`);
} else {
  // Node >= 22.1 keeps compiled code on disk between runs (absent on Node 20: then nothing to do).
  module.enableCompileCache?.();
  import('../dist/cli/main.js').then((m) => m.main(argv));
}
