import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { parseNetDev } from '../../receiver/probes/parsers/net-dev.js';
import { netdevSamples } from '../../receiver/probes/netdev.js';
import {
  NETDEV_IO,
  NETDEV_PACKET_COUNT,
  NETDEV_ERRORS,
  NETDEV_PACKET_DROPPED,
} from '../../semconv/generated/registry.js';
import { packageRoot } from '../../receiver/version.js';

const fixture = (name: string): string => readFileSync(join(packageRoot(), 'test', 'fixtures', 'proc', name), 'latin1');

describe('netdev: /proc/<pid>/net/dev', () => {
  it('parses a real file from this kernel', () => {
    const { interfaces, problems } = parseNetDev(fixture('netdev-host.txt'));
    assert.deepEqual(problems, []);
    assert.deepEqual(
      interfaces.map((i) => i.interfaceName),
      ['lo', 'ifb0', 'ifb1', 'eth0'],
    );
    const eth0 = interfaces[3];
    assert.deepEqual(eth0.receive, { bytes: 301593108, packets: 7443, errors: 0, dropped: 0 });
    assert.deepEqual(eth0.transmit, { bytes: 523666, packets: 4625, errors: 0, dropped: 0 });
  });

  it('reads errs and drop from their own columns', () => {
    const text = 'h|\n h|\n  v1: 10 20 3 4 5 6 7 8 90 100 11 12 13 14 15 16\n';
    const [v1] = parseNetDev(text).interfaces;
    assert.deepEqual(v1.receive, { bytes: 10, packets: 20, errors: 3, dropped: 4 });
    assert.deepEqual(v1.transmit, { bytes: 90, packets: 100, errors: 11, dropped: 12 });
  });

  it('turns rx/tx into the network.io.direction attribute, one series per interface', () => {
    const { samples, problems } = netdevSamples(fixture('netdev-host.txt'), 'host');
    assert.deepEqual(problems, []);
    assert.equal(samples.length, 4 * 2 * 4);
    const rx = samples.find(
      (s) =>
        s.metric === NETDEV_IO.host &&
        s.attributes['network.interface.name'] === 'eth0' &&
        s.attributes['network.io.direction'] === 'receive',
    );
    assert.equal(rx?.value, 301593108);
    // semconv keys the host's packet.count by system.device.name
    const pk = samples.find(
      (s) =>
        s.metric === NETDEV_PACKET_COUNT.host &&
        s.attributes['system.device.name'] === 'lo' &&
        s.attributes['network.io.direction'] === 'transmit',
    );
    assert.equal(pk?.value, 14375);
    assert.ok(samples.some((s) => s.metric === NETDEV_ERRORS.host));
    assert.ok(samples.some((s) => s.metric === NETDEV_PACKET_DROPPED.host));
  });

  it('names follow the target (NAMING.md rule 6): system.* for the host, k8s.pod.* for a pod, kubeskoop.network.* otherwise', () => {
    const names = (kind: 'host' | 'pod' | 'netns'): string[] =>
      [...new Set(netdevSamples(fixture('netdev-host.txt'), kind).samples.map((s) => s.metric.name))].sort();
    assert.deepEqual(names('host'), [
      'system.network.errors',
      'system.network.io',
      'system.network.packet.count',
      'system.network.packet.dropped',
    ]);
    assert.deepEqual(names('pod'), [
      'k8s.pod.network.errors',
      'k8s.pod.network.io',
      'kubeskoop.network.packet.count',
      'kubeskoop.network.packet.dropped',
    ]);
    assert.deepEqual(names('netns'), [
      'kubeskoop.network.errors',
      'kubeskoop.network.io',
      'kubeskoop.network.packet.count',
      'kubeskoop.network.packet.dropped',
    ]);
    // Outside the host, packets are keyed by network.interface.name like the rest; the same values whatever the name.
    const pod = netdevSamples(fixture('netdev-host.txt'), 'pod').samples;
    const host = netdevSamples(fixture('netdev-host.txt'), 'host').samples;
    const pk = pod.find(
      (s) =>
        s.metric.name === 'kubeskoop.network.packet.count' &&
        s.attributes['network.interface.name'] === 'lo' &&
        s.attributes['network.io.direction'] === 'transmit',
    );
    assert.equal(pk?.value, 14375);
    assert.deepEqual(
      pod.map((s) => s.value),
      host.map((s) => s.value),
    );
  });

  it('reports malformed lines and keeps the good ones', () => {
    const text = `${fixture('netdev-host.txt')}  bad0: 1 2 x 4\n  nocolon 1 2 3\n`;
    const { interfaces, problems } = parseNetDev(text);
    assert.equal(interfaces.length, 4);
    assert.equal(problems.length, 2);
    assert.match(problems[0], /line 7 \(bad0\): 4 columns, expected 16/);
    assert.match(problems[1], /line 8: no "interface:" prefix/);
    assert.deepEqual(parseNetDev('').problems, ['missing the two header lines of /proc/net/dev']);
  });

  it('never throws and accounts for every line (fast-check, 20k cases)', () => {
    const line = fc.oneof(
      fc.string(),
      fc
        .tuple(
          fc.stringMatching(/^[a-z0-9.@-]{0,15}$/),
          fc.array(fc.oneof(fc.nat().map(String), fc.string({ maxLength: 4 })), { maxLength: 20 }),
        )
        .map(([n, cols]) => `  ${n}: ${cols.join(' ')}`),
    );
    fc.assert(
      fc.property(fc.array(line, { maxLength: 12 }), (lines) => {
        const text = ['Inter-|', ' face |', ...lines].join('\n');
        const r = parseNetDev(text);
        const nonEmpty = lines.filter((l) => l.trim() !== '').length;
        assert.ok(r.interfaces.length + r.problems.length >= nonEmpty);
        for (const i of r.interfaces)
          for (const d of [i.receive, i.transmit])
            for (const v of Object.values(d)) assert.ok(Number.isSafeInteger(v) || Number.isFinite(v));
      }),
      { numRuns: 20_000 },
    );
  });
});
