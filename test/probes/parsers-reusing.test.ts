// The parsers that write into a kept parse (parseMibPairsReusing, parseSnmp6Reusing; shared-read.ts
// keeps one per file across cycles) give exactly what the full parsers give for the same text,
// whatever the previous text was: the kernel's files and the fixtures with values changed (the reuse
// path), with a value made garbage, lines dropped or cut (the fallback after a partial overwrite).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import {
  parseMibPairs,
  parseMibPairsReusing,
  parseSnmp6,
  parseSnmp6Reusing,
  MIB_PAIRS_KEPT,
  SNMP6_KEPT,
  type MibParse,
} from '../../receiver/probes/parsers/snmp.js';
import {
  NET_DEV_KEPT,
  parseNetDev,
  parseNetDevReusing,
  type NetDevParse,
} from '../../receiver/probes/parsers/net-dev.js';
import {
  SOCKSTAT_KEPT,
  parseSockstat,
  parseSockstatReusing,
  type SockstatParse,
} from '../../receiver/probes/parsers/sockstat.js';
import {
  NF_CONNTRACK_KEPT,
  parseNfConntrackStat,
  parseNfConntrackStatReusing,
  type ConntrackStatParse,
} from '../../receiver/probes/parsers/nf-conntrack.js';

const FIX = join(process.cwd(), 'test', 'fixtures', 'proc');
const fx = (p: string): string => readFileSync(join(FIX, p), 'latin1');

/** What a consumer can see of a parse: every group's fields in order, and the problems. */
function seen(p: MibParse): { groups: [string, [string, number][]][]; problems: string[] } {
  return { groups: [...p.groups].map(([g, f]) => [g, [...f]]), problems: [...p.problems] };
}

const CASES = [
  { name: 'snmp/netstat', full: parseMibPairs, reusing: parseMibPairsReusing, files: ['snmp', 'netstat'] },
  { name: 'snmp6', full: parseSnmp6, reusing: parseSnmp6Reusing, files: ['snmp6'] },
];

/** How a file writes its numbers: where they are, and how one is spelt. */
interface NumberSyntax {
  number: RegExp;
  format: (n: number) => string;
}
const DECIMAL: NumberSyntax = { number: /(?<=[ \t])\d+(?=[ \n])/g, format: String };

/** A text changed by one of: every number replaced (same layout), one number made garbage, a line
 *  dropped, the text cut. */
const editsOf = (t: string, { number, format }: NumberSyntax) =>
  fc.oneof(
    fc.array(fc.oneof(fc.nat(), fc.constant(2 ** 53), fc.constant(2 ** 63)), { minLength: 1 }).map((ns) => {
      let i = 0;
      return t.replace(number, () => format(ns[i++ % ns.length]!));
    }),
    fc.tuple(fc.nat(), fc.constantFrom('x', '-', '1.5', '', ' ', '\t')).map(([k, g]) => {
      const m = [...t.matchAll(number)];
      if (m.length === 0) return t;
      const hit = m[k % m.length]!;
      return t.slice(0, hit.index) + g + t.slice(hit.index! + hit[0].length);
    }),
    fc.nat().map((k) => {
      const lines = t.split('\n');
      lines.splice(k % lines.length, 1);
      return lines.join('\n');
    }),
    fc.nat().map((k) => t.slice(0, k % (t.length + 1))),
  );

/** Any sequence of edited texts, each read into the previous result, gives what the full parse
 *  of that text gives (as `seen` shows it). */
function editedSequencesMatch<T>(
  texts: readonly string[],
  syntax: NumberSyntax,
  reusing: (t: string, previous?: T) => T,
  full: (t: string) => T,
  seen: (p: T) => unknown,
): void {
  fc.assert(
    fc.property(
      fc.array(
        fc.nat({ max: texts.length - 1 }).chain((i) => editsOf(texts[i]!, syntax)),
        { minLength: 1, maxLength: 6 },
      ),
      (seq) => {
        let prev: T | undefined;
        for (const t of seq) {
          const r = reusing(t, prev);
          assert.deepEqual(seen(r), seen(full(t)));
          prev = r;
        }
        return true;
      },
    ),
    { numRuns: 500 },
  );
}

describe('parsers reusing a kept parse: the same result as the full parse', () => {
  for (const c of CASES) {
    it(`${c.name}: the kernel's files of this machine, read twice into one kept parse`, () => {
      for (const f of c.files) {
        const first = readFileSync(`/proc/self/net/${f}`, 'latin1');
        const kept = c.reusing(first);
        assert.deepEqual(seen(kept), seen(c.full(first)));
        const second = readFileSync(`/proc/1/net/${f}`, 'latin1');
        const again = c.reusing(second, c.reusing(second, kept));
        assert.deepEqual(seen(again), seen(c.full(second)), f);
      }
    });

    it(`${c.name}: any sequence of edited fixtures, each read into the previous result`, () => {
      const texts = c.files.flatMap((f) => [fx(`host/${f}`), fx(`netns/${f}`)]);
      editedSequencesMatch(texts, DECIMAL, c.reusing, c.full, seen);
    });

    it(`${c.name}: a text of the same layout is read into the kept parse (no new parse)`, () => {
      const t = fx(`host/${c.files[0]}`);
      const warm = c.reusing(t, c.reusing(t)); // snmp6 learns its layout on a first full parse
      const changed = t.replace(/(?<=[ \t])\d+(?=[ \n])/g, (d) => String(Number(d) + 1));
      const r = c.reusing(changed, warm);
      assert.equal(r, warm);
      assert.deepEqual(seen(r), seen(c.full(changed)));
    });
  }
});

// The same for the files read once per namespace per cycle by one probe each (net/dev, sockstat and
// sockstat6, stat/nf_conntrack): what a consumer sees of the reusing parse is the full parse's.
const NETDEV_TEXT =
  'Inter-|   Receive                                                |  Transmit\n' +
  ' face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n' +
  '    lo:    1234      12    0    0    0     0          0         0     1234      12    0    0    0     0       0          0\n' +
  '  eth0:123456789012 99887    1    2    0     0          0         5 98765432   5678    0    3    0     0       0          0\n';

/** number: a number as the file writes it, between a space (or a colon) and a space or the line's end */
interface OtherCase extends NumberSyntax {
  name: string;
  texts: () => string[];
  full: (t: string) => unknown;
  reusing: (t: string, previous?: never) => unknown;
  seen: (p: never) => unknown;
}
const OTHER: OtherCase[] = [
  {
    name: 'net/dev',
    texts: () => [NETDEV_TEXT, readFileSync('/proc/self/net/dev', 'latin1'), readFileSync('/proc/1/net/dev', 'latin1')],
    number: /(?<=[ :])\d+(?=[ \n])/g,
    format: String,
    full: parseNetDev,
    reusing: parseNetDevReusing as OtherCase['reusing'],
    seen: ((p: NetDevParse) => ({
      interfaces: p.interfaces.map((i) => ({ ...i, receive: { ...i.receive }, transmit: { ...i.transmit } })),
      problems: [...p.problems],
    })) as OtherCase['seen'],
  },
  {
    name: 'sockstat/sockstat6',
    texts: () => ['host', 'netns'].flatMap((w) => [fx(`${w}/sockstat`), fx(`${w}/sockstat6`)]),
    number: /(?<= )\d+(?=[ \n]|$)/g,
    format: String,
    full: parseSockstat,
    reusing: parseSockstatReusing as OtherCase['reusing'],
    seen: ((p: SockstatParse) => ({
      lines: [...p.lines].map(([l, kv]) => [l, [...kv]]),
      problems: [...p.problems],
    })) as OtherCase['seen'],
  },
  {
    name: 'stat/nf_conntrack',
    texts: () => [fx('host/nf_conntrack'), fx('netns/nf_conntrack')],
    number: /(?<=^| )[0-9a-f]{8}(?=[ \n])/gm,
    format: (n) => n.toString(16).padStart(8, '0'),
    full: parseNfConntrackStat,
    reusing: parseNfConntrackStatReusing as OtherCase['reusing'],
    seen: ((p: ConntrackStatParse) => ({
      entries: p.stat.entries,
      totals: [...p.stat.totals],
      cpus: p.stat.cpus,
      problems: [...p.problems],
    })) as OtherCase['seen'],
  },
];

describe('net/dev, sockstat and nf_conntrack parsers reusing a kept parse: the same result as the full parse', () => {
  for (const c of OTHER) {
    it(`${c.name}: any sequence of edited texts, each read into the previous result`, () => {
      editedSequencesMatch(
        c.texts(),
        c,
        c.reusing as (t: string, p?: unknown) => unknown,
        c.full,
        c.seen as (p: unknown) => unknown,
      );
    });

    it(`${c.name}: a text of the same layout is read into the kept parse (no new parse)`, () => {
      for (const t of c.texts()) {
        const warm = c.reusing(t);
        const changed = t.replace(c.number, (d) => c.format(Number.parseInt(d, c.format(10) === '10' ? 10 : 16) + 1));
        const r = c.reusing(changed, warm as never);
        assert.equal(r, warm, t.slice(0, 80));
        assert.deepEqual(c.seen(r as never), c.seen(c.full(changed) as never));
      }
    });
  }
});

// One kept parse per namespace, all alive at once: sockstat's layout (labels and keys) is kept once for
// every namespace whose file has it, and each namespace's values go to its own parse only.
describe('sockstat kept parses of many namespaces at once', () => {
  it("interleaved reads of 20 namespaces (sockstat and sockstat6) each give that text's full parse, in place", () => {
    const bases = ['host', 'netns'].flatMap((w) => [fx(`${w}/sockstat`), fx(`${w}/sockstat6`)]);
    const bump = (t: string, k: number): string => t.replace(/(?<= )\d+(?=[ \n]|$)/g, (d) => String(Number(d) + k));
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(19), fc.nat(1000)), { minLength: 1, maxLength: 60 }), (reads) => {
        const kept = Array.from({ length: 20 }, (_, ns) => parseSockstatReusing(bases[ns % bases.length]!));
        for (const [ns, k] of reads) {
          const text = bump(bases[ns % bases.length]!, k + ns);
          const r = parseSockstatReusing(text, kept[ns]);
          assert.equal(r, kept[ns], "read into the namespace's own parse");
          assert.deepEqual(OTHER[1]!.seen(r as never), OTHER[1]!.seen(parseSockstat(text) as never));
        }
        // every namespace still holds its own last values
        const last = new Map(reads.map(([ns, k]) => [ns, k] as const));
        kept.forEach((p, ns) => {
          const k = last.get(ns);
          const text = k === undefined ? bases[ns % bases.length]! : bump(bases[ns % bases.length]!, k + ns);
          assert.deepEqual(OTHER[1]!.seen(p as never), OTHER[1]!.seen(parseSockstat(text) as never), `namespace ${ns}`);
        });
      }),
      { numRuns: 300 },
    );
  });
});

// sharedParse hands the in-place readers the agent's reused read buffer: the file's bytes, then
// whatever an earlier, longer file left behind. What they read is the file's bytes only.
describe('in-place readers over a reused buffer: the file bytes only, the same result as the full parse', () => {
  const FORMATS = [
    { name: 'snmp/netstat', f: MIB_PAIRS_KEPT, full: parseMibPairs, seen, texts: ['snmp', 'netstat'] },
    { name: 'snmp6', f: SNMP6_KEPT, full: parseSnmp6, seen, texts: ['snmp6'] },
    { name: 'net/dev', f: NET_DEV_KEPT, full: parseNetDev, seen: OTHER[0]!.seen, texts: [] },
    { name: 'sockstat', f: SOCKSTAT_KEPT, full: parseSockstat, seen: OTHER[1]!.seen, texts: ['sockstat', 'sockstat6'] },
    {
      name: 'nf_conntrack',
      f: NF_CONNTRACK_KEPT,
      full: parseNfConntrackStat,
      seen: OTHER[2]!.seen,
      texts: ['nf_conntrack'],
    },
  ] as const;
  for (const c of FORMATS) {
    it(`${c.name}: a same-layout text followed by stale bytes is read in place; a changed one is refused`, () => {
      const texts =
        c.texts.length > 0 ? c.texts.flatMap((f) => [fx(`host/${f}`), fx(`netns/${f}`)]) : OTHER[0]!.texts();
      fc.assert(
        fc.property(
          fc.nat({ max: texts.length - 1 }),
          fc.nat(),
          fc.constantFrom('1', ' 2', '\n', 'x', ' 9 9\n'),
          (i, k, stale) => {
            const t = texts[i]!;
            const parse = c.f.parse as (t: string, p?: unknown) => unknown;
            const inPlace = c.f.inPlace as (b: Uint8Array, n: number, p: unknown) => boolean;
            // A warm kept parse (snmp6 learns its layout on a first full parse).
            const kept = parse(t, parse(t));
            const hex = c.name === 'nf_conntrack';
            const changed = t.replace(hex ? /(?<=^| )[0-9a-f]{8}(?=[ \n])/gm : /(?<=[ \t:])\d+(?=[ \n])/g, (d) =>
              hex ? ((Number.parseInt(d, 16) + k) % 2 ** 32).toString(16).padStart(8, '0') : String(Number(d) + k),
            );
            const buf = Buffer.concat([Buffer.from(changed, 'latin1'), Buffer.from(stale.repeat(3), 'latin1')]);
            assert.equal(inPlace(buf, changed.length, kept), true);
            assert.deepEqual(c.seen(kept as never), c.seen(c.full(changed) as never));
            // The text cut short (its last byte left out) is not the layout's: refused.
            assert.equal(inPlace(buf, changed.length - 1, parse(t, parse(t))), false);
            return true;
          },
        ),
        { numRuns: 200 },
      );
    });
  }
});
