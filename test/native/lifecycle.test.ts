// Helper lifecycle on the real kernel: a SIGKILLed helper is restarted and its probes recover;
// a probe whose program cannot load is degraded alone; repeated crashes end in a degraded
// status instead of a restart loop; a missing binary is reported, not retried.
import assert from 'node:assert/strict';

import { HelperClient, type HelperStatus } from '../../receiver/native/index.js';
import {
  deleteNs,
  nsName,
  ensureHelperBuilt,
  makePair,
  nodeIn,
  startClient,
  type Harness,
  type NsPair,
  refuseN,
} from './support.js';
import { killPid, waitPidGone, waitUntil } from '../support/proc.js';

describe('native helper lifecycle (real BPF)', function () {
  this.timeout(60_000);
  let p: NsPair;
  const clients: HelperClient[] = [];

  before(async () => {
    await ensureHelperBuilt();
    p = await makePair('life', 13, { ipv6: false });
  });
  after(async () => {
    for (const c of clients) await c.stop();
    await deleteNs(nsName('life-a'), nsName('life-b'));
  });

  const track = (h: Harness): Harness => {
    clients.push(h.client);
    return h;
  };

  it('a helper SIGKILLed mid-stream is restarted and the probe delivers again', async () => {
    const h = track(
      await startClient({
        probes: { tcpreset: { netnsRatePerSecond: 'unlimited', globalRatePerSecond: 'unlimited' } },
        restart: { initialDelayMs: 100 },
      }),
    );
    const first = h.client.status();
    assert.equal(first.generation, 1);
    const pid = first.pid!;
    // resets keep coming while the helper dies
    const traffic = nodeIn(p.a, refuseN(p.b4, 7, 400));
    await waitUntil(() => h.events.some((e) => e.netnsInode === p.bInode), 10_000, 'first events');
    killPid(pid, 'SIGKILL');
    await waitPidGone(pid, 5000);
    const st = await waitUntil(
      () => {
        const s = h.client.status();
        return s.generation === 2 && s.state === 'running' && s.probes.tcpreset.state === 'running' ? s : undefined;
      },
      15_000,
      'restarted helper running',
    );
    assert.notEqual(st.pid, pid);
    assert.equal(st.crashesInWindow, 1);
    await traffic;
    h.events.length = 0;
    await nodeIn(p.a, refuseN(p.b4, 7, 3));
    const d = await h.client.dumpCounters();
    assert.equal(d.generation, 2);
    assert.equal(
      h.events.filter((e) => e.type === 'tcp_reset' && e.kind === 'NOSOCK' && e.netnsInode === p.bInode).length,
      3,
    );
    // the new generation's kernel counters started from zero
    const nosock = d.events.find((c) => c.probe === 'tcpreset' && c.netnsInode === p.bInode && c.key === 'NOSOCK');
    assert.ok(nosock && nosock.count >= 3 && nosock.count <= 403, JSON.stringify(nosock));
  });

  it('a probe whose program fails to load is degraded alone, with the reason', async () => {
    const h = track(
      await startClient({ probes: { tcpreset: { testAttachTarget: 'ksotel_no_such_hook' }, packetloss: {} } }),
    );
    const st = h.client.status();
    assert.equal(st.state, 'running');
    assert.equal(st.probes.tcpreset.state, 'degraded');
    assert.match(st.probes.tcpreset.reason, /ksotel_no_such_hook/);
    assert.ok(st.probes.tcpreset.errno > 0);
    assert.equal(st.probes.packetloss.state, 'running', st.probes.packetloss.reason);
    assert.equal(st.probes.tcpretrans.state, 'stopped');
    await nodeIn(p.a, refuseN(p.b4, 7, 2)); // NOSOCK drops in b still reach packetloss
    const d = await h.client.dumpCounters();
    assert.ok(d.events.some((c) => c.probe === 'packetloss' && c.netnsInode === p.bInode && c.key === 'NO_SOCKET'));
    assert.equal(d.probes.length, 1);
  });

  it('after maxCrashes crashes within the window the client reports degraded and stops restarting', async () => {
    const h = track(
      await startClient({
        probes: { tcpretrans: {} },
        restart: { initialDelayMs: 50, maxCrashes: 2, windowMs: 60_000 },
      }),
    );
    const statuses: HelperStatus[] = [];
    h.client.on('status', (s) => statuses.push(s));
    for (let i = 1; i <= 2; i++) {
      const st = await waitUntil(
        () => {
          const s = h.client.status();
          return s.state === 'running' && s.generation === i ? s : undefined;
        },
        10_000,
        `generation ${i}`,
      );
      killPid(st.pid, 'SIGKILL');
      await waitPidGone(st.pid!, 5000);
    }
    const final = await waitUntil(
      () => {
        const s = h.client.status();
        return s.state === 'degraded' ? s : undefined;
      },
      10_000,
      'degraded',
    );
    assert.match(final.reason, /crashed 2 times within 60 s; not restarting \(last: killed by SIGKILL/);
    assert.equal(final.probes.tcpretrans.state, 'degraded');
    assert.equal(final.generation, 2);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(h.client.status().generation, 2, 'no further restart');
    await assert.rejects(h.client.dumpCounters(), /not running/);
    assert.ok(statuses.some((s) => s.state === 'restarting'));
  });

  it('a missing helper binary gives a degraded status naming the path, without a restart loop', async () => {
    const c = new HelperClient({ probes: { tcpreset: {} }, helperPath: '/nonexistent/kubeskoop-bpf-helper' });
    clients.push(c);
    await c.start();
    const st = c.status();
    assert.equal(st.state, 'degraded');
    assert.match(st.reason, /\/nonexistent\/kubeskoop-bpf-helper: ENOENT/);
    assert.equal(st.probes.tcpreset.state, 'degraded');
  });

  it('stop() detaches everything: the helper exits and its BPF programs are gone', async () => {
    const h = track(await startClient({ probes: { tcpreset: {}, packetloss: {}, tcpretrans: {} } }));
    const d = await h.client.dumpCounters();
    const ids = d.probes.flatMap((x) => x.programs.map((g) => g.id));
    assert.equal(ids.length, 4);
    const pid = h.client.status().pid!;
    await h.client.stop();
    assert.ok(await waitPidGone(pid, 3000));
    assert.equal(h.client.status().state, 'stopped');
    const { run } = await import('../support/proc.js');
    for (const id of ids) {
      // programs are freed once their last fd and link are gone (RCU: allow a moment)
      await waitUntil(
        async () => (await run('bpftool', ['prog', 'show', 'id', String(id)])).code !== 0,
        5000,
        `prog ${id} freed`,
      );
    }
  });
});
