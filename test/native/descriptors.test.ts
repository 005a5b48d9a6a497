// The eBPF probe descriptors (bpf/probes/<name>.yaml) and what is generated from them: the
// committed output is what the generator writes now, a descriptor that disagrees with its C side
// fails generation naming the file and the field, and a helper whose C structs changed without
// regenerating is refused at start with the field that moved (a real helper built from an edited
// header, a real HelperClient).
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { renderBpf } from '../../bpf/gen/render.js';
import { loadBpfModel } from '../../bpf/gen/descriptors.js';
import { parseHeaders } from '../../bpf/gen/c-header.js';
import { HelperClient } from '../../receiver/native/index.js';
import {
  EBPF_PROBES,
  EBPF_PROBE_DESCRIPTORS,
  LAYOUTS,
  TC_PROBES,
  TC_PROBE_DESCRIPTORS,
} from '../../receiver/native/generated/ebpf.js';
import { tcLoadArgs } from '../../receiver/probes/tc-programs.js';
import { runOk } from '../support/proc.js';
import { HELPER, ROOT, ensureHelperBuilt } from './support.js';

/** A scratch copy of what the generator reads (bpf/include, bpf/probes, the schema). */
function scratchTree(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'ksotel-h16-desc-'));
  for (const sub of ['bpf/include', 'bpf/probes', 'bpf/gen'])
    cpSync(path.join(ROOT, sub), path.join(dir, sub), { recursive: true });
  return dir;
}

function edit(file: string, from: string | RegExp, to: string): void {
  const text = readFileSync(file, 'utf8');
  const next = text.replace(from, to);
  assert.notEqual(next, text, `${file}: nothing to replace`);
  writeFileSync(file, next);
}

describe('eBPF probe descriptors and the generated tables', () => {
  it('the committed generated files are what the descriptors and ks_proto.h give now', () => {
    for (const [rel, content] of renderBpf(ROOT)) {
      assert.ok(existsSync(path.join(ROOT, rel)), `${rel} missing: run npm run generate`);
      assert.equal(readFileSync(path.join(ROOT, rel), 'utf8'), content, `${rel} is stale: run npm run generate`);
    }
  });

  it('one probe per descriptor, each with its .bpf.c program, in the Makefile, the helper table and the agent', () => {
    const model = loadBpfModel(ROOT);
    const names = model.probes.map((p) => p.name).sort();
    assert.deepEqual([...EBPF_PROBES].sort(), names);
    const mk = readFileSync(path.join(ROOT, 'bpf', 'probes.gen.mk'), 'utf8');
    const table = readFileSync(path.join(ROOT, 'bpf', 'helper', 'probes.gen.h'), 'utf8');
    for (const n of names) {
      assert.match(mk, new RegExp(`\\b${n}\\b`));
      assert.match(table, new RegExp(`\\.name = "${n}"`));
      assert.ok(existsSync(path.join(ROOT, 'bpf', 'probes', `${n}.bpf.c`)));
    }
    // latency defaults live in the descriptor only: no probe program defines them itself
    for (const n of names) {
      const src = readFileSync(path.join(ROOT, 'bpf', 'probes', `${n}.bpf.c`), 'utf8');
      assert.doesNotMatch(src, /#define KS_LAT_T[01]_DEFAULT|#define KS_TRACK_ENTRIES/, n);
    }
    assert.deepEqual(EBPF_PROBE_DESCRIPTORS.socketlatency.latency?.thresholdsNs, [1_000_000, 100_000_000]);
  });

  it('tc descriptors: in the Makefile, the helper command table, a generated header each and the agent, not the load table', () => {
    const model = loadBpfModel(ROOT);
    const names = model.tcProbes.map((p) => p.name);
    assert.deepEqual([...TC_PROBES], names);
    assert.deepEqual(names, ['dns', 'flow']);
    for (const n of names) assert.ok(!(EBPF_PROBES as readonly string[]).includes(n), `${n} is no load-table probe`);
    const mk = readFileSync(path.join(ROOT, 'bpf', 'probes.gen.mk'), 'utf8');
    assert.match(mk, /^TC_PROBES := dns flow$/m);
    const table = readFileSync(path.join(ROOT, 'bpf', 'helper', 'tc.gen.h'), 'utf8');
    for (const n of TC_PROBES) {
      assert.match(table, new RegExp(`&tc_${n}_probe`));
      const own = readFileSync(path.join(ROOT, 'bpf', 'helper', `tc_${n}.gen.h`), 'utf8');
      for (const prog of TC_PROBE_DESCRIPTORS[n].programs)
        assert.match(own, new RegExp(`set->prog_${prog.role} = bpf_program__fd\\(s->progs\\.${prog.program}\\)`));
      // the helper's C source uses the generated pieces, not copies of them
      const c = readFileSync(path.join(ROOT, 'bpf', 'helper', `${n}.c`), 'utf8');
      assert.match(c, new RegExp(`\\.desc = &tc_${n}_desc,`));
      assert.doesNotMatch(c, /bpf_program__fd\(\w+->progs\.ks_/, `${n}.c takes its program fds from tc_${n}.gen.h`);
    }
    // flow's frames are decoded by layouts read from its header; the list size comes from ks_dns.h
    for (const l of TC_PROBE_DESCRIPTORS.flow.layouts) assert.ok(l in LAYOUTS, l);
    assert.equal(TC_PROBE_DESCRIPTORS.dns.options.suffix.maxCount, 16);
    // the agent writes the load as the descriptor orders and spells it; bench options never
    assert.deepEqual(tcLoadArgs('flow', { cg_lo: false, hostnet: 7, port: true, entries: 128 }), [
      'entries=128',
      'port=1',
      'hostnet=7',
      'cg_lo=0',
    ]);
    assert.deepEqual(tcLoadArgs('dns', { suffix: ['a.b', 'c'], rate: 5 }), ['rate=5', 'suffix=a.b', 'suffix=c']);
  });

  it('a tc descriptor naming a program, map or rodata the object lacks fails generation, naming file and field', function () {
    this.timeout(20_000);
    const dir = scratchTree();
    try {
      edit(path.join(dir, 'bpf/probes/flow.yaml'), 'program: ks_flow_cg_tx,', 'program: ks_flow_cg_out,');
      edit(path.join(dir, 'bpf/probes/flow.yaml'), 'program: ks_flow_rx, hook: tc,', 'program: ks_flow_rx, hook: tcx,');
      edit(path.join(dir, 'bpf/probes/dns.yaml'), 'map: suffixes', 'map: suffix_set');
      edit(path.join(dir, 'bpf/probes/dns.yaml'), 'rodata: ks_cgroup_netns', 'rodata: ks_cgroup_ns');
      edit(path.join(dir, 'bpf/probes/dns.yaml'), 'max_count: KS_DNS_SUFFIX_MAX', 'max_count: KS_DNS_SUFFIXES');
      assert.throws(
        () => loadBpfModel(dir),
        (e: Error) => {
          assert.match(e.message, /bpf\/probes\/flow\.yaml: program ks_flow_cg_out is not in flow\.bpf\.c/);
          assert.match(e.message, /bpf\/probes\/flow\.yaml: program ks_flow_cg_tx of flow\.bpf\.c is not listed/);
          assert.match(e.message, /bpf\/probes\/flow\.yaml: program ks_flow_rx: hook tcx, the source says SEC\("tc"\)/);
          assert.match(e.message, /bpf\/probes\/dns\.yaml: map suffix_set is not in dns\.bpf\.c/);
          assert.match(
            e.message,
            /bpf\/probes\/dns\.yaml: option cgroup_netns: rodata ks_cgroup_ns is no const volatile of dns\.bpf\.c/,
          );
          assert.match(e.message, /bpf\/probes\/dns\.yaml: option suffix: max_count KS_DNS_SUFFIXES is no number/);
          return true;
        },
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('computes the C layout of the wire structs (natural alignment, nested structs, arrays)', () => {
    const h = parseHeaders([
      {
        path: 'x.h',
        text: `#define N 3
        struct ks_hdr { __u16 magic; __u8 type; __u8 version; __u32 len; __u64 ts_ns; __u32 netns; __u32 cpu; };
        struct inner { __u8 a; __u32 b; };
        struct ks_x { struct ks_hdr hdr; __u8 c; struct inner in; __u64 d[N]; char comm[5]; };`,
      },
    ]);
    const x = h.structs.get('ks_x')!;
    assert.deepEqual(
      x.fields.map((f) => [f.name, f.offset, f.size]),
      [
        ['hdr', 0, 24],
        ['c', 24, 1],
        ['in', 28, 8],
        ['d', 40, 24],
        ['comm', 64, 5],
      ],
    );
    assert.equal(x.size, 72);
    assert.deepEqual(LAYOUTS.tcp_reset.fields.reason, { offset: 64, size: 4, kind: 'u32' });
  });

  it('a descriptor that disagrees with its program, its schema or the header fails generation, naming file and field', function () {
    this.timeout(20_000);
    const dir = scratchTree();
    try {
      edit(path.join(dir, 'bpf/probes/tcpreset.yaml'), 'hook: tp_btf/tcp_receive_reset', 'hook: tp_btf/tcp_rcv_reset');
      edit(path.join(dir, 'bpf/probes/biolatency.yaml'), 'scope: node', 'scope: pod');
      edit(path.join(dir, 'bpf/probes/netiftxlatency.yaml'), 'KS_LAT_QDISC', 'KS_LAT_QDISK');
      edit(path.join(dir, 'bpf/probes/tcpretrans.yaml'), 'record: tcp_retrans', 'record: tcp_retransmit');
      assert.throws(
        () => loadBpfModel(dir),
        (e: Error) => {
          assert.match(
            e.message,
            /bpf\/probes\/tcpreset\.yaml: program ks_tcp_receive_reset: hook tp_btf\/tcp_rcv_reset, the source says SEC\("tp_btf\/tcp_receive_reset"\)/,
          );
          assert.match(
            e.message,
            /bpf\/probes\/biolatency\.yaml: at \/latency\/scope: must be equal to one of the allowed values/,
          );
          assert.match(
            e.message,
            /bpf\/probes\/netiftxlatency\.yaml: latency metric KS_LAT_QDISK is not in enum ks_lat_metric/,
          );
          assert.match(e.message, /bpf\/probes\/tcpretrans\.yaml: record tcp_retransmit: no struct ks_tcp_retransmit/);
          return true;
        },
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('layout drift between the helper and the agent (real helper)', function () {
  this.timeout(120_000);
  let dir = '';
  before(async () => {
    await ensureHelperBuilt();
    dir = mkdtempSync(path.join(tmpdir(), 'ksotel-h16-drift-'));
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** The helper compiled from a copy of ks_proto.h edited by `change` (skeletons from bpf/build). */
  async function helperWith(name: string, change: (protoPath: string) => void): Promise<string> {
    const inc = path.join(dir, `${name}-include`);
    cpSync(path.join(ROOT, 'bpf', 'include'), inc, { recursive: true });
    change(path.join(inc, 'ks_proto.h'));
    const out = path.join(dir, `${name}-helper`);
    const libs = (await runOk('pkg-config', ['--libs', 'libbpf'], { timeoutMs: 10_000 })).stdout
      .trim()
      .split(/\s+/)
      .filter(Boolean);
    // the helper's translation units as the Makefile lists them (HELPER_SRCS)
    const sources = (
      await runOk('make', ['-s', '-C', path.join(ROOT, 'bpf'), 'helper-srcs'], { timeoutMs: 30_000 })
    ).stdout
      .trim()
      .split(/\s+/)
      .map((f) => path.join(ROOT, 'bpf', f));
    await runOk(
      'cc',
      [
        '-O0',
        '-std=gnu11',
        `-I${inc}`,
        `-I${path.join(ROOT, 'bpf', 'build')}`,
        `-I${path.join(ROOT, 'bpf', 'probes')}`,
        ...sources,
        '-o',
        out,
        ...(libs.length ? libs : ['-lbpf']),
        '-lelf',
        '-lz',
      ],
      { timeoutMs: 90_000, cwd: path.join(ROOT, 'bpf') },
    );
    return out;
  }

  async function startupFailure(helperPath: string): Promise<string> {
    const client = new HelperClient({ probes: { tcpreset: {} }, helperPath, handshakeTimeoutMs: 20_000 });
    try {
      await client.start();
      const st = client.status();
      assert.equal(st.state, 'degraded', `helper state ${st.state}: ${st.reason}`);
      assert.equal(st.probes.tcpreset.state, 'degraded');
      return st.reason;
    } finally {
      await client.stop();
    }
  }

  it('a field added to a record struct without regenerating: refused at start, naming the fields that moved', async () => {
    const helper = await helperWith('field', (p) =>
      edit(p, /(struct ks_tcp_reset \{\n\tstruct ks_hdr hdr;\n\tstruct ks_tuple tuple;\n)/, '$1\t__u32 added;\n'),
    );
    const reason = await startupFailure(helper);
    assert.match(
      reason,
      /native helper record layout differs from the decoder: tcp_reset: size 104, expected 96; tcp_reset\.reason: offset 68 size 4, expected offset 64 size 4/,
    );
  });

  it('histogram bounds changed in the header without regenerating: refused at start, naming both lists', async () => {
    const helper = await helperWith('bounds', (p) => edit(p, /1000ull,\s*2000ull,/, '1000ull, 2500ull,'));
    const reason = await startupFailure(helper);
    assert.match(reason, /latency histogram bounds \[1000,2500,5000,.*\], expected \[1000,2000,5000,/);
  });
});

describe('tc probe load options (real helper)', function () {
  this.timeout(60_000);
  before(ensureHelperBuilt);

  it("a tc probe's load options are the descriptor's: ranges, keep, lists and the echo (the real helper)", async () => {
    const client = new HelperClient({ probes: {}, helperPath: HELPER, handshakeTimeoutMs: 20_000 });
    try {
      await client.start();
      const flow = (...args: string[]) => client.command('flow', args);
      const dns = (...args: string[]) => client.command('dns', args);
      const bad = await flow('load', 'entries=63');
      assert.equal(bad.ok, false);
      assert.equal(bad.error, "bad option 'entries=63' (entries=64..16777216, port=0|1, hostnet=<inode>, cg_lo=0|1)");
      const ok = await flow('load', 'entries=128', 'port=0', 'cg_lo=1', 'x_counts=percpu');
      assert.equal(ok.ok, true, String(ok.error));
      assert.deepEqual([ok.entries, ok.port, ok.hostnet, ok.cg_lo], [128, false, 0, true]);
      // entries and port keep their value when left out, the others go back to their default
      const again = await flow('load');
      assert.deepEqual([again.entries, again.port, again.hostnet, again.cg_lo], [128, false, 0, false]);
      assert.equal((await flow('load', 'x_counts=percore')).ok, false);
      // the probe's own verbs are its descriptor's
      assert.equal(
        (await flow('nope')).error,
        `unknown verb 'nope' (load, attach, detach, dump, unload, ${TC_PROBE_DESCRIPTORS.flow.verbs.join(', ')})`,
      );
      assert.equal((await flow('unload')).ok, true);
      const suffixes = Array.from({ length: 17 }, (_, i) => `suffix=s${i}.example`);
      const many = await dns('load', ...suffixes);
      assert.equal(many.ok, false);
      assert.match(
        String(many.error),
        /^bad option 'suffix=s16\.example' \(pending=64\.\.4194304, .*suffix=<name of at most 62 bytes> \(up to 16\)/,
      );
      assert.equal((await dns('load', `suffix=${'a'.repeat(70)}.example`)).ok, false, 'a label over 63 bytes');
      const loaded = await dns('load', ...suffixes.slice(0, 16), 'slow_ms=5', 'names=0');
      assert.equal(loaded.ok, true, String(loaded.error));
      assert.equal((await dns('unload')).ok, true);
    } finally {
      await client.stop();
    }
  });
});
