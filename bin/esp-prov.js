#!/usr/bin/env node
// The bin shim: everything else is loaded by the CLI entry, lazily, per command.
import('../dist/cli/main.js').then((m) => m.main(process.argv.slice(2)));
