// Part of `npm run build`: the root `--help` text, rendered from the option tables by the CLI's own parser,
// saved beside the build for the widths most terminals get (80: pipes and default terminals; 120: the cap, any
// terminal at least that wide). The bin shim prints it without loading commander and the option tables, which
// is most of what `--help` used to cost over bare Node. Any other width renders as before.
import { writeFileSync } from 'node:fs';

const { parseArgv } = await import(new URL('../dist/cli/options.js', import.meta.url).href);
const snapshot = {};
for (const width of [80, 120]) {
  const parsed = parseArgv(['--help'], {}, '0.0.0', width);
  if (parsed.command !== 'help') throw new Error('--help did not render help');
  snapshot[width] = parsed.text;
}
writeFileSync(new URL('../dist/cli/help.json', import.meta.url), JSON.stringify(snapshot));
