// Changing the helper's probe selection in place (what a config reload does), on the real helper:
// the diff is computed from the load commands; a kept probe keeps its programs (same ids) and its
// in-kernel counts; an added probe is loaded next to it; a removed one is unloaded (its programs
// leave the kernel); and a helper killed afterwards comes back with the CURRENT selection, not the
// one it was started with.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { diffProbeSelections, type HelperClient } from '../../receiver/native/index.js';
import { nativeSelection, probeCapabilities } from '../../receiver/agent.js';
import { SkippedRunsTally, needsHelper } from '../../receiver/events/native-source.js';
import { loadConfig } from '../../receiver/config/load.js';
import { deleteNs, ensureHelperBuilt, makePair, nodeIn, nsName, startClient, type NsPair, refuseN } from './support.js';
import { killPid, run, waitPidGone, waitUntil } from '../support/proc.js';

describe('native helper: probe selection changed in place', function () {
  describe('SkippedRunsTally (pure)', () => {
    it("keeps a program's skipped runs over its loads: a reload's program has a new id and counts from 0", () => {
      const prog = (name: string, id: number, misses: number) => ({
        name,
        id,
        runCount: 0,
        runTimeNs: 0,
        recursionMisses: misses,
      });
      const t = new SkippedRunsTally();
      t.absorb([{ probe: 'connections', programs: [prog('ks_conn_set_state', 10, 2), prog('ks_conn_exit', 11, 0)] }]);
      t.absorb([{ probe: 'connections', programs: [prog('ks_conn_set_state', 10, 5), prog('ks_conn_exit', 11, 1)] }]);
      // reloaded: new ids, counts from 0 again
      t.absorb([{ probe: 'connections', programs: [prog('ks_conn_set_state', 20, 0), prog('ks_conn_exit', 21, 0)] }]);
      t.absorb([{ probe: 'connections', programs: [prog('ks_conn_set_state', 20, 3), prog('ks_conn_exit', 21, 0)] }]);
      // the same program name under another probe is another series
      t.absorb([{ probe: 'tcpreset', programs: [prog('ks_conn_exit', 30, 4)] }]);
      assert.deepEqual(
        [...t.totals()].sort((a, b) => (a.probe + a.program).localeCompare(b.probe + b.program)),
        [
          { probe: 'connections', program: 'ks_conn_exit', runs: 1 },
          { probe: 'connections', program: 'ks_conn_set_state', runs: 8 },
          { probe: 'tcpreset', program: 'ks_conn_exit', runs: 4 },
        ],
      );
    });
  });

  describe('diffProbeSelections (pure)', () => {
    it('sorts probes into load, unload, reload and keep by their load command', () => {
      const d = diffProbeSelections(
        {
          tcpreset: { netnsRatePerSecond: 10, globalRatePerSecond: 100 },
          packetloss: {},
          socketlatency: { thresholdLowUs: 1000 },
        },
        // same options in another key order: same command, kept
        {
          tcpreset: { globalRatePerSecond: 100, netnsRatePerSecond: 10 },
          socketlatency: { thresholdLowUs: 2000 },
          tcpretrans: {},
        },
      );
      assert.deepEqual(d, {
        load: ['tcpretrans'],
        unload: ['packetloss'],
        reload: ['socketlatency'],
        keep: ['tcpreset'],
      });
      assert.deepEqual(diffProbeSelections({}, {}), { load: [], unload: [], reload: [], keep: [] });
      // an empty reason list is a change (it clears the helper's default list)
      assert.deepEqual(diffProbeSelections({ packetloss: {} }, { packetloss: { ignoreReasons: [] } }).reload, [
        'packetloss',
      ]);
    });

    it('rejects an invalid option of the new selection', () => {
      assert.throws(() => diffProbeSelections({}, { tcpreset: { netnsRatePerSecond: -1 } }), TypeError);
      assert.throws(() => diffProbeSelections({}, { packetloss: { ignoreReasons: ['a b'] } }), TypeError);
    });
  });

  describe('nativeSelection (what a config asks of the helper)', () => {
    let dir: string;
    before(() => {
      dir = mkdtempSync(join(tmpdir(), 'ksotel-natsel-'));
    });
    after(() => rmSync(dir, { recursive: true, force: true }));
    const sel = (text: string, mode?: string): ReturnType<typeof nativeSelection> => {
      const file = join(dir, 'c.yaml');
      writeFileSync(file, text);
      return nativeSelection(
        loadConfig({
          file,
          env: {},
          flags: mode ? ({ mode } as Record<string, string>) : {},
          probes: probeCapabilities(),
        }),
      );
    };

    it('eBPF probes under events emit events, under metrics only count; options reach the helper', () => {
      const s = sel(
        `metrics:\n  probes: [netdev, { name: socketlatency, options: { threshold_low_ms: 2 } }]\nevents:\n  probes: [tcpreset]\n`,
      );
      assert.deepEqual(Object.keys(s.probes).sort(), ['socketlatency', 'tcpreset']);
      assert.equal(s.probes.socketlatency?.thresholdLowUs, 2000);
      assert.deepEqual([...s.emitEventsOf], ['tcpreset']);
      assert.equal(s.helperCommands, false);
      assert.ok(needsHelper(s));
    });

    it('tcpsummary alone needs the helper for its commands; netdev alone needs nothing', () => {
      const t = sel('metrics:\n  probes: [tcpsummary]\n');
      assert.deepEqual(t.probes, {});
      assert.ok(t.helperCommands && needsHelper(t));
      assert.ok(!needsHelper(sel('metrics:\n  probes: [netdev]\n')));
    });

    it('sidecar mode: no eBPF at all', () => {
      const s = sel('metrics:\n  probes: [netdev, tcpsummary]\nevents:\n  probes: [tcpreset]\n', 'sidecar');
      assert.deepEqual(s.probes, {});
      assert.ok(!needsHelper(s));
    });
  });

  describe('on the real helper', function () {
    this.timeout(60_000);
    let p: NsPair;
    let client: HelperClient | undefined;

    before(async () => {
      await ensureHelperBuilt();
      p = await makePair('reconf', 16, { ipv6: false });
    });
    after(async () => {
      await client?.stop();
      await deleteNs(nsName('reconf-a'), nsName('reconf-b'));
    });

    it('adds and removes probes next to a kept one, and a restarted helper loads the current selection', async () => {
      const h = await startClient({ probes: { tcpreset: {} }, restart: { initialDelayMs: 100 } });
      client = h.client;
      await nodeIn(p.a, refuseN(p.b4, 7, 3));
      const progIds = async (): Promise<Map<string, number[]>> =>
        new Map((await h.client.dumpCounters()).probes.map((x) => [x.probe, x.programs.map((g) => g.id)]));
      const nosock = async (): Promise<number | undefined> =>
        (await h.client.dumpCounters()).events.find(
          (c) => c.probe === 'tcpreset' && c.netnsInode === p.bInode && c.key === 'NOSOCK',
        )?.count;
      assert.equal(await nosock(), 3);
      const before = await progIds();

      const d1 = await h.client.setProbes({ tcpreset: {}, packetloss: {} });
      assert.deepEqual(d1, { load: ['packetloss'], unload: [], reload: [], keep: ['tcpreset'] });
      let st = h.client.status();
      assert.equal(st.probes.packetloss.state, 'running', st.probes.packetloss.reason);
      const mid = await progIds();
      assert.deepEqual(mid.get('tcpreset'), before.get('tcpreset'), 'tcpreset not reloaded');
      assert.equal(await nosock(), 3, 'tcpreset counts kept');
      await nodeIn(p.a, refuseN(p.b4, 7, 2));
      assert.equal(await nosock(), 5);
      const dump = await h.client.dumpCounters();
      assert.ok(
        (dump.events.find((c) => c.probe === 'packetloss' && c.netnsInode === p.bInode && c.key === 'NO_SOCKET')
          ?.count ?? 0) >= 2,
      );

      const d2 = await h.client.setProbes({ packetloss: {} });
      assert.deepEqual(d2.unload, ['tcpreset']);
      st = h.client.status();
      assert.equal(st.probes.tcpreset.state, 'stopped');
      assert.equal(st.probes.tcpreset.reason, 'not enabled');
      for (const id of before.get('tcpreset')!) {
        await waitUntil(
          async () => (await run('bpftool', ['prog', 'show', 'id', String(id)])).code !== 0,
          5000,
          `tcpreset prog ${id} freed`,
        );
      }
      assert.deepEqual([...(await progIds()).keys()], ['packetloss']);
      assert.deepEqual(h.client.selection(), { packetloss: {} });

      // a crash now: the new helper loads packetloss only
      const pid = st.pid!;
      killPid(pid, 'SIGKILL');
      await waitPidGone(pid, 5000);
      st = await waitUntil(
        () => {
          const s = h.client.status();
          return s.generation === 2 && s.state === 'running' ? s : undefined;
        },
        15_000,
        'restarted',
      );
      assert.equal(st.probes.packetloss.state, 'running');
      assert.equal(st.probes.tcpreset.state, 'stopped');
      assert.deepEqual([...(await progIds()).keys()], ['packetloss']);
    });
  });
});
