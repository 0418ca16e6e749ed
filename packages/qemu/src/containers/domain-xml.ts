/**
 * The domain XML libvirt keeps in a save image: checked for well-formedness
 * and read for a few facts (name, UUID, machine type, memory, vCPUs).
 *
 * A small reader of our own rather than an XML package: the XML comes from
 * untrusted files, and all that is needed is a well-formedness check and a
 * handful of element lookups. This reader refuses any DOCTYPE outright, so
 * there are no DTDs, no external entities and no entity expansion at all
 * (only the five predefined entities and character references are decoded),
 * and it works within a size limit in one linear pass with no recursion.
 */
import { containerError } from "./container.js";
import { QberDecodeError } from "@qber/core";

/** Largest domain XML read (libvirt's own are a few KiB). */
export const MAX_DOMAIN_XML = 16 * 1024 * 1024;

export interface XmlElement {
  readonly name: string;
  readonly attributes: ReadonlyMap<string, string>;
  readonly children: XmlElement[];
  text: string;
}

const NAME = /^[A-Za-z_:][-A-Za-z0-9_:.]*/;
const PREDEFINED: Record<string, string> = { lt: "<", gt: ">", amp: "&", apos: "'", quot: '"' };

function decodeText(raw: string, fail: (why: string) => never): string {
  return raw.replace(/&([^;&<]*);?/g, (whole, ref: string) => {
    if (!whole.endsWith(";")) fail(`"&" without a reference`);
    if (ref.startsWith("#")) {
      const code = ref.startsWith("#x") ? Number.parseInt(ref.slice(2), 16) : Number.parseInt(ref.slice(1), 10);
      if (!/^#(x[0-9A-Fa-f]+|[0-9]+)$/.test(ref) || !(code >= 1 && code <= 0x10ffff)) fail(`bad character reference &${ref};`);
      return String.fromCodePoint(code);
    }
    const v = PREDEFINED[ref];
    if (v === undefined) fail(`entity &${ref}; (only the predefined entities are allowed)`);
    return v;
  });
}

/**
 * Parses `xml` (well-formed XML 1.0 without a DOCTYPE) into its root element.
 * `what` names the document in errors; offsets in errors are `base` plus the
 * character position.
 */
export function parseXml(xml: string, what: string, base = 0): XmlElement {
  let pos = 0;
  const fail = (why: string): never => {
    throw containerError(new QberDecodeError(`${what}: not well-formed XML: ${why}`, { offset: base + pos }));
  };
  if (xml.length > MAX_DOMAIN_XML) fail(`longer than ${MAX_DOMAIN_XML} characters`);
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  const skipSpace = (): void => {
    while (pos < xml.length && " \t\r\n".includes(xml[pos]!)) pos++;
  };
  const until = (end: string): string => {
    const at = xml.indexOf(end, pos);
    if (at < 0) fail(`missing "${end}"`);
    const s = xml.slice(pos, at);
    pos = at + end.length;
    return s;
  };
  while (pos < xml.length) {
    const lt = xml.indexOf("<", pos);
    const text = xml.slice(pos, lt < 0 ? xml.length : lt);
    if (text.length > 0) {
      const top = stack[stack.length - 1];
      if (top) top.text += decodeText(text, fail);
      else if (text.trim() !== "") fail("text outside the root element");
      else if (text.includes("&")) fail("reference outside the root element");
    }
    if (lt < 0) break;
    pos = lt;
    if (xml.startsWith("<!--", pos)) {
      pos += 4;
      if (until("-->").includes("--")) fail('"--" inside a comment');
    } else if (xml.startsWith("<?", pos)) {
      pos += 2;
      until("?>");
    } else if (xml.startsWith("<![CDATA[", pos)) {
      const top = stack[stack.length - 1];
      if (!top) fail("CDATA outside the root element");
      pos += 9;
      top!.text += until("]]>");
    } else if (xml.startsWith("<!", pos)) {
      fail("DOCTYPE and other declarations are not accepted (no DTDs, no entities)");
    } else if (xml.startsWith("</", pos)) {
      pos += 2;
      const m = NAME.exec(xml.slice(pos, pos + 256));
      const top = stack.pop();
      if (!m || !top || m[0] !== top.name) fail(`closing tag does not match ${top ? `<${top.name}>` : "any open element"}`);
      pos += m![0].length;
      skipSpace();
      if (xml[pos] !== ">") fail('expected ">"');
      pos++;
    } else {
      pos++;
      const m = NAME.exec(xml.slice(pos, pos + 256));
      if (!m) fail("bad element name");
      pos += m![0].length;
      const attributes = new Map<string, string>();
      for (;;) {
        const before = pos;
        skipSpace();
        if (xml.startsWith("/>", pos) || xml[pos] === ">") break;
        if (pos === before) fail("expected a space before an attribute");
        const a = NAME.exec(xml.slice(pos, pos + 256));
        if (!a) fail("bad attribute name");
        pos += a![0].length;
        skipSpace();
        if (xml[pos] !== "=") fail('expected "="');
        pos++;
        skipSpace();
        const q = xml[pos];
        if (q !== '"' && q !== "'") fail("expected a quoted value");
        pos++;
        const raw = until(q!);
        if (raw.includes("<")) fail('"<" in an attribute value');
        if (attributes.has(a![0])) fail(`attribute ${a![0]} given twice`);
        attributes.set(a![0], decodeText(raw, fail));
      }
      const element: XmlElement = { name: m![0], attributes, children: [], text: "" };
      const parent = stack[stack.length - 1];
      if (parent) parent.children.push(element);
      else if (root) fail("a second root element");
      else root = element;
      if (xml[pos] === "/") pos += 2;
      else {
        pos++;
        stack.push(element);
      }
    }
  }
  if (stack.length > 0) fail(`<${stack[stack.length - 1]!.name}> is not closed`);
  if (!root) fail("no root element");
  return root!;
}

/** The facts of a libvirt domain that inspect shows. */
export interface DomainSummary {
  readonly name: string | undefined;
  readonly uuid: string | undefined;
  readonly machine: string | undefined;
  /** Memory in bytes (the `<memory>` element with its unit). */
  readonly memory: number | undefined;
  readonly vcpus: number | undefined;
}

const UNITS: Record<string, number> = {
  b: 1,
  bytes: 1,
  k: 1024,
  kib: 1024,
  kb: 1000,
  m: 1 << 20,
  mib: 1 << 20,
  mb: 1e6,
  g: 1 << 30,
  gib: 1 << 30,
  gb: 1e9,
  t: 2 ** 40,
  tib: 2 ** 40,
  tb: 1e12,
};

function child(e: XmlElement | undefined, name: string): XmlElement | undefined {
  return e?.children.find((c) => c.name === name);
}

function number(text: string | undefined): number | undefined {
  const t = text?.trim();
  return t !== undefined && /^[0-9]+$/.test(t) ? Number(t) : undefined;
}

/** Reads the summary from a parsed domain XML (undefined for what it does not say). */
export function summarizeDomain(root: XmlElement): DomainSummary {
  const memory = child(root, "memory");
  const unit = UNITS[(memory?.attributes.get("unit") ?? "KiB").toLowerCase()];
  const amount = number(memory?.text);
  return {
    name: child(root, "name")?.text.trim(),
    uuid: child(root, "uuid")?.text.trim(),
    machine: child(child(root, "os"), "type")?.attributes.get("machine"),
    memory: amount !== undefined && unit !== undefined ? amount * unit : undefined,
    vcpus: number(child(root, "vcpu")?.text),
  };
}
