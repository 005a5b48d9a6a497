// virtcmdlatency: no tracepoint covers virtio-net control commands, so the probe needs BPF
// trampolines (fentry/fexit) or kprobes on virtnet_send_command_reply. On this kernel fentry is
// refused at load (EPERM under lockdown), kprobes do not exist (CONFIG_KPROBES unset: attach
// ENOENT) and eth0 has no control virtqueue: the probe must say all of that, and the measurement
// test is skipped with that reason (test/allowed-skips.yaml). Where the kernel allows either variant
// it must run and measure commands the test causes.
import assert from 'node:assert/strict';

import { ensureHelperBuilt } from '../native/support.js';
import { skipBecause } from '../support/strict.js';
import { run, waitUntil } from '../support/proc.js';
import { collect, startSource, type Source } from './support.js';
import { METRIC_PROBES } from '../../receiver/probes/catalog.js';
import { virtioNetControlQueues } from '../../receiver/probes/virtcmdlatency.js';

describe('virtcmdlatency (fentry/fexit or kprobe/kretprobe on virtnet_send_command_reply)', function () {
  this.timeout(60_000);
  let s: Source | undefined;
  let reason = '';

  before(async () => {
    await ensureHelperBuilt();
    s = await startSource({ virtcmdlatency: {} });
    const st = await METRIC_PROBES.get('virtcmdlatency')!.create({ native: s.source }).start!({
      procRoot: '/proc',
      log: undefined as never,
      options: {},
    });
    reason = st.state === 'running' ? '' : (st.reason ?? '');
  });
  after(async () => {
    await s?.source.stop();
  });

  it('runs where the kernel allows a variant, else is degraded with the exact reason', () => {
    const hs = s!.source.helperStatus().probes.virtcmdlatency;
    if (hs.state === 'running') {
      assert.match(hs.variants ?? '', /fentry\/fexit on|kprobe\/kretprobe .* loaded/);
      return;
    }
    assert.equal(hs.state, 'degraded');
    // what the helper tried, in order, and why each failed
    assert.match(
      hs.variants ?? '',
      /fentry\/fexit on virtnet_send_command_reply refused by the kernel at load \((Operation not permitted), errno 1\)/,
    );
    assert.match(
      hs.variants ?? '',
      /kprobe\/kretprobe on virtnet_send_command_reply loaded/,
      'the kprobe variant is built and loads',
    );
    assert.equal(hs.stage, 'attach');
    assert.ok(
      hs.programs.length === 2 &&
        hs.programs.every((p) => p.section.startsWith('kprobe') || p.section.startsWith('kretprobe')),
    );
    assert.ok(
      hs.programs.every((p) => !p.ok && p.errno === 2),
      'no kprobe PMU: ENOENT',
    );
    // the probe's reason adds what no BPF load can tell: no tracepoint, and the device check
    assert.match(reason, /No tracepoint covers virtio-net control commands/);
    assert.match(reason, /CONFIG_KPROBES/);
    const devs = virtioNetControlQueues();
    for (const d of devs.filter((x) => !x.ctrlVq))
      assert.match(reason, new RegExp(`no control virtqueue on .*${d.iface}`));
    assert.match(reason, /Operation not permitted/);
  });

  it('measures control commands (skipped where the probe cannot run, with its reason)', async function () {
    if (reason) skipBecause(this, reason);
    // Running needs a virtio-net device with a control queue. Toggling allmulticast makes the
    // driver send VIRTIO_NET_CTRL_RX commands (from a workqueue, so wait for them) and changes no
    // traffic; the flag is restored in finally.
    const dev = virtioNetControlQueues().find((d) => d.ctrlVq);
    assert.ok(dev, 'the probe runs, so a virtio-net device with a control virtqueue exists');
    const was = (await run('ip', ['-j', 'link', 'show', 'dev', dev.iface], { timeoutMs: 5000 })).stdout.includes(
      'ALLMULTI',
    );
    let count = 0;
    try {
      for (const on of [!was, was]) {
        await run('ip', ['link', 'set', 'dev', dev.iface, 'allmulticast', on ? 'on' : 'off'], { timeoutMs: 5000 });
      }
      await waitUntil(
        async () => {
          const samples = await collect('virtcmdlatency', s!, { netnsInode: 0, kind: 'host' });
          count = samples.reduce(
            (a, x) => a + (typeof x.value === 'object' && 'count' in x.value ? x.value.count : 0),
            0,
          );
          return count >= 2;
        },
        10_000,
        'two control commands measured',
      );
    } finally {
      await run('ip', ['link', 'set', 'dev', dev.iface, 'allmulticast', was ? 'on' : 'off'], { timeoutMs: 5000 });
    }
    assert.ok(count >= 2, `control commands measured: ${count}`);
  });
});
