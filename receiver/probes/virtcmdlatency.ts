// virtcmdlatency: latency of virtio-net control commands (node scope). No tracepoint covers the
// control queue; the helper tries fentry/fexit, then kprobe/kretprobe on
// virtnet_send_command_reply. Where neither works, or no virtio-net device has a control
// virtqueue, the probe is degraded and says exactly why.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import {
  VIRTCMDLATENCY_DURATION,
  VIRTCMDLATENCY_SLOW,
  VIRTCMDLATENCY_UNDELIVERED,
} from '../../semconv/generated/registry.js';
import type { MetricProbeModule, ProbeStatus } from './probe.js';
import { latencyOptionsSchema, latencyProbe, renderLatencyEvent } from './native-latency.js';
import { nativeOptionsSchema } from './native-options.js';

/** VIRTIO_NET_F_CTRL_VQ: the device has a control virtqueue (virtio spec, feature bit 17). */
const CTRL_VQ_BIT = 17;

/** The virtio-net interfaces of this host and whether each offers a control virtqueue. */
export function virtioNetControlQueues(sysRoot = '/sys'): { iface: string; ctrlVq: boolean }[] {
  const out: { iface: string; ctrlVq: boolean }[] = [];
  let ifaces: string[] = [];
  try {
    ifaces = readdirSync(`${sysRoot}/class/net`);
  } catch {
    return out;
  }
  for (const iface of ifaces) {
    try {
      const driver = readlinkSync(`${sysRoot}/class/net/${iface}/device/driver`);
      if (!driver.endsWith('/virtio_net')) continue;
      const features = readFileSync(`${sysRoot}/class/net/${iface}/device/features`, 'utf8').trim();
      out.push({ iface, ctrlVq: features[CTRL_VQ_BIT] === '1' });
    } catch {
      /* not a device-backed interface */
    }
  }
  return out;
}

export function explainVirtcmd(s: ProbeStatus, sysRoot = '/sys'): ProbeStatus {
  const devs = virtioNetControlQueues(sysRoot);
  const dev =
    devs.length === 0
      ? 'no virtio-net interface on this host'
      : devs.every((d) => !d.ctrlVq)
        ? `no control virtqueue on ${devs.map((d) => d.iface).join(', ')} (virtio feature bit 17 VIRTIO_NET_F_CTRL_VQ = 0), so the command path is never taken here`
        : `control virtqueue present on ${devs
            .filter((d) => d.ctrlVq)
            .map((d) => d.iface)
            .join(', ')}`;
  const kprobes = /kprobe[^;]*No such file or directory/.test(s.reason ?? '')
    ? ' kprobes are not available on this kernel (attach ENOENT: no kprobe support, CONFIG_KPROBES unset).'
    : '';
  return Object.assign({}, s, {
    reason:
      `${s.reason ?? 'not running'}.${kprobes} No tracepoint covers virtio-net control commands (virtnet_send_command is inline since Linux 6.11; virtnet_send_command_reply is the hook), ` +
      `so this probe needs BPF trampolines (fentry/fexit: CONFIG_DYNAMIC_FTRACE_WITH_DIRECT_CALLS and no lockdown/ftrace denial) or kprobes (CONFIG_KPROBES). Device: ${dev}.`,
  });
}

export const virtcmdlatency: MetricProbeModule = {
  name: 'virtcmdlatency',
  renderEvent: renderLatencyEvent,
  optionsSchema: latencyOptionsSchema(nativeOptionsSchema(false)),
  create: (env) =>
    latencyProbe(
      {
        name: 'virtcmdlatency',
        undelivered: VIRTCMDLATENCY_UNDELIVERED,
        series: [
          { metric: 'virtcmd', slow: VIRTCMDLATENCY_SLOW, duration: VIRTCMDLATENCY_DURATION, attributes: () => ({}) },
        ],
        explain: (s) => explainVirtcmd(s),
      },
      env,
    ),
};
