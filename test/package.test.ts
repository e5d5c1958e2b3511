/**
 * What the published package holds and does at install: the docs the CLI points to ship with it, it names its
 * repository, and nothing builds on the user's side (dist/ is packed by `prepack`, which npm also runs for a
 * git dependency; `prepare` would run on every clone's `npm install` and is not used).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { it } from 'node:test';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  scripts: Record<string, string>;
  repository?: { url?: string };
  homepage?: string;
  bugs?: { url?: string };
};

void it('the packed file list carries the CLI reference, the bin and the build output', () => {
  // --ignore-scripts: list what would be packed without running prepack's build.
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const files = (JSON.parse(out) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path);
  for (const f of ['docs/cli.md', 'bin/esp-prov.js', 'README.md', 'LICENSE']) assert.ok(files.includes(f), f);
  assert.ok(!files.some((f) => f.startsWith('src/') || f.startsWith('test/')));
});

void it('no script runs at install time; pack/publish (and git installs) build first', () => {
  for (const hook of ['preinstall', 'install', 'postinstall', 'prepare'])
    assert.equal(pkg.scripts[hook], undefined, hook);
  assert.match(pkg.scripts['prepack'] ?? '', /npm run build/);
  // `npm run demo` in a fresh clone works without a build step.
  assert.doesNotMatch(pkg.scripts['demo'] ?? '', /dist\//);
});

void it('names its repository, home page and issue tracker consistently', () => {
  const repo = /^git\+(https:\/\/github\.com\/[^/]+\/[^/]+)\.git$/.exec(pkg.repository?.url ?? '')?.[1];
  assert.ok(repo, pkg.repository?.url);
  assert.equal(pkg.homepage, `${repo}#readme`);
  assert.equal(pkg.bugs?.url, `${repo}/issues`);
});
