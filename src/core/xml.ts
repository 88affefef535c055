/**
 * A minimal XML reader for machine-written XML (crm_mon, cibadmin, virsh): elements,
 * attributes and text; no DTDs, no namespaces. Enough to read what the daemons print
 * without a dependency.
 */
export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
  /** where the element starts and ends (one past its last character) in the parsed text */
  start?: number;
  end?: number;
}

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
const decode = (s: string): string =>
  s.replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, (m, e: string) =>
    e[0] === '#'
      ? String.fromCodePoint(e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10))
      : (ENTITIES[e] ?? m),
  );

/** @example parseXml('<a x="1"><b/></a>').children[0].name === 'b' */
export function parseXml(xml: string): XmlElement {
  const root: XmlElement = { name: '#root', attrs: {}, children: [], text: '' };
  const stack: XmlElement[] = [root];
  const re = new RegExp(
    [
      String.raw`<!--[\s\S]*?-->`,
      String.raw`<\?[\s\S]*?\?>`,
      String.raw`<!\[CDATA\[([\s\S]*?)\]\]>`,
      String.raw`<(\/?)([\w:.-]+)((?:\s+[\w:.-]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>`,
      '([^<]+)',
    ].join('|'),
    'g',
  );
  let m: RegExpExecArray | null;
  while ((m = re.exec(xml))) {
    const top = stack[stack.length - 1]!;
    if (m[1] !== undefined) top.text += m[1];
    else if (m[6] !== undefined) top.text += decode(m[6]);
    else if (m[3]) {
      if (m[2]) {
        if (stack.length > 1) stack.pop()!.end = re.lastIndex;
        continue;
      }
      const attrs: Record<string, string> = {};
      for (const a of (m[4] ?? '').matchAll(/([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) attrs[a[1]!] = decode(a[2] ?? a[3] ?? '');
      const el: XmlElement = { name: m[3], attrs, children: [], text: '', start: m.index };
      top.children.push(el);
      if (!m[5]) stack.push(el);
      else el.end = re.lastIndex;
    }
  }
  const first = root.children[0];
  if (!first) throw new Error('no XML element found');
  return first;
}

/** Every descendant element with this name (depth first). */
export function findAll(el: XmlElement, name: string): XmlElement[] {
  const out: XmlElement[] = [];
  const walk = (e: XmlElement): void => {
    for (const c of e.children) {
      if (c.name === name) out.push(c);
      walk(c);
    }
  };
  walk(el);
  return out;
}

export function child(el: XmlElement, name: string): XmlElement | undefined {
  return el.children.find((c) => c.name === name);
}
