// /healthz is what the chart's liveness and readiness probes ask: 503 before the first cycle and
// when three intervals passed without one (docs/operations.md), 200 otherwise. Both 503s are caused
// for real: the first cycle waits (up to 5 s) for a Kubernetes API that is down, and a cycle stalls
// while the native helper is stopped (SIGSTOP) under the qdisc probe, which asks it per cycle.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { requireBpf, startAgentProcess, type AgentProcess } from '../support/agent.js';
import { waitUntil } from '../support/proc.js';
import { TestApiServer } from '../identity/apiserver.js';
import { writeConfig } from '../identity/helpers.js';
import { helperPid } from '../faults/support.js';

const health = async (a: AgentProcess): Promise<{ status: number; text: string } | undefined> => {
  try {
    return await a.get('/healthz');
  } catch {
    return undefined;
  }
};

describe('/healthz: 503 when no cycle finished yet or the last one is stale, 200 otherwise', function () {
  this.timeout(120_000);
  let agent: AgentProcess | undefined;
  let api: TestApiServer | undefined;
  const dirs: string[] = [];
  afterEach(async () => {
    await agent?.stop();
    agent = undefined;
  });
  after(async () => {
    await api?.dispose();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('before the first cycle (the Kubernetes API is down, so identity start waits): 503 "starting", then 200', async () => {
    api = new TestApiServer({});
    await api.start();
    const kubeconfig = api.kubeconfig();
    await api.stop(); // an outage from the start
    const cfg = writeConfig(
      `node_name: ksotel-h22-node\ninterval: 1s\nmetrics:\n  probes: [netdev]\nkubernetes:\n  kubeconfig: ${kubeconfig}\n`,
    );
    dirs.push(cfg.dir);
    agent = await startAgentProcess({ args: ['-c', cfg.file], waitHealthy: false });
    const a = agent;
    // The first answer the port gives: the agent listens before it starts collecting.
    const first = await waitUntil(() => health(a), 20_000, 'a first /healthz answer', 50);
    assert.equal(first.status, 503, first.text);
    assert.match(first.text, /^starting: no collection cycle has finished yet/);
    const ok = await waitUntil(
      async () => {
        const h = await health(a);
        return h?.status === 200 && h;
      },
      30_000,
      '/healthz 200 after the first cycle',
    );
    assert.match(ok.text, /^ok: cycle \d+, \d+ targets/);
  });

  it('a stalled cycle (the helper stopped while qdisc waits on it): 503 "stale" after three intervals, 200 once it resumes', async function () {
    requireBpf(this);
    const cfg = writeConfig('interval: 200ms\nmetrics:\n  probes: [netdev, qdisc]\n');
    dirs.push(cfg.dir);
    agent = await startAgentProcess({ args: ['-c', cfg.file] });
    const a = agent;
    const pid = await waitUntil(() => helperPid(a.pid), 20_000, 'the helper');
    await waitUntil(
      async () => JSON.parse((await a.get('/status')).text).probes.qdisc?.state === 'running',
      20_000,
      'qdisc running',
    );
    process.kill(pid, 'SIGSTOP');
    let stale: { status: number; text: string };
    try {
      stale = await waitUntil(
        async () => {
          const h = await health(a);
          return h?.status === 503 && h;
        },
        60_000,
        '/healthz 503',
        200,
      );
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    assert.match(stale.text, /^stale: last cycle \d+ s ago/);
    await waitUntil(async () => (await health(a))?.status === 200, 60_000, '/healthz 200 again');
  });
});
