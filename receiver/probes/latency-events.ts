// Latency records of the eBPF latency probes → registry-named EventRecords (KubeSkoop's types).
import type { LatencyEvent } from '../native/index.js';
import type { LatencyMetric } from '../native/generated/ebpf.js';
import {
  ATTR_CPU_LOGICAL_NUMBER,
  ATTR_KUBESKOOP_BLOCK_OPERATION,
  ATTR_KUBESKOOP_EVENT_TYPE,
  ATTR_KUBESKOOP_LATENCY_DURATION,
  ATTR_KUBESKOOP_LATENCY_THRESHOLD,
  ATTR_KUBESKOOP_NETIF_TX_STAGE,
  ATTR_KUBESKOOP_SOFTIRQ_PHASE,
  ATTR_KUBESKOOP_SOFTIRQ_TYPE,
  ATTR_NETWORK_INTERFACE_NAME,
  ATTR_NETWORK_IO_DIRECTION,
  ATTR_NETWORK_TRANSPORT,
  ATTR_PROCESS_EXECUTABLE_NAME,
  ATTR_PROCESS_PID,
  ATTR_SYSTEM_DEVICE_NAME,
  EVENT_BIOLATENCY_SLOW,
  EVENT_KERNELLATENCY_SLOW,
  EVENT_NET_SOFTIRQ_SLOW,
  EVENT_NETIFTXLATENCY_SLOW,
  EVENT_SOCKETLATENCY_SLOW,
  EVENT_VIRTCMDLATENCY_SLOW,
} from '../../semconv/generated/registry.js';
import type { EventDefinition } from '../../semconv/types.js';
import type { EventAttributeValue, EventRecord } from './event-record.js';
import { flowText, tupleAttributes } from './tuple.js';
import { blockDeviceName, blockOperationName } from '../kernel/block.js';
import { softirqName } from '../kernel/softirq.js';
import { humanDuration, seconds } from '../kernel/units.js';

function processAttributes(e: LatencyEvent): Record<string, EventAttributeValue> {
  const a: Record<string, EventAttributeValue> = {};
  if (e.pid > 0) a[ATTR_PROCESS_PID] = e.pid;
  if (e.comm) a[ATTR_PROCESS_EXECUTABLE_NAME] = e.comm;
  return a;
}

const who = (e: LatencyEvent): string => (e.pid > 0 ? `${e.comm || '?'} (pid ${e.pid})` : 'unknown process');

/** Span names of the latency intervals a trace backend can search (probes with `spans: true`). */
export const LATENCY_SPAN_NAMES: Partial<Record<LatencyMetric, string>> = {
  sock_read: 'kubeskoop.socket.read.wait',
  qdisc: 'kubeskoop.netif.tx.qdisc',
  netdev: 'kubeskoop.netif.tx.driver',
  bio: 'kubeskoop.block.io',
};

function record(
  def: EventDefinition,
  type: string,
  e: LatencyEvent,
  body: string,
  attrs: Record<string, EventAttributeValue>,
): EventRecord {
  const spanName = LATENCY_SPAN_NAMES[e.metric];
  return {
    eventName: def.name,
    type,
    severity: def.severity,
    timeUnixNano: e.timeUnixNano,
    body,
    // The kernel stamps the record when the interval ends; it began latencyNs before.
    ...(spanName !== undefined
      ? { span: { name: spanName, startUnixNano: e.timeUnixNano - BigInt(Math.round(e.latencyNs)) } }
      : {}),
    attributes: {
      [ATTR_KUBESKOOP_EVENT_TYPE]: type,
      [ATTR_KUBESKOOP_LATENCY_DURATION]: seconds(e.latencyNs),
      [ATTR_KUBESKOOP_LATENCY_THRESHOLD]: seconds(e.thresholdNs),
      ...attrs,
    },
  };
}

/** Latency record → EventRecord (every latency probe's renderEvent). Total: every metric has a case. */
export function latencyEventRecord(e: LatencyEvent): EventRecord {
  const lat = humanDuration(e.latencyNs);
  const thr = humanDuration(e.thresholdNs);
  const high = e.level >= 2;
  switch (e.metric) {
    case 'sock_read':
      return record(
        EVENT_SOCKETLATENCY_SLOW,
        'SOCKETLAT_READSLOW',
        e,
        `Socket read delayed ${lat} (> ${thr}): received data waited until ${who(e)} read it (${flowText(e.tuple)})`,
        Object.assign({}, tupleAttributes(e.tuple), { [ATTR_NETWORK_TRANSPORT]: 'tcp' }, processAttributes(e)),
      );
    case 'sock_write':
      return record(
        EVENT_SOCKETLATENCY_SLOW,
        'SOCKETLAT_SENDSLOW',
        e,
        `Socket send delayed ${lat} (> ${thr}): data written by ${who(e)} reached the device late (${flowText(e.tuple)})`,
        Object.assign({}, tupleAttributes(e.tuple), { [ATTR_NETWORK_TRANSPORT]: 'tcp' }, processAttributes(e)),
      );
    case 'kernel_rx':
    case 'kernel_tx': {
      const rx = e.metric === 'kernel_rx';
      return record(
        EVENT_KERNELLATENCY_SLOW,
        rx ? 'RXKERNEL_SLOW' : 'TXKERNEL_SLOW',
        e,
        `Kernel ${rx ? 'receive' : 'transmit'} path took ${lat} (> ${thr}) for a packet (${flowText(e.tuple)}; ${rx ? 'device receive → socket' : 'TCP transmit → device queue'}: ${lat})`,
        {
          [ATTR_NETWORK_IO_DIRECTION]: rx ? 'receive' : 'transmit',
          ...tupleAttributes(e.tuple),
          ...processAttributes(e),
        },
      );
    }
    case 'qdisc':
    case 'netdev': {
      const q = e.metric === 'qdisc';
      return record(
        EVENT_NETIFTXLATENCY_SLOW,
        q ? 'TXLAT_QDISC_100MS' : 'TXLAT_NETDEV_100MS',
        e,
        `Packet waited ${lat} (> ${thr}) in the ${q ? 'qdisc' : 'driver'} of ${e.comm || `ifindex ${e.aux}`} (${flowText(e.tuple)}; qdisc ${humanDuration(e.stageNs[0])}${q ? '' : `, driver ${humanDuration(e.stageNs[1])}`})`,
        {
          [ATTR_KUBESKOOP_NETIF_TX_STAGE]: q ? 'qdisc' : 'driver',
          ...(e.comm ? { [ATTR_NETWORK_INTERFACE_NAME]: e.comm } : {}),
          ...tupleAttributes(e.tuple),
        },
      );
    }
    case 'softirq_sched':
    case 'softirq_exec': {
      const sched = e.metric === 'softirq_sched';
      const type = `NETSOFTIRQ_${sched ? 'SCHED' : 'EXCUTE'}_${high ? '100MS' : 'SLOW'}`;
      return record(
        EVENT_NET_SOFTIRQ_SLOW,
        type,
        e,
        `${softirqName(e.sub)} softirq on CPU ${e.aux} ${sched ? 'waited' : 'ran'} ${lat} (> ${thr})${sched ? ' before running' : ''}; ${who(e)} was on the CPU`,
        {
          [ATTR_KUBESKOOP_SOFTIRQ_PHASE]: sched ? 'schedule' : 'execute',
          [ATTR_KUBESKOOP_SOFTIRQ_TYPE]: softirqName(e.sub),
          [ATTR_CPU_LOGICAL_NUMBER]: e.aux,
          ...processAttributes(e),
        },
      );
    }
    case 'bio': {
      const dev = blockDeviceName(e.aux);
      const op = blockOperationName(e.sub);
      return record(
        EVENT_BIOLATENCY_SLOW,
        high ? 'BIOLAT_100MS' : 'BIOLAT',
        e,
        `Block ${op} of ${e.bytes} bytes on ${dev} took ${lat} (> ${thr}), issued by ${who(e)}`,
        { [ATTR_SYSTEM_DEVICE_NAME]: dev, [ATTR_KUBESKOOP_BLOCK_OPERATION]: op, ...processAttributes(e) },
      );
    }
    case 'virtcmd':
      return record(
        EVENT_VIRTCMDLATENCY_SLOW,
        high ? 'VIRTCMDEXCUTE_100MS' : 'VIRTCMDEXCUTE',
        e,
        `virtio-net control command class ${e.aux >>> 8} cmd ${e.aux & 0xff} took ${lat} (> ${thr}), issued by ${who(e)}`,
        processAttributes(e),
      );
  }
}
