// The wire structs, enums and #defines of bpf/include/ks_proto.h (and a probe's own bpf/probes/<p>.h),
// read once so that no layout is written by hand anywhere else (as cilium/ebpf's bpf2go reads BTF).
// The subset the wire headers use: fixed-width integers, char/u8 arrays, nested structs, enums with
// explicit values, object-like #defines. Offsets follow the C ABI's natural alignment; the helper
// still sends the compiler's own offsetof/sizeof at start, and the agent refuses a mismatch.

export type FieldKind = 'u8' | 'u16' | 'u32' | 'u64' | 'bytes' | 'string' | 'struct';

export interface CField {
  readonly name: string;
  readonly kind: FieldKind;
  /** element count (arrays of integers); 1 otherwise */
  readonly count: number;
  readonly offset: number;
  readonly size: number;
  /** kind 'struct': the nested struct's name */
  readonly struct?: string;
}

export interface CStruct {
  readonly name: string;
  readonly size: number;
  readonly align: number;
  readonly fields: readonly CField[];
}

export interface CHeader {
  readonly structs: ReadonlyMap<string, CStruct>;
  /** enum name → member → value */
  readonly enums: ReadonlyMap<string, ReadonlyMap<string, number>>;
  /** every enum member and numeric #define by name */
  readonly constants: ReadonlyMap<string, number>;
  /** #define NAME { a, b, ... } lists of numbers */
  readonly lists: ReadonlyMap<string, readonly number[]>;
}

const SCALARS: Readonly<Record<string, { kind: FieldKind; size: number }>> = {
  __u8: { kind: 'u8', size: 1 },
  __s8: { kind: 'u8', size: 1 },
  char: { kind: 'string', size: 1 },
  __u16: { kind: 'u16', size: 2 },
  __u32: { kind: 'u32', size: 4 },
  __u64: { kind: 'u64', size: 8 },
};

function stripComments(src: string): string {
  return src.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/\/\/[^\n]*/g, ' ');
}

function evalNumber(expr: string, constants: ReadonlyMap<string, number>): number | undefined {
  const e = expr.trim().replace(/(\d+)(ull|ul|u|ll)\b/gi, '$1');
  if (/^(0x[0-9a-f]+|\d+)$/i.test(e)) return Number(e);
  if (constants.has(e)) return constants.get(e);
  const m = /^([A-Za-z_]\w*|\d+)\s*([+\-*/])\s*([A-Za-z_]\w*|\d+)$/.exec(e);
  if (m) {
    const a = evalNumber(m[1]!, constants);
    const b = evalNumber(m[3]!, constants);
    if (a === undefined || b === undefined) return undefined;
    return m[2] === '+' ? a + b : m[2] === '-' ? a - b : m[2] === '*' ? a * b : Math.trunc(a / b);
  }
  return undefined;
}

/** Parse C header sources (in order: later ones may use earlier ones' structs and constants). */
export function parseHeaders(sources: readonly { path: string; text: string }[]): CHeader {
  const structs = new Map<string, CStruct>();
  const enums = new Map<string, Map<string, number>>();
  const constants = new Map<string, number>();
  const lists = new Map<string, number[]>();
  for (const { path, text } of sources) {
    const src = stripComments(text.replace(/\\\n/g, ' '));
    for (const m of src.matchAll(/^[ \t]*#define[ \t]+(\w+)[ \t]+([^\n]+)$/gm)) {
      const body = m[2]!.trim();
      if (body.startsWith('{')) {
        const items = body
          .replace(/[{}]/g, '')
          .split(',')
          .map((x) => x.trim())
          .filter((x) => x.length > 0);
        const nums = items.map((x) => evalNumber(x, constants));
        if (nums.every((n) => n !== undefined)) lists.set(m[1]!, nums as number[]);
        continue;
      }
      const v = evalNumber(body.replace(/^\((.*)\)$/, '$1'), constants);
      if (v !== undefined) constants.set(m[1]!, v);
    }
    for (const m of src.matchAll(/enum\s+(\w+)\s*\{([^}]*)\}/g)) {
      const members = new Map<string, number>();
      let next = 0;
      for (const item of m[2]!.split(',')) {
        const t = item.trim();
        if (!t) continue;
        const [name, value] = t.split('=').map((x) => x.trim());
        const v = value === undefined ? next : evalNumber(value, constants);
        if (v === undefined) throw new Error(`${path}: enum ${m[1]}: cannot read the value of ${name}`);
        members.set(name!, v);
        constants.set(name!, v);
        next = v + 1;
      }
      enums.set(m[1]!, members);
    }
    for (const m of src.matchAll(/struct\s+(\w+)\s*\{([^}]*)\}\s*;/g)) {
      structs.set(m[1]!, layoutStruct(path, m[1]!, m[2]!, structs, constants));
    }
  }
  return { structs, enums, constants, lists };
}

function layoutStruct(
  path: string,
  name: string,
  body: string,
  structs: ReadonlyMap<string, CStruct>,
  constants: ReadonlyMap<string, number>,
): CStruct {
  const fields: CField[] = [];
  let offset = 0;
  let align = 1;
  for (const decl of body.split(';')) {
    const d = decl.trim().replace(/\s+/g, ' ');
    if (!d) continue;
    const m = /^(struct (\w+)|\w+) (\w+)(?:\[([^\]]+)\])?$/.exec(d);
    if (!m) throw new Error(`${path}: struct ${name}: cannot read the field "${d}"`);
    const count = m[4] === undefined ? 1 : evalNumber(m[4], constants);
    if (count === undefined) throw new Error(`${path}: struct ${name}.${m[3]}: cannot read the array size ${m[4]}`);
    let kind: FieldKind;
    let elemSize: number;
    let elemAlign: number;
    let nested: string | undefined;
    if (m[2] !== undefined) {
      const s = structs.get(m[2]);
      if (!s) throw new Error(`${path}: struct ${name}.${m[3]}: struct ${m[2]} is not defined before it`);
      kind = 'struct';
      elemSize = s.size;
      elemAlign = s.align;
      nested = m[2];
    } else {
      const sc = SCALARS[m[1]!];
      if (!sc)
        throw new Error(
          `${path}: struct ${name}.${m[3]}: type ${m[1]} is not a wire type (use __u8/__u16/__u32/__u64/char)`,
        );
      kind = sc.kind;
      elemSize = sc.size;
      elemAlign = sc.size;
      if (kind === 'u8' && count > 1) kind = 'bytes';
    }
    offset = Math.ceil(offset / elemAlign) * elemAlign;
    align = Math.max(align, elemAlign);
    fields.push({
      name: m[3]!,
      kind,
      count: kind === 'bytes' || kind === 'string' ? 1 : count,
      offset,
      size: elemSize * count,
      ...(nested ? { struct: nested } : {}),
    });
    offset += elemSize * count;
  }
  return { name, size: Math.ceil(offset / align) * align, align, fields };
}

/** Every named leaf field of a struct, nested ones as "outer.inner", padding (_*) left out. */
export function flatFields(h: CHeader, s: CStruct, prefix = '', base = 0): CField[] {
  const out: CField[] = [];
  for (const f of s.fields) {
    if (f.name.startsWith('_')) continue;
    if (f.kind === 'struct') {
      out.push(...flatFields(h, h.structs.get(f.struct!)!, `${prefix}${f.name}.`, base + f.offset));
    } else {
      out.push({ ...f, name: `${prefix}${f.name}`, offset: base + f.offset });
    }
  }
  return out;
}
