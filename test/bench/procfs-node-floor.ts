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
//   node procfs-node-floor.js <cycles> [proc root] [text]
import { closeSync, openSync, readSync, readdirSync, readlinkSync } from 'node:fs';

const NETNS_FILES = ['dev', 'snmp', 'snmp6', 'netstat', 'sockstat', 'sockstat6', 'stat/nf_conntrack'];
const buf = Buffer.allocUnsafe(1 << 20);
let reads = 0;
let failed = 0;
let bytes = 0;
let chars = 0;

function readFile(path: string, text: boolean): void {
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
if (!Number.isInteger(cycles) || cycles < 1) {
  process.stderr.write(`procfs-node-floor: cycles must be a positive number, got ${process.argv[2]}\n`);
  process.exit(2);
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
