// The Node read floor of one collection cycle of the default probe set: procfs-floor.c's exact
// reads, done from Node with the cheapest synchronous API and nothing else, so the bench
// (procfs.ts) can split the agent's cost over the C floor into "what reading from JS costs" and
// "what the agent does on top" (parsing, samples, snapshot, GC). Per cycle: readdirSync(/proc),
// readlinkSync of every process's ns/net, group by namespace (lowest pid), then
// openSync/readSync into one reused Buffer/closeSync of
//   - per namespace: net/dev, snmp, snmp6, netstat, sockstat, sockstat6, stat/nf_conntrack;
//   - once: net/softnet_stat and /proc/sys/net/netfilter/nf_conntrack_max;
//   - per process: io and cgroup.
// With `text`, each file's bytes are also decoded to a latin1 string (what the agent's readProcText
// hands its parsers). Prints one JSON line like procfs-floor.c: its CPU over the cycles (after one
// warm-up cycle, so V8's compilation is not counted), and what it read.
// With `batch <procfs-floor binary>`, the reads are not Node's: the C floor reads every file and
// writes each cycle's files as one frame to a pipe (procfs-floor.c `emit`); Node takes the whole
// output in one spawnSync and decodes each file to a latin1 string. CPU is Node's (spawning and
// reading the pipe included) plus the C reader's: what reading through a native batch reader costs
// the agent and the reader together, against Node's own reads.
// With `batch-numbers <binary>`, the C reader also parses and sends each file's numbers (f64), and
// Node reads them in place (a Float64Array per file, summed): the reads and first parse moved out.
// With `kept`, every file is opened once (in the warm-up cycle) and read again from offset 0 each
// cycle (readSync at a position: pread), as the agent's kept files are (procfs-floor.c `kept`); a
// one-record file (single_open: snmp, snmp6, netstat, sockstat, sockstat6, io, cgroup, stat) ends at a read
// shorter than asked for, as in the agent, without the read of EOF.
//   node procfs-node-floor.js <cycles> [proc root] [text | kept | batch | batch-numbers <procfs-floor binary>]
import { spawnSync } from 'node:child_process';
import { closeSync, openSync, readSync, readdirSync, readlinkSync } from 'node:fs';

const NETNS_FILES = ['dev', 'snmp', 'snmp6', 'netstat', 'sockstat', 'sockstat6', 'stat/nf_conntrack'];
const buf = Buffer.allocUnsafe(1 << 20);
let reads = 0;
let failed = 0;
let bytes = 0;
let chars = 0;

const keptMode = process.argv[4] === 'kept';
// The floor's own copy of the kernel fact (not the agent's code: a floor must not be what it measures).
const ONE_RECORD = new Set(['snmp', 'snmp6', 'netstat', 'sockstat', 'sockstat6', 'io', 'cgroup', 'stat']);
const keptFds = new Map<string, { fd: number; shortIsEnd: boolean }>();

function readKept(path: string): void {
  let k = keptFds.get(path);
  if (k === undefined) {
    try {
      k = { fd: openSync(path, 'r'), shortIsEnd: ONE_RECORD.has(path.slice(path.lastIndexOf('/') + 1)) };
    } catch {
      failed++;
      return;
    }
    keptFds.set(path, k);
  }
  const { fd, shortIsEnd } = k;
  try {
    let off = 0;
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, off);
      if (n <= 0) break;
      off += n;
      bytes += n;
      if (shortIsEnd && n < buf.length) break;
    }
  } catch {
    failed++;
  }
  reads++;
}

function readFile(path: string, text: boolean): void {
  if (keptMode) return readKept(path);
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    failed++;
    return;
  }
  try {
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, -1);
      if (n <= 0) break;
      bytes += n;
      if (text) chars += buf.toString('latin1', 0, n).length;
    }
  } catch {
    failed++;
  } finally {
    closeSync(fd);
  }
  reads++;
}

function cycle(root: string, text: boolean): { namespaces: number; processes: number } {
  const procs: { pid: number; ino: number }[] = [];
  for (const name of readdirSync(root)) {
    const c = name.charCodeAt(0);
    if (c < 48 || c > 57) continue;
    let link: string;
    try {
      link = readlinkSync(`${root}/${name}/ns/net`);
    } catch {
      continue;
    }
    procs.push({ pid: Number(name), ino: Number(link.slice(5, -1)) });
  }
  procs.sort((a, b) => a.ino - b.ino || a.pid - b.pid);
  let namespaces = 0;
  for (let i = 0; i < procs.length; i++) {
    if (i > 0 && procs[i]!.ino === procs[i - 1]!.ino) continue;
    namespaces++;
    for (const f of NETNS_FILES) readFile(`${root}/${procs[i]!.pid}/net/${f}`, text);
  }
  if (procs.length > 0) readFile(`${root}/${procs[0]!.pid}/net/softnet_stat`, text);
  readFile(`${root}/sys/net/netfilter/nf_conntrack_max`, text);
  for (const p of procs) {
    readFile(`${root}/${p.pid}/io`, text);
    readFile(`${root}/${p.pid}/cgroup`, text);
  }
  return { namespaces, processes: procs.length };
}

const cycles = Number(process.argv[2] ?? 1);
const root = process.argv[3] ?? '/proc';
const text = process.argv[4] === 'text';
const numbersMode = process.argv[4] === 'batch-numbers';
const batch = process.argv[4] === 'batch' || numbersMode ? process.argv[5] : undefined;
let sum = 0;
if (!Number.isInteger(cycles) || cycles < 1) {
  process.stderr.write(`procfs-node-floor: cycles must be a positive number, got ${process.argv[2]}\n`);
  process.exit(2);
}
if ((process.argv[4] === 'batch' || numbersMode) && batch === undefined) {
  process.stderr.write('procfs-node-floor: batch needs the path of the procfs-floor binary\n');
  process.exit(2);
}

/** The C reader's frames of `n` cycles, decoded: Node's CPU and the reader's. */
function batchCycles(
  bin: string,
  n: number,
): { nodeNs: number; readerNs: number; namespaces: number; processes: number } {
  const c0 = process.cpuUsage();
  const r = spawnSync(bin, [String(n), root, numbersMode ? 'emit-numbers' : 'emit'], { maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`${bin}: exit ${r.status}: ${r.stderr.toString().slice(0, 200)}`);
  const out = r.stdout;
  let p = 0;
  let frames = 0;
  while (p + 8 <= out.length) {
    const end = p + 8 + Number(out.readBigUInt64LE(p));
    p += 8;
    while (p < end) {
      const len = out.readUInt32LE(p);
      p += 4;
      if (numbersMode) {
        // f64s at an offset that may not be 8-aligned in the pipe's buffer: read them in place.
        for (let i = 0; i < len; i++) sum += out.readDoubleLE(p + 8 * i);
        bytes += 8 * len;
        p += 8 * len;
        reads++;
        continue;
      }
      chars += out.toString('latin1', p, p + len).length;
      bytes += len;
      reads++;
      p += len;
    }
    frames++;
  }
  const c = process.cpuUsage(c0);
  if (frames !== n) throw new Error(`${bin}: ${frames} frames for ${n} cycles`);
  const reader = JSON.parse(r.stderr.toString()) as {
    cpuNs: number;
    namespaces: number;
    processes: number;
    failed: number;
  };
  failed += reader.failed;
  return { nodeNs: (c.user + c.system) * 1000, readerNs: reader.cpuNs, ...reader };
}

if (batch !== undefined) {
  batchCycles(batch, 1); // warm-up
  reads = failed = bytes = chars = 0;
  const b = batchCycles(batch, cycles);
  process.stdout.write(
    `${JSON.stringify({ cycles, cpuNs: b.nodeNs + b.readerNs, nodeCpuNs: b.nodeNs, readerCpuNs: b.readerNs, namespaces: b.namespaces, processes: b.processes, reads, failed, bytes, chars, sum })}\n`,
  );
  process.exit(0);
}
cycle(root, text); // warm-up: compile, first allocations
reads = failed = bytes = chars = 0;
const c0 = process.cpuUsage();
let last = { namespaces: 0, processes: 0 };
for (let i = 0; i < cycles; i++) last = cycle(root, text);
const c1 = process.cpuUsage(c0);
process.stdout.write(
  `${JSON.stringify({
    cycles,
    cpuNs: (c1.user + c1.system) * 1000,
    userUs: c1.user,
    systemUs: c1.system,
    namespaces: last.namespaces,
    processes: last.processes,
    reads,
    failed,
    bytes,
    chars,
  })}\n`,
);
