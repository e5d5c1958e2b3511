/**
 * Users do not have PROTOCOL.md: messages, help and the shipped docs state the fact itself. The citations
 * stay in code comments, where maintainers read them. Every string and template literal in src/ is checked
 * (comments are skipped by TypeScript's scanner).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { it } from 'node:test';
import ts from 'typescript';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const CITATION = /PROTOCOL\.md|§\s*\d/;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** Text of every string-like literal in a file, with its line. */
function literals(file: string): { line: number; text: string }[] {
  const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const out: { line: number; text: string }[] = [];
  const visit = (node: ts.Node): void => {
    if (
      ts.isStringLiteralLike(node) ||
      ts.isTemplateHead(node) ||
      ts.isTemplateMiddle(node) ||
      ts.isTemplateTail(node)
    ) {
      out.push({ line: sf.getLineAndCharacterOfPosition(node.getStart()).line + 1, text: node.text });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

void it('no string in src/ cites PROTOCOL.md or a § section', () => {
  const found = sources(join(ROOT, 'src')).flatMap((f) =>
    literals(f)
      .filter((l) => CITATION.test(l.text))
      .map((l) => `${relative(ROOT, f)}:${l.line}: ${l.text}`),
  );
  assert.deepEqual(found, []);
});

void it('the checker sees string literals, not comments (it can fail)', () => {
  const texts = literals(join(ROOT, 'test/user-text.test.ts')).map((l) => l.text);
  assert.ok(texts.includes('no string in src/ cites PROTOCOL.md or a § section'));
});

void it('the shipped docs (docs/, README.md) state facts instead of citing PROTOCOL.md sections', () => {
  for (const file of ['docs/cli.md']) {
    const lines = readFileSync(join(ROOT, file), 'utf8').split('\n');
    const found = lines.flatMap((l, i) => (CITATION.test(l) ? [`${file}:${i + 1}: ${l}`] : []));
    assert.deepEqual(found, []);
  }
});
