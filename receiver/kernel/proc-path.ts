// The path of a process's procfs file, made once per process and file and then looked up: a cycle
// asks for about ten per namespace and one per process, and a string built afresh each time is
// allocated, flattened and hashed again (by the read cache's map and by the fs binding).
const byRoot = new Map<string, Map<string, Map<number | string, string>>>();
let count = 0;
/** Bounded: pids come and go; past this many paths all are forgotten and made again on demand. */
const MAX_PATHS = 1 << 16;

/** `${procRoot}/${pid}/${file}`, e.g. procPath('/proc', 42, 'net/snmp') = '/proc/42/net/snmp'. */
export function procPath(procRoot: string, pid: number | string, file: string): string {
  let byFile = byRoot.get(procRoot);
  if (byFile === undefined) byRoot.set(procRoot, (byFile = new Map()));
  let byPid = byFile.get(file);
  if (byPid === undefined) byFile.set(file, (byPid = new Map()));
  let p = byPid.get(pid);
  if (p === undefined) {
    if (count >= MAX_PATHS) {
      for (const f of byRoot.values()) for (const m of f.values()) m.clear();
      count = 0;
    }
    p = `${procRoot}/${pid}/${file}`;
    byPid.set(pid, p);
    count++;
  }
  return p;
}
