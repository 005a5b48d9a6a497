// A metric probe driven the way the scheduler drives it, over test namespaces: one target per
// namespace (read through a process kept inside it, as the agent finds a pod's namespace through
// its processes) and collection cycles over a list of targets.
import { spawn, type ChildProcess } from 'node:child_process';
import { stat } from 'node:fs/promises';

import type { MetricProbe, MetricSample, ProbeContext } from '../../receiver/probes/probe.js';
import type { Target } from '../../receiver/targets/target.js';
import { killPid, waitUntil } from './proc.js';

/** Targets for named test namespaces; `dispose()` ends the kept processes (bounded: 900 s anyway). */
export class NamespaceTargets {
  private readonly keepers = new Map<string, ChildProcess>();

  /** The target of namespace `ns` (inode `inode`), once its kept process is inside it. */
  async target(ns: string, inode: number): Promise<Target> {
    let c = this.keepers.get(ns);
    if (!c) {
      c = spawn('ip', ['netns', 'exec', ns, 'sleep', '900'], { stdio: 'ignore' });
      this.keepers.set(ns, c);
    }
    const pid = c.pid!;
    await waitUntil(
      async () => (await stat(`/proc/${pid}/ns/net`).catch(() => undefined))?.ino === inode,
      5000,
      `a process in ${ns}`,
    );
    return { netnsInode: inode, pid, pids: [pid], kind: 'netns', netnsName: ns };
  }

  dispose(): void {
    for (const c of this.keepers.values()) killPid(c.pid, 'SIGKILL');
    this.keepers.clear();
  }
}

/** One collection cycle of the probe over the targets, as the scheduler runs it: samples by namespace inode. */
export async function cycle(
  probe: MetricProbe,
  ctx: ProbeContext,
  targets: readonly Target[],
): Promise<Map<number, MetricSample[]>> {
  await probe.beforeCycle!(ctx);
  const out = new Map<number, MetricSample[]>();
  for (const t of targets) out.set(t.netnsInode, [...(await probe.collect(t, ctx)).samples]);
  return out;
}
