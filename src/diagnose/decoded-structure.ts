/**
 * Comparing two decoded messages (transcript `*_decoded` text) by structure rather than by spelling: which
 * fields are present, how they nest, and their values, whatever the spelling of the recorder that wrote them.
 *
 * Replay needs this for redacted requests, which keep only their decoded text (docs/transcripts.md). The
 * text's spelling changed within esp-prov-transcript-v1: early recordings wrote the generated code's camelCase
 * names and enum numbers (`msg: 2 cmdSetConfig { ssid: "lab" passphrase: <redacted> }`), later ones the
 * .proto names and enum names (`msg: TypeCmdSetConfig cmd_set_config { … }`). Both describe the same message,
 * so each is brought to one canonical form: snake_case names, enum values by name, fields in name order
 * (a repeated field keeps its order), and compared as that.
 */
import { enumName, protoName, type MessageFamily } from './decode.js';

type Node = { name: string; value: string } | { name: string; children: Node[] };

/** A tiny reader for the protobuf text format decode.ts writes; undefined when the text is not in it. */
class Reader {
  #i = 0;
  constructor(readonly text: string) {}

  fields(closing: boolean): Node[] | undefined {
    const out: Node[] = [];
    for (;;) {
      this.#space();
      if (this.#i >= this.text.length) return closing ? undefined : out;
      if (this.text[this.#i] === '}') {
        if (!closing) return undefined;
        this.#i++;
        return out;
      }
      const name = this.#match(/[A-Za-z_][A-Za-z0-9_]*/y);
      if (name === undefined) return undefined;
      this.#space();
      if (this.text[this.#i] === '{') {
        this.#i++;
        const children = this.fields(true);
        if (!children) return undefined;
        out.push({ name, children });
        continue;
      }
      if (this.text[this.#i] !== ':') return undefined;
      this.#i++;
      this.#space();
      // A quoted string (escapes kept as written: both spellings quote alike), or one bare token.
      const value = this.#match(/"(?:[^"\\]|\\.)*"/y) ?? this.#match(/[^\s{}"]+/y);
      if (value === undefined) return undefined;
      out.push({ name, value });
    }
  }

  #space(): void {
    while (this.#i < this.text.length && /\s/.test(this.text[this.#i]!)) this.#i++;
  }

  #match(re: RegExp): string | undefined {
    re.lastIndex = this.#i;
    const m = re.exec(this.text);
    if (!m) return undefined;
    this.#i += m[0].length;
    return m[0];
  }
}

function canonical(nodes: Node[], parent: string | undefined, endpoint: string, family: MessageFamily): string {
  const named = nodes.map((n) => ({ ...n, name: protoName(n.name) }));
  // Stable: repeated fields stay in their order, other fields are a set.
  named.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return named
    .map((n) => {
      if ('children' in n) return `${n.name} { ${canonical(n.children, n.name, endpoint, family)}}`;
      const label = /^-?\d+$/.test(n.value) ? enumName(endpoint, family, n.name, parent, Number(n.value)) : undefined;
      return `${n.name}: ${label ?? n.value}`;
    })
    .map((s) => s + ' ')
    .join('');
}

/** The decoded text in its canonical spelling; the text itself when it is not protobuf text (raw, undecodable). */
export function canonicalDecoded(endpoint: string, text: string, family: MessageFamily): string {
  const nodes = new Reader(text).fields(false);
  return nodes ? canonical(nodes, undefined, endpoint, family).trimEnd() : text;
}

/** Whether two decoded texts of `endpoint` describe the same message (secret fields compare as their marker). */
export function sameDecoded(endpoint: string, a: string, b: string, family: MessageFamily): boolean {
  return a === b || canonicalDecoded(endpoint, a, family) === canonicalDecoded(endpoint, b, family);
}
