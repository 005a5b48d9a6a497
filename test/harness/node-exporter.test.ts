import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { cleanupAll, createNetns, createVethPair, sendUdp, type Netns } from '../support/netns.js';
import { nodeExporterVersion, startNodeExporter, type NodeExporter } from '../support/node-exporter.js';
import { sampleValue } from '../support/prom-text.js';
import { waitPidGone } from '../support/proc.js';

interface Dev {
  rxBytes: number;
  rxPackets: number;
  txBytes: number;
  txPackets: number;
}
function dev(text: string, iface: string): Dev {
  for (const line of text.split('\n')) {
    const [name, rest] = line.split(':');
    if (name?.trim() !== iface || !rest) continue;
    const f = rest.trim().split(/\s+/).map(Number);
    return { rxBytes: f[0]!, rxPackets: f[1]!, txBytes: f[8]!, txPackets: f[9]! };
  }
  throw new Error(`no ${iface}`);
}

describe('harness: node_exporter inside a test namespace', function () {
  this.timeout(60_000);
  let a: Netns;
  let b: Netns;
  let ne: NodeExporter | undefined;
  after(async () => {
    await ne?.stop();
    await cleanupAll();
  });

  it("is Debian's node_exporter 1.x", async () => {
    assert.match(await nodeExporterVersion(), /^node_exporter, version 1\.\d+\.\d+/);
  });

  it("reports the namespace's own lo and veth counters, equal to /proc/<pid>/net/dev", async () => {
    a = await createNetns({ label: 'nea' });
    b = await createNetns({ label: 'neb' });
    // Quiet links: no IPv6 (no DAD, router solicitations) so counters stay still between reads.
    for (const ns of [a, b])
      await ns.execOk('sysctl', [
        '-q',
        '-w',
        'net.ipv6.conf.all.disable_ipv6=1',
        'net.ipv6.conf.default.disable_ipv6=1',
      ]);
    const veth = await createVethPair(a, b);
    const u = await sendUdp(a, b, veth.addrB, { count: 20, size: 300, timeoutMs: 5000 });
    assert.equal(u.received, 20);
    const lo = await sendUdp(b, b, '127.0.0.1', { count: 10, size: 100, timeoutMs: 5000 });
    assert.equal(lo.received, 10);

    ne = await startNodeExporter(b);
    let matched = false;
    for (let attempt = 0; attempt < 10 && !matched; attempt++) {
      const before = await readFile(`/proc/${b.pid}/net/dev`, 'utf8');
      const r = await ne.scrape();
      const after = await readFile(`/proc/${b.pid}/net/dev`, 'utf8');
      assert.deepEqual(r.errors, []);
      const s = r.samples;
      const v0 = dev(before, veth.b);
      const v1 = dev(after, veth.b);
      const got: Dev = {
        rxBytes: sampleValue(s, 'node_network_receive_bytes_total', { device: veth.b }),
        rxPackets: sampleValue(s, 'node_network_receive_packets_total', { device: veth.b }),
        txBytes: sampleValue(s, 'node_network_transmit_bytes_total', { device: veth.b }),
        txPackets: sampleValue(s, 'node_network_transmit_packets_total', { device: veth.b }),
      };
      // Only b's own devices: lo and its veth end, never a's end or the host's.
      const devices = new Set(
        s.filter((x) => x.name === 'node_network_receive_bytes_total').map((x) => x.labels['device']),
      );
      assert.deepEqual([...devices].sort(), [veth.b, 'lo'].sort());
      assert.ok(got.rxPackets >= 20 && got.rxBytes >= 20 * 342);
      // lo carries the scrape itself, so its counters lie between the two reads.
      const l0 = dev(before, 'lo');
      const l1 = dev(after, 'lo');
      const loRx = sampleValue(s, 'node_network_receive_bytes_total', { device: 'lo' });
      assert.ok(loRx >= l0.rxBytes && loRx <= l1.rxBytes, `${l0.rxBytes} <= ${loRx} <= ${l1.rxBytes}`);
      assert.ok(l0.rxPackets >= 10);
      if (JSON.stringify(v0) !== JSON.stringify(v1)) continue; // the veth moved during the scrape: read again
      assert.deepEqual(got, v0);
      matched = true;
    }
    assert.ok(matched, 'veth counters never stood still across a scrape');

    // The other collectors are there too, read from b's own /proc/net files.
    const r = await ne.scrape();
    const snmp = await readFile(`/proc/${b.pid}/net/snmp`, 'utf8');
    const [hdr, val] = snmp.split('\n').filter((l) => l.startsWith('Udp:'));
    const inDg = Number(val!.split(/\s+/)[hdr!.split(/\s+/).indexOf('InDatagrams')]);
    assert.equal(sampleValue(r.samples, 'node_netstat_Udp_InDatagrams'), inDg);
    assert.ok(inDg >= 30);
    assert.ok(r.samples.some((x) => x.name === 'node_sockstat_sockets_used'));
    assert.ok(r.samples.some((x) => x.name.startsWith('node_softnet_')));
    assert.ok(
      r.samples.some((x) => x.name === 'node_scrape_collector_success' && x.labels['collector'] === 'conntrack'),
    );
    const use = await ne.usage();
    assert.ok(use.rssBytes > 1_000_000);

    const pid = ne.pid;
    await ne.stop();
    assert.ok(await waitPidGone(pid, 3000));
  });
});
