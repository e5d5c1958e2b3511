/**
 * A minimal, strict XML reader for checking the reports we write (JUnit): elements, attributes, text and the
 * predefined entities plus numeric references. It throws on anything malformed (an unescaped `<` or `&`, a
 * mismatched end tag), which is the point: a reporter would choke on the same file.
 */
export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decode(s: string): string {
  if (/[<]/.test(s)) throw new Error(`unescaped < in ${JSON.stringify(s)}`);
  return s.replace(/&([^;]*);|&/g, (m, name: string | undefined) => {
    if (name === undefined) throw new Error('bare & in text');
    if (name.startsWith('#x')) return String.fromCodePoint(parseInt(name.slice(2), 16));
    if (name.startsWith('#')) return String.fromCodePoint(Number(name.slice(1)));
    const v = ENTITIES[name];
    if (v === undefined) throw new Error(`unknown entity &${name};`);
    return v;
  });
}

export function parseXml(text: string): XmlElement {
  let i = 0;
  const body = text.replace(/^<\?xml[^?]*\?>\s*/, '');
  const element = (): XmlElement => {
    const open = /^<([A-Za-z_][\w.-]*)((?:\s+[\w.-]+="[^"<]*")*)\s*(\/?)>/.exec(body.slice(i));
    if (!open) throw new Error(`expected an element at ${i}: ${body.slice(i, i + 40)}`);
    i += open[0].length;
    const attrs: Record<string, string> = {};
    for (const a of open[2]!.matchAll(/([\w.-]+)="([^"]*)"/g)) attrs[a[1]!] = decode(a[2]!);
    const el: XmlElement = { name: open[1]!, attrs, children: [], text: '' };
    if (open[3] === '/') return el;
    for (;;) {
      const next = body.indexOf('<', i);
      if (next < 0) throw new Error(`unclosed <${el.name}>`);
      el.text += decode(body.slice(i, next));
      i = next;
      if (body.startsWith(`</${el.name}>`, i)) {
        i += el.name.length + 3;
        return el;
      }
      if (body.startsWith('</', i)) throw new Error(`mismatched end tag at ${i} inside <${el.name}>`);
      el.children.push(element());
    }
  };
  const root = element();
  if (body.slice(i).trim() !== '') throw new Error('content after the root element');
  return root;
}
