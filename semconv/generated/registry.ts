// GENERATED FILE — do not edit by hand.
// Source: semconv/registry/*.yaml; generator: semconv/tools/generate.ts; regenerate with `npm run generate`.

import type { AttributeDefinition, EventDefinition, MetricDefinition, ProbeDefinition, UnsupportedProbe } from '../types.js';

// Attribute names
export const ATTR_NETWORK_INTERFACE_NAME = "network.interface.name";
export const ATTR_SYSTEM_DEVICE = "system.device";
export const ATTR_NETWORK_IO_DIRECTION = "network.io.direction";
export const ATTR_NETWORK_TRANSPORT = "network.transport";
export const ATTR_NETWORK_TYPE = "network.type";
export const ATTR_NETWORK_CONNECTION_STATE = "network.connection.state";
export const ATTR_K8S_POD_NAME = "k8s.pod.name";
export const ATTR_K8S_NAMESPACE_NAME = "k8s.namespace.name";
export const ATTR_K8S_POD_UID = "k8s.pod.uid";
export const ATTR_KUBESKOOP_TARGET_KIND = "kubeskoop.target.kind";
export const ATTR_KUBESKOOP_NETNS_INODE = "kubeskoop.netns.inode";
export const ATTR_KUBESKOOP_NETNS_NAME = "kubeskoop.netns.name";
export const ATTR_KUBESKOOP_PROBE_NAME = "kubeskoop.probe.name";
export const ATTR_KUBESKOOP_PROBE_ERROR_KIND = "kubeskoop.probe.error.kind";

export const ATTRIBUTES: readonly AttributeDefinition[] = [
  {
    "name": "network.interface.name",
    "type": "string",
    "semconv": true,
    "brief": {
      "en": "Network interface name inside the target's network namespace.",
      "zh": "目标网络命名空间内的网卡名称。"
    },
    "examples": [
      "eth0",
      "lo"
    ]
  },
  {
    "name": "system.device",
    "type": "string",
    "semconv": true,
    "brief": {
      "en": "Device identifier; semconv lists it instead of network.interface.name on system.network.packet.count. Same value as the interface name.",
      "zh": "设备标识；语义约定在 system.network.packet.count 上使用它代替 network.interface.name，取值同网卡名。"
    },
    "examples": [
      "eth0"
    ]
  },
  {
    "name": "network.io.direction",
    "type": "enum",
    "semconv": true,
    "brief": {
      "en": "Direction of the traffic (rx → receive, tx → transmit).",
      "zh": "流量方向（rx → receive，tx → transmit）。"
    },
    "values": [
      "receive",
      "transmit"
    ]
  },
  {
    "name": "network.transport",
    "type": "enum",
    "semconv": true,
    "brief": {
      "en": "OSI transport layer protocol.",
      "zh": "传输层协议。"
    },
    "values": [
      "tcp",
      "udp"
    ]
  },
  {
    "name": "network.type",
    "type": "enum",
    "semconv": true,
    "brief": {
      "en": "OSI network layer protocol.",
      "zh": "网络层协议。"
    },
    "values": [
      "ipv4",
      "ipv6"
    ]
  },
  {
    "name": "network.connection.state",
    "type": "string",
    "semconv": true,
    "brief": {
      "en": "TCP connection state (RFC 9293 names, lower case).",
      "zh": "TCP 连接状态（RFC 9293 名称，小写）。"
    },
    "examples": [
      "established",
      "time_wait"
    ]
  },
  {
    "name": "k8s.pod.name",
    "type": "string",
    "semconv": true,
    "brief": {
      "en": "Name of the pod whose network namespace (or process) was observed.",
      "zh": "被观测的网络命名空间（或进程）所属 Pod 的名称。"
    }
  },
  {
    "name": "k8s.namespace.name",
    "type": "string",
    "semconv": true,
    "brief": {
      "en": "Kubernetes namespace of the pod.",
      "zh": "Pod 所在的 Kubernetes 命名空间。"
    }
  },
  {
    "name": "k8s.pod.uid",
    "type": "string",
    "semconv": true,
    "brief": {
      "en": "UID of the pod.",
      "zh": "Pod 的 UID。"
    }
  },
  {
    "name": "kubeskoop.target.kind",
    "type": "enum",
    "semconv": false,
    "brief": {
      "en": "What the observed network namespace is — a pod's, the host's, or another namespace.",
      "zh": "被观测的网络命名空间是什么：Pod 的、主机的，还是其他命名空间。"
    },
    "values": [
      "pod",
      "host",
      "netns"
    ]
  },
  {
    "name": "kubeskoop.netns.inode",
    "type": "int",
    "semconv": false,
    "brief": {
      "en": "Inode number of the network namespace (as in `ls -L -i /proc/<pid>/ns/net`).",
      "zh": "网络命名空间的 inode 编号（同 `ls -L -i /proc/<pid>/ns/net`）。"
    }
  },
  {
    "name": "kubeskoop.netns.name",
    "type": "string",
    "semconv": false,
    "brief": {
      "en": "Name of the namespace under /run/netns, when it has one (`ip netns`).",
      "zh": "命名空间在 /run/netns 下的名称（如 `ip netns` 创建的）。"
    }
  },
  {
    "name": "kubeskoop.probe.name",
    "type": "string",
    "semconv": false,
    "brief": {
      "en": "Canonical name of a kubeskoop-otel probe.",
      "zh": "kubeskoop-otel 探针的规范名称。"
    }
  },
  {
    "name": "kubeskoop.probe.error.kind",
    "type": "enum",
    "semconv": false,
    "brief": {
      "en": "Why a probe run did not give a full result.",
      "zh": "探针某次运行未得到完整结果的原因。"
    },
    "values": [
      "read",
      "parse",
      "target_gone",
      "internal"
    ]
  }
];

// Metrics
export const AGENT_PROBE_DURATION: MetricDefinition = {
  "id": "agent.probe_duration",
  "probe": "agent",
  "key": "probe_duration",
  "name": "kubeskoop.agent.probe.duration",
  "semconv": false,
  "instrument": "histogram",
  "unit": "s",
  "attributes": [
    "kubeskoop.probe.name"
  ],
  "source": "measured by the scheduler around each probe's run over all targets",
  "brief": {
    "en": "Wall-clock time one probe took to collect all targets in one cycle.",
    "zh": "一个采集周期内，单个探针采集全部目标所用的时间。"
  },
  "legacy": [],
  "legacyAggregation": "none"
};

export const AGENT_PROBE_ERRORS: MetricDefinition = {
  "id": "agent.probe_errors",
  "probe": "agent",
  "key": "probe_errors",
  "name": "kubeskoop.agent.probe.errors",
  "semconv": false,
  "instrument": "counter",
  "unit": "{error}",
  "attributes": [
    "kubeskoop.probe.name",
    "kubeskoop.probe.error.kind"
  ],
  "source": "counted by the scheduler",
  "brief": {
    "en": "Probe runs that did not give a full result, by kind (a namespace that vanished mid-read is counted as target_gone, not as an error in the logs).",
    "zh": "未得到完整结果的探针运行次数，按原因分类（读取中途消失的命名空间计为 target_gone，不记错误日志）。"
  },
  "legacy": [],
  "legacyAggregation": "none"
};

export const AGENT_CYCLE_DURATION: MetricDefinition = {
  "id": "agent.cycle_duration",
  "probe": "agent",
  "key": "cycle_duration",
  "name": "kubeskoop.agent.cycle.duration",
  "semconv": false,
  "instrument": "histogram",
  "unit": "s",
  "attributes": [],
  "source": "measured by the scheduler around one full cycle (target discovery and all probes)",
  "brief": {
    "en": "Wall-clock time of one collection cycle.",
    "zh": "一个完整采集周期所用的时间。"
  },
  "legacy": [],
  "legacyAggregation": "none"
};

export const AGENT_TARGET_COUNT: MetricDefinition = {
  "id": "agent.target_count",
  "probe": "agent",
  "key": "target_count",
  "name": "kubeskoop.agent.target.count",
  "semconv": false,
  "instrument": "updowncounter",
  "unit": "{netns}",
  "attributes": [
    "kubeskoop.target.kind"
  ],
  "source": "target discovery (/proc/*/ns/net)",
  "brief": {
    "en": "Network namespaces observed in the last cycle.",
    "zh": "上一周期观测到的网络命名空间数量。"
  },
  "legacy": [],
  "legacyAggregation": "none"
};

export const NETDEV_IO: MetricDefinition = {
  "id": "netdev.io",
  "probe": "netdev",
  "key": "io",
  "name": "system.network.io",
  "semconv": true,
  "instrument": "counter",
  "unit": "By",
  "attributes": [
    "network.interface.name",
    "network.io.direction"
  ],
  "source": "/proc/<pid>/net/dev: Receive bytes, Transmit bytes",
  "brief": {
    "en": "Bytes received and transmitted by the interface.",
    "zh": "网卡接收与发送的字节数。"
  },
  "legacy": [
    {
      "name": "inspector_pod_netdevrxbytes",
      "attributes": {
        "network.io.direction": "receive"
      }
    },
    {
      "name": "inspector_pod_netdevtxbytes",
      "attributes": {
        "network.io.direction": "transmit"
      }
    },
    {
      "name": "kubeskoop_netdev_rxbytes",
      "attributes": {
        "network.io.direction": "receive"
      }
    },
    {
      "name": "kubeskoop_netdev_txbytes",
      "attributes": {
        "network.io.direction": "transmit"
      }
    }
  ],
  "legacyAggregation": "sum_except_lo"
};

export const NETDEV_PACKET_COUNT: MetricDefinition = {
  "id": "netdev.packet_count",
  "probe": "netdev",
  "key": "packet_count",
  "name": "system.network.packet.count",
  "semconv": true,
  "instrument": "counter",
  "unit": "{packet}",
  "attributes": [
    "system.device",
    "network.io.direction"
  ],
  "source": "/proc/<pid>/net/dev: Receive packets, Transmit packets",
  "brief": {
    "en": "Packets received and transmitted by the interface. semconv v1.44 keys this metric by system.device (the interface name) rather than network.interface.name.",
    "zh": "网卡接收与发送的包数。语义约定 v1.44 对该指标使用 system.device（取值为网卡名）而非 network.interface.name。"
  },
  "legacy": [
    {
      "name": "inspector_pod_netdevrxpackets",
      "attributes": {
        "network.io.direction": "receive"
      }
    },
    {
      "name": "inspector_pod_netdevtxpackets",
      "attributes": {
        "network.io.direction": "transmit"
      }
    },
    {
      "name": "kubeskoop_netdev_rxpackets",
      "attributes": {
        "network.io.direction": "receive"
      }
    },
    {
      "name": "kubeskoop_netdev_txpackets",
      "attributes": {
        "network.io.direction": "transmit"
      }
    }
  ],
  "legacyAggregation": "sum_except_lo"
};

export const NETDEV_PACKET_DROPPED: MetricDefinition = {
  "id": "netdev.packet_dropped",
  "probe": "netdev",
  "key": "packet_dropped",
  "name": "system.network.packet.dropped",
  "semconv": true,
  "instrument": "counter",
  "unit": "{packet}",
  "attributes": [
    "network.interface.name",
    "network.io.direction"
  ],
  "source": "/proc/<pid>/net/dev: Receive drop, Transmit drop",
  "brief": {
    "en": "Packets dropped by the interface or its driver (no buffer, no handler, filtered) — not drops elsewhere in the stack; see packetloss for those.",
    "zh": "网卡或驱动丢弃的包（无缓冲、无处理者、被过滤）——不含协议栈其他位置的丢包，那些见 packetloss。"
  },
  "legacy": [
    {
      "name": "inspector_pod_netdevrxdropped",
      "attributes": {
        "network.io.direction": "receive"
      }
    },
    {
      "name": "inspector_pod_netdevtxdropped",
      "attributes": {
        "network.io.direction": "transmit"
      }
    },
    {
      "name": "kubeskoop_netdev_rxdropped",
      "attributes": {
        "network.io.direction": "receive"
      }
    },
    {
      "name": "kubeskoop_netdev_txdropped",
      "attributes": {
        "network.io.direction": "transmit"
      }
    }
  ],
  "legacyAggregation": "sum_except_lo"
};

export const NETDEV_ERRORS: MetricDefinition = {
  "id": "netdev.errors",
  "probe": "netdev",
  "key": "errors",
  "name": "system.network.errors",
  "semconv": true,
  "instrument": "counter",
  "unit": "{error}",
  "attributes": [
    "network.interface.name",
    "network.io.direction"
  ],
  "source": "/proc/<pid>/net/dev: Receive errs, Transmit errs",
  "brief": {
    "en": "Receive and transmit errors reported by the driver (CRC, frame, carrier, FIFO…).",
    "zh": "驱动报告的收发错误（CRC、帧错误、载波、FIFO 等）。"
  },
  "legacy": [
    {
      "name": "inspector_pod_netdevrxerrors",
      "attributes": {
        "network.io.direction": "receive"
      }
    },
    {
      "name": "inspector_pod_netdevtxerrors",
      "attributes": {
        "network.io.direction": "transmit"
      }
    },
    {
      "name": "inspector_pod_netdevrxerror",
      "attributes": {
        "network.io.direction": "receive"
      },
      "seedTypoOf": "inspector_pod_netdevrxerrors"
    },
    {
      "name": "inspector_pod_netdevtxerror",
      "attributes": {
        "network.io.direction": "transmit"
      },
      "seedTypoOf": "inspector_pod_netdevtxerrors"
    },
    {
      "name": "kubeskoop_netdev_rxerrors",
      "attributes": {
        "network.io.direction": "receive"
      }
    },
    {
      "name": "kubeskoop_netdev_txerrors",
      "attributes": {
        "network.io.direction": "transmit"
      }
    }
  ],
  "legacyAggregation": "sum_except_lo"
};

export const METRICS: readonly MetricDefinition[] = [AGENT_PROBE_DURATION, AGENT_PROBE_ERRORS, AGENT_CYCLE_DURATION, AGENT_TARGET_COUNT, NETDEV_IO, NETDEV_PACKET_COUNT, NETDEV_PACKET_DROPPED, NETDEV_ERRORS];

// Events
export const EVENTS: readonly EventDefinition[] = [];

// Probes
export const PROBES: readonly ProbeDefinition[] = [
  {
    "name": "netdev",
    "kind": "metric",
    "scope": "netns",
    "aliases": [
      "procnetdev"
    ],
    "statusKey": "procnetdev",
    "source": "/proc/<pid>/net/dev",
    "kubeskoopOverhead": "low",
    "brief": {
      "en": "Byte, packet, error and drop counters of every network interface in the namespace.",
      "zh": "命名空间内每个网卡的字节、包、错误和丢包计数。"
    },
    "whenToUse": {
      "en": "Always on. Daily monitoring, jitter, drops in the underlying network.",
      "zh": "常开。日常监控、网络抖动、底层网络丢包等情况。"
    }
  },
  {
    "name": "io",
    "kind": "metric",
    "scope": "process",
    "aliases": [
      "procio"
    ],
    "statusKey": "procio",
    "source": "/proc/<pid>/io",
    "kubeskoopOverhead": "low",
    "brief": {
      "en": "Read/write syscalls and bytes of the processes in the namespace.",
      "zh": "命名空间内进程的读写系统调用次数与字节数。"
    },
    "whenToUse": {
      "en": "Latency or retransmits caused by a slow user process (I/O bound).",
      "zh": "由于用户进程响应慢（I/O 阻塞）导致的延迟增高、重传升高。"
    }
  },
  {
    "name": "fd",
    "kind": "metric",
    "scope": "process",
    "aliases": [
      "procfd"
    ],
    "statusKey": "Procfd",
    "source": "/proc/<pid>/fd",
    "kubeskoopOverhead": "high",
    "brief": {
      "en": "Open file descriptors and open sockets of the processes in the namespace.",
      "zh": "命名空间内进程打开的文件描述符和 socket 数量。"
    },
    "whenToUse": {
      "en": "fd leaks, socket leaks.",
      "zh": "fd 泄露、socket 泄露。"
    }
  },
  {
    "name": "sock",
    "kind": "metric",
    "scope": "netns",
    "aliases": [
      "procsock"
    ],
    "statusKey": "procsock",
    "source": "/proc/<pid>/net/sockstat, /proc/<pid>/net/sockstat6",
    "kubeskoopOverhead": "low",
    "brief": {
      "en": "Socket counts by state (in use, orphan, time-wait), allocated sockets and socket memory.",
      "zh": "按状态统计的 socket 数量（inuse、orphan、time_wait）、已分配 socket 数和 socket 内存。"
    },
    "whenToUse": {
      "en": "Daily view of connection state, socket leaks, port reuse, high socket memory.",
      "zh": "日常观测连接状态、socket 泄露、端口复用、socket 内存占用过高等。"
    }
  },
  {
    "name": "tcpsummary",
    "kind": "metric",
    "scope": "netns",
    "aliases": [
      "proctcpsummary"
    ],
    "statusKey": "proctcpsummary",
    "source": "/proc/<pid>/net/tcp, /proc/<pid>/net/tcp6",
    "kubeskoopOverhead": "medium",
    "brief": {
      "en": "Number of TCP connections per state and bytes waiting in receive and send queues.",
      "zh": "各状态 TCP 连接数，以及接收队列、发送队列中积压的字节数。"
    },
    "whenToUse": {
      "en": "Sporadic latency and failed connections.",
      "zh": "偶发延迟、连接失败等场景。"
    }
  },
  {
    "name": "tcp",
    "kind": "metric",
    "scope": "netns",
    "aliases": [
      "procsnmp",
      "snmp"
    ],
    "statusKey": "procsnmp",
    "source": "/proc/<pid>/net/snmp (Tcp)",
    "kubeskoopOverhead": "low",
    "brief": {
      "en": "The kernel's TCP MIB counters (RFC 1213/4022) of the namespace.",
      "zh": "命名空间的 TCP MIB 计数器（RFC 1213/4022）。"
    },
    "whenToUse": {
      "en": "Retransmits, failed connection attempts, resets.",
      "zh": "TCP 连接异常重传、建连失败、reset 报文等。"
    }
  },
  {
    "name": "udp",
    "kind": "metric",
    "scope": "netns",
    "aliases": [],
    "statusKey": "procsnmp",
    "source": "/proc/<pid>/net/snmp (Udp), /proc/<pid>/net/snmp6",
    "kubeskoopOverhead": "low",
    "brief": {
      "en": "The kernel's UDP MIB counters of the namespace.",
      "zh": "命名空间的 UDP MIB 计数器。"
    },
    "whenToUse": {
      "en": "Dropped datagrams, full receive buffers (e.g. DNS failures).",
      "zh": "UDP 丢包、接收缓冲区满（例如 DNS 解析失败）。"
    }
  },
  {
    "name": "ip",
    "kind": "metric",
    "scope": "netns",
    "aliases": [],
    "statusKey": "procsnmp",
    "source": "/proc/<pid>/net/snmp (Ip), /proc/<pid>/net/netstat (IpExt)",
    "kubeskoopOverhead": "low",
    "brief": {
      "en": "The kernel's IP MIB counters of the namespace.",
      "zh": "命名空间的 IP MIB 计数器。"
    },
    "whenToUse": {
      "en": "Routing failures and drops at the IP layer.",
      "zh": "路由不可达、IP 层丢包等问题的辅助排查。"
    }
  },
  {
    "name": "tcpext",
    "kind": "metric",
    "scope": "netns",
    "aliases": [
      "procnetstat",
      "netstat"
    ],
    "statusKey": "procnetstat",
    "source": "/proc/<pid>/net/netstat (TcpExt)",
    "kubeskoopOverhead": "low",
    "brief": {
      "en": "Linux's extended TCP counters (listen overflows, aborts, timeouts, backlog drops…).",
      "zh": "Linux 扩展 TCP 计数器（半/全连接队列溢出、异常中止、超时、backlog 丢包等）。"
    },
    "whenToUse": {
      "en": "Listen queue overflows, aborted connections, timeouts.",
      "zh": "监听队列溢出、连接被中止、超时等。"
    }
  },
  {
    "name": "softnet",
    "kind": "metric",
    "scope": "node",
    "aliases": [
      "procsoftnet"
    ],
    "statusKey": "procsoftnet",
    "source": "/proc/net/softnet_stat",
    "kubeskoopOverhead": "low",
    "brief": {
      "en": "Per-CPU packet processing of the receive softirq (processed, dropped, time squeeze). Node-wide, not per namespace.",
      "zh": "每个 CPU 上收包软中断的处理统计（已处理、丢弃、time squeeze）。全节点级，非按命名空间。"
    },
    "whenToUse": {
      "en": "Node-level network trouble; backlog drops.",
      "zh": "节点级网络异常、backlog 丢包。"
    }
  },
  {
    "name": "conntrack",
    "kind": "metric",
    "scope": "netns",
    "aliases": [
      "insp_conntrack"
    ],
    "statusKey": "insp_conntrack",
    "source": "/proc/<pid>/net/stat/nf_conntrack, /proc/sys/net/netfilter/nf_conntrack_max",
    "kubeskoopOverhead": "high",
    "brief": {
      "en": "Connection tracking table statistics (entries, limit, insert failures, drops…).",
      "zh": "连接跟踪表统计（条目数、上限、插入失败、丢弃等）。"
    },
    "whenToUse": {
      "en": "Failed connection setup, drops, conntrack table full or races.",
      "zh": "连接建立失败、丢包、conntrack 表满或串流等问题。"
    }
  },
  {
    "name": "ipvs",
    "kind": "metric",
    "scope": "netns",
    "aliases": [
      "insp_ipvs"
    ],
    "statusKey": "insp_ipvs",
    "source": "/proc/<pid>/net/ip_vs_stats",
    "kubeskoopOverhead": "low",
    "brief": {
      "en": "IPVS totals (connections, packets and bytes in and out).",
      "zh": "IPVS 汇总统计（连接数、入/出包数与字节数）。"
    },
    "whenToUse": {
      "en": "Daily view of IPVS (kube-proxy in IPVS mode).",
      "zh": "日常观测 IPVS（IPVS 模式的 kube-proxy）。"
    }
  },
  {
    "name": "qdisc",
    "kind": "metric",
    "scope": "netns",
    "aliases": [
      "insp_qdisc"
    ],
    "statusKey": "insp_qdisc",
    "source": "rtnetlink RTM_GETQDISC in the namespace",
    "kubeskoopOverhead": "low",
    "brief": {
      "en": "Queueing discipline statistics per interface (bytes, packets, drops, queue length, backlog, overlimits, requeues).",
      "zh": "每个网卡队列规则（qdisc）的统计（字节、包、丢包、队列长度、backlog、overlimits、requeues）。"
    },
    "whenToUse": {
      "en": "Jitter and drops in the transmit queue.",
      "zh": "发送队列导致的抖动与丢包。"
    }
  },
  {
    "name": "socketlatency",
    "kind": "metric+event",
    "scope": "netns",
    "aliases": [
      "insp_socketlatency",
      "socketlatancy"
    ],
    "statusKey": "insp_socketlatency",
    "source": "eBPF",
    "kubeskoopOverhead": "high",
    "brief": {
      "en": "Delay between data becoming readable and the application reading it, and between sendmsg and transmission.",
      "zh": "数据可读到应用读取之间的延迟，以及 sendmsg 到发送之间的延迟。"
    },
    "whenToUse": {
      "en": "A process reads its data late (scheduling, slow handling).",
      "zh": "怀疑进程由于调度、处理不及时等原因读取数据慢。"
    }
  },
  {
    "name": "packetloss",
    "kind": "metric+event",
    "scope": "netns",
    "aliases": [
      "insp_packetloss"
    ],
    "statusKey": "insp_packetloss",
    "source": "eBPF tracepoint skb/kfree_skb",
    "kubeskoopOverhead": "medium",
    "brief": {
      "en": "Packets the kernel dropped, with the kernel's drop reason and location.",
      "zh": "内核丢弃的报文，附带内核丢包原因与位置。"
    },
    "whenToUse": {
      "en": "Any unexplained loss.",
      "zh": "任何原因不明的丢包。"
    }
  },
  {
    "name": "net_softirq",
    "kind": "metric+event",
    "scope": "node",
    "aliases": [
      "netsoftirq",
      "softirq",
      "insp_netsoftirq",
      "insp_net_softirq"
    ],
    "statusKey": "insp_netsoftirq",
    "source": "eBPF tracepoints irq/softirq_raise, softirq_entry, softirq_exit",
    "kubeskoopOverhead": "high",
    "brief": {
      "en": "Scheduling delay and execution time of the network softirqs (NET_RX, NET_TX).",
      "zh": "网络软中断（NET_RX、NET_TX）的调度延迟与执行耗时。"
    },
    "whenToUse": {
      "en": "Sporadic latency, jitter.",
      "zh": "偶发延迟、网络抖动。"
    }
  },
  {
    "name": "kernellatency",
    "kind": "metric+event",
    "scope": "netns",
    "aliases": [
      "insp_kernellatency"
    ],
    "statusKey": "insp_kernellatency",
    "source": "eBPF",
    "kubeskoopOverhead": "high",
    "brief": {
      "en": "Time packets spend in the kernel's receive and transmit paths.",
      "zh": "报文在内核收、发路径上花费的时间。"
    },
    "whenToUse": {
      "en": "Connection timeouts, jitter.",
      "zh": "连接超时、网络抖动。"
    }
  },
  {
    "name": "netiftxlatency",
    "kind": "metric+event",
    "scope": "netns",
    "aliases": [
      "netif_txlatency",
      "netiftxlat",
      "insp_netiftxlat",
      "insp_netiftxlatency"
    ],
    "statusKey": "insp_netiftxlat",
    "source": "eBPF tracepoints net/net_dev_queue, net_dev_start_xmit, net_dev_xmit",
    "kubeskoopOverhead": "high",
    "brief": {
      "en": "Time packets wait in the qdisc and in the driver before being sent.",
      "zh": "报文在 qdisc 与驱动中等待发送的时间。"
    },
    "whenToUse": {
      "en": "Connection timeouts, jitter on transmit.",
      "zh": "连接超时、发送方向抖动。"
    }
  },
  {
    "name": "virtcmdlatency",
    "kind": "metric+event",
    "scope": "node",
    "aliases": [
      "insp_virtcmdlatency"
    ],
    "statusKey": "insp_virtcmdlatency",
    "source": "eBPF on virtnet_send_command (fentry/kprobe only)",
    "kubeskoopOverhead": "high",
    "brief": {
      "en": "Latency of virtio-net control commands.",
      "zh": "virtio-net 控制命令的执行延迟。"
    },
    "whenToUse": {
      "en": "Cloud VMs with virtio networking, sporadic latency.",
      "zh": "使用 virtio 的云上虚拟机出现偶发延迟和抖动。"
    }
  },
  {
    "name": "tcpreset",
    "kind": "event",
    "scope": "netns",
    "aliases": [
      "insp_tcpreset"
    ],
    "statusKey": "insp_tcpreset",
    "source": "eBPF tracepoints tcp/tcp_send_reset, tcp/tcp_receive_reset",
    "kubeskoopOverhead": "low",
    "brief": {
      "en": "TCP resets sent and received, with why the kernel sent them.",
      "zh": "发送和收到的 TCP reset，以及内核发送它的原因。"
    },
    "whenToUse": {
      "en": "Connections reset unexpectedly.",
      "zh": "TCP 连接被异常 reset 时，定位内核中的 reset 位置。"
    }
  },
  {
    "name": "tcpretrans",
    "kind": "metric+event",
    "scope": "netns",
    "aliases": [
      "insp_tcpretrans"
    ],
    "statusKey": "insp_tcpretrans",
    "source": "eBPF tracepoint tcp/tcp_retransmit_skb",
    "kubeskoopOverhead": "medium",
    "brief": {
      "en": "TCP retransmissions per namespace and connection state, with the flow.",
      "zh": "按命名空间与连接状态统计的 TCP 重传，附带流信息。"
    },
    "whenToUse": {
      "en": "Loss or congestion on a path.",
      "zh": "链路丢包或拥塞。"
    }
  },
  {
    "name": "biolatency",
    "kind": "metric+event",
    "scope": "node",
    "aliases": [
      "biolatancy",
      "insp_biolatency"
    ],
    "statusKey": "insp_biolatency",
    "source": "eBPF tracepoints block/block_io_start, block_io_done",
    "kubeskoopOverhead": "medium",
    "brief": {
      "en": "Block device I/O latency.",
      "zh": "块设备读写延迟。"
    },
    "whenToUse": {
      "en": "Slow disk I/O causing network jitter or latency.",
      "zh": "IO 读写慢导致的网络抖动、延迟升高。"
    }
  }
];

export const UNSUPPORTED_PROBES: readonly UnsupportedProbe[] = [
  {
    "name": "flow",
    "aliases": [
      "net_flow"
    ],
    "statusKey": "flow",
    "reason": "per-flow byte/packet counters need tc BPF programs on every interface; not part of kubeskoop-otel (use Retina or Cilium Hubble for flows)"
  },
  {
    "name": "rdma",
    "aliases": [],
    "statusKey": "rdma",
    "reason": "RDMA NIC counters are out of scope for kubeskoop-otel"
  },
  {
    "name": "info",
    "aliases": [],
    "statusKey": "info",
    "reason": "KubeSkoop removed the info probe in 2024; pod identity is on every series as k8s.* attributes"
  },
  {
    "name": "procsched",
    "aliases": [],
    "statusKey": "procsched",
    "reason": "an empty probe in KubeSkoop, never implemented there"
  },
  {
    "name": "tracetasklatency",
    "aliases": [],
    "statusKey": "tracetasklatency",
    "reason": "an empty probe in KubeSkoop, never implemented there"
  }
];
