// Namespace churn, as root: 200 kubelet-like pods created and deleted (10 alive at a time) while the
// agent runs against a real list/watch server. Afterwards no series, cache entry or file descriptor
// of a deleted pod may remain; a namespace inode the kernel hands to a new pod must carry the new
// pod's identity, never the old one's. The figures are printed for the report.
import { strict as assert } from 'node:assert';
import { rmSync } from 'node:fs';
import { cleanupAll, createPod, type TestPod } from '../support/netns.js';
import { startAgentProcess, type AgentProcess } from '../support/agent.js';
import { procUsage, sleep, waitUntil } from '../support/proc.js';
import { TestApiServer } from './apiserver.js';
import { NODE, fdCounts, identityByInode, samplesOf, writeConfig } from './helpers.js';

const TOTAL = 200;
const WINDOW = 10;
const INTERVAL_MS = 500;

describe('identity churn (root): 200 pods created and deleted while the agent runs', function () {
  this.timeout(300_000);
  let api: TestApiServer;
  let agent: AgentProcess | undefined;
  let cfgDir: string | undefined;
  const live: TestPod[] = [];

  before(async () => {
    api = new TestApiServer({ bookmarkIntervalMs: 1000 });
    await api.start();
    const cfg = writeConfig(
      [
        `node_name: ${NODE}`,
        `interval: ${INTERVAL_MS}ms`,
        'metrics:',
        '  probes: [netdev]',
        'kubernetes:',
        `  kubeconfig: ${api.kubeconfig()}`,
        '',
      ].join('\n'),
    );
    cfgDir = cfg.dir;
    agent = await startAgentProcess({ args: ['-c', cfg.file] });
  });

  after(async () => {
    await agent?.stop();
    for (const p of live) await p.dispose().catch(() => undefined);
    await api?.dispose();
    await cleanupAll();
    if (cfgDir) rmSync(cfgDir, { recursive: true, force: true });
  });

  it('leaves no series, cache entries or fds of deleted pods, and never shows an old identity on a reused inode', async () => {
    const status = async (): Promise<any> => JSON.parse((await agent!.get('/status')).text);
    const metrics = async (): Promise<string> => (await agent!.get('/metrics')).text;
    await waitUntil(async () => (await status()).lastCycle.cycle >= 3, 10_000, 'three cycles');
    const fd0 = fdCounts(agent!.pid);
    const st0 = await status();
    const rss0 = (await procUsage(agent!.pid)).rssBytes;
    const uids = new Set<string>();
    const usedInodes = new Set<number>();
    let reusedInodes = 0;
    const seenNamed = new Set<string>();
    let wrongIdentity = 0;
    let maxCachedPods = 0;
    /** When each pod's namespace was certainly gone (its dispose had finished). */
    const goneAt = new Map<string, number>();
    let samples = 0;
    const sample = async (): Promise<void> => {
      // /metrics shows the last cycle's snapshot: read it between two /status reads of the same cycle,
      // so the identity seen can be judged against what lived while that cycle ran.
      for (let attempt = 0; attempt < 5; attempt++) {
        const a = await status();
        const text = await metrics();
        const b = await status();
        maxCachedPods = Math.max(maxCachedPods, b.identity.kubernetes.pods);
        if (a.lastCycle.cycle !== b.lastCycle.cycle) continue;
        const cycleStart = Date.parse(b.lastCycle.at) - b.lastCycle.durationMs;
        samples++;
        const ids = identityByInode(samplesOf(text));
        for (const p of live) {
          const id = ids.get(String(p.netns.inode));
          if (!id || id.k8s_pod_uid === undefined) continue;
          if (id.k8s_pod_uid === p.cgroup!.podUid) {
            if (id.k8s_pod_name !== undefined) seenNamed.add(p.cgroup!.podUid);
            continue;
          }
          // Another pod's identity on this inode: fine only if that pod still lived when the cycle began.
          const gone = goneAt.get(id.k8s_pod_uid);
          if (gone !== undefined && gone < cycleStart) wrongIdentity++;
        }
        return;
      }
    };
    const remove = async (p: TestPod): Promise<void> => {
      api.deletePod('churn', `pod-${p.cgroup!.podUid.slice(0, 8)}`);
      await p.dispose();
      goneAt.set(p.cgroup!.podUid, Date.now());
    };
    const started = Date.now();
    for (let i = 0; i < TOTAL && Date.now() - started < 200_000; i++) {
      const p = await createPod({
        label: `churn${i}`,
        veth: false,
        cgroup: { qos: i % 3 === 0 ? 'guaranteed' : i % 3 === 1 ? 'burstable' : 'besteffort' },
      });
      live.push(p);
      uids.add(p.cgroup!.podUid);
      if (usedInodes.has(p.netns.inode)) reusedInodes++;
      usedInodes.add(p.netns.inode);
      api.upsertPod({
        name: `pod-${p.cgroup!.podUid.slice(0, 8)}`,
        namespace: 'churn',
        uid: p.cgroup!.podUid,
        nodeName: NODE,
        containers: { app: p.cgroup!.containerId },
      });
      if (i % 5 === 4) await sample();
      if (live.length >= WINDOW) await remove(live.shift()!);
    }
    assert.equal(uids.size, TOTAL, `created ${uids.size} pods within the time bound`);
    await sample();
    // Delete the rest, and time how long their series take to go.
    while (live.length > 0) await remove(live.shift()!);
    const lastDeleted = Date.now();
    const cycleAtDelete = (await status()).lastCycle.cycle;
    const gone = await waitUntil(
      async () => {
        const text = await metrics();
        return [...uids].every((u) => !text.includes(u)) ? Date.now() : undefined;
      },
      10_000,
      'every deleted pod’s series gone',
      20,
    );
    const goneMs = gone - lastDeleted;
    // Load-independent: the first cycle that started after the deletions (the running one may have
    // begun before) must not report them.
    await waitUntil(async () => (await status()).lastCycle.cycle >= cycleAtDelete + 2, 20_000, 'two more cycles');
    const textAfterNextCycle = await metrics();
    const stillThere = [...uids].filter((u) => textAfterNextCycle.includes(u)).length;
    await sleep(3 * INTERVAL_MS);
    const text = await metrics();
    const st1 = await status();
    const fd1 = fdCounts(agent!.pid);
    const rss1 = (await procUsage(agent!.pid)).rssBytes;
    const leftover = [...uids].filter((u) => text.includes(u));
    // Other pods on the machine (not this test's) may exist: count only this test's, and check /status
    // agrees with /metrics about how many pod namespaces there are.
    const podSamples = samplesOf(text).filter((s) => s.labels.kubeskoop_target_kind === 'pod');
    const podSeries = podSamples.filter((s) => uids.has(s.labels.k8s_pod_uid ?? '')).length;
    const podInodesOnMetrics = new Set(podSamples.map((s) => s.labels.kubeskoop_netns_inode)).size;
    const figures = {
      created: uids.size,
      reusedInodes,
      samples,
      namedWhileAlive: seenNamed.size,
      wrongIdentity,
      maxCachedPods,
      seriesGoneAfterLastDeleteMs: goneMs,
      presentAfterNextFullCycle: stillThere,
      leftoverUids: leftover.length,
      podSeriesAfter: podSeries,
      fdsBefore: fd0.total,
      fdsAfter: fd1.total,
      netnsFdsAfter: fd1.netns,
      liveProcessFdsBefore: fd0.ofLiveProcesses,
      liveProcessFdsAfter: fd1.ofLiveProcesses,
      goneProcessFdsAfter: fd1.ofGoneProcesses,
      socketFdsBefore: fd0.sockets,
      socketFdsAfter: fd1.sockets,
      cachedPodsBefore: st0.identity.kubernetes.pods,
      cachedPodsAfter: st1.identity.kubernetes.pods,
      identityEntriesBefore: st0.identity.cacheEntries,
      identityEntriesAfter: st1.identity.cacheEntries,
      targetsAfter: st1.lastCycle.targets.total,
      rssBeforeMiB: Math.round(rss0 / 2 ** 20),
      rssAfterMiB: Math.round(rss1 / 2 ** 20),
      cycles: st1.lastCycle.cycle,
    };
    console.log(`      churn figures: ${JSON.stringify(figures)}`);
    assert.equal(leftover.length, 0, 'no series of a deleted pod');
    assert.equal(podSeries, 0, 'no pod series of this test once every pod is gone');
    assert.equal(wrongIdentity, 0, 'a reused inode never showed the previous pod’s identity');
    assert.ok(seenNamed.size >= TOTAL / 4, `the agent named ${seenNamed.size} of the pods while they lived`);
    assert.ok(
      maxCachedPods > 0 && maxCachedPods <= WINDOW + 1,
      `the API cache held at most the live pods (${maxCachedPods})`,
    );
    assert.equal(st1.identity.kubernetes.pods, 0, 'API cache empty: every deleted pod freed');
    assert.equal(st1.identity.cacheEntries, st1.lastCycle.targets.total, 'identity keeps one entry per live namespace');
    assert.equal(st1.identity.targets.pod, podInodesOnMetrics, 'pod targets in /status = pod namespaces on /metrics');
    assert.equal(stillThere, 0, 'gone from the first full cycle after the deletion');
    assert.equal(fd1.netns, 0, 'no namespace fd held');
    assert.equal(fd1.ofGoneProcesses, 0, 'no procfs file of a process that is gone');
    // the kept files of the machine's live processes follow their number, which other work changes
    const own = (f: typeof fd0): number => f.total - f.ofLiveProcesses;
    assert.ok(
      own(fd1) <= own(fd0) + 6,
      `fds ${fd0.total} → ${fd1.total}, ${own(fd0)} → ${own(fd1)} besides live processes' files`,
    );
  });
});
