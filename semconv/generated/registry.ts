// GENERATED FILE — do not edit by hand.
// Source: semconv/registry/*.yaml; generator: semconv/tools/generate.ts; regenerate with `npm run generate`.

import type {
  AttributeDefinition, EntityDefinition, EntityMetrics, EventDefinition, MetricDefinition, ProbeDefinition, UnsupportedProbe,
} from '../types.js';

// Whom metrics describe
export const ENTITIES: readonly EntityDefinition[] = [
  {
    "name": "host",
    "semconvEntity": "host",
    "resource": [
      "k8s.node.name",
      "host.name"
    ],
    "brief": {
      "en": "The node itself — its host network namespace and the processes in it that belong to no pod. In OTLP under the node's resource.",
      "zh": "节点本身——主机网络命名空间及其中不属于任何 Pod 的进程。OTLP 中位于节点的 resource 下。"
    }
  },
  {
    "name": "pod",
    "semconvEntity": "k8s.pod",
    "resource": [
      "k8s.pod.uid",
      "k8s.pod.name",
      "k8s.namespace.name",
      "k8s.node.name"
    ],
    "brief": {
      "en": "A pod — its network namespace, or (hostNetwork pods) its processes. In OTLP each pod under its own resource, as kubeletstats does.",
      "zh": "一个 Pod——其网络命名空间，或（hostNetwork Pod）其进程。OTLP 中每个 Pod 有自己的 resource，与 kubeletstats 相同。"
    }
  },
  {
    "name": "netns",
    "resource": [
      "kubeskoop.netns.inode",
      "kubeskoop.netns.name",
      "k8s.node.name"
    ],
    "brief": {
      "en": "A network namespace that is neither the host's nor a known pod's (e.g. made by `ip netns add`). semconv has no entity for it, so its names are kubeskoop.*.",
      "zh": "既不属于主机也不属于已知 Pod 的网络命名空间（如 `ip netns add` 创建的）。语义约定没有对应实体，其名称均为 kubeskoop.*。"
    }
  },
  {
    "name": "agent",
    "resource": [
      "service.name",
      "service.instance.id",
      "service.version",
      "host.name",
      "k8s.node.name"
    ],
    "brief": {
      "en": "The agent itself (its probes, cycles and OTLP pipeline); semconv's otel.sdk.* metrics have no entity association. Under the agent's resource, the node's.",
      "zh": "Agent 自身（探针、采集周期与 OTLP 管道）；语义约定的 otel.sdk.* 指标没有实体关联。位于 Agent（即节点）的 resource 下。"
    }
  }
];

// Attribute names
export const ATTR_NETWORK_INTERFACE_NAME = "network.interface.name";
export const ATTR_SYSTEM_DEVICE_NAME = "system.device.name";
export const ATTR_NETWORK_IO_DIRECTION = "network.io.direction";
export const ATTR_NETWORK_TRANSPORT = "network.transport";
export const ATTR_NETWORK_TYPE = "network.type";
export const ATTR_NETWORK_CONNECTION_STATE = "network.connection.state";
export const ATTR_K8S_POD_NAME = "k8s.pod.name";
export const ATTR_K8S_NAMESPACE_NAME = "k8s.namespace.name";
export const ATTR_K8S_POD_UID = "k8s.pod.uid";
export const ATTR_K8S_POD_LABEL = "k8s.pod.label";
export const ATTR_K8S_CONTAINER_NAME = "k8s.container.name";
export const ATTR_CONTAINER_ID = "container.id";
export const ATTR_K8S_NODE_NAME = "k8s.node.name";
export const ATTR_HOST_NAME = "host.name";
export const ATTR_SERVICE_NAME = "service.name";
export const ATTR_SERVICE_VERSION = "service.version";
export const ATTR_SERVICE_INSTANCE_ID = "service.instance.id";
export const ATTR_HTTP_RESPONSE_STATUS_CODE = "http.response.status_code";
export const ATTR_KUBESKOOP_TARGET_KIND = "kubeskoop.target.kind";
export const ATTR_KUBESKOOP_NETNS_INODE = "kubeskoop.netns.inode";
export const ATTR_KUBESKOOP_NETNS_NAME = "kubeskoop.netns.name";
export const ATTR_KUBESKOOP_PROBE_NAME = "kubeskoop.probe.name";
export const ATTR_KUBESKOOP_BPF_PROGRAM_NAME = "kubeskoop.bpf.program.name";
export const ATTR_ERROR_TYPE = "error.type";
export const ATTR_OTEL_COMPONENT_TYPE = "otel.component.type";
export const ATTR_OTEL_COMPONENT_NAME = "otel.component.name";
export const ATTR_OTEL_SPAN_SAMPLING_RESULT = "otel.span.sampling_result";
export const ATTR_OTEL_SPAN_PARENT_ORIGIN = "otel.span.parent.origin";
export const ATTR_SERVER_ADDRESS = "server.address";
export const ATTR_SERVER_PORT = "server.port";
export const ATTR_KUBESKOOP_SOCKET_QUEUE = "kubeskoop.socket.queue";
export const ATTR_KUBESKOOP_IPVS_DIRECTION = "kubeskoop.ipvs.direction";
export const ATTR_KUBESKOOP_TCP_OPEN_ROLE = "kubeskoop.tcp.open.role";
export const ATTR_KUBESKOOP_TCP_SEND_LIMIT = "kubeskoop.tcp.send.limit";
export const ATTR_KUBESKOOP_TCP_RETRANSMIT_CAUSE = "kubeskoop.tcp.retransmit.cause";
export const ATTR_KUBESKOOP_TCP_ABORT_REASON = "kubeskoop.tcp.abort.reason";
export const ATTR_KUBESKOOP_TCP_DROP_REASON = "kubeskoop.tcp.drop.reason";
export const ATTR_KUBESKOOP_MIB_GROUP = "kubeskoop.mib.group";
export const ATTR_KUBESKOOP_MIB_FIELD = "kubeskoop.mib.field";
export const ATTR_CPU_LOGICAL_NUMBER = "cpu.logical_number";
export const ATTR_DISK_IO_DIRECTION = "disk.io.direction";
export const ATTR_KUBESKOOP_IO_DIRECTION = "kubeskoop.io.direction";
export const ATTR_KUBESKOOP_EVENT_TYPE = "kubeskoop.event.type";
export const ATTR_KUBESKOOP_TCP_RESET_REASON = "kubeskoop.tcp.reset.reason";
export const ATTR_KUBESKOOP_DROP_REASON = "kubeskoop.drop.reason";
export const ATTR_KUBESKOOP_DROP_LOCATION = "kubeskoop.drop.location";
export const ATTR_SOURCE_ADDRESS = "source.address";
export const ATTR_SOURCE_PORT = "source.port";
export const ATTR_DESTINATION_ADDRESS = "destination.address";
export const ATTR_DESTINATION_PORT = "destination.port";
export const ATTR_PROCESS_PID = "process.pid";
export const ATTR_PROCESS_EXECUTABLE_NAME = "process.executable.name";
export const ATTR_KUBESKOOP_LATENCY_THRESHOLD = "kubeskoop.latency.threshold";
export const ATTR_KUBESKOOP_LATENCY_DURATION = "kubeskoop.latency.duration";
export const ATTR_KUBESKOOP_NETIF_TX_STAGE = "kubeskoop.netif.tx.stage";
export const ATTR_KUBESKOOP_SOFTIRQ_PHASE = "kubeskoop.softirq.phase";
export const ATTR_KUBESKOOP_SOFTIRQ_TYPE = "kubeskoop.softirq.type";
export const ATTR_KUBESKOOP_BLOCK_OPERATION = "kubeskoop.block.operation";
export const ATTR_KUBESKOOP_QDISC_KIND = "kubeskoop.qdisc.kind";
export const ATTR_KUBESKOOP_QDISC_HANDLE = "kubeskoop.qdisc.handle";
export const ATTR_KUBESKOOP_QDISC_PARENT = "kubeskoop.qdisc.parent";
export const ATTR_NETWORK_PEER_ADDRESS = "network.peer.address";
export const ATTR_DNS_QUESTION_NAME = "dns.question.name";
export const ATTR_KUBESKOOP_DNS_QUESTION_TYPE = "kubeskoop.dns.question.type";
export const ATTR_KUBESKOOP_DNS_RESPONSE_CODE = "kubeskoop.dns.response.code";
export const ATTR_NETWORK_LOCAL_ADDRESS = "network.local.address";
export const ATTR_KUBESKOOP_PEER_KIND = "kubeskoop.peer.kind";
export const ATTR_KUBESKOOP_PEER_NAME = "kubeskoop.peer.name";
export const ATTR_KUBESKOOP_PEER_NAMESPACE = "kubeskoop.peer.namespace";
export const ATTR_KUBESKOOP_PEER_ROLE = "kubeskoop.peer.role";
export const ATTR_KUBESKOOP_FLOW_PROTOCOL = "kubeskoop.flow.protocol";

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
    "name": "system.device.name",
    "type": "string",
    "semconv": true,
    "brief": {
      "en": "The OS's name of a device: a block device (biolatency); on the host's system.network.packet.count, the interface (semconv keys that metric by the device rather than network.interface.name).",
      "zh": "设备在操作系统中的名称：块设备（biolatency）；在主机的 system.network.packet.count 上为网卡名（语义约定对该指标使用设备名而非 network.interface.name）。"
    },
    "renamedFrom": [
      "system.device"
    ],
    "examples": [
      "eth0"
    ]
  },
  {
    "name": "network.io.direction",
    "type": "enum",
    "semconv": true,
    "brief": {
      "en": "Direction of the traffic at the boundary of the target's network stack, as its interfaces (or its protocol counters) see it: rx → receive, tx → transmit. Not for logical flow directions (IPVS uses kubeskoop.ipvs.direction) or socket queues (kubeskoop.socket.queue).",
      "zh": "在目标网络协议栈边界（网卡或协议计数器所见）的流量方向：rx → receive，tx → transmit。不用于逻辑流向（IPVS 用 kubeskoop.ipvs.direction）或 socket 队列（kubeskoop.socket.queue）。"
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
      "en": "OSI transport layer protocol. For socket counts, the protocol as /proc/net/sockstat names it: semconv's enum is open, so UDP-Lite and raw sockets take the custom values udplite and raw.",
      "zh": "传输层协议。用于 socket 计数时为 /proc/net/sockstat 中的协议名：语义约定的枚举是开放的，因此 UDP-Lite 与 raw socket 使用自定义取值 udplite、raw。"
    },
    "renamedFrom": [
      "kubeskoop.socket.protocol"
    ],
    "values": [
      "tcp",
      "udp",
      "udplite",
      "raw"
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
    "name": "k8s.pod.label",
    "type": "string",
    "semconv": true,
    "brief": {
      "en": "Template prefix: k8s.pod.label.<key> carries the value of pod label <key>, only for keys in the kubernetes.pod_labels allow-list (off by default: cardinality is the user's choice).",
      "zh": "模板前缀：k8s.pod.label.<key> 为 Pod 标签 <key> 的值，仅对 kubernetes.pod_labels 白名单中的键输出（默认关闭，基数由用户决定）。"
    },
    "examples": [
      "k8s.pod.label.app=web"
    ]
  },
  {
    "name": "k8s.container.name",
    "type": "string",
    "semconv": true,
    "brief": {
      "en": "Name of the container a process belongs to (process-level metrics), from the pod's container statuses.",
      "zh": "进程所属容器的名称（进程级指标），来自 Pod 的容器状态。"
    }
  },
  {
    "name": "container.id",
    "type": "string",
    "semconv": true,
    "brief": {
      "en": "Container id (64 hex, no runtime prefix) from the process's cgroup.",
      "zh": "容器 ID（64 位十六进制，不含运行时前缀），取自进程的 cgroup。"
    }
  },
  {
    "name": "k8s.node.name",
    "type": "string",
    "semconv": true,
    "brief": {
      "en": "Name of the node. In OTLP on every resource (the agent's, each target's); on /metrics on the host target's series.",
      "zh": "节点名称。OTLP 中位于每个 resource（Agent 的、各目标的）上；/metrics 中位于主机目标的序列上。"
    }
  },
  {
    "name": "host.name",
    "type": "string",
    "semconv": true,
    "brief": {
      "en": "The node's host name, on the agent's and the host target's resources.",
      "zh": "节点的主机名，位于 Agent 与主机目标的 resource 上。"
    }
  },
  {
    "name": "service.name",
    "type": "string",
    "semconv": true,
    "brief": {
      "en": "The agent's service name (kubeskoop-otel; OTEL_SERVICE_NAME), on the agent's resource.",
      "zh": "Agent 的服务名（kubeskoop-otel；OTEL_SERVICE_NAME），位于 Agent 的 resource 上。"
    }
  },
  {
    "name": "service.version",
    "type": "string",
    "semconv": true,
    "brief": {
      "en": "The agent's version, on the agent's resource.",
      "zh": "Agent 的版本，位于 Agent 的 resource 上。"
    }
  },
  {
    "name": "service.instance.id",
    "type": "string",
    "semconv": true,
    "brief": {
      "en": "One agent process: the node's name for the node agent, <namespace>.<pod> for a sidecar (the pod UID, else a random UUID, when the names are not known); OTEL_RESOURCE_ATTRIBUTES wins.",
      "zh": "一个 Agent 进程：节点 Agent 为节点名，sidecar 为 <namespace>.<pod>（名称未知时为 Pod UID，否则为随机 UUID）；OTEL_RESOURCE_ATTRIBUTES 优先。"
    }
  },
  {
    "name": "http.response.status_code",
    "type": "int",
    "semconv": true,
    "brief": {
      "en": "HTTP status of an OTLP export (otel.sdk.exporter.operation.duration, HTTP exporters).",
      "zh": "OTLP 导出的 HTTP 状态（otel.sdk.exporter.operation.duration，HTTP exporter）。"
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
    "name": "kubeskoop.bpf.program.name",
    "type": "string",
    "semconv": false,
    "brief": {
      "en": "Name of an eBPF program the native helper loaded for a probe (its function name in bpf/probes/*.bpf.c).",
      "zh": "原生辅助进程为探针加载的 eBPF 程序名（bpf/probes/*.bpf.c 中的函数名）。"
    },
    "examples": [
      "ks_conn_set_state",
      "ks_tcp_send_reset"
    ]
  },
  {
    "name": "error.type",
    "type": "string",
    "semconv": true,
    "brief": {
      "en": "Why an operation failed (semconv's failure classification): a probe run without a full result (read, parse, target_gone, internal); an SDK log record dropped (queue_full; in the retry buffer buffer_full, export_failed, shutdown) or an export that failed (the error's name); a kernel event not delivered (netns_rate_limit, global_rate_limit, ring_full, loki_buffer_full, loki_rejected, loki_failed); in-flight work not measured (evicted, expired).",
      "zh": "操作失败的原因（语义约定的失败分类）：探针某次运行未得到完整结果（read、parse、target_gone、internal）；SDK 丢弃的日志记录（queue_full；重试缓冲区中为 buffer_full、export_failed、shutdown）或失败的导出（错误名）；未送出的内核事件（netns_rate_limit、global_rate_limit、ring_full、loki_buffer_full、loki_rejected、loki_failed）；未被测量的进行中工作（evicted、expired）。"
    },
    "renamedFrom": [
      "kubeskoop.probe.error.kind",
      "kubeskoop.export.drop.cause",
      "kubeskoop.event.undelivered.cause",
      "kubeskoop.latency.untracked.cause"
    ],
    "examples": [
      "read",
      "target_gone",
      "queue_full",
      "buffer_full",
      "ring_full",
      "evicted"
    ]
  },
  {
    "name": "otel.component.type",
    "type": "string",
    "semconv": true,
    "brief": {
      "en": "Which kind of SDK component (an OTLP exporter per signal and transport, the batching log processor, the agent's retry buffer kubeskoop_retry_buffer), on the otel.sdk.* metrics.",
      "zh": "SDK 组件的类型（按信号与传输区分的 OTLP exporter、批量日志处理器、Agent 的重试缓冲区 kubeskoop_retry_buffer），用于 otel.sdk.* 指标。"
    },
    "examples": [
      "otlp_grpc_metric_exporter",
      "batching_log_processor",
      "kubeskoop_retry_buffer"
    ]
  },
  {
    "name": "otel.component.name",
    "type": "string",
    "semconv": true,
    "brief": {
      "en": "One instance of an SDK component (type/index).",
      "zh": "SDK 组件的一个实例（类型/序号）。"
    },
    "examples": [
      "otlp_grpc_log_exporter/0"
    ]
  },
  {
    "name": "otel.span.sampling_result",
    "type": "enum",
    "semconv": true,
    "brief": {
      "en": "The sampling decision of a span (otel.sdk.span.started); DROP for a kernel interval over the per-node span rate cap.",
      "zh": "span 的采样结果（otel.sdk.span.started）；超出每节点 span 速率上限的内核区间为 DROP。"
    },
    "values": [
      "DROP",
      "RECORD_ONLY",
      "RECORD_AND_SAMPLE"
    ]
  },
  {
    "name": "otel.span.parent.origin",
    "type": "enum",
    "semconv": true,
    "brief": {
      "en": "Where a span's parent is; the agent's spans are root spans (none).",
      "zh": "span 的父 span 所在；Agent 的 span 都是根 span（none）。"
    },
    "values": [
      "none",
      "local",
      "remote"
    ]
  },
  {
    "name": "server.address",
    "type": "string",
    "semconv": true,
    "brief": {
      "en": "The server side of a connection, by name: the OTLP endpoint an exporter sends to.",
      "zh": "连接的服务端名称：exporter 发送到的 OTLP 端点主机。"
    }
  },
  {
    "name": "server.port",
    "type": "int",
    "semconv": true,
    "brief": {
      "en": "Server port of a connection: of the OTLP endpoint an exporter sends to; on the connections probe's metrics, the port a pod connects to (client side) or listens on (server side). Never an ephemeral port.",
      "zh": "连接的服务端端口：exporter 发送到的 OTLP 端点端口；在 connections 探针的指标上为 Pod 所连接的端口（客户端）或监听的端口（服务端）。从不是临时端口。"
    }
  },
  {
    "name": "kubeskoop.socket.queue",
    "type": "enum",
    "semconv": false,
    "brief": {
      "en": "Which socket queue: receive (data received, not yet read by the application) or send (data written, not yet acknowledged by the peer).",
      "zh": "哪个 socket 队列：receive（已收到、应用尚未读取的数据）或 send（已写入、对端尚未确认的数据）。"
    },
    "values": [
      "receive",
      "send"
    ]
  },
  {
    "name": "kubeskoop.ipvs.direction",
    "type": "enum",
    "semconv": false,
    "brief": {
      "en": "IPVS's own flow direction: incoming (client → virtual service) or outgoing (real server → client, NAT mode).",
      "zh": "IPVS 自己的流向：incoming（客户端 → 虚拟服务）或 outgoing（后端 → 客户端，NAT 模式）。"
    },
    "values": [
      "incoming",
      "outgoing"
    ]
  },
  {
    "name": "kubeskoop.tcp.open.role",
    "type": "enum",
    "semconv": false,
    "brief": {
      "en": "How a TCP connection was opened — active (connect()) or passive (accepted by a listener).",
      "zh": "TCP 连接的建立方式——active（主动 connect()）或 passive（由监听 socket 接受）。"
    },
    "values": [
      "active",
      "passive"
    ]
  },
  {
    "name": "kubeskoop.tcp.send.limit",
    "type": "enum",
    "semconv": false,
    "brief": {
      "en": "What limited a TCP sender while it had data to send (the kernel's tcp_chrono states): receive_window = the peer's advertised window, send_buffer = this side's send buffer, none = neither (congestion window, pacing: the network).",
      "zh": "TCP 发送方有数据待发时受何限制（内核 tcp_chrono 状态）：receive_window 为对端通告窗口，send_buffer 为本端发送缓冲区，none 为两者皆非（拥塞窗口、pacing：网络）。"
    },
    "values": [
      "none",
      "receive_window",
      "send_buffer"
    ]
  },
  {
    "name": "kubeskoop.tcp.retransmit.cause",
    "type": "enum",
    "semconv": false,
    "brief": {
      "en": "Why a TCP segment was retransmitted, from the sender's state when it was sent: timeout = the retransmission timer fired (the Loss state), fast = fast retransmit or recovery (duplicate ACKs, SACK, RACK: the Recovery or CWR state), tail_loss_probe = a probe of the last segment outside recovery, syn = a SYN or SYN-ACK.",
      "zh": "TCP 报文段被重传的原因，取自发送时发送方的状态：timeout 为重传定时器超时（Loss 状态），fast 为快速重传或恢复（重复 ACK、SACK、RACK：Recovery 或 CWR 状态），tail_loss_probe 为恢复之外对最后一个报文段的尾部丢失探测，syn 为 SYN 或 SYN-ACK。"
    },
    "values": [
      "timeout",
      "fast",
      "tail_loss_probe",
      "syn"
    ]
  },
  {
    "name": "kubeskoop.tcp.abort.reason",
    "type": "enum",
    "semconv": false,
    "brief": {
      "en": "Why the kernel aborted a TCP connection (the TcpExt TCPAbortOn* counter it was counted in).",
      "zh": "内核中止 TCP 连接的原因（对应 TcpExt 中的 TCPAbortOn* 计数器）。"
    },
    "values": [
      "close",
      "data",
      "memory",
      "timeout",
      "linger"
    ]
  },
  {
    "name": "kubeskoop.tcp.drop.reason",
    "type": "enum",
    "semconv": false,
    "brief": {
      "en": "Why TCP dropped a received segment for lack of room (TCPBacklogDrop, TCPRcvQDrop, TCPZeroWindowDrop, PFMemallocDrop).",
      "zh": "TCP 因空间不足丢弃已接收报文段的原因（TCPBacklogDrop、TCPRcvQDrop、TCPZeroWindowDrop、PFMemallocDrop）。"
    },
    "values": [
      "backlog",
      "receive_queue",
      "zero_window",
      "pfmemalloc"
    ]
  },
  {
    "name": "kubeskoop.mib.group",
    "type": "string",
    "semconv": false,
    "brief": {
      "en": "The line (group) of /proc/net/snmp, snmp6 or netstat a kernel counter comes from; snmp6 prefixes are split off (Ip6InReceives → Ip6).",
      "zh": "内核计数器所在的 /proc/net/snmp、snmp6 或 netstat 行（分组）；snmp6 的前缀被拆出（Ip6InReceives → Ip6）。"
    },
    "examples": [
      "TcpExt",
      "IpExt",
      "MPTcpExt",
      "Ip",
      "Ip6",
      "Icmp",
      "IcmpMsg",
      "Icmp6",
      "UdpLite",
      "UdpLite6"
    ]
  },
  {
    "name": "kubeskoop.mib.field",
    "type": "string",
    "semconv": false,
    "brief": {
      "en": "The kernel's own name of the counter within its group, unchanged (TCPFastRetrans, InOctets).",
      "zh": "计数器在其分组中的内核原名，不做改动（TCPFastRetrans、InOctets）。"
    },
    "examples": [
      "TCPFastRetrans",
      "InOctets"
    ]
  },
  {
    "name": "cpu.logical_number",
    "type": "int",
    "semconv": true,
    "brief": {
      "en": "Logical CPU number as the operating system sees it (0..n-1).",
      "zh": "操作系统所见的逻辑 CPU 编号（0..n-1）。"
    },
    "examples": [
      "0",
      "1"
    ]
  },
  {
    "name": "disk.io.direction",
    "type": "enum",
    "semconv": true,
    "brief": {
      "en": "Direction of a storage I/O.",
      "zh": "存储 I/O 的方向。"
    },
    "values": [
      "read",
      "write"
    ]
  },
  {
    "name": "kubeskoop.io.direction",
    "type": "enum",
    "semconv": false,
    "brief": {
      "en": "Read-like or write-like system calls (rchar/syscr vs wchar/syscw of /proc/<pid>/io) — any file, pipe or socket, not only disks.",
      "zh": "读类或写类系统调用（/proc/<pid>/io 的 rchar/syscr 与 wchar/syscw）——任何文件、管道或 socket，不只是磁盘。"
    },
    "values": [
      "read",
      "write"
    ]
  },
  {
    "name": "kubeskoop.event.type",
    "type": "string",
    "semconv": false,
    "brief": {
      "en": "KubeSkoop's event type, kept so existing alerts and searches keep working.",
      "zh": "KubeSkoop 的事件类型，保留以便已有的告警与检索继续可用。"
    },
    "examples": [
      "TCPRESET_NOSOCK",
      "PacketLoss"
    ]
  },
  {
    "name": "kubeskoop.tcp.reset.reason",
    "type": "string",
    "semconv": false,
    "brief": {
      "en": "Why the kernel sent the reset — the name of the kernel's `enum sk_rst_reason` value (without the SK_RST_REASON_ prefix), read from the running kernel's BTF.",
      "zh": "内核发送 reset 的原因——内核 `enum sk_rst_reason` 的取值名（去掉 SK_RST_REASON_ 前缀），从当前内核的 BTF 读取。"
    },
    "examples": [
      "NO_SOCKET",
      "TCP_ABORT_ON_DATA",
      "NOT_SPECIFIED"
    ]
  },
  {
    "name": "kubeskoop.drop.reason",
    "type": "string",
    "semconv": false,
    "brief": {
      "en": "Why the kernel dropped the packet — the name of the kernel's `enum skb_drop_reason` value (without the SKB_DROP_REASON_ prefix), read from the running kernel's BTF, so a newer kernel's reasons appear as they are.",
      "zh": "内核丢包的原因——内核 `enum skb_drop_reason` 的取值名（去掉 SKB_DROP_REASON_ 前缀），从当前内核的 BTF 读取，新内核新增的原因会原样出现。"
    },
    "examples": [
      "NO_SOCKET",
      "NETFILTER_DROP",
      "TCP_CSUM"
    ]
  },
  {
    "name": "kubeskoop.drop.location",
    "type": "string",
    "semconv": false,
    "brief": {
      "en": "Kernel function (symbol+offset from /proc/kallsyms) that freed the dropped packet.",
      "zh": "释放被丢弃报文的内核函数（来自 /proc/kallsyms 的 符号+偏移）。"
    },
    "examples": [
      "tcp_v4_rcv+0x91",
      "nft_do_chain+0x3e8"
    ]
  },
  {
    "name": "source.address",
    "type": "string",
    "semconv": true,
    "brief": {
      "en": "Source address of the packet or connection (for a reset, the side that sent it).",
      "zh": "报文或连接的源地址（对 reset 而言是发送方）。"
    }
  },
  {
    "name": "source.port",
    "type": "int",
    "semconv": true,
    "brief": {
      "en": "Source port.",
      "zh": "源端口。"
    }
  },
  {
    "name": "destination.address",
    "type": "string",
    "semconv": true,
    "brief": {
      "en": "Destination address of the packet or connection.",
      "zh": "报文或连接的目的地址。"
    }
  },
  {
    "name": "destination.port",
    "type": "int",
    "semconv": true,
    "brief": {
      "en": "Destination port.",
      "zh": "目的端口。"
    }
  },
  {
    "name": "process.pid",
    "type": "int",
    "semconv": true,
    "brief": {
      "en": "Process on the CPU when the kernel event fired (in softirq context, whichever process was interrupted).",
      "zh": "内核事件发生时 CPU 上的进程（软中断上下文中为被打断的进程）。"
    }
  },
  {
    "name": "process.executable.name",
    "type": "string",
    "semconv": true,
    "brief": {
      "en": "Command name (comm) of that process.",
      "zh": "该进程的命令名（comm）。"
    }
  },
  {
    "name": "kubeskoop.latency.threshold",
    "type": "double",
    "semconv": false,
    "brief": {
      "en": "The threshold a slow-event counter counts above, in seconds (KubeSkoop's 1ms / 10ms / 100ms name suffixes). Configurable per probe.",
      "zh": "慢事件计数所用的阈值，单位秒（对应 KubeSkoop 名称中的 1ms / 10ms / 100ms 后缀）。每个探针可配置。"
    },
    "examples": [
      "0.001",
      "0.01",
      "0.1"
    ]
  },
  {
    "name": "kubeskoop.latency.duration",
    "type": "double",
    "semconv": false,
    "brief": {
      "en": "The latency an event measured, in seconds.",
      "zh": "事件测得的延迟，单位秒。"
    },
    "examples": [
      "0.150173"
    ]
  },
  {
    "name": "kubeskoop.netif.tx.stage",
    "type": "enum",
    "semconv": false,
    "brief": {
      "en": "Where a transmitted packet waited: in the queueing discipline (net_dev_queue → net_dev_start_xmit) or in the driver's transmit (net_dev_start_xmit → net_dev_xmit).",
      "zh": "发送报文等待的位置：排队规则中（net_dev_queue → net_dev_start_xmit）或驱动发送中（net_dev_start_xmit → net_dev_xmit）。"
    },
    "values": [
      "qdisc",
      "driver"
    ]
  },
  {
    "name": "kubeskoop.softirq.phase",
    "type": "enum",
    "semconv": false,
    "brief": {
      "en": "Which part of a softirq's life: schedule = raised until it starts running, execute = running until it exits.",
      "zh": "软中断生命周期的阶段：schedule = 从发起到开始执行，execute = 从开始执行到结束。"
    },
    "values": [
      "schedule",
      "execute"
    ]
  },
  {
    "name": "kubeskoop.softirq.type",
    "type": "enum",
    "semconv": false,
    "brief": {
      "en": "The softirq vector, by the kernel's name (KubeSkoop's softirq_type label, upper case).",
      "zh": "软中断向量，使用内核名称（KubeSkoop 的 softirq_type 标签，大写）。"
    },
    "values": [
      "HI",
      "TIMER",
      "NET_TX",
      "NET_RX",
      "BLOCK",
      "IRQ_POLL",
      "TASKLET",
      "SCHED",
      "HRTIMER",
      "RCU"
    ]
  },
  {
    "name": "kubeskoop.block.operation",
    "type": "string",
    "semconv": false,
    "brief": {
      "en": "The block request's operation (the kernel's REQ_OP_ name, lower case).",
      "zh": "块请求的操作类型（内核 REQ_OP_ 名称，小写）。"
    },
    "examples": [
      "read",
      "write",
      "flush",
      "discard"
    ]
  },
  {
    "name": "kubeskoop.qdisc.kind",
    "type": "string",
    "semconv": false,
    "brief": {
      "en": "The queueing discipline's kind, as `tc qdisc` names it.",
      "zh": "队列规则（qdisc）的类型，与 `tc qdisc` 显示的名称一致。"
    },
    "examples": [
      "pfifo_fast",
      "tbf",
      "htb",
      "fq_codel",
      "noqueue",
      "mq"
    ]
  },
  {
    "name": "kubeskoop.qdisc.handle",
    "type": "string",
    "semconv": false,
    "brief": {
      "en": "The qdisc's handle, major:minor in hex as `tc` prints it (\"1:\", \"8001:\"; \"0:\" for the default qdisc of a device).",
      "zh": "qdisc 的句柄，与 `tc` 的十六进制 major:minor 写法一致（\"1:\"、\"8001:\"；设备默认 qdisc 为 \"0:\"）。"
    },
    "examples": [
      "1:",
      "8001:",
      "0:"
    ]
  },
  {
    "name": "kubeskoop.qdisc.parent",
    "type": "string",
    "semconv": false,
    "brief": {
      "en": "Where the qdisc hangs, as `tc` prints it — \"root\" for the device's root qdisc, else the parent class (\"1:1\", \"ffff:fff1\" for ingress/clsact).",
      "zh": "qdisc 挂载的位置，与 `tc` 的写法一致——设备根 qdisc 为 \"root\"，否则为父类（\"1:1\"，ingress/clsact 为 \"ffff:fff1\"）。"
    },
    "examples": [
      "root",
      "1:1",
      "ffff:fff1"
    ]
  },
  {
    "name": "network.peer.address",
    "type": "string",
    "semconv": true,
    "brief": {
      "en": "Peer address of the network connection: on flow series, the address of the other side of the pod's traffic (the source of what it receives, the destination of what it sends), `other` on the series that folds the peers beyond the top-K; on the connections probe's client-side metrics, the IP address the pod connected to (a Service's virtual IP stays as it is: the kernel's socket has it).",
      "zh": "网络连接的对端地址：在 flow 序列上为 Pod 流量的另一端（接收时为源地址，发送时为目的地址），超出 top-K 的对端合并到值为 `other` 的序列；在 connections 探针的客户端指标上为 Pod 连接的 IP 地址（Service 的虚拟 IP 保持原样：内核中的 socket 记录的就是它）。"
    },
    "examples": [
      "10.0.1.7",
      "fd00::7",
      "10.96.0.10",
      "other"
    ]
  },
  {
    "name": "dns.question.name",
    "type": "string",
    "semconv": true,
    "brief": {
      "en": "The name a DNS query asked for, as it was on the wire (with the search suffix the resolver library added), on the dns probe's events. Bytes other than letters, digits, '-', '_' and '*' are written \\DDD; a name longer than 128 bytes ends in '...'.",
      "zh": "DNS 查询所问的名称，与报文中一致（含解析库添加的搜索后缀），用于 dns 探针的事件。字母、数字、'-'、'_'、'*' 以外的字节写作 \\DDD；超过 128 字节的名称以 '...' 结尾。"
    },
    "examples": [
      "api.example.com.default.svc.cluster.local",
      "kube-dns.kube-system.svc.cluster.local"
    ]
  },
  {
    "name": "kubeskoop.dns.question.type",
    "type": "string",
    "semconv": false,
    "brief": {
      "en": "The DNS question type (QTYPE) by its mnemonic (A, AAAA, SRV, PTR, …), else TYPE<n> (RFC 3597).",
      "zh": "DNS 查询类型（QTYPE）的助记名（A、AAAA、SRV、PTR……），否则为 TYPE<n>（RFC 3597）。"
    },
    "examples": [
      "A",
      "AAAA",
      "SRV",
      "TYPE65"
    ]
  },
  {
    "name": "kubeskoop.dns.response.code",
    "type": "string",
    "semconv": false,
    "brief": {
      "en": "The DNS response code (RCODE) by its name: NOERROR, FORMERR, SERVFAIL, NXDOMAIN, NOTIMP, REFUSED, YXDOMAIN, YXRRSET, NXRRSET, NOTAUTH, NOTZONE, else RCODE<n>.",
      "zh": "DNS 响应码（RCODE）名称：NOERROR、FORMERR、SERVFAIL、NXDOMAIN、NOTIMP、REFUSED、YXDOMAIN、YXRRSET、NXRRSET、NOTAUTH、NOTZONE，否则为 RCODE<n>。"
    },
    "examples": [
      "NOERROR",
      "NXDOMAIN",
      "SERVFAIL"
    ]
  },
  {
    "name": "network.local.address",
    "type": "string",
    "semconv": true,
    "brief": {
      "en": "Local address of the network connection: on flow series, the pod's own address in its traffic with the peer (the destination of what it receives, the source of what it sends); absent on the `other` series.",
      "zh": "网络连接的本端地址：在 flow 序列上为 Pod 与该对端通信时自身的地址（接收时为目的地址，发送时为源地址）；`other` 序列上没有。"
    },
    "examples": [
      "10.0.1.5",
      "fd00::5"
    ]
  },
  {
    "name": "kubeskoop.peer.kind",
    "type": "enum",
    "semconv": false,
    "brief": {
      "en": "What the peer address was resolved to, in this order: a pod (known to the agent's pod list and watch, which covers this node's pods), a Service ClusterIP (a cluster-wide Service list and watch), a node (an InternalIP/ExternalIP of the cluster-wide Node list and watch, or one of this node's own addresses), a configured CIDR bucket, else the plain IP; `other` = the peers folded beyond the per-pod top-K or the node-wide series cap.",
      "zh": "对端地址解析的结果，依次为：Pod（agent 的 Pod 列表与 watch 中已知，覆盖本节点的 Pod）、Service 的 ClusterIP（全集群 Service 列表与 watch）、节点（全集群 Node 列表与 watch 中的 InternalIP/ExternalIP，或本节点自己的地址）、配置的 CIDR 分组，否则为 IP 本身；`other` 表示超出每 Pod top-K 或节点序列上限而被合并的对端。"
    },
    "values": [
      "pod",
      "service",
      "node",
      "ip",
      "cidr",
      "other"
    ]
  },
  {
    "name": "kubeskoop.peer.name",
    "type": "string",
    "semconv": false,
    "brief": {
      "en": "The peer's name: pod or Service name, node name, CIDR bucket (as configured), or the address itself.",
      "zh": "对端名称：Pod 或 Service 名、节点名、CIDR 分组（按配置）或地址本身。"
    },
    "examples": [
      "coredns-5d78c9869d-abcde",
      "kube-dns",
      "node-2",
      "10.0.0.0/8"
    ]
  },
  {
    "name": "kubeskoop.peer.namespace",
    "type": "string",
    "semconv": false,
    "brief": {
      "en": "Kubernetes namespace of a peer pod or Service (empty for other kinds).",
      "zh": "对端 Pod 或 Service 所在的 Kubernetes 命名空间（其他类型为空）。"
    },
    "examples": [
      "kube-system"
    ]
  },
  {
    "name": "kubeskoop.peer.role",
    "type": "enum",
    "semconv": false,
    "brief": {
      "en": "Role of the peer in the traffic: server = the pod connected to it (the port is the peer's), client = it connected to the pod (the port is the pod's). TCP: from the SYN; UDP: the side with the lower port is the server.",
      "zh": "对端在流量中的角色：server 表示 Pod 连接对端（端口属于对端），client 表示对端连接 Pod（端口属于 Pod）。TCP 依据 SYN 判断；UDP 以端口较小的一方为服务端。"
    },
    "values": [
      "server",
      "client"
    ]
  },
  {
    "name": "kubeskoop.flow.protocol",
    "type": "string",
    "semconv": false,
    "brief": {
      "en": "The protocol of flow traffic that is neither TCP nor UDP (network.transport is then absent): icmp, icmpv6, an IP protocol number, or for non-IP frames the ethertype (arp, 0x88cc…).",
      "zh": "既非 TCP 也非 UDP 的流量协议（此时无 network.transport）：icmp、icmpv6、IP 协议号；非 IP 帧则为以太类型（arp、0x88cc…）。"
    },
    "examples": [
      "icmp",
      "icmpv6",
      "arp"
    ]
  }
];

// Metrics
export const AGENT_PROBE_DURATION: MetricDefinition = {
  "id": "agent.probe_duration",
  "probe": "agent",
  "key": "probe_duration",
  "family": "agent.probe_duration",
  "name": "kubeskoop.agent.probe.duration",
  "entities": [
    "agent"
  ],
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
  "family": "agent.probe_errors",
  "name": "kubeskoop.agent.probe.errors",
  "entities": [
    "agent"
  ],
  "semconv": false,
  "renamedAttributes": {
    "kubeskoop.probe.error.kind": "error.type"
  },
  "instrument": "counter",
  "unit": "{error}",
  "attributes": [
    "kubeskoop.probe.name",
    "error.type"
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
  "family": "agent.cycle_duration",
  "name": "kubeskoop.agent.cycle.duration",
  "entities": [
    "agent"
  ],
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
  "family": "agent.target_count",
  "name": "kubeskoop.agent.target.count",
  "entities": [
    "agent"
  ],
  "semconv": false,
  "instrument": "updowncounter",
  "unit": "{namespace}",
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

export const AGENT_BPF_SKIPPED_RUNS: MetricDefinition = {
  "id": "agent.bpf_skipped_runs",
  "probe": "agent",
  "key": "bpf_skipped_runs",
  "family": "agent.bpf_skipped_runs",
  "name": "kubeskoop.agent.bpf.skipped_runs",
  "entities": [
    "agent"
  ],
  "semconv": false,
  "renamedFrom": [],
  "instrument": "counter",
  "unit": "{run}",
  "attributes": [
    "kubeskoop.probe.name",
    "kubeskoop.bpf.program.name"
  ],
  "source": "the kernel's count of each loaded program (bpf_prog_info.recursion_misses), read with the probes' in-kernel counters",
  "brief": {
    "en": "Runs of an eBPF program the kernel skipped because the program was already running on that CPU (a softirq interrupting a process in the same hook). The probe's in-kernel counts and events for those runs are missing.",
    "zh": "内核因该 eBPF 程序已在同一 CPU 上运行而跳过的运行次数（软中断打断了同一挂载点上的进程上下文）。这些运行对应的内核内计数和事件缺失。"
  },
  "legacy": [],
  "legacyAggregation": "none"
};

export const AGENT_EXPORTER_DATA_POINTS: MetricDefinition = {
  "id": "agent.exporter_data_points",
  "probe": "agent",
  "key": "exporter_data_points",
  "family": "agent.exporter_data_points",
  "name": "otel.sdk.exporter.metric_data_point.exported",
  "entities": [
    "agent"
  ],
  "semconv": true,
  "renamedFrom": [
    "kubeskoop.agent.export.failures"
  ],
  "instrument": "counter",
  "unit": "{data_point}",
  "attributes": [
    "otel.component.type",
    "otel.component.name",
    "server.address",
    "server.port",
    "error.type"
  ],
  "source": "the OTLP metric exporter (@opentelemetry/otlp-exporter-base), per export",
  "brief": {
    "en": "Metric data points whose OTLP export finished, by outcome (error.type set when the export failed). Metrics are cumulative, so the next successful export carries what a failed one missed.",
    "zh": "OTLP 导出已完成的指标数据点，按结果区分（导出失败时带 error.type）。指标为累计值，下一次成功导出会补上失败的那次。"
  },
  "legacy": [],
  "legacyAggregation": "none"
};

export const AGENT_EXPORTER_LOGS: MetricDefinition = {
  "id": "agent.exporter_logs",
  "probe": "agent",
  "key": "exporter_logs",
  "family": "agent.exporter_logs",
  "name": "otel.sdk.exporter.log.exported",
  "entities": [
    "agent"
  ],
  "semconv": true,
  "renamedFrom": [
    "kubeskoop.agent.export.dropped"
  ],
  "instrument": "counter",
  "unit": "{log_record}",
  "attributes": [
    "otel.component.type",
    "otel.component.name",
    "server.address",
    "server.port",
    "error.type"
  ],
  "source": "the OTLP log exporters (OTLP and the Loki sink), per export",
  "brief": {
    "en": "Event log records whose export attempt finished, by outcome; with error.type set the attempt failed (the retry buffer sends them again).",
    "zh": "导出尝试已完成的事件日志记录，按结果区分；带 error.type 表示该次尝试失败（重试缓冲区会再次发送）。"
  },
  "legacy": [],
  "legacyAggregation": "none"
};

export const AGENT_EXPORTER_DATA_POINTS_INFLIGHT: MetricDefinition = {
  "id": "agent.exporter_data_points_inflight",
  "probe": "agent",
  "key": "exporter_data_points_inflight",
  "family": "agent.exporter_data_points_inflight",
  "name": "otel.sdk.exporter.metric_data_point.inflight",
  "entities": [
    "agent"
  ],
  "semconv": true,
  "renamedFrom": [],
  "instrument": "updowncounter",
  "unit": "{data_point}",
  "attributes": [
    "otel.component.type",
    "otel.component.name",
    "server.address",
    "server.port"
  ],
  "source": "the OTLP metric exporter, while an export is under way",
  "brief": {
    "en": "Metric data points handed to the OTLP exporter whose export has not finished yet (a slow or unreachable backend keeps them here).",
    "zh": "已交给 OTLP exporter、导出尚未结束的指标数据点（后端缓慢或不可达时停留于此）。"
  },
  "legacy": [],
  "legacyAggregation": "none"
};

export const AGENT_EXPORTER_LOGS_INFLIGHT: MetricDefinition = {
  "id": "agent.exporter_logs_inflight",
  "probe": "agent",
  "key": "exporter_logs_inflight",
  "family": "agent.exporter_logs_inflight",
  "name": "otel.sdk.exporter.log.inflight",
  "entities": [
    "agent"
  ],
  "semconv": true,
  "renamedFrom": [],
  "instrument": "updowncounter",
  "unit": "{log_record}",
  "attributes": [
    "otel.component.type",
    "otel.component.name",
    "server.address",
    "server.port"
  ],
  "source": "the OTLP log exporters, while an export is under way",
  "brief": {
    "en": "Event log records handed to an OTLP exporter whose export has not finished yet.",
    "zh": "已交给 OTLP exporter、导出尚未结束的事件日志记录。"
  },
  "legacy": [],
  "legacyAggregation": "none"
};

export const AGENT_EXPORTER_DURATION: MetricDefinition = {
  "id": "agent.exporter_duration",
  "probe": "agent",
  "key": "exporter_duration",
  "family": "agent.exporter_duration",
  "name": "otel.sdk.exporter.operation.duration",
  "entities": [
    "agent"
  ],
  "semconv": true,
  "renamedFrom": [],
  "instrument": "histogram",
  "unit": "s",
  "attributes": [
    "otel.component.type",
    "otel.component.name",
    "server.address",
    "server.port",
    "error.type",
    "http.response.status_code"
  ],
  "source": "the OTLP exporters, around each export call (the SDK's gRPC exporter also sets rpc.response.status_code, which semconv deprecated: a view drops it)",
  "brief": {
    "en": "Time one OTLP export took, by exporter and outcome (error.type set when it failed).",
    "zh": "一次 OTLP 导出所用的时间，按 exporter 与结果区分（失败时带 error.type）。"
  },
  "legacy": [],
  "legacyAggregation": "none"
};

export const AGENT_PROCESSOR_LOGS: MetricDefinition = {
  "id": "agent.processor_logs",
  "probe": "agent",
  "key": "processor_logs",
  "family": "agent.processor_logs",
  "name": "otel.sdk.processor.log.processed",
  "entities": [
    "agent"
  ],
  "semconv": true,
  "renamedFrom": [
    "kubeskoop.agent.export.dropped"
  ],
  "instrument": "counter",
  "unit": "{log_record}",
  "attributes": [
    "otel.component.type",
    "otel.component.name",
    "error.type"
  ],
  "source": "the batching log processor (@opentelemetry/sdk-logs) of each log pipeline, and the agent's retry buffer behind it (otel.component.type=kubeskoop_retry_buffer)",
  "brief": {
    "en": "Event log records the batch processor handed on, and (error.type=queue_full) those it dropped with its queue full; for the retry buffer, records delivered, and those dropped: buffer_full (the oldest, the buffer being full while the backend is down), export_failed (refused for good), shutdown.",
    "zh": "批量处理器转交的事件日志记录，以及（error.type=queue_full）队列已满时丢弃的记录；对重试缓冲区：已送达的记录，以及丢弃的记录：buffer_full（后端不可用、缓冲区已满时丢弃最旧的）、export_failed（被后端永久拒绝）、shutdown。"
  },
  "legacy": [],
  "legacyAggregation": "none"
};

export const AGENT_PROCESSOR_LOG_QUEUE: MetricDefinition = {
  "id": "agent.processor_log_queue",
  "probe": "agent",
  "key": "processor_log_queue",
  "family": "agent.processor_log_queue",
  "name": "otel.sdk.processor.log.queue.size",
  "entities": [
    "agent"
  ],
  "semconv": true,
  "renamedFrom": [],
  "instrument": "updowncounter",
  "unit": "{log_record}",
  "attributes": [
    "otel.component.type",
    "otel.component.name"
  ],
  "source": "the batching log processor of each log pipeline",
  "brief": {
    "en": "Event log records waiting in the batch processor's queue, or held by the retry buffer.",
    "zh": "在批量处理器队列中等待、或由重试缓冲区持有的事件日志记录数。"
  },
  "legacy": [],
  "legacyAggregation": "none"
};

export const AGENT_PROCESSOR_LOG_QUEUE_CAPACITY: MetricDefinition = {
  "id": "agent.processor_log_queue_capacity",
  "probe": "agent",
  "key": "processor_log_queue_capacity",
  "family": "agent.processor_log_queue_capacity",
  "name": "otel.sdk.processor.log.queue.capacity",
  "entities": [
    "agent"
  ],
  "semconv": true,
  "renamedFrom": [],
  "instrument": "updowncounter",
  "unit": "{log_record}",
  "attributes": [
    "otel.component.type",
    "otel.component.name"
  ],
  "source": "the batching log processor of each log pipeline",
  "brief": {
    "en": "The most event log records the batch processor's queue (or the retry buffer, otlp.buffer.max_records) holds.",
    "zh": "批量处理器队列（或重试缓冲区，otlp.buffer.max_records）最多容纳的事件日志记录数。"
  },
  "legacy": [],
  "legacyAggregation": "none"
};

export const AGENT_PROCESSOR_SPANS: MetricDefinition = {
  "id": "agent.processor_spans",
  "probe": "agent",
  "key": "processor_spans",
  "family": "agent.processor_spans",
  "name": "otel.sdk.processor.span.processed",
  "entities": [
    "agent"
  ],
  "semconv": true,
  "renamedFrom": [],
  "instrument": "counter",
  "unit": "{span}",
  "attributes": [
    "otel.component.type",
    "otel.component.name",
    "error.type"
  ],
  "source": "the agent's retry buffer of the span pipeline (otel.component.type=kubeskoop_retry_buffer)",
  "brief": {
    "en": "Spans the retry buffer delivered, and those it dropped: buffer_full (the oldest, the buffer being full while the backend is down), export_failed (refused for good), shutdown.",
    "zh": "重试缓冲区已送达的 span，以及丢弃的 span：buffer_full（后端不可用、缓冲区已满时丢弃最旧的）、export_failed（被后端永久拒绝）、shutdown。"
  },
  "legacy": [],
  "legacyAggregation": "none"
};

export const AGENT_SPAN_STARTED: MetricDefinition = {
  "id": "agent.span_started",
  "probe": "agent",
  "key": "span_started",
  "family": "agent.span_started",
  "name": "otel.sdk.span.started",
  "entities": [
    "agent"
  ],
  "semconv": true,
  "renamedFrom": [],
  "instrument": "counter",
  "unit": "{span}",
  "attributes": [
    "otel.span.sampling_result",
    "otel.span.parent.origin"
  ],
  "source": "the agent's span path, per kernel interval of a probe with spans true; DROP = over the per-node rate cap (traces.rate_per_node)",
  "brief": {
    "en": "Kernel intervals offered as spans, by sampling result: RECORD_AND_SAMPLE were exported, DROP were over the per-node rate cap (counted, not exported). Always root spans (parent origin none).",
    "zh": "作为 span 提供的内核区间，按采样结果区分：RECORD_AND_SAMPLE 已导出，DROP 超出每节点速率上限（计数但不导出）。总是根 span（父来源为 none）。"
  },
  "legacy": [],
  "legacyAggregation": "none"
};

export const BIOLATENCY_SLOW: MetricDefinition = {
  "id": "biolatency.slow",
  "probe": "biolatency",
  "key": "slow",
  "family": "biolatency.slow",
  "name": "kubeskoop.block.io.slow",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "renamedAttributes": {
    "system.device": "system.device.name"
  },
  "instrument": "counter",
  "unit": "{request}",
  "attributes": [
    "system.device.name",
    "kubeskoop.block.operation",
    "kubeskoop.latency.threshold"
  ],
  "source": "eBPF tp_btf/block_io_start -> block_io_done, per device (dev_t) and REQ_OP in a BPF map",
  "brief": {
    "en": "Block requests that took longer than the threshold from start to completion (default thresholds 10 ms and 100 ms). KubeSkoop had events only.",
    "zh": "从开始到完成耗时超过阈值的块请求数（默认阈值 10ms 与 100ms）。KubeSkoop 只有事件。"
  },
  "legacy": [],
  "legacyAggregation": "none"
};

export const BIOLATENCY_DURATION: MetricDefinition = {
  "id": "biolatency.duration",
  "probe": "biolatency",
  "key": "duration",
  "family": "biolatency.duration",
  "name": "kubeskoop.block.io.duration",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "renamedAttributes": {
    "system.device": "system.device.name"
  },
  "instrument": "histogram",
  "unit": "s",
  "attributes": [
    "system.device.name",
    "kubeskoop.block.operation"
  ],
  "source": "eBPF tp_btf/block_io_start -> block_io_done, fixed buckets in a BPF map",
  "brief": {
    "en": "Time a block request took from start (accounting start) to completion, per device and operation.",
    "zh": "块请求从开始（计账开始）到完成所用的时间，按设备和操作类型统计。"
  },
  "legacy": [],
  "legacyAggregation": "none",
  "buckets": [
    0.000001,
    0.000002,
    0.000005,
    0.00001,
    0.00002,
    0.00005,
    0.0001,
    0.0002,
    0.0005,
    0.001,
    0.002,
    0.005,
    0.01,
    0.02,
    0.05,
    0.1,
    0.2,
    0.5,
    1,
    2,
    5,
    10
  ]
};

export const BIOLATENCY_UNDELIVERED: MetricDefinition = {
  "id": "biolatency.undelivered",
  "probe": "biolatency",
  "key": "undelivered",
  "family": "biolatency.undelivered",
  "name": "kubeskoop.event.undelivered",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "counter",
  "unit": "{event}",
  "attributes": [
    "kubeskoop.probe.name",
    "error.type"
  ],
  "source": "BPF map counters of events not put on the ring buffer (rate limit, ring full)",
  "brief": {
    "en": "Kernel events that were counted but not delivered as log records, by probe and cause (`error.type`): the in-kernel rate limit per namespace or node-wide (netns_rate_limit, global_rate_limit), a full ring buffer (ring_full); for the loki sink, its buffer full while Loki lagged (loki_buffer_full), Loki refusing the push with a 4xx (loki_rejected), or every retry failing (loki_failed). Counts above stay exact; only the individual records were cut.",
    "zh": "已计数但未作为日志记录送出的内核事件数，按探针和原因（`error.type`）分类：内核内按命名空间或全节点的限速（netns_rate_limit、global_rate_limit）、环形缓冲区已满（ring_full）；对 loki sink 而言，Loki 滞后时其缓冲区已满（loki_buffer_full）、Loki 以 4xx 拒绝推送（loki_rejected），或所有重试均失败（loki_failed）。上面的计数仍然精确，只是逐条记录被裁掉了。"
  },
  "legacy": [],
  "legacyAggregation": "none"
};

export const BIOLATENCY_UNTRACKED: MetricDefinition = {
  "id": "biolatency.untracked",
  "probe": "biolatency",
  "key": "untracked",
  "family": "biolatency.untracked",
  "name": "kubeskoop.latency.untracked",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "counter",
  "unit": "{event}",
  "attributes": [
    "kubeskoop.probe.name",
    "error.type"
  ],
  "source": "BPF: the probe's direct-mapped in-flight table (slot taken over while young = evicted; found older than 30 s = expired)",
  "brief": {
    "en": "In-flight work (a socket's pending data, a queued packet, a block request) that was started but never measured, by cause (`error.type`): its tracking slot was taken by another object while it was still young (evicted), or it was found older than the age limit (expired: its completion happened on a path no hook sees). Node-wide; raise track_entries when evictions grow.",
    "zh": "已开始但未被测量的进行中工作（socket 的待读/待发数据、排队的报文、块请求），按原因（`error.type`）分类：其跟踪槽位在它仍较新时被其他对象占用（evicted），或被发现超过了年龄上限（expired：其完成发生在没有挂钩的路径上）。全节点范围；evicted 增长时调大 track_entries。"
  },
  "legacy": [],
  "legacyAggregation": "none"
};

export const CONNECTIONS_HANDSHAKE_DURATION: MetricDefinition = {
  "id": "connections.handshake_duration",
  "probe": "connections",
  "key": "handshake_duration",
  "family": "connections.handshake_duration",
  "name": "kubeskoop.tcp.handshake.duration",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "renamedFrom": [],
  "instrument": "histogram",
  "unit": "s",
  "attributes": [
    "kubeskoop.tcp.open.role",
    "network.type",
    "network.peer.address",
    "kubeskoop.peer.kind",
    "kubeskoop.peer.name",
    "kubeskoop.peer.namespace",
    "server.port"
  ],
  "source": "eBPF tp_btf/inet_sock_set_state: client SYN_SENT -> ESTABLISHED (start kept in socket local storage); server SYN_RECV -> ESTABLISHED of the accepted socket (its SYN-ACK -> ACK RTT sample); fixed buckets per (netns, role, peer, port) in a BPF hash map",
  "brief": {
    "en": "TCP handshakes that completed, and how long they took. Client side (kubeskoop.tcp.open.role=active): from the SYN sent to the connection established, per destination (network.peer.address, server.port; kubeskoop.peer.kind/name/namespace name the peer as the flow probe does: pod, Service, node, CIDR bucket, else the address; peers beyond the per-pod top-K are folded into one `other` series). Server side (passive): from the SYN-ACK sent to the client's ACK, per listening port (server.port). The count of the histogram is the number of successful connects. Semantic conventions proposal #3682 calls this system.network.tcp.handshake.duration; it is no semconv name yet.",
    "zh": "已完成的 TCP 握手及其耗时。客户端（kubeskoop.tcp.open.role=active）：从发出 SYN 到连接建立，按目的端（network.peer.address、server.port；kubeskoop.peer.kind/name/namespace 与 flow 探针一致地命名对端：Pod、Service、节点、CIDR 分组，否则为地址；超出每 Pod top-K 的对端合并为一个 `other` 序列）统计。服务端（passive）：从发出 SYN-ACK 到收到客户端 ACK，按监听端口（server.port）统计。直方图的计数即成功建立的连接数。语义约定提案 #3682 称之为 system.network.tcp.handshake.duration，尚非正式名称。"
  },
  "legacy": [],
  "legacyAggregation": "none",
  "buckets": [
    0.000001,
    0.000002,
    0.000005,
    0.00001,
    0.00002,
    0.00005,
    0.0001,
    0.0002,
    0.0005,
    0.001,
    0.002,
    0.005,
    0.01,
    0.02,
    0.05,
    0.1,
    0.2,
    0.5,
    1,
    2,
    5,
    10
  ]
};

export const CONNECTIONS_CONNECT_FAILURES: MetricDefinition = {
  "id": "connections.connect_failures",
  "probe": "connections",
  "key": "connect_failures",
  "family": "connections.connect_failures",
  "name": "kubeskoop.tcp.connect.failures",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "renamedFrom": [],
  "instrument": "counter",
  "unit": "{connection}",
  "attributes": [
    "error.type",
    "network.type",
    "network.peer.address",
    "kubeskoop.peer.kind",
    "kubeskoop.peer.name",
    "kubeskoop.peer.namespace",
    "server.port"
  ],
  "source": "eBPF tp_btf/inet_sock_set_state SYN_SENT -> CLOSE (the socket's sk_err), syscalls/sys_exit_connect (errors connect() returns before a SYN is sent), counted per (netns, peer, port, cause) in a BPF hash map",
  "brief": {
    "en": "TCP connects from this pod that failed, per destination and cause (error.type): refused (RST or ICMP port unreachable), reset, timed_out (SYN retries exhausted: a blackhole or a firewall drop), host_unreachable, net_unreachable (no route, an unreachable route: connect() fails at once), addr_not_available (no free local port: ephemeral port exhaustion), canceled (the application closed the socket before the handshake ended, e.g. its own connect timeout), other.",
    "zh": "本 Pod 发起、失败的 TCP 连接数，按目的端与原因（error.type）统计：refused（RST 或 ICMP 端口不可达）、reset、timed_out（SYN 重试耗尽：黑洞或防火墙丢弃）、host_unreachable、net_unreachable（无路由、unreachable 路由：connect() 立即失败）、addr_not_available（无可用本地端口：临时端口耗尽）、canceled（握手结束前应用关闭了 socket，如其自身的连接超时）、other。"
  },
  "legacy": [],
  "legacyAggregation": "none"
};

export const CONNECTIONS_HANDSHAKE_RETRANSMITS: MetricDefinition = {
  "id": "connections.handshake_retransmits",
  "probe": "connections",
  "key": "handshake_retransmits",
  "family": "connections.handshake_retransmits",
  "name": "kubeskoop.tcp.handshake.retransmits",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "renamedFrom": [],
  "instrument": "counter",
  "unit": "{segment}",
  "attributes": [
    "kubeskoop.tcp.open.role",
    "network.type",
    "network.peer.address",
    "kubeskoop.peer.kind",
    "kubeskoop.peer.name",
    "kubeskoop.peer.namespace",
    "server.port"
  ],
  "source": "eBPF tp_btf/tcp_retransmit_skb in SYN_SENT (client SYN), tp_btf/tcp_retransmit_synack (server SYN-ACK, per listening port)",
  "brief": {
    "en": "Handshake segments retransmitted: SYNs of this pod's connects per destination (active), SYN-ACKs of its listeners per port (passive). SYN retransmits with no failure mean loss or a slow peer on the path; with timed_out failures, a blackhole.",
    "zh": "重传的握手报文：本 Pod 发起连接的 SYN（active，按目的端），其监听 socket 的 SYN-ACK（passive，按端口）。有 SYN 重传而无失败说明路径丢包或对端慢；伴随 timed_out 失败则是黑洞。"
  },
  "legacy": [],
  "legacyAggregation": "none"
};

export const CONNECTIONS_UNDELIVERED: MetricDefinition = {
  "id": "connections.undelivered",
  "probe": "connections",
  "key": "undelivered",
  "family": "connections.undelivered",
  "name": "kubeskoop.event.undelivered",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "counter",
  "unit": "{event}",
  "attributes": [
    "kubeskoop.probe.name",
    "error.type"
  ],
  "source": "BPF map counters of events not put on the ring buffer (rate limit, ring full)",
  "brief": {
    "en": "Kernel events that were counted but not delivered as log records, by probe and cause (`error.type`): the in-kernel rate limit per namespace or node-wide (netns_rate_limit, global_rate_limit), a full ring buffer (ring_full); for the loki sink, its buffer full while Loki lagged (loki_buffer_full), Loki refusing the push with a 4xx (loki_rejected), or every retry failing (loki_failed). Counts above stay exact; only the individual records were cut.",
    "zh": "已计数但未作为日志记录送出的内核事件数，按探针和原因（`error.type`）分类：内核内按命名空间或全节点的限速（netns_rate_limit、global_rate_limit）、环形缓冲区已满（ring_full）；对 loki sink 而言，Loki 滞后时其缓冲区已满（loki_buffer_full）、Loki 以 4xx 拒绝推送（loki_rejected），或所有重试均失败（loki_failed）。上面的计数仍然精确，只是逐条记录被裁掉了。"
  },
  "legacy": [],
  "legacyAggregation": "none"
};

export const CONNTRACK_ENTRIES: MetricDefinition = {
  "id": "conntrack.entries",
  "probe": "conntrack",
  "key": "entries",
  "family": "conntrack.entries",
  "name": "kubeskoop.conntrack.entry.count",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "updowncounter",
  "unit": "{entry}",
  "attributes": [],
  "source": "/proc/<pid>/net/stat/nf_conntrack: entries (the namespace's nf_conntrack_count)",
  "brief": {
    "en": "Connections tracked in the namespace's conntrack table now. Near the limit new flows are dropped (\"nf_conntrack: table full\").",
    "zh": "命名空间 conntrack 表当前跟踪的连接数。接近上限时新连接会被丢弃（\"nf_conntrack: table full\"）。"
  },
  "legacy": [
    {
      "name": "inspector_pod_conntrackentries",
      "attributes": {}
    },
    {
      "name": "kubeskoop_conntrack_entries",
      "attributes": {}
    }
  ],
  "legacyAggregation": "none"
};

export const CONNTRACK_LIMIT: MetricDefinition = {
  "id": "conntrack.limit",
  "probe": "conntrack",
  "key": "limit",
  "family": "conntrack.limit",
  "name": "kubeskoop.conntrack.entry.limit",
  "entities": [
    "host"
  ],
  "semconv": false,
  "instrument": "updowncounter",
  "unit": "{entry}",
  "attributes": [],
  "source": "/proc/sys/net/netfilter/nf_conntrack_max (node-wide)",
  "brief": {
    "en": "Node-wide: maximum number of conntrack entries (net.netfilter.nf_conntrack_max; one limit for the node, reported on the host target only). Alert on entries ÷ limit.",
    "zh": "全节点：conntrack 表的最大条目数（net.netfilter.nf_conntrack_max，全节点一个值，仅在主机目标上报告）。对 条目数 ÷ 上限 告警。"
  },
  "legacy": [
    {
      "name": "inspector_pod_conntrackmaxentries",
      "attributes": {},
      "nodeWide": true
    },
    {
      "name": "kubeskoop_conntrack_maxentries",
      "attributes": {},
      "nodeWide": true
    }
  ],
  "legacyAggregation": "none"
};

export const CONNTRACK_FOUND: MetricDefinition = {
  "id": "conntrack.found",
  "probe": "conntrack",
  "key": "found",
  "family": "conntrack.found",
  "name": "kubeskoop.conntrack.found_packets",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "counter",
  "unit": "{packet}",
  "attributes": [],
  "source": "/proc/<pid>/net/stat/nf_conntrack: found, summed over CPUs",
  "brief": {
    "en": "Packets whose connection was found in the table (kernels before 5.x left this 0).",
    "zh": "在表中找到所属连接的包数（5.x 之前的内核此值恒为 0）。"
  },
  "legacy": [
    {
      "name": "inspector_pod_conntrackfound",
      "attributes": {}
    },
    {
      "name": "kubeskoop_conntrack_found",
      "attributes": {}
    }
  ],
  "legacyAggregation": "none"
};

export const CONNTRACK_INVALID: MetricDefinition = {
  "id": "conntrack.invalid",
  "probe": "conntrack",
  "key": "invalid",
  "family": "conntrack.invalid",
  "name": "kubeskoop.conntrack.invalid_packets",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "counter",
  "unit": "{packet}",
  "attributes": [],
  "source": "/proc/<pid>/net/stat/nf_conntrack: invalid, summed over CPUs",
  "brief": {
    "en": "Packets conntrack could not classify (malformed, out-of-window TCP, …): matched no connection and did not create one. Rising: asymmetric routing or broken TCP state.",
    "zh": "无法被 conntrack 归类的包（格式错误、TCP 窗口外等）：既不属于已有连接也未创建新连接。上涨说明存在非对称路由或 TCP 状态异常。"
  },
  "legacy": [
    {
      "name": "inspector_pod_conntrackinvalid",
      "attributes": {}
    },
    {
      "name": "kubeskoop_conntrack_invalid",
      "attributes": {}
    }
  ],
  "legacyAggregation": "none"
};

export const CONNTRACK_IGNORED: MetricDefinition = {
  "id": "conntrack.ignored",
  "probe": "conntrack",
  "key": "ignored",
  "family": "conntrack.ignored",
  "name": "kubeskoop.conntrack.ignored_packets",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "counter",
  "unit": "{packet}",
  "attributes": [],
  "source": "/proc/<pid>/net/stat/nf_conntrack: ignore, summed over CPUs",
  "brief": {
    "en": "Packets that needed no tracking (already tracked, or untracked by a NOTRACK rule). Modern kernels keep it 0.",
    "zh": "无需跟踪的包（已被跟踪，或被 NOTRACK 规则豁免）。新内核恒为 0。"
  },
  "legacy": [
    {
      "name": "inspector_pod_conntrackignore",
      "attributes": {}
    },
    {
      "name": "kubeskoop_conntrack_ignore",
      "attributes": {}
    }
  ],
  "legacyAggregation": "none"
};

export const CONNTRACK_INSERTS: MetricDefinition = {
  "id": "conntrack.inserts",
  "probe": "conntrack",
  "key": "inserts",
  "family": "conntrack.inserts",
  "name": "kubeskoop.conntrack.inserts",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "counter",
  "unit": "{entry}",
  "attributes": [],
  "source": "/proc/<pid>/net/stat/nf_conntrack: insert, summed over CPUs",
  "brief": {
    "en": "Entries inserted in the table (modern kernels keep it 0; kept for compatibility).",
    "zh": "插入表中的条目数（新内核恒为 0，仅为兼容保留）。"
  },
  "legacy": [
    {
      "name": "inspector_pod_conntrackinsert",
      "attributes": {}
    },
    {
      "name": "kubeskoop_conntrack_insert",
      "attributes": {}
    }
  ],
  "legacyAggregation": "none"
};

export const CONNTRACK_INSERT_FAILURES: MetricDefinition = {
  "id": "conntrack.insert_failures",
  "probe": "conntrack",
  "key": "insert_failures",
  "family": "conntrack.insert_failures",
  "name": "kubeskoop.conntrack.insert_failures",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "counter",
  "unit": "{entry}",
  "attributes": [],
  "source": "/proc/<pid>/net/stat/nf_conntrack: insert_failed, summed over CPUs",
  "brief": {
    "en": "New connections that could not be inserted: a same-tuple entry appeared meanwhile (e.g. two UDP DNS queries racing through SNAT on different CPUs). Causes packet loss; the classic 5-second DNS delay.",
    "zh": "新连接插入表失败次数：插入时已出现相同五元组的条目（例如两个 UDP DNS 请求在不同 CPU 上同时经过 SNAT）。会导致丢包，即经典的 DNS 5 秒延迟。"
  },
  "legacy": [
    {
      "name": "inspector_pod_conntrackinsertfailed",
      "attributes": {}
    },
    {
      "name": "kubeskoop_conntrack_insertfailed",
      "attributes": {}
    }
  ],
  "legacyAggregation": "none"
};

export const CONNTRACK_DROPS: MetricDefinition = {
  "id": "conntrack.drops",
  "probe": "conntrack",
  "key": "drops",
  "family": "conntrack.drops",
  "name": "kubeskoop.conntrack.drops",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "counter",
  "unit": "{packet}",
  "attributes": [],
  "source": "/proc/<pid>/net/stat/nf_conntrack: drop, summed over CPUs",
  "brief": {
    "en": "Packets dropped because a new connection could not get an entry (table full and nothing evictable, or no memory).",
    "zh": "因新连接无法获得表项（表满且无可淘汰条目，或内存不足）而丢弃的包数。"
  },
  "legacy": [
    {
      "name": "inspector_pod_conntrackdrop",
      "attributes": {}
    },
    {
      "name": "kubeskoop_conntrack_drop",
      "attributes": {}
    }
  ],
  "legacyAggregation": "none"
};

export const CONNTRACK_EARLY_DROPS: MetricDefinition = {
  "id": "conntrack.early_drops",
  "probe": "conntrack",
  "key": "early_drops",
  "family": "conntrack.early_drops",
  "name": "kubeskoop.conntrack.early_drops",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "counter",
  "unit": "{entry}",
  "attributes": [],
  "source": "/proc/<pid>/net/stat/nf_conntrack: early_drop, summed over CPUs",
  "brief": {
    "en": "Entries evicted to make room because the table was full (unreplied connections first). Any increase means the table is at its limit.",
    "zh": "因表满而被提前淘汰以腾出空间的条目数（优先淘汰未应答连接）。出现增长即表已满。"
  },
  "legacy": [
    {
      "name": "inspector_pod_conntrackearlydrop",
      "attributes": {}
    },
    {
      "name": "kubeskoop_conntrack_earlydrop",
      "attributes": {}
    }
  ],
  "legacyAggregation": "none"
};

export const CONNTRACK_ICMP_ERRORS: MetricDefinition = {
  "id": "conntrack.icmp_errors",
  "probe": "conntrack",
  "key": "icmp_errors",
  "family": "conntrack.icmp_errors",
  "name": "kubeskoop.conntrack.icmp_errors",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "counter",
  "unit": "{packet}",
  "attributes": [],
  "source": "/proc/<pid>/net/stat/nf_conntrack: icmp_error, summed over CPUs",
  "brief": {
    "en": "ICMP errors that did not match a known connection.",
    "zh": "与任何已知连接都不匹配的 ICMP 错误报文数。"
  },
  "legacy": [
    {
      "name": "inspector_pod_conntrackerror",
      "attributes": {}
    },
    {
      "name": "kubeskoop_conntrack_error",
      "attributes": {}
    }
  ],
  "legacyAggregation": "none"
};

export const CONNTRACK_SEARCH_RESTARTS: MetricDefinition = {
  "id": "conntrack.search_restarts",
  "probe": "conntrack",
  "key": "search_restarts",
  "family": "conntrack.search_restarts",
  "name": "kubeskoop.conntrack.search_restarts",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "counter",
  "unit": "{event}",
  "attributes": [],
  "source": "/proc/<pid>/net/stat/nf_conntrack: search_restart, summed over CPUs",
  "brief": {
    "en": "Table lookups restarted because another CPU changed the hash table meanwhile (resizes, heavy churn).",
    "zh": "因其他 CPU 同时修改哈希表（扩容、大量增删）而重新开始的查找次数。"
  },
  "legacy": [
    {
      "name": "inspector_pod_conntracksearchrestart",
      "attributes": {}
    },
    {
      "name": "kubeskoop_conntrack_searchrestart",
      "attributes": {}
    }
  ],
  "legacyAggregation": "none"
};

export const CONNTRACK_CLASH_RESOLVES: MetricDefinition = {
  "id": "conntrack.clash_resolves",
  "probe": "conntrack",
  "key": "clash_resolves",
  "family": "conntrack.clash_resolves",
  "name": "kubeskoop.conntrack.clash_resolutions",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "counter",
  "unit": "{event}",
  "attributes": [],
  "source": "/proc/<pid>/net/stat/nf_conntrack: clashres, summed over CPUs",
  "brief": {
    "en": "Insert races resolved by the kernel instead of dropping the packet (the fix for the DNS race above). Not in KubeSkoop.",
    "zh": "内核成功化解（而非丢包）的插入竞争次数（即上述 DNS 竞争的修复）。KubeSkoop 无此指标。"
  },
  "legacy": [],
  "legacyAggregation": "none"
};

export const DNS_LOOKUP_DURATION: MetricDefinition = {
  "id": "dns.lookup_duration",
  "probe": "dns",
  "key": "lookup_duration",
  "family": "dns.lookup_duration",
  "name": "dns.lookup.duration",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": true,
  "semconvEntity": "any",
  "renamedFrom": [],
  "instrument": "histogram",
  "unit": "s",
  "attributes": [
    "error.type",
    "kubeskoop.dns.question.type",
    "kubeskoop.dns.response.code",
    "network.transport",
    "network.type",
    "network.peer.address",
    "kubeskoop.peer.kind",
    "kubeskoop.peer.name",
    "kubeskoop.peer.namespace"
  ],
  "source": "eBPF tc (tcx) on the pod's interfaces: query sent (egress, destination port 53) → its response received (ingress, source port 53), matched in the kernel by (netns, client port, DNS id, resolver, transport); fixed buckets per (netns, resolver, question type, rcode, transport) in a per-CPU hash",
  "brief": {
    "en": "DNS lookups of the pod that got a response, and how long the response took, per resolver (network.peer.address, named in kubeskoop.peer.*), question type and response code; error.type is the response code for a lookup that failed (NXDOMAIN, SERVFAIL, REFUSED, …), absent for NOERROR. The histogram's count is the number of responses. semconv's dns.lookup.duration requires dns.question.name: this probe leaves it out of the metric to keep the series bounded (names are unbounded per pod), puts it on every event, and counts answers per name in kubeskoop.dns.questions with a bounded set of names per pod. Lookups that never got a response are in kubeskoop.dns.timeouts, not here.",
    "zh": "Pod 收到响应的 DNS 查询及响应耗时，按解析器（network.peer.address，名称见 kubeskoop.peer.*）、查询类型与响应码统计；查询失败时 error.type 为响应码（NXDOMAIN、SERVFAIL、REFUSED……），NOERROR 时不设。直方图的计数即响应数。semconv 的 dns.lookup.duration 要求 dns.question.name：本探针为使序列数有界（每个 Pod 的域名无上限）而不在该指标上放域名：域名在每条事件上，按名称的应答数见 kubeskoop.dns.questions（每个 Pod 的名称数有界）。未收到响应的查询计入 kubeskoop.dns.timeouts，不在此处。"
  },
  "legacy": [],
  "legacyAggregation": "none",
  "buckets": [
    0.000001,
    0.000002,
    0.000005,
    0.00001,
    0.00002,
    0.00005,
    0.0001,
    0.0002,
    0.0005,
    0.001,
    0.002,
    0.005,
    0.01,
    0.02,
    0.05,
    0.1,
    0.2,
    0.5,
    1,
    2,
    5,
    10
  ]
};

export const DNS_RESPONSES: MetricDefinition = {
  "id": "dns.responses",
  "probe": "dns",
  "key": "responses",
  "family": "dns.responses",
  "name": "kubeskoop.dns.responses",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "renamedFrom": [],
  "instrument": "counter",
  "unit": "{response}",
  "attributes": [
    "error.type",
    "kubeskoop.dns.question.type",
    "kubeskoop.dns.response.code",
    "network.transport",
    "network.type",
    "network.peer.address",
    "kubeskoop.peer.kind",
    "kubeskoop.peer.name",
    "kubeskoop.peer.namespace"
  ],
  "source": "the same kernel map as dns.lookup.duration (its count per series)",
  "brief": {
    "en": "DNS responses the pod received to its queries, per resolver, question type and response code (kubeskoop.dns.response.code: NOERROR, NXDOMAIN, SERVFAIL, REFUSED, …). The same counts as the histogram's, as a plain counter for alerts on a failure ratio.",
    "zh": "Pod 的查询收到的 DNS 响应数，按解析器、查询类型与响应码（kubeskoop.dns.response.code：NOERROR、NXDOMAIN、SERVFAIL、REFUSED……）统计。与直方图计数相同，以普通计数器形式便于按失败比例告警。"
  },
  "legacy": [],
  "legacyAggregation": "none"
};

export const DNS_TRUNCATED: MetricDefinition = {
  "id": "dns.truncated",
  "probe": "dns",
  "key": "truncated",
  "family": "dns.truncated",
  "name": "kubeskoop.dns.responses.truncated",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "renamedFrom": [],
  "instrument": "counter",
  "unit": "{response}",
  "attributes": [
    "kubeskoop.dns.question.type",
    "network.transport",
    "network.type",
    "network.peer.address",
    "kubeskoop.peer.kind",
    "kubeskoop.peer.name",
    "kubeskoop.peer.namespace"
  ],
  "source": "eBPF tc: responses with the TC (truncated) header bit, per series as above",
  "brief": {
    "en": "Truncated DNS responses (TC bit): the answer did not fit a UDP datagram and the client must retry over TCP (see kubeskoop.dns.queries with network.transport=tcp).",
    "zh": "被截断的 DNS 响应（TC 位）：应答装不进一个 UDP 报文，客户端需改用 TCP 重试（见 network.transport=tcp 的 kubeskoop.dns.queries）。"
  },
  "legacy": [],
  "legacyAggregation": "none"
};

export const DNS_TIMEOUTS: MetricDefinition = {
  "id": "dns.timeouts",
  "probe": "dns",
  "key": "timeouts",
  "family": "dns.timeouts",
  "name": "kubeskoop.dns.timeouts",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "renamedFrom": [],
  "instrument": "counter",
  "unit": "{query}",
  "attributes": [
    "kubeskoop.dns.question.type",
    "network.transport",
    "network.type",
    "network.peer.address",
    "kubeskoop.peer.kind",
    "kubeskoop.peer.name",
    "kubeskoop.peer.namespace"
  ],
  "source": "the native helper's sweep of the kernel's pending-query map at each cycle: a query with no response after the probe's timeout (default 5 s) is counted once and removed",
  "brief": {
    "en": "DNS queries of the pod that got no response within the probe's timeout option (default 5 s), per resolver and question type. A client retry with a new id or port is a new query (and a new timeout if it too goes unanswered); a resend with the same id and port is counted in kubeskoop.dns.queries.retransmitted.",
    "zh": "Pod 在探针 timeout 选项（默认 5 秒）内未收到响应的 DNS 查询数，按解析器与查询类型统计。客户端以新 id 或新端口重试算作新查询（若仍无响应则再计一次超时）；以相同 id 与端口重发计入 kubeskoop.dns.queries.retransmitted。"
  },
  "legacy": [],
  "legacyAggregation": "none"
};

export const DNS_QUERIES: MetricDefinition = {
  "id": "dns.queries",
  "probe": "dns",
  "key": "queries",
  "family": "dns.queries",
  "name": "kubeskoop.dns.queries",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "renamedFrom": [],
  "instrument": "counter",
  "unit": "{query}",
  "attributes": [
    "network.transport"
  ],
  "source": "eBPF tc egress: DNS queries to port 53 the pod sent, per transport (exact per-namespace counts)",
  "brief": {
    "en": "DNS queries the pod sent, by transport: network.transport=tcp counts the TCP retries after truncated answers (and clients that use TCP by choice).",
    "zh": "Pod 发出的 DNS 查询数，按传输协议：network.transport=tcp 计入截断应答后的 TCP 重试（以及主动使用 TCP 的客户端）。"
  },
  "legacy": [],
  "legacyAggregation": "none"
};

export const DNS_RETRANSMITTED: MetricDefinition = {
  "id": "dns.retransmitted",
  "probe": "dns",
  "key": "retransmitted",
  "family": "dns.retransmitted",
  "name": "kubeskoop.dns.queries.retransmitted",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "renamedFrom": [],
  "instrument": "counter",
  "unit": "{query}",
  "attributes": [],
  "source": "eBPF tc egress: a query whose (client port, id, resolver) is already pending",
  "brief": {
    "en": "DNS queries sent again while the first copy was still waiting for its answer (the same id and port: a resolver library's retransmission). The latency is measured from the first copy.",
    "zh": "首份查询仍在等待应答时再次发出的 DNS 查询（相同 id 与端口：解析库的重传）。延迟从第一份查询起算。"
  },
  "legacy": [],
  "legacyAggregation": "none"
};

export const DNS_SEARCH_PATH: MetricDefinition = {
  "id": "dns.search_path",
  "probe": "dns",
  "key": "search_path",
  "family": "dns.search_path",
  "name": "kubeskoop.dns.search_path.nxdomains",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "renamedFrom": [],
  "instrument": "counter",
  "unit": "{response}",
  "attributes": [],
  "source": "eBPF tc ingress: NXDOMAIN responses whose question name ends in one of the probe's search_suffixes (default svc.cluster.local, cluster.local; <namespace>.svc.cluster.local ends in svc.cluster.local), tested in the kernel (the name's tail hashed and looked up), exact per namespace",
  "brief": {
    "en": "NXDOMAIN answers for names that carry a cluster search suffix: the cost of `ndots:5` — a lookup of api.example.com from a pod first tries api.example.com.<ns>.svc.cluster.local, .svc.cluster.local and .cluster.local, three wasted round trips. Compare with kubeskoop.dns.responses to see what share of the pod's DNS traffic is this waste; a fully qualified name (trailing dot) or a lower ndots removes it.",
    "zh": "对带集群搜索后缀的名称给出的 NXDOMAIN 应答：即 `ndots:5` 的代价——Pod 查询 api.example.com 时会先尝试 api.example.com.<ns>.svc.cluster.local、.svc.cluster.local 与 .cluster.local，白白多了三次往返。与 kubeskoop.dns.responses 对比即可看出这类浪费在 Pod DNS 流量中的占比；使用全限定名（结尾带点）或调低 ndots 即可消除。"
  },
  "legacy": [],
  "legacyAggregation": "none"
};

export const DNS_MALFORMED: MetricDefinition = {
  "id": "dns.malformed",
  "probe": "dns",
  "key": "malformed",
  "family": "dns.malformed",
  "name": "kubeskoop.dns.packets.malformed",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "renamedFrom": [],
  "instrument": "counter",
  "unit": "{packet}",
  "attributes": [],
  "source": "eBPF tc: port-53 packets not parsed (short header, qdcount other than 1, a compression pointer or reserved label type in the question, a name over 255 bytes or past the packet's end; over TCP, a DNS header or question cut across two segments, which is not reassembled)",
  "brief": {
    "en": "DNS packets of the pod that the probe skipped as malformed or hostile; they are counted, never followed (no compression pointers in the question, a bounded label walk). Over TCP also a message whose header or question is cut across two segments (the length prefix alone in one segment is read fine).",
    "zh": "本探针视为畸形或恶意而跳过的 Pod DNS 报文；只计数，从不跟随（问题部分不跟随压缩指针，标签遍历有界）。TCP 上还包括报头或问题部分被切在两个报文段之间的消息（长度前缀单独成段可正常读取）。"
  },
  "legacy": [],
  "legacyAggregation": "none"
};

export const DNS_UNMATCHED: MetricDefinition = {
  "id": "dns.unmatched",
  "probe": "dns",
  "key": "unmatched",
  "family": "dns.unmatched",
  "name": "kubeskoop.dns.responses.unmatched",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "renamedFrom": [],
  "instrument": "counter",
  "unit": "{response}",
  "attributes": [],
  "source": "eBPF tc ingress: a response from port 53 with no pending query (it arrived after the timeout sweep, or its query left before the probe attached)",
  "brief": {
    "en": "DNS responses the pod received for which no query was pending: late answers after the timeout (also counted as timeouts), duplicates, or answers to queries sent before the probe attached.",
    "zh": "Pod 收到、但找不到对应待答查询的 DNS 响应：超时之后才到的应答（也已计为超时）、重复应答，或探针挂载之前发出的查询的应答。"
  },
  "legacy": [],
  "legacyAggregation": "none"
};

export const DNS_SERIES_OVERFLOW: MetricDefinition = {
  "id": "dns.series_overflow",
  "probe": "dns",
  "key": "series_overflow",
  "family": "dns.series_overflow",
  "name": "kubeskoop.dns.series.overflow",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "renamedFrom": [],
  "instrument": "counter",
  "unit": "{key}",
  "attributes": [],
  "source": "the agent's per-node series cap for DNS series (max_series)",
  "brief": {
    "en": "DNS series refused by the node-wide cap (max_series) and folded into their pod's `other` resolver series (reported on the host target).",
    "zh": "被节点级序列上限（max_series）拒绝、改为合并到所属 Pod 的 `other` 解析器序列中的 DNS 序列数（在主机目标上报）。"
  },
  "legacy": [],
  "legacyAggregation": "none"
};

export const DNS_QUESTIONS: MetricDefinition = {
  "id": "dns.questions",
  "probe": "dns",
  "key": "questions",
  "family": "dns.questions",
  "name": "kubeskoop.dns.questions",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "renamedFrom": [],
  "instrument": "counter",
  "unit": "{response}",
  "attributes": [
    "dns.question.name"
  ],
  "source": "eBPF tc ingress: each response matched to its query counted per (namespace, question name) in an LRU hash (the name's first 128 wire bytes); the agent keeps at most question_names.top_k names per pod, names under the cluster domain collapsed to their Service",
  "brief": {
    "en": "DNS responses per question name, bounded per pod (the question_names option, on by default): a name under the cluster domain is collapsed to its Service (anything.<svc>.<ns>.svc.cluster.local → <svc>.<ns>.svc.cluster.local; pod names to *.<ns>.pod.cluster.local), the first top_k names a pod asks (default 20) each get a series, and the rest are counted as `other`; a name idle for the probe's ttl gives its place up. Full names are on every event.",
    "zh": "按查询名统计的 DNS 响应数，每个 Pod 有上限（question_names 选项，默认开启）：集群域下的名称合并为其 Service（anything.<svc>.<ns>.svc.cluster.local → <svc>.<ns>.svc.cluster.local；Pod 名称合并为 *.<ns>.pod.cluster.local），Pod 最先查询的 top_k 个名称（默认 20）各占一个序列，其余计为 `other`；在探针 ttl 内无查询的名称让出其位置。完整名称见每条事件。"
  },
  "legacy": [],
  "legacyAggregation": "none"
};

export const DNS_UNDELIVERED: MetricDefinition = {
  "id": "dns.undelivered",
  "probe": "dns",
  "key": "undelivered",
  "family": "dns.undelivered",
  "name": "kubeskoop.event.undelivered",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "counter",
  "unit": "{event}",
  "attributes": [
    "kubeskoop.probe.name",
    "error.type"
  ],
  "source": "BPF map counters of events not put on the ring buffer (rate limit, ring full)",
  "brief": {
    "en": "Kernel events that were counted but not delivered as log records, by probe and cause (`error.type`): the in-kernel rate limit per namespace or node-wide (netns_rate_limit, global_rate_limit), a full ring buffer (ring_full); for the loki sink, its buffer full while Loki lagged (loki_buffer_full), Loki refusing the push with a 4xx (loki_rejected), or every retry failing (loki_failed). Counts above stay exact; only the individual records were cut.",
    "zh": "已计数但未作为日志记录送出的内核事件数，按探针和原因（`error.type`）分类：内核内按命名空间或全节点的限速（netns_rate_limit、global_rate_limit）、环形缓冲区已满（ring_full）；对 loki sink 而言，Loki 滞后时其缓冲区已满（loki_buffer_full）、Loki 以 4xx 拒绝推送（loki_rejected），或所有重试均失败（loki_failed）。上面的计数仍然精确，只是逐条记录被裁掉了。"
  },
  "legacy": [],
  "legacyAggregation": "none"
};

export const FD_OPEN: MetricDefinition = {
  "id": "fd.open",
  "probe": "fd",
  "key": "open",
  "family": "fd.open",
  "name": "kubeskoop.fd.count",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "renamedFrom": [
    "process.unix.file_descriptor.count"
  ],
  "instrument": "updowncounter",
  "unit": "{file_descriptor}",
  "attributes": [],
  "source": "/proc/<pid>/fd: number of entries, summed over the processes of the namespace",
  "brief": {
    "en": "File descriptors open in the target's processes (a pod's; on the host, the node's own). Climbing without bound is a descriptor leak; compare with the processes' RLIMIT_NOFILE (EMFILE errors).",
    "zh": "Pod 内进程打开的文件描述符数。无限上涨即描述符泄露；对照进程的 RLIMIT_NOFILE（EMFILE 错误）。"
  },
  "legacy": [
    {
      "name": "inspector_pod_fdopenfd",
      "attributes": {}
    },
    {
      "name": "kubeskoop_fd_openfd",
      "attributes": {}
    }
  ],
  "legacyAggregation": "none"
};

export const FD_SOCKETS: MetricDefinition = {
  "id": "fd.sockets",
  "probe": "fd",
  "key": "sockets",
  "family": "fd.sockets",
  "name": "kubeskoop.fd.socket.count",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "updowncounter",
  "unit": "{socket}",
  "attributes": [],
  "source": "/proc/<pid>/fd: entries linking to socket:[inode], distinct inodes, over the processes of the namespace",
  "brief": {
    "en": "Distinct sockets held open by the target's processes (a socket shared by several descriptors or processes counts once). Climbing with flat traffic is a socket leak.",
    "zh": "Pod 内进程持有的不同 socket 数（多个描述符或进程共享的同一 socket 只计一次）。流量平稳而持续上涨即 socket 泄露。"
  },
  "legacy": [
    {
      "name": "inspector_pod_fdopensocket",
      "attributes": {}
    },
    {
      "name": "kubeskoop_fd_opensocket",
      "attributes": {}
    }
  ],
  "legacyAggregation": "none"
};

export const FLOW_IO: MetricDefinition = {
  "id": "flow.io",
  "probe": "flow",
  "key": "io",
  "family": "flow.io",
  "name": "kubeskoop.flow.io",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "counter",
  "unit": "By",
  "attributes": [
    "network.io.direction",
    "network.interface.name",
    "network.type",
    "network.transport",
    "kubeskoop.flow.protocol",
    "network.peer.address",
    "network.local.address",
    "server.port",
    "kubeskoop.peer.kind",
    "kubeskoop.peer.name",
    "kubeskoop.peer.namespace",
    "kubeskoop.peer.role"
  ],
  "source": "tc (tcx) ingress/egress: skb->len (the frame from its MAC header, as the device's own counters count it) per (netns inode, ifindex, direction, peer, server port, protocol)",
  "brief": {
    "en": "Bytes the pod received from (receive) or sent to (transmit) a peer through an interface, with the server port (absent with enablePortInLabel false) and the peer's name. A GSO/GRO packet counts once with its full length, as `ip -s link` does. Overhead: one tc program run per packet per direction (see the probe's measured cost) and one map read per cycle.",
    "zh": "Pod 经某网卡从对端接收（receive）或向对端发送（transmit）的字节数，附服务端口（enablePortInLabel 为 false 时无）与对端名称。GSO/GRO 包按整包长度计一次，与 `ip -s link` 一致。开销：每包每方向一次 tc 程序运行，每周期一次 map 读取。"
  },
  "legacy": [
    {
      "name": "kubeskoop_flow_bytes",
      "attributes": {},
      "tuple": true
    }
  ],
  "legacyAggregation": "none",
  "legacyType": "counter"
};

export const FLOW_PACKETS: MetricDefinition = {
  "id": "flow.packets",
  "probe": "flow",
  "key": "packets",
  "family": "flow.packets",
  "name": "kubeskoop.flow.packet.count",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "counter",
  "unit": "{packet}",
  "attributes": [
    "network.io.direction",
    "network.interface.name",
    "network.type",
    "network.transport",
    "kubeskoop.flow.protocol",
    "network.peer.address",
    "network.local.address",
    "server.port",
    "kubeskoop.peer.kind",
    "kubeskoop.peer.name",
    "kubeskoop.peer.namespace",
    "kubeskoop.peer.role"
  ],
  "source": "tc (tcx) ingress/egress: one per skb, as above",
  "brief": {
    "en": "Packets the pod received from or sent to a peer (a GSO/GRO packet counts once).",
    "zh": "Pod 与对端之间收发的包数（GSO/GRO 包计一次）。"
  },
  "legacy": [
    {
      "name": "kubeskoop_flow_packets",
      "attributes": {},
      "tuple": true
    }
  ],
  "legacyAggregation": "none",
  "legacyType": "counter"
};

export const FLOW_PEERS_FOLDED: MetricDefinition = {
  "id": "flow.peers_folded",
  "probe": "flow",
  "key": "peers_folded",
  "family": "flow.peers_folded",
  "name": "kubeskoop.flow.peer.folded",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "updowncounter",
  "unit": "{peer}",
  "attributes": [],
  "source": "the agent's peer governance (receiver/peers/governance.ts)",
  "brief": {
    "en": "Peers of the pod whose traffic is reported in the `other` series this cycle: beyond the top-K peers by bytes, or refused by the node-wide series cap.",
    "zh": "本周期该 Pod 被合并到 `other` 序列的对端数：超出按字节排序的 top-K，或被节点序列上限拒绝。"
  },
  "legacy": [],
  "legacyAggregation": "none"
};

export const FLOW_MAP_ENTRIES: MetricDefinition = {
  "id": "flow.map_entries",
  "probe": "flow",
  "key": "map_entries",
  "family": "flow.map_entries",
  "name": "kubeskoop.flow.map.entries",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "updowncounter",
  "unit": "{entry}",
  "attributes": [],
  "source": "the native helper's read of the flow slots (slots in use; the limit is the `entries` option)",
  "brief": {
    "en": "Flow slots in use in the kernel (reported on the host target); compare with the probe's `entries` option (default 65536) — when fewer than 1/8 are free, the helper evicts the least recently moved.",
    "zh": "内核中正在使用的 flow 槽位数（在主机目标上报）；与探针的 `entries` 选项（默认 65536）比较——空闲槽位少于 1/8 时，helper 淘汰最久未变化的条目。"
  },
  "legacy": [],
  "legacyAggregation": "none"
};

export const FLOW_MAP_EVICTIONS: MetricDefinition = {
  "id": "flow.map_evictions",
  "probe": "flow",
  "key": "map_evictions",
  "family": "flow.map_evictions",
  "name": "kubeskoop.flow.map.evictions",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "counter",
  "unit": "{entry}",
  "attributes": [],
  "source": "the helper's read: slots evicted (least recently moved, when fewer than 1/8 were free) + packets of new flows that found no free slot (the BPF program's `full`)",
  "brief": {
    "en": "Flow map pressure since the probe started - slots the helper evicted because the map was nearly full (their counts restart from zero when the flow comes back), plus packets of new flows that found no free slot until the next cycle (not counted; one per packet). Raise the `entries` option when this grows.",
    "zh": "探针启动以来的 flow map 压力——map 将满时 helper 淘汰的槽位数（该流再次出现时计数从零开始），加上新流在下一周期前找不到空闲槽位的包数（未计数；每包计一次）。持续增长时请调大 `entries` 选项。"
  },
  "legacy": [],
  "legacyAggregation": "none"
};

export const FLOW_SERIES_OVERFLOW: MetricDefinition = {
  "id": "flow.series_overflow",
  "probe": "flow",
  "key": "series_overflow",
  "family": "flow.series_overflow",
  "name": "kubeskoop.flow.series.overflow",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "counter",
  "unit": "{peer}",
  "attributes": [],
  "source": "the agent's peer governance (node-wide series cap)",
  "brief": {
    "en": "Peer series refused by the node-wide cap (max_series) and folded into their pod's `other` series instead (reported on the host target).",
    "zh": "被节点级序列上限（max_series）拒绝、改为合并到所属 Pod 的 `other` 序列中的对端序列数（在主机目标上报）。"
  },
  "legacy": [],
  "legacyAggregation": "none"
};

export const IO_DISK_IO: MetricDefinition = {
  "id": "io.disk_io",
  "probe": "io",
  "key": "disk_io",
  "family": "io.disk_io",
  "name": "kubeskoop.disk.io",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "renamedFrom": [
    "process.disk.io"
  ],
  "instrument": "counter",
  "unit": "By",
  "attributes": [
    "disk.io.direction"
  ],
  "source": "/proc/<pid>/io: read_bytes (read), write_bytes (write), summed over the processes of the target, exited ones included",
  "brief": {
    "en": "Bytes the target's processes (a pod's; on the host, the node's own) made the storage layer read or write (page-cache hits excluded). High disk I/O in a network service explains slow reads of sockets and retransmits. A monotonic counter: a process that exits keeps its last values in the sum, so rate() sees no reset.",
    "zh": "目标内进程（Pod 的；主机上为节点自身的）让存储层实际读取或写入的字节数（不含命中页缓存的部分）。网络服务的磁盘 I/O 高，可以解释 socket 读取慢和重传。单调计数器：进程退出后其最后的值仍计入总和，rate() 不会看到重置。"
  },
  "legacy": [
    {
      "name": "inspector_pod_ioioreadbytes",
      "attributes": {
        "disk.io.direction": "read"
      }
    },
    {
      "name": "kubeskoop_io_readbytes",
      "attributes": {
        "disk.io.direction": "read"
      }
    },
    {
      "name": "inspector_pod_ioiowritebytes",
      "attributes": {
        "disk.io.direction": "write"
      }
    },
    {
      "name": "kubeskoop_io_writebytes",
      "attributes": {
        "disk.io.direction": "write"
      }
    }
  ],
  "legacyAggregation": "none",
  "legacyType": "counter"
};

export const IO_SYSCALL_BYTES: MetricDefinition = {
  "id": "io.syscall_bytes",
  "probe": "io",
  "key": "syscall_bytes",
  "family": "io.syscall_bytes",
  "name": "kubeskoop.io.syscall.bytes",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "counter",
  "unit": "By",
  "attributes": [
    "kubeskoop.io.direction"
  ],
  "source": "/proc/<pid>/io: rchar (read), wchar (write), summed over the processes of the target, exited ones included",
  "brief": {
    "en": "Bytes passed through read-like and write-like system calls by the target's processes (files, pipes and sockets alike, page cache included).",
    "zh": "Pod 内进程通过读、写类系统调用传递的字节数（文件、管道、socket 都算，含页缓存）。"
  },
  "legacy": [],
  "legacyAggregation": "none"
};

export const IO_SYSCALLS: MetricDefinition = {
  "id": "io.syscalls",
  "probe": "io",
  "key": "syscalls",
  "family": "io.syscalls",
  "name": "kubeskoop.io.syscalls",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "counter",
  "unit": "{syscall}",
  "attributes": [
    "kubeskoop.io.direction"
  ],
  "source": "/proc/<pid>/io: syscr (read), syscw (write), summed over the processes of the target, exited ones included",
  "brief": {
    "en": "Read-like and write-like system calls made by the target's processes. Bytes ÷ calls gives the average I/O size: many tiny calls cost CPU.",
    "zh": "Pod 内进程发起的读、写类系统调用次数。字节数 ÷ 次数即平均 I/O 大小：大量小 I/O 会消耗 CPU。"
  },
  "legacy": [
    {
      "name": "inspector_pod_ioioreadsyscall",
      "attributes": {
        "kubeskoop.io.direction": "read"
      }
    },
    {
      "name": "kubeskoop_io_readsyscall",
      "attributes": {
        "kubeskoop.io.direction": "read"
      }
    },
    {
      "name": "inspector_pod_ioiowritesyscall",
      "attributes": {
        "kubeskoop.io.direction": "write"
      }
    },
    {
      "name": "kubeskoop_io_writesyscall",
      "attributes": {
        "kubeskoop.io.direction": "write"
      }
    }
  ],
  "legacyAggregation": "none",
  "legacyType": "counter"
};

export const IP_RECEIVES: MetricDefinition = {
  "id": "ip.receives",
  "probe": "ip",
  "key": "receives",
  "family": "ip.receives",
  "name": "kubeskoop.ip.receives",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "counter",
  "unit": "{packet}",
  "attributes": [
    "network.type"
  ],
  "source": "/proc/<pid>/net/snmp: Ip InReceives; snmp6: Ip6InReceives",
  "brief": {
    "en": "IP packets received by the namespace from its interfaces (errors included).",
    "zh": "命名空间从网卡收到的 IP 包数（含错误包）。"
  },
  "legacy": [
    {
      "name": "inspector_pod_ipinreceives",
      "attributes": {
        "network.type": "ipv4"
      }
    },
    {
      "name": "kubeskoop_ip_inreceives",
      "attributes": {
        "network.type": "ipv4"
      }
    }
  ],
  "legacyAggregation": "none"
};

export const IP_DELIVERIES: MetricDefinition = {
  "id": "ip.deliveries",
  "probe": "ip",
  "key": "deliveries",
  "family": "ip.deliveries",
  "name": "kubeskoop.ip.deliveries",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "counter",
  "unit": "{packet}",
  "attributes": [
    "network.type"
  ],
  "source": "/proc/<pid>/net/snmp: Ip InDelivers; snmp6: Ip6InDelivers",
  "brief": {
    "en": "IP packets delivered to the transport protocols (TCP, UDP, ICMP…).",
    "zh": "交付给上层协议（TCP、UDP、ICMP 等）的 IP 包数。"
  },
  "legacy": [
    {
      "name": "inspector_pod_ipindelivers",
      "attributes": {
        "network.type": "ipv4"
      }
    },
    {
      "name": "kubeskoop_ip_indelivers",
      "attributes": {
        "network.type": "ipv4"
      }
    }
  ],
  "legacyAggregation": "none"
};

export const IP_SEND_REQUESTS: MetricDefinition = {
  "id": "ip.send_requests",
  "probe": "ip",
  "key": "send_requests",
  "family": "ip.send_requests",
  "name": "kubeskoop.ip.send_requests",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "counter",
  "unit": "{packet}",
  "attributes": [
    "network.type"
  ],
  "source": "/proc/<pid>/net/snmp: Ip OutRequests; snmp6: Ip6OutRequests",
  "brief": {
    "en": "IP packets the local protocols handed to IP for sending (forwarded packets excluded).",
    "zh": "本地上层协议交给 IP 层发送的包数（不含转发）。"
  },
  "legacy": [
    {
      "name": "inspector_pod_ipoutrequests",
      "attributes": {
        "network.type": "ipv4"
      }
    },
    {
      "name": "kubeskoop_ip_outrequests",
      "attributes": {
        "network.type": "ipv4"
      }
    }
  ],
  "legacyAggregation": "none"
};

export const IP_FORWARDS: MetricDefinition = {
  "id": "ip.forwards",
  "probe": "ip",
  "key": "forwards",
  "family": "ip.forwards",
  "name": "kubeskoop.ip.forwards",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "counter",
  "unit": "{packet}",
  "attributes": [
    "network.type"
  ],
  "source": "/proc/<pid>/net/snmp: Ip ForwDatagrams; snmp6: Ip6OutForwDatagrams",
  "brief": {
    "en": "IP packets forwarded by the namespace (routers, node-level namespaces of CNIs).",
    "zh": "命名空间转发的 IP 包数（路由器、CNI 的节点级命名空间）。"
  },
  "legacy": [
    {
      "name": "inspector_pod_ipforwdatagrams",
      "attributes": {
        "network.type": "ipv4"
      }
    },
    {
      "name": "kubeskoop_ip_forwdatagrams",
      "attributes": {
        "network.type": "ipv4"
      }
    }
  ],
  "legacyAggregation": "none"
};

export const IP_DISCARDS: MetricDefinition = {
  "id": "ip.discards",
  "probe": "ip",
  "key": "discards",
  "family": "ip.discards",
  "name": "kubeskoop.ip.discards",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "counter",
  "unit": "{packet}",
  "attributes": [
    "network.type",
    "network.io.direction"
  ],
  "source": "/proc/<pid>/net/snmp: Ip InDiscards (receive), OutDiscards (transmit); snmp6: Ip6InDiscards, Ip6OutDiscards",
  "brief": {
    "en": "IP packets discarded with nothing wrong in them, for lack of resources (buffer space) — on receive or on send.",
    "zh": "报文本身无误、因资源（缓冲区）不足而被丢弃的 IP 包数，分接收和发送方向。"
  },
  "legacy": [
    {
      "name": "inspector_pod_ipindiscards",
      "attributes": {
        "network.type": "ipv4",
        "network.io.direction": "receive"
      }
    },
    {
      "name": "kubeskoop_ip_indiscards",
      "attributes": {
        "network.type": "ipv4",
        "network.io.direction": "receive"
      }
    },
    {
      "name": "inspector_pod_ipoutdiscards",
      "attributes": {
        "network.type": "ipv4",
        "network.io.direction": "transmit"
      }
    },
    {
      "name": "kubeskoop_ip_outdiscards",
      "attributes": {
        "network.type": "ipv4",
        "network.io.direction": "transmit"
      }
    }
  ],
  "legacyAggregation": "none"
};

export const IP_HEADER_ERRORS: MetricDefinition = {
  "id": "ip.header_errors",
  "probe": "ip",
  "key": "header_errors",
  "family": "ip.header_errors",
  "name": "kubeskoop.ip.header.errors",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "counter",
  "unit": "{packet}",
  "attributes": [
    "network.type"
  ],
  "source": "/proc/<pid>/net/snmp: Ip InHdrErrors; snmp6: Ip6InHdrErrors",
  "brief": {
    "en": "IP packets dropped for a bad header (checksum, version, TTL exceeded, options).",
    "zh": "因头部错误（校验和、版本、TTL 超限、选项）而丢弃的 IP 包数。"
  },
  "legacy": [
    {
      "name": "inspector_pod_ipinhdrerrors",
      "attributes": {
        "network.type": "ipv4"
      }
    },
    {
      "name": "kubeskoop_ip_inhdrerrors",
      "attributes": {
        "network.type": "ipv4"
      }
    }
  ],
  "legacyAggregation": "none"
};

export const IP_ADDRESS_ERRORS: MetricDefinition = {
  "id": "ip.address_errors",
  "probe": "ip",
  "key": "address_errors",
  "family": "ip.address_errors",
  "name": "kubeskoop.ip.address.errors",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "counter",
  "unit": "{packet}",
  "attributes": [
    "network.type"
  ],
  "source": "/proc/<pid>/net/snmp: Ip InAddrErrors; snmp6: Ip6InAddrErrors",
  "brief": {
    "en": "IP packets dropped because the destination address is not valid here (not local, forwarding off).",
    "zh": "因目的地址无效（非本地地址且未开启转发）而丢弃的 IP 包数。"
  },
  "legacy": [
    {
      "name": "inspector_pod_ipinaddrerrors",
      "attributes": {
        "network.type": "ipv4"
      }
    },
    {
      "name": "kubeskoop_ip_inaddrerrors",
      "attributes": {
        "network.type": "ipv4"
      }
    }
  ],
  "legacyAggregation": "none"
};

export const IP_UNKNOWN_PROTOCOLS: MetricDefinition = {
  "id": "ip.unknown_protocols",
  "probe": "ip",
  "key": "unknown_protocols",
  "family": "ip.unknown_protocols",
  "name": "kubeskoop.ip.unknown_protocol.errors",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "counter",
  "unit": "{packet}",
  "attributes": [
    "network.type"
  ],
  "source": "/proc/<pid>/net/snmp: Ip InUnknownProtos; snmp6: Ip6InUnknownProtos",
  "brief": {
    "en": "IP packets for a transport protocol the kernel does not handle.",
    "zh": "上层协议不被内核支持的 IP 包数。"
  },
  "legacy": [
    {
      "name": "inspector_pod_ipinunknownprotos",
      "attributes": {
        "network.type": "ipv4"
      }
    },
    {
      "name": "kubeskoop_ip_inunknownprotos",
      "attributes": {
        "network.type": "ipv4"
      }
    }
  ],
  "legacyAggregation": "none"
};

export const IP_NO_ROUTES: MetricDefinition = {
  "id": "ip.no_routes",
  "probe": "ip",
  "key": "no_routes",
  "family": "ip.no_routes",
  "name": "kubeskoop.ip.no_route.errors",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "counter",
  "unit": "{packet}",
  "attributes": [
    "network.type",
    "network.io.direction"
  ],
  "source": "/proc/<pid>/net/netstat: IpExt InNoRoutes (receive); /proc/<pid>/net/snmp: Ip OutNoRoutes (transmit); snmp6: Ip6InNoRoutes, Ip6OutNoRoutes",
  "brief": {
    "en": "IP packets dropped because no route matched: receive = a received packet could not be routed (destination unreachable), transmit = a local send found no route. Check the namespace's routes and the CNI.",
    "zh": "因找不到路由而丢弃的 IP 包数：receive 为收到的包无法路由（目的不可达），transmit 为本地发送时查不到路由。检查命名空间的路由和 CNI。"
  },
  "legacy": [
    {
      "name": "inspector_pod_ipinnoroutes",
      "attributes": {
        "network.type": "ipv4",
        "network.io.direction": "receive"
      }
    },
    {
      "name": "inspector_pod_ipoutnoroutes",
      "attributes": {
        "network.type": "ipv4",
        "network.io.direction": "transmit"
      }
    },
    {
      "name": "kubeskoop_ip_outnoroutes",
      "attributes": {
        "network.type": "ipv4",
        "network.io.direction": "transmit"
      }
    }
  ],
  "legacyAggregation": "none"
};

export const IP_TRUNCATED: MetricDefinition = {
  "id": "ip.truncated",
  "probe": "ip",
  "key": "truncated",
  "family": "ip.truncated",
  "name": "kubeskoop.ip.truncated_packets",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "counter",
  "unit": "{packet}",
  "attributes": [
    "network.type"
  ],
  "source": "/proc/<pid>/net/netstat: IpExt InTruncatedPkts; snmp6: Ip6InTruncatedPkts",
  "brief": {
    "en": "IP packets shorter than the length in their header (truncated on the way, or a broken sender).",
    "zh": "实际长度小于 IP 头中标识长度的包数（途中被截断，或发送方异常）。"
  },
  "legacy": [
    {
      "name": "inspector_pod_ipintruncatedpkts",
      "attributes": {
        "network.type": "ipv4"
      }
    }
  ],
  "legacyAggregation": "none"
};

export const IP_REASSEMBLY_FAILURES: MetricDefinition = {
  "id": "ip.reassembly_failures",
  "probe": "ip",
  "key": "reassembly_failures",
  "family": "ip.reassembly_failures",
  "name": "kubeskoop.ip.reassembly.failures",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "counter",
  "unit": "{packet}",
  "attributes": [
    "network.type"
  ],
  "source": "/proc/<pid>/net/snmp: Ip ReasmFails; snmp6: Ip6ReasmFails",
  "brief": {
    "en": "Failures to reassemble fragmented IP packets (timeouts, lost fragments, fragment memory full). Fragmentation trouble usually means an MTU mismatch.",
    "zh": "IP 分片重组失败次数（超时、分片丢失、分片内存满）。分片问题通常意味着 MTU 不匹配。"
  },
  "legacy": [
    {
      "name": "inspector_pod_ipreasmfails",
      "attributes": {
        "network.type": "ipv4"
      }
    },
    {
      "name": "kubeskoop_ip_reasmfails",
      "attributes": {
        "network.type": "ipv4"
      }
    }
  ],
  "legacyAggregation": "none"
};

export const IP_FRAGMENTATION_FAILURES: MetricDefinition = {
  "id": "ip.fragmentation_failures",
  "probe": "ip",
  "key": "fragmentation_failures",
  "family": "ip.fragmentation_failures",
  "name": "kubeskoop.ip.fragmentation.failures",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "counter",
  "unit": "{packet}",
  "attributes": [
    "network.type"
  ],
  "source": "/proc/<pid>/net/snmp: Ip FragFails; snmp6: Ip6FragFails",
  "brief": {
    "en": "IP packets that needed fragmenting but could not be (Don't Fragment set): path-MTU problems.",
    "zh": "需要分片却无法分片（设置了 DF）的 IP 包数：路径 MTU 问题。"
  },
  "legacy": [
    {
      "name": "inspector_pod_ipfragfails",
      "attributes": {
        "network.type": "ipv4"
      }
    },
    {
      "name": "kubeskoop_ip_fragfails",
      "attributes": {
        "network.type": "ipv4"
      }
    }
  ],
  "legacyAggregation": "none"
};

export const IP_FORWARDING: MetricDefinition = {
  "id": "ip.forwarding",
  "probe": "ip",
  "key": "forwarding",
  "family": "ip.forwarding",
  "name": "kubeskoop.ip.forwarding",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "gauge",
  "unit": "{state}",
  "attributes": [],
  "source": "/proc/<pid>/net/snmp: Ip Forwarding (RFC 1213 ipForwarding: 1 = forwarding, 2 = not forwarding)",
  "brief": {
    "en": "Whether IPv4 forwarding is on in the namespace, as the kernel reports it: 1 = on, 2 = off (RFC 1213 values, kept as KubeSkoop exported them).",
    "zh": "命名空间是否开启 IPv4 转发，按内核原值：1 为开启，2 为关闭（RFC 1213 取值，与 KubeSkoop 导出的一致）。"
  },
  "legacy": [
    {
      "name": "inspector_pod_ipforwarding",
      "attributes": {}
    },
    {
      "name": "kubeskoop_ip_forwarding",
      "attributes": {}
    }
  ],
  "legacyAggregation": "none"
};

export const IP_DEFAULT_TTL: MetricDefinition = {
  "id": "ip.default_ttl",
  "probe": "ip",
  "key": "default_ttl",
  "family": "ip.default_ttl",
  "name": "kubeskoop.ip.default_ttl",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "gauge",
  "unit": "{hop}",
  "attributes": [],
  "source": "/proc/<pid>/net/snmp: Ip DefaultTTL",
  "brief": {
    "en": "Default TTL of IPv4 packets sent from the namespace (net.ipv4.ip_default_ttl).",
    "zh": "命名空间发出 IPv4 包的默认 TTL（net.ipv4.ip_default_ttl）。"
  },
  "legacy": [
    {
      "name": "inspector_pod_ipdefaultttl",
      "attributes": {}
    },
    {
      "name": "kubeskoop_ip_defaultttl",
      "attributes": {}
    }
  ],
  "legacyAggregation": "none"
};

export const IP_MIB_EVENTS: MetricDefinition = {
  "id": "ip.mib_events",
  "probe": "ip",
  "key": "mib_events",
  "family": "ip.mib_events",
  "name": "kubeskoop.mib.events",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "renamedFrom": [
    "kubeskoop.mib.counter"
  ],
  "instrument": "counter",
  "unit": "{event}",
  "attributes": [
    "kubeskoop.mib.group",
    "kubeskoop.mib.field"
  ],
  "source": "/proc/<pid>/net/snmp: Ip, Icmp, IcmpMsg; /proc/<pid>/net/snmp6: Ip6*, Icmp6*; /proc/<pid>/net/netstat: IpExt",
  "brief": {
    "en": "Opt-in (empty unless the probe's options name fields): any other counter of Ip, Ip6, IpExt, Icmp, IcmpMsg and Icmp6, one series per kernel field, selected with options.fields (\"Group.Field\", \"Group.*\" or \"*\"). Counts only (packets and events; the *Octets fields are in kubeskoop.mib.io). The fields are different things: never sum across kubeskoop.mib.field.",
    "zh": "按需开启（探针 options.fields 未指定字段时为空）：Ip, Ip6, IpExt, Icmp, IcmpMsg and Icmp6 中其余的任意计数器，每个内核字段一条序列，用 options.fields 选择（\"Group.Field\"、\"Group.*\" 或 \"*\"）。仅计数（包与事件；*Octets 字段见 kubeskoop.mib.io）。各字段含义不同，不要跨 kubeskoop.mib.field 求和。"
  },
  "legacy": [
    {
      "name": "inspector_pod_ipreasmtimeout",
      "attributes": {
        "kubeskoop.mib.group": "Ip",
        "kubeskoop.mib.field": "ReasmTimeout"
      }
    },
    {
      "name": "kubeskoop_ip_reasmtimeout",
      "attributes": {
        "kubeskoop.mib.group": "Ip",
        "kubeskoop.mib.field": "ReasmTimeout"
      }
    },
    {
      "name": "inspector_pod_ipreasmreqds",
      "attributes": {
        "kubeskoop.mib.group": "Ip",
        "kubeskoop.mib.field": "ReasmReqds"
      }
    },
    {
      "name": "kubeskoop_ip_reasmreqds",
      "attributes": {
        "kubeskoop.mib.group": "Ip",
        "kubeskoop.mib.field": "ReasmReqds"
      }
    },
    {
      "name": "inspector_pod_ipreasmoks",
      "attributes": {
        "kubeskoop.mib.group": "Ip",
        "kubeskoop.mib.field": "ReasmOKs"
      }
    },
    {
      "name": "kubeskoop_ip_reasmoks",
      "attributes": {
        "kubeskoop.mib.group": "Ip",
        "kubeskoop.mib.field": "ReasmOKs"
      }
    },
    {
      "name": "inspector_pod_ipfragoks",
      "attributes": {
        "kubeskoop.mib.group": "Ip",
        "kubeskoop.mib.field": "FragOKs"
      }
    },
    {
      "name": "kubeskoop_ip_fragoks",
      "attributes": {
        "kubeskoop.mib.group": "Ip",
        "kubeskoop.mib.field": "FragOKs"
      }
    },
    {
      "name": "inspector_pod_ipfragcreates",
      "attributes": {
        "kubeskoop.mib.group": "Ip",
        "kubeskoop.mib.field": "FragCreates"
      }
    },
    {
      "name": "kubeskoop_ip_fragcreates",
      "attributes": {
        "kubeskoop.mib.group": "Ip",
        "kubeskoop.mib.field": "FragCreates"
      }
    }
  ],
  "legacyAggregation": "none"
};

export const IP_MIB_IO: MetricDefinition = {
  "id": "ip.mib_io",
  "probe": "ip",
  "key": "mib_io",
  "family": "ip.mib_io",
  "name": "kubeskoop.mib.io",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "renamedFrom": [
    "kubeskoop.mib.counter"
  ],
  "instrument": "counter",
  "unit": "By",
  "attributes": [
    "kubeskoop.mib.group",
    "kubeskoop.mib.field"
  ],
  "source": "/proc/<pid>/net/snmp6: Ip6; /proc/<pid>/net/netstat: IpExt: the *Octets fields",
  "brief": {
    "en": "Opt-in, with kubeskoop.mib.events (the same options.fields selection): the selected fields that count bytes (*Octets), one series per kernel field. Never sum across kubeskoop.mib.field.",
    "zh": "按需开启，与 kubeskoop.mib.events 共用 options.fields 的选择：所选字段中以字节计的字段（*Octets），每个内核字段一条序列。不要跨 kubeskoop.mib.field 求和。"
  },
  "legacy": [],
  "legacyAggregation": "none"
};

export const IPVS_CONNECTIONS: MetricDefinition = {
  "id": "ipvs.connections",
  "probe": "ipvs",
  "key": "connections",
  "family": "ipvs.connections",
  "name": "kubeskoop.ipvs.connections",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "counter",
  "unit": "{connection}",
  "attributes": [],
  "source": "/proc/<pid>/net/ip_vs_stats: Total Conns (hexadecimal)",
  "brief": {
    "en": "Connections IPVS has scheduled to a real server since it started (cumulative, not the current number).",
    "zh": "IPVS 启动以来调度到后端的连接总数（累计值，不是当前连接数）。"
  },
  "legacy": [
    {
      "name": "inspector_pod_ipvsconnections",
      "attributes": {}
    },
    {
      "name": "kubeskoop_ipvs_connections",
      "attributes": {}
    }
  ],
  "legacyAggregation": "none"
};

export const IPVS_PACKETS: MetricDefinition = {
  "id": "ipvs.packets",
  "probe": "ipvs",
  "key": "packets",
  "family": "ipvs.packets",
  "name": "kubeskoop.ipvs.packets",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "renamedAttributes": {
    "network.io.direction": "kubeskoop.ipvs.direction"
  },
  "instrument": "counter",
  "unit": "{packet}",
  "attributes": [
    "kubeskoop.ipvs.direction"
  ],
  "source": "/proc/<pid>/net/ip_vs_stats: Incoming Packets (incoming), Outgoing Packets (outgoing)",
  "brief": {
    "en": "Packets IPVS handled, incoming (client → virtual service) and outgoing (real server → client, NAT mode).",
    "zh": "IPVS 处理的包数：入方向（客户端 → 虚拟服务）与出方向（后端 → 客户端，NAT 模式）。"
  },
  "legacy": [
    {
      "name": "inspector_pod_ipvsincomingpackets",
      "attributes": {
        "kubeskoop.ipvs.direction": "incoming"
      }
    },
    {
      "name": "kubeskoop_ipvs_incomingpackets",
      "attributes": {
        "kubeskoop.ipvs.direction": "incoming"
      }
    },
    {
      "name": "inspector_pod_incomingpackages",
      "attributes": {
        "kubeskoop.ipvs.direction": "incoming"
      },
      "seedTypoOf": "inspector_pod_ipvsincomingpackets"
    },
    {
      "name": "inspector_pod_ipvsoutgoingpackets",
      "attributes": {
        "kubeskoop.ipvs.direction": "outgoing"
      }
    },
    {
      "name": "kubeskoop_ipvs_outgoingpackets",
      "attributes": {
        "kubeskoop.ipvs.direction": "outgoing"
      }
    },
    {
      "name": "inspector_pod_outgoingpackages",
      "attributes": {
        "kubeskoop.ipvs.direction": "outgoing"
      },
      "seedTypoOf": "inspector_pod_ipvsoutgoingpackets"
    }
  ],
  "legacyAggregation": "none"
};

export const IPVS_IO: MetricDefinition = {
  "id": "ipvs.io",
  "probe": "ipvs",
  "key": "io",
  "family": "ipvs.io",
  "name": "kubeskoop.ipvs.io",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "renamedAttributes": {
    "network.io.direction": "kubeskoop.ipvs.direction"
  },
  "instrument": "counter",
  "unit": "By",
  "attributes": [
    "kubeskoop.ipvs.direction"
  ],
  "source": "/proc/<pid>/net/ip_vs_stats: Incoming Bytes (incoming), Outgoing Bytes (outgoing)",
  "brief": {
    "en": "Bytes IPVS handled, incoming and outgoing.",
    "zh": "IPVS 处理的字节数，分入方向和出方向。"
  },
  "legacy": [
    {
      "name": "inspector_pod_ipvsincomingbytes",
      "attributes": {
        "kubeskoop.ipvs.direction": "incoming"
      }
    },
    {
      "name": "kubeskoop_ipvs_incomingbytes",
      "attributes": {
        "kubeskoop.ipvs.direction": "incoming"
      }
    },
    {
      "name": "inspector_pod_incomingbytes",
      "attributes": {
        "kubeskoop.ipvs.direction": "incoming"
      },
      "seedTypoOf": "inspector_pod_ipvsincomingbytes"
    },
    {
      "name": "inspector_pod_ipvsoutgoingbytes",
      "attributes": {
        "kubeskoop.ipvs.direction": "outgoing"
      }
    },
    {
      "name": "kubeskoop_ipvs_outgoingbytes",
      "attributes": {
        "kubeskoop.ipvs.direction": "outgoing"
      }
    },
    {
      "name": "inspector_pod_outgoingbytes",
      "attributes": {
        "kubeskoop.ipvs.direction": "outgoing"
      },
      "seedTypoOf": "inspector_pod_ipvsoutgoingbytes"
    }
  ],
  "legacyAggregation": "none"
};

export const KERNELLATENCY_SLOW: MetricDefinition = {
  "id": "kernellatency.slow",
  "probe": "kernellatency",
  "key": "slow",
  "family": "kernellatency.slow",
  "name": "kubeskoop.kernel.packet.slow",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "counter",
  "unit": "{packet}",
  "attributes": [
    "network.io.direction",
    "kubeskoop.latency.threshold"
  ],
  "source": "eBPF rx: tp_btf/netif_receive_skb -> tp_btf/sk_data_ready (tail skb); tx: tp_btf/net_dev_queue minus the TCP transmit stamp (skb->tstamp, EDT); per netns",
  "brief": {
    "en": "Packets that took longer than the threshold through the kernel's receive path (device receive to socket) or TCP transmit path (TCP transmit to device queue); default thresholds 10 ms and 100 ms (KubeSkoop never filled its 100 ms counters — they are filled here).",
    "zh": "在内核接收路径（设备接收到 socket）或 TCP 发送路径（TCP 发送到设备队列）上耗时超过阈值的报文数；默认阈值 10ms 与 100ms（KubeSkoop 从未填充其 100ms 计数，这里填充）。"
  },
  "legacy": [
    {
      "name": "inspector_pod_kernellatency_rxslow",
      "attributes": {
        "network.io.direction": "receive",
        "kubeskoop.latency.threshold": "0.01"
      }
    },
    {
      "name": "inspector_pod_kernellatency_rxslow100ms",
      "attributes": {
        "network.io.direction": "receive",
        "kubeskoop.latency.threshold": "0.1"
      }
    },
    {
      "name": "inspector_pod_kernellatency_txslow",
      "attributes": {
        "network.io.direction": "transmit",
        "kubeskoop.latency.threshold": "0.01"
      }
    },
    {
      "name": "inspector_pod_kernellatency_txslow100ms",
      "attributes": {
        "network.io.direction": "transmit",
        "kubeskoop.latency.threshold": "0.1"
      }
    },
    {
      "name": "kubeskoop_kernellatency_rxslow",
      "attributes": {
        "network.io.direction": "receive",
        "kubeskoop.latency.threshold": "0.01"
      }
    },
    {
      "name": "kubeskoop_kernellatency_rxslow100ms",
      "attributes": {
        "network.io.direction": "receive",
        "kubeskoop.latency.threshold": "0.1"
      }
    },
    {
      "name": "kubeskoop_kernellatency_txslow",
      "attributes": {
        "network.io.direction": "transmit",
        "kubeskoop.latency.threshold": "0.01"
      }
    },
    {
      "name": "kubeskoop_kernellatency_txslow100ms",
      "attributes": {
        "network.io.direction": "transmit",
        "kubeskoop.latency.threshold": "0.1"
      }
    }
  ],
  "legacyAggregation": "none"
};

export const KERNELLATENCY_DURATION: MetricDefinition = {
  "id": "kernellatency.duration",
  "probe": "kernellatency",
  "key": "duration",
  "family": "kernellatency.duration",
  "name": "kubeskoop.kernel.packet.duration",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "histogram",
  "unit": "s",
  "attributes": [
    "network.io.direction"
  ],
  "source": "eBPF tp_btf/netif_receive_skb, sk_data_ready, net_dev_queue; fixed buckets in a BPF map",
  "brief": {
    "en": "Time a packet spent in the kernel's receive path (to a TCP/UDP socket) or TCP transmit path (to the device queue).",
    "zh": "报文在内核接收路径（到 TCP/UDP socket）或 TCP 发送路径（到设备队列）上花费的时间。"
  },
  "legacy": [],
  "legacyAggregation": "none",
  "buckets": [
    0.000001,
    0.000002,
    0.000005,
    0.00001,
    0.00002,
    0.00005,
    0.0001,
    0.0002,
    0.0005,
    0.001,
    0.002,
    0.005,
    0.01,
    0.02,
    0.05,
    0.1,
    0.2,
    0.5,
    1,
    2,
    5,
    10
  ]
};

export const KERNELLATENCY_UNDELIVERED: MetricDefinition = {
  "id": "kernellatency.undelivered",
  "probe": "kernellatency",
  "key": "undelivered",
  "family": "kernellatency.undelivered",
  "name": "kubeskoop.event.undelivered",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "counter",
  "unit": "{event}",
  "attributes": [
    "kubeskoop.probe.name",
    "error.type"
  ],
  "source": "BPF map counters of events not put on the ring buffer (rate limit, ring full)",
  "brief": {
    "en": "Kernel events that were counted but not delivered as log records, by probe and cause (`error.type`): the in-kernel rate limit per namespace or node-wide (netns_rate_limit, global_rate_limit), a full ring buffer (ring_full); for the loki sink, its buffer full while Loki lagged (loki_buffer_full), Loki refusing the push with a 4xx (loki_rejected), or every retry failing (loki_failed). Counts above stay exact; only the individual records were cut.",
    "zh": "已计数但未作为日志记录送出的内核事件数，按探针和原因（`error.type`）分类：内核内按命名空间或全节点的限速（netns_rate_limit、global_rate_limit）、环形缓冲区已满（ring_full）；对 loki sink 而言，Loki 滞后时其缓冲区已满（loki_buffer_full）、Loki 以 4xx 拒绝推送（loki_rejected），或所有重试均失败（loki_failed）。上面的计数仍然精确，只是逐条记录被裁掉了。"
  },
  "legacy": [],
  "legacyAggregation": "none"
};

export const KERNELLATENCY_UNTRACKED: MetricDefinition = {
  "id": "kernellatency.untracked",
  "probe": "kernellatency",
  "key": "untracked",
  "family": "kernellatency.untracked",
  "name": "kubeskoop.latency.untracked",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "counter",
  "unit": "{event}",
  "attributes": [
    "kubeskoop.probe.name",
    "error.type"
  ],
  "source": "BPF: the probe's direct-mapped in-flight table (slot taken over while young = evicted; found older than 30 s = expired)",
  "brief": {
    "en": "In-flight work (a socket's pending data, a queued packet, a block request) that was started but never measured, by cause (`error.type`): its tracking slot was taken by another object while it was still young (evicted), or it was found older than the age limit (expired: its completion happened on a path no hook sees). Node-wide; raise track_entries when evictions grow.",
    "zh": "已开始但未被测量的进行中工作（socket 的待读/待发数据、排队的报文、块请求），按原因（`error.type`）分类：其跟踪槽位在它仍较新时被其他对象占用（evicted），或被发现超过了年龄上限（expired：其完成发生在没有挂钩的路径上）。全节点范围；evicted 增长时调大 track_entries。"
  },
  "legacy": [],
  "legacyAggregation": "none"
};

export const NET_SOFTIRQ_SLOW: MetricDefinition = {
  "id": "net_softirq.slow",
  "probe": "net_softirq",
  "key": "slow",
  "family": "net_softirq.slow",
  "name": "kubeskoop.softirq.slow",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "counter",
  "unit": "{event}",
  "attributes": [
    "kubeskoop.softirq.phase",
    "kubeskoop.softirq.type",
    "cpu.logical_number",
    "kubeskoop.latency.threshold"
  ],
  "source": "eBPF tp_btf/softirq_raise, softirq_entry, softirq_exit, per CPU and vector in a BPF map",
  "brief": {
    "en": "Softirqs that waited longer than the threshold to start after being raised (schedule) or ran longer than it (execute), per CPU (default thresholds 10 ms and 100 ms).",
    "zh": "发起后等待开始执行超过阈值（schedule）或执行耗时超过阈值（execute）的软中断次数，按 CPU 统计（默认阈值 10ms 与 100ms）。"
  },
  "legacy": [
    {
      "name": "inspector_pod_net_softirq_schedslow",
      "attributes": {
        "kubeskoop.softirq.phase": "schedule",
        "kubeskoop.latency.threshold": "0.01"
      }
    },
    {
      "name": "inspector_pod_net_softirq_schedslow100ms",
      "attributes": {
        "kubeskoop.softirq.phase": "schedule",
        "kubeskoop.latency.threshold": "0.1"
      }
    },
    {
      "name": "inspector_pod_net_softirq_excuteslow",
      "attributes": {
        "kubeskoop.softirq.phase": "execute",
        "kubeskoop.latency.threshold": "0.01"
      }
    },
    {
      "name": "inspector_pod_net_softirq_excuteslow100ms",
      "attributes": {
        "kubeskoop.softirq.phase": "execute",
        "kubeskoop.latency.threshold": "0.1"
      }
    },
    {
      "name": "kubeskoop_softirq_schedslow",
      "attributes": {
        "kubeskoop.softirq.phase": "schedule",
        "kubeskoop.latency.threshold": "0.01"
      }
    },
    {
      "name": "kubeskoop_softirq_schedslow100ms",
      "attributes": {
        "kubeskoop.softirq.phase": "schedule",
        "kubeskoop.latency.threshold": "0.1"
      }
    },
    {
      "name": "kubeskoop_softirq_excuteslow",
      "attributes": {
        "kubeskoop.softirq.phase": "execute",
        "kubeskoop.latency.threshold": "0.01"
      }
    },
    {
      "name": "kubeskoop_softirq_excuteslow100ms",
      "attributes": {
        "kubeskoop.softirq.phase": "execute",
        "kubeskoop.latency.threshold": "0.1"
      }
    }
  ],
  "legacyAggregation": "sum",
  "legacyType": "counter"
};

export const NET_SOFTIRQ_DURATION: MetricDefinition = {
  "id": "net_softirq.duration",
  "probe": "net_softirq",
  "key": "duration",
  "family": "net_softirq.duration",
  "name": "kubeskoop.softirq.duration",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "histogram",
  "unit": "s",
  "attributes": [
    "kubeskoop.softirq.phase",
    "kubeskoop.softirq.type"
  ],
  "source": "eBPF tp_btf/softirq_raise, softirq_entry, softirq_exit, fixed buckets in a BPF map (all CPUs)",
  "brief": {
    "en": "Scheduling delay (raised until running) and execution time of the selected softirqs, all CPUs together.",
    "zh": "所选软中断的调度延迟（从发起到开始执行）与执行耗时，所有 CPU 合计。"
  },
  "legacy": [],
  "legacyAggregation": "none",
  "buckets": [
    0.000001,
    0.000002,
    0.000005,
    0.00001,
    0.00002,
    0.00005,
    0.0001,
    0.0002,
    0.0005,
    0.001,
    0.002,
    0.005,
    0.01,
    0.02,
    0.05,
    0.1,
    0.2,
    0.5,
    1,
    2,
    5,
    10
  ]
};

export const NET_SOFTIRQ_UNDELIVERED: MetricDefinition = {
  "id": "net_softirq.undelivered",
  "probe": "net_softirq",
  "key": "undelivered",
  "family": "net_softirq.undelivered",
  "name": "kubeskoop.event.undelivered",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "counter",
  "unit": "{event}",
  "attributes": [
    "kubeskoop.probe.name",
    "error.type"
  ],
  "source": "BPF map counters of events not put on the ring buffer (rate limit, ring full)",
  "brief": {
    "en": "Kernel events that were counted but not delivered as log records, by probe and cause (`error.type`): the in-kernel rate limit per namespace or node-wide (netns_rate_limit, global_rate_limit), a full ring buffer (ring_full); for the loki sink, its buffer full while Loki lagged (loki_buffer_full), Loki refusing the push with a 4xx (loki_rejected), or every retry failing (loki_failed). Counts above stay exact; only the individual records were cut.",
    "zh": "已计数但未作为日志记录送出的内核事件数，按探针和原因（`error.type`）分类：内核内按命名空间或全节点的限速（netns_rate_limit、global_rate_limit）、环形缓冲区已满（ring_full）；对 loki sink 而言，Loki 滞后时其缓冲区已满（loki_buffer_full）、Loki 以 4xx 拒绝推送（loki_rejected），或所有重试均失败（loki_failed）。上面的计数仍然精确，只是逐条记录被裁掉了。"
  },
  "legacy": [],
  "legacyAggregation": "none"
};

export const NETDEV_IO_HOST: MetricDefinition = {
  "id": "netdev.io.host",
  "probe": "netdev",
  "key": "io",
  "family": "netdev.io",
  "name": "system.network.io",
  "entities": [
    "host"
  ],
  "semconv": true,
  "semconvEntity": "host",
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
  "legacyAggregation": "sum_except_lo",
  "top": [
    {
      "column": "RX B/S",
      "attributes": {
        "network.io.direction": "receive"
      }
    },
    {
      "column": "TX B/S",
      "attributes": {
        "network.io.direction": "transmit"
      }
    }
  ]
};

export const NETDEV_IO_POD: MetricDefinition = {
  "id": "netdev.io.pod",
  "probe": "netdev",
  "key": "io",
  "family": "netdev.io",
  "name": "k8s.pod.network.io",
  "entities": [
    "pod"
  ],
  "semconv": true,
  "semconvEntity": "k8s.pod",
  "renamedFrom": [
    "system.network.io"
  ],
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
  "legacyAggregation": "sum_except_lo",
  "top": [
    {
      "column": "RX B/S",
      "attributes": {
        "network.io.direction": "receive"
      }
    },
    {
      "column": "TX B/S",
      "attributes": {
        "network.io.direction": "transmit"
      }
    }
  ]
};

export const NETDEV_IO_NETNS: MetricDefinition = {
  "id": "netdev.io.netns",
  "probe": "netdev",
  "key": "io",
  "family": "netdev.io",
  "name": "kubeskoop.network.io",
  "entities": [
    "netns"
  ],
  "semconv": false,
  "renamedFrom": [
    "system.network.io"
  ],
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
  "legacyAggregation": "sum_except_lo",
  "top": [
    {
      "column": "RX B/S",
      "attributes": {
        "network.io.direction": "receive"
      }
    },
    {
      "column": "TX B/S",
      "attributes": {
        "network.io.direction": "transmit"
      }
    }
  ]
};

export const NETDEV_PACKET_COUNT_HOST: MetricDefinition = {
  "id": "netdev.packet_count.host",
  "probe": "netdev",
  "key": "packet_count",
  "family": "netdev.packet_count",
  "name": "system.network.packet.count",
  "entities": [
    "host"
  ],
  "semconv": true,
  "semconvEntity": "host",
  "renamedAttributes": {
    "system.device": "system.device.name"
  },
  "instrument": "counter",
  "unit": "{packet}",
  "attributes": [
    "system.device.name",
    "network.io.direction"
  ],
  "source": "/proc/<pid>/net/dev: Receive packets, Transmit packets",
  "brief": {
    "en": "Packets received and transmitted by the interface. semconv keys the host's system.network.packet.count by system.device.name (the interface name; system.device before semconv 1.45) rather than network.interface.name; the pod and netns name uses network.interface.name.",
    "zh": "网卡接收与发送的包数。语义约定对主机的 system.network.packet.count 使用 system.device.name（取值为网卡名；语义约定 1.45 之前为 system.device）而非 network.interface.name；Pod 与 netns 的名称使用 network.interface.name。"
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

export const NETDEV_PACKET_COUNT_POD_NETNS: MetricDefinition = {
  "id": "netdev.packet_count.pod_netns",
  "probe": "netdev",
  "key": "packet_count",
  "family": "netdev.packet_count",
  "name": "kubeskoop.network.packet.count",
  "entities": [
    "pod",
    "netns"
  ],
  "semconv": false,
  "renamedFrom": [
    "system.network.packet.count"
  ],
  "renamedAttributes": {
    "system.device": "network.interface.name"
  },
  "instrument": "counter",
  "unit": "{packet}",
  "attributes": [
    "network.interface.name",
    "network.io.direction"
  ],
  "source": "/proc/<pid>/net/dev: Receive packets, Transmit packets",
  "brief": {
    "en": "Packets received and transmitted by the interface. semconv keys the host's system.network.packet.count by system.device.name (the interface name; system.device before semconv 1.45) rather than network.interface.name; the pod and netns name uses network.interface.name.",
    "zh": "网卡接收与发送的包数。语义约定对主机的 system.network.packet.count 使用 system.device.name（取值为网卡名；语义约定 1.45 之前为 system.device）而非 network.interface.name；Pod 与 netns 的名称使用 network.interface.name。"
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

export const NETDEV_PACKET_DROPPED_HOST: MetricDefinition = {
  "id": "netdev.packet_dropped.host",
  "probe": "netdev",
  "key": "packet_dropped",
  "family": "netdev.packet_dropped",
  "name": "system.network.packet.dropped",
  "entities": [
    "host"
  ],
  "semconv": true,
  "semconvEntity": "host",
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
  "legacyAggregation": "sum_except_lo",
  "top": [
    {
      "column": "DEV DROPS"
    }
  ]
};

export const NETDEV_PACKET_DROPPED_POD_NETNS: MetricDefinition = {
  "id": "netdev.packet_dropped.pod_netns",
  "probe": "netdev",
  "key": "packet_dropped",
  "family": "netdev.packet_dropped",
  "name": "kubeskoop.network.packet.dropped",
  "entities": [
    "pod",
    "netns"
  ],
  "semconv": false,
  "renamedFrom": [
    "system.network.packet.dropped"
  ],
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
  "legacyAggregation": "sum_except_lo",
  "top": [
    {
      "column": "DEV DROPS"
    }
  ]
};

export const NETDEV_ERRORS_HOST: MetricDefinition = {
  "id": "netdev.errors.host",
  "probe": "netdev",
  "key": "errors",
  "family": "netdev.errors",
  "name": "system.network.errors",
  "entities": [
    "host"
  ],
  "semconv": true,
  "semconvEntity": "host",
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

export const NETDEV_ERRORS_POD: MetricDefinition = {
  "id": "netdev.errors.pod",
  "probe": "netdev",
  "key": "errors",
  "family": "netdev.errors",
  "name": "k8s.pod.network.errors",
  "entities": [
    "pod"
  ],
  "semconv": true,
  "semconvEntity": "k8s.pod",
  "renamedFrom": [
    "system.network.errors"
  ],
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

export const NETDEV_ERRORS_NETNS: MetricDefinition = {
  "id": "netdev.errors.netns",
  "probe": "netdev",
  "key": "errors",
  "family": "netdev.errors",
  "name": "kubeskoop.network.errors",
  "entities": [
    "netns"
  ],
  "semconv": false,
  "renamedFrom": [
    "system.network.errors"
  ],
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

export const NETIFTXLATENCY_SLOW: MetricDefinition = {
  "id": "netiftxlatency.slow",
  "probe": "netiftxlatency",
  "key": "slow",
  "family": "netiftxlatency.slow",
  "name": "kubeskoop.netif.tx.slow",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "counter",
  "unit": "{packet}",
  "attributes": [
    "kubeskoop.netif.tx.stage",
    "kubeskoop.latency.threshold"
  ],
  "source": "eBPF tp_btf/net_dev_queue -> net_dev_start_xmit (qdisc), net_dev_start_xmit -> net_dev_xmit (driver), per netns of the device",
  "brief": {
    "en": "Packets that waited longer than the threshold in the qdisc or in the driver's transmit (default thresholds 10 ms and 100 ms; KubeSkoop had 100 ms only).",
    "zh": "在 qdisc 或驱动发送中等待超过阈值的报文数（默认阈值 10ms 与 100ms；KubeSkoop 只有 100ms）。"
  },
  "legacy": [
    {
      "name": "inspector_pod_netiftxlat_qdiscslow100ms",
      "attributes": {
        "kubeskoop.netif.tx.stage": "qdisc",
        "kubeskoop.latency.threshold": "0.1"
      }
    },
    {
      "name": "inspector_pod_netiftxlat_netdevslow100ms",
      "attributes": {
        "kubeskoop.netif.tx.stage": "driver",
        "kubeskoop.latency.threshold": "0.1"
      }
    },
    {
      "name": "inspector_pod_netiftxlat_netdevlow100ms",
      "attributes": {
        "kubeskoop.netif.tx.stage": "driver",
        "kubeskoop.latency.threshold": "0.1"
      },
      "seedTypoOf": "inspector_pod_netiftxlat_netdevslow100ms"
    },
    {
      "name": "inspector_pod_netiftxlatqdiscslow100ms",
      "attributes": {
        "kubeskoop.netif.tx.stage": "qdisc",
        "kubeskoop.latency.threshold": "0.1"
      }
    },
    {
      "name": "inspector_pod_netiftxlatnetdevslow100ms",
      "attributes": {
        "kubeskoop.netif.tx.stage": "driver",
        "kubeskoop.latency.threshold": "0.1"
      }
    },
    {
      "name": "kubeskoop_netiftxlat_qdiscslow100ms",
      "attributes": {
        "kubeskoop.netif.tx.stage": "qdisc",
        "kubeskoop.latency.threshold": "0.1"
      }
    },
    {
      "name": "kubeskoop_netiftxlat_netdevslow100ms",
      "attributes": {
        "kubeskoop.netif.tx.stage": "driver",
        "kubeskoop.latency.threshold": "0.1"
      }
    }
  ],
  "legacyAggregation": "none"
};

export const NETIFTXLATENCY_DURATION: MetricDefinition = {
  "id": "netiftxlatency.duration",
  "probe": "netiftxlatency",
  "key": "duration",
  "family": "netiftxlatency.duration",
  "name": "kubeskoop.netif.tx.duration",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "histogram",
  "unit": "s",
  "attributes": [
    "kubeskoop.netif.tx.stage"
  ],
  "source": "eBPF tp_btf/net_dev_queue, net_dev_start_xmit, net_dev_xmit, fixed buckets in a BPF map",
  "brief": {
    "en": "Time a transmitted packet spent in the qdisc, and in the driver's transmit routine.",
    "zh": "发送报文在 qdisc 中、以及在驱动发送函数中花费的时间。"
  },
  "legacy": [],
  "legacyAggregation": "none",
  "buckets": [
    0.000001,
    0.000002,
    0.000005,
    0.00001,
    0.00002,
    0.00005,
    0.0001,
    0.0002,
    0.0005,
    0.001,
    0.002,
    0.005,
    0.01,
    0.02,
    0.05,
    0.1,
    0.2,
    0.5,
    1,
    2,
    5,
    10
  ]
};

export const NETIFTXLATENCY_UNDELIVERED: MetricDefinition = {
  "id": "netiftxlatency.undelivered",
  "probe": "netiftxlatency",
  "key": "undelivered",
  "family": "netiftxlatency.undelivered",
  "name": "kubeskoop.event.undelivered",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "counter",
  "unit": "{event}",
  "attributes": [
    "kubeskoop.probe.name",
    "error.type"
  ],
  "source": "BPF map counters of events not put on the ring buffer (rate limit, ring full)",
  "brief": {
    "en": "Kernel events that were counted but not delivered as log records, by probe and cause (`error.type`): the in-kernel rate limit per namespace or node-wide (netns_rate_limit, global_rate_limit), a full ring buffer (ring_full); for the loki sink, its buffer full while Loki lagged (loki_buffer_full), Loki refusing the push with a 4xx (loki_rejected), or every retry failing (loki_failed). Counts above stay exact; only the individual records were cut.",
    "zh": "已计数但未作为日志记录送出的内核事件数，按探针和原因（`error.type`）分类：内核内按命名空间或全节点的限速（netns_rate_limit、global_rate_limit）、环形缓冲区已满（ring_full）；对 loki sink 而言，Loki 滞后时其缓冲区已满（loki_buffer_full）、Loki 以 4xx 拒绝推送（loki_rejected），或所有重试均失败（loki_failed）。上面的计数仍然精确，只是逐条记录被裁掉了。"
  },
  "legacy": [],
  "legacyAggregation": "none"
};

export const NETIFTXLATENCY_UNTRACKED: MetricDefinition = {
  "id": "netiftxlatency.untracked",
  "probe": "netiftxlatency",
  "key": "untracked",
  "family": "netiftxlatency.untracked",
  "name": "kubeskoop.latency.untracked",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "counter",
  "unit": "{event}",
  "attributes": [
    "kubeskoop.probe.name",
    "error.type"
  ],
  "source": "BPF: the probe's direct-mapped in-flight table (slot taken over while young = evicted; found older than 30 s = expired)",
  "brief": {
    "en": "In-flight work (a socket's pending data, a queued packet, a block request) that was started but never measured, by cause (`error.type`): its tracking slot was taken by another object while it was still young (evicted), or it was found older than the age limit (expired: its completion happened on a path no hook sees). Node-wide; raise track_entries when evictions grow.",
    "zh": "已开始但未被测量的进行中工作（socket 的待读/待发数据、排队的报文、块请求），按原因（`error.type`）分类：其跟踪槽位在它仍较新时被其他对象占用（evicted），或被发现超过了年龄上限（expired：其完成发生在没有挂钩的路径上）。全节点范围；evicted 增长时调大 track_entries。"
  },
  "legacy": [],
  "legacyAggregation": "none"
};

export const PACKETLOSS_DROPS: MetricDefinition = {
  "id": "packetloss.drops",
  "probe": "packetloss",
  "key": "drops",
  "family": "packetloss.drops",
  "name": "kubeskoop.packet.drops",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "counter",
  "unit": "{packet}",
  "attributes": [
    "kubeskoop.drop.reason"
  ],
  "source": "eBPF tp_btf/kfree_skb (skb, location, reason), counted per netns and reason in a BPF map",
  "brief": {
    "en": "Packets the kernel dropped, by the kernel's own drop reason (enum skb_drop_reason from BTF). Benign frees (NOT_DROPPED_YET, consumed packets) are not drops and are not counted; see the probe page for the list.",
    "zh": "内核丢弃的报文数，按内核自身的丢包原因（BTF 中的 enum skb_drop_reason）分类。良性释放（NOT_DROPPED_YET、正常消费的报文）不算丢包，不计入；列表见探针页面。"
  },
  "legacy": [
    {
      "name": "inspector_pod_packetloss_total",
      "attributes": {}
    },
    {
      "name": "kubeskoop_packetloss_total",
      "attributes": {}
    },
    {
      "name": "inspector_pod_packetloss_netfilter",
      "attributes": {
        "kubeskoop.drop.reason": "NETFILTER_DROP"
      }
    },
    {
      "name": "kubeskoop_packetloss_netfilter",
      "attributes": {
        "kubeskoop.drop.reason": "NETFILTER_DROP"
      }
    }
  ],
  "legacyAggregation": "sum",
  "legacyType": "counter",
  "top": [
    {
      "column": "DROPS",
      "breakdown": "kubeskoop.drop.reason"
    }
  ]
};

export const PACKETLOSS_UNDELIVERED: MetricDefinition = {
  "id": "packetloss.undelivered",
  "probe": "packetloss",
  "key": "undelivered",
  "family": "packetloss.undelivered",
  "name": "kubeskoop.event.undelivered",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "counter",
  "unit": "{event}",
  "attributes": [
    "kubeskoop.probe.name",
    "error.type"
  ],
  "source": "BPF map counters of events not put on the ring buffer (rate limit, ring full)",
  "brief": {
    "en": "Kernel events that were counted but not delivered as log records, by probe and cause (`error.type`): the in-kernel rate limit per namespace or node-wide (netns_rate_limit, global_rate_limit), a full ring buffer (ring_full); for the loki sink, its buffer full while Loki lagged (loki_buffer_full), Loki refusing the push with a 4xx (loki_rejected), or every retry failing (loki_failed). Counts above stay exact; only the individual records were cut.",
    "zh": "已计数但未作为日志记录送出的内核事件数，按探针和原因（`error.type`）分类：内核内按命名空间或全节点的限速（netns_rate_limit、global_rate_limit）、环形缓冲区已满（ring_full）；对 loki sink 而言，Loki 滞后时其缓冲区已满（loki_buffer_full）、Loki 以 4xx 拒绝推送（loki_rejected），或所有重试均失败（loki_failed）。上面的计数仍然精确，只是逐条记录被裁掉了。"
  },
  "legacy": [],
  "legacyAggregation": "none"
};

export const QDISC_IO: MetricDefinition = {
  "id": "qdisc.io",
  "probe": "qdisc",
  "key": "io",
  "family": "qdisc.io",
  "name": "kubeskoop.qdisc.io",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "counter",
  "unit": "By",
  "attributes": [
    "network.interface.name",
    "kubeskoop.qdisc.kind",
    "kubeskoop.qdisc.handle",
    "kubeskoop.qdisc.parent"
  ],
  "source": "rtnetlink RTM_GETQDISC in the namespace: TCA_STATS2/TCA_STATS_BASIC bytes (tc -s: Sent <n> bytes)",
  "brief": {
    "en": "Bytes the qdisc sent to the device (or to its parent). Overhead: one rtnetlink link dump and one qdisc dump per namespace per cycle inside the native helper, namespaces batched 100 per helper command (no process forked): 0.08 ms per namespace per cycle, agent and helper together, vs 7.7 ms forking tc -s qdisc (test/bench/results/tcpsummary.md).",
    "zh": "qdisc 发往网卡（或父 qdisc）的字节数。开销：每个周期每个命名空间在 native helper 内做一次 rtnetlink 网卡列表与 qdisc 列表查询，每条 helper 命令批量处理 100 个命名空间（不 fork 进程）：agent 与 helper 合计每命名空间每周期 0.08 ms，而 fork tc -s qdisc 需 7.7 ms（test/bench/results/tcpsummary.md）。"
  },
  "legacy": [
    {
      "name": "inspector_pod_qdiscbytes",
      "attributes": {}
    },
    {
      "name": "kubeskoop_qdisc_bytes",
      "attributes": {}
    }
  ],
  "legacyAggregation": "sum"
};

export const QDISC_PACKETS: MetricDefinition = {
  "id": "qdisc.packets",
  "probe": "qdisc",
  "key": "packets",
  "family": "qdisc.packets",
  "name": "kubeskoop.qdisc.packets",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "counter",
  "unit": "{packet}",
  "attributes": [
    "network.interface.name",
    "kubeskoop.qdisc.kind",
    "kubeskoop.qdisc.handle",
    "kubeskoop.qdisc.parent"
  ],
  "source": "rtnetlink RTM_GETQDISC: TCA_STATS_PKT64 (else TCA_STATS_BASIC packets) (tc -s: <n> pkt)",
  "brief": {
    "en": "Packets the qdisc sent.",
    "zh": "qdisc 发出的包数。"
  },
  "legacy": [
    {
      "name": "inspector_pod_qdiscpackets",
      "attributes": {}
    },
    {
      "name": "kubeskoop_qdisc_packets",
      "attributes": {}
    }
  ],
  "legacyAggregation": "sum"
};

export const QDISC_DROPS: MetricDefinition = {
  "id": "qdisc.drops",
  "probe": "qdisc",
  "key": "drops",
  "family": "qdisc.drops",
  "name": "kubeskoop.qdisc.drops",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "counter",
  "unit": "{packet}",
  "attributes": [
    "network.interface.name",
    "kubeskoop.qdisc.kind",
    "kubeskoop.qdisc.handle",
    "kubeskoop.qdisc.parent"
  ],
  "source": "rtnetlink RTM_GETQDISC: TCA_STATS_QUEUE drops (tc -s: dropped <n>)",
  "brief": {
    "en": "Packets the qdisc dropped (queue full, policer, AQM). Each one is also a QDISC_DROP in packetloss.",
    "zh": "qdisc 丢弃的包数（队列满、限速、AQM）。每个也会在 packetloss 中记为 QDISC_DROP。"
  },
  "legacy": [
    {
      "name": "inspector_pod_qdiscdrops",
      "attributes": {}
    },
    {
      "name": "kubeskoop_qdisc_drops",
      "attributes": {}
    }
  ],
  "legacyAggregation": "sum"
};

export const QDISC_OVERLIMITS: MetricDefinition = {
  "id": "qdisc.overlimits",
  "probe": "qdisc",
  "key": "overlimits",
  "family": "qdisc.overlimits",
  "name": "kubeskoop.qdisc.overlimits",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "counter",
  "unit": "{event}",
  "attributes": [
    "network.interface.name",
    "kubeskoop.qdisc.kind",
    "kubeskoop.qdisc.handle",
    "kubeskoop.qdisc.parent"
  ],
  "source": "rtnetlink RTM_GETQDISC: TCA_STATS_QUEUE overlimits (tc -s: overlimits <n>)",
  "brief": {
    "en": "Times the qdisc had to hold a packet back because it was over its rate or limit (shaping at work).",
    "zh": "qdisc 因超过速率或限制而不得不暂缓发送的次数（整形生效）。"
  },
  "legacy": [
    {
      "name": "inspector_pod_qdiscoverlimits",
      "attributes": {}
    },
    {
      "name": "kubeskoop_qdisc_overlimits",
      "attributes": {}
    }
  ],
  "legacyAggregation": "sum"
};

export const QDISC_REQUEUES: MetricDefinition = {
  "id": "qdisc.requeues",
  "probe": "qdisc",
  "key": "requeues",
  "family": "qdisc.requeues",
  "name": "kubeskoop.qdisc.requeues",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "counter",
  "unit": "{packet}",
  "attributes": [
    "network.interface.name",
    "kubeskoop.qdisc.kind",
    "kubeskoop.qdisc.handle",
    "kubeskoop.qdisc.parent"
  ],
  "source": "rtnetlink RTM_GETQDISC: TCA_STATS_QUEUE requeues (tc -s: requeues <n>)",
  "brief": {
    "en": "Packets put back into the qdisc because the driver could not take them (device queue busy).",
    "zh": "因驱动暂时无法接收（设备队列忙）而被放回 qdisc 的包数。"
  },
  "legacy": [],
  "legacyAggregation": "none"
};

export const QDISC_QUEUE: MetricDefinition = {
  "id": "qdisc.queue",
  "probe": "qdisc",
  "key": "queue",
  "family": "qdisc.queue",
  "name": "kubeskoop.qdisc.queue.count",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "updowncounter",
  "unit": "{packet}",
  "attributes": [
    "network.interface.name",
    "kubeskoop.qdisc.kind",
    "kubeskoop.qdisc.handle",
    "kubeskoop.qdisc.parent"
  ],
  "source": "rtnetlink RTM_GETQDISC: TCA_STATS_QUEUE qlen (tc -s: backlog ... <n>p)",
  "brief": {
    "en": "Packets waiting in the qdisc now.",
    "zh": "当前在 qdisc 中等待的包数。"
  },
  "legacy": [
    {
      "name": "inspector_pod_qdisqlen",
      "attributes": {},
      "seedTypoOf": "inspector_pod_qdiscqlen"
    },
    {
      "name": "inspector_pod_qdiscqlen",
      "attributes": {}
    },
    {
      "name": "kubeskoop_qdisc_qlen",
      "attributes": {}
    }
  ],
  "legacyAggregation": "sum"
};

export const QDISC_BACKLOG: MetricDefinition = {
  "id": "qdisc.backlog",
  "probe": "qdisc",
  "key": "backlog",
  "family": "qdisc.backlog",
  "name": "kubeskoop.qdisc.backlog.usage",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "updowncounter",
  "unit": "By",
  "attributes": [
    "network.interface.name",
    "kubeskoop.qdisc.kind",
    "kubeskoop.qdisc.handle",
    "kubeskoop.qdisc.parent"
  ],
  "source": "rtnetlink RTM_GETQDISC: TCA_STATS_QUEUE backlog (tc -s: backlog <n>b)",
  "brief": {
    "en": "Bytes waiting in the qdisc now.",
    "zh": "当前在 qdisc 中等待的字节数。"
  },
  "legacy": [
    {
      "name": "inspector_pod_qdiscbacklog",
      "attributes": {}
    },
    {
      "name": "kubeskoop_qdisc_backlog",
      "attributes": {}
    }
  ],
  "legacyAggregation": "sum"
};

export const SOCK_COUNT: MetricDefinition = {
  "id": "sock.count",
  "probe": "sock",
  "key": "count",
  "family": "sock.count",
  "name": "kubeskoop.socket.count",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "updowncounter",
  "unit": "{socket}",
  "attributes": [
    "network.transport",
    "network.type"
  ],
  "source": "/proc/<pid>/net/sockstat: TCP/UDP/UDPLITE/RAW inuse; /proc/<pid>/net/sockstat6: TCP6/UDP6/UDPLITE6/RAW6 inuse",
  "brief": {
    "en": "Sockets in use in the namespace, per protocol and IP version (TCP counts every socket not closed, listeners included, time-wait excluded). A steady climb with flat traffic is a socket leak.",
    "zh": "命名空间内正在使用的 socket 数，按协议和 IP 版本区分（TCP 计入所有未关闭的 socket，含监听 socket，不含 time_wait）。流量平稳而持续上涨说明 socket 泄露。"
  },
  "legacy": [
    {
      "name": "inspector_pod_sockinuse",
      "attributes": {
        "network.transport": "tcp"
      }
    },
    {
      "name": "kubeskoop_sock_inuse",
      "attributes": {
        "network.transport": "tcp"
      }
    }
  ],
  "legacyAggregation": "sum"
};

export const SOCK_USED: MetricDefinition = {
  "id": "sock.used",
  "probe": "sock",
  "key": "used",
  "family": "sock.used",
  "name": "kubeskoop.socket.used.count",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "updowncounter",
  "unit": "{socket}",
  "attributes": [],
  "source": "/proc/<pid>/net/sockstat: sockets: used",
  "brief": {
    "en": "All sockets of the namespace, every family (inet, unix, netlink…).",
    "zh": "命名空间内所有协议族（inet、unix、netlink 等）的 socket 总数。"
  },
  "legacy": [],
  "legacyAggregation": "none"
};

export const SOCK_TCP_TIME_WAIT: MetricDefinition = {
  "id": "sock.tcp_time_wait",
  "probe": "sock",
  "key": "tcp_time_wait",
  "family": "sock.tcp_time_wait",
  "name": "kubeskoop.tcp.time_wait.count",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "updowncounter",
  "unit": "{socket}",
  "attributes": [],
  "source": "/proc/<pid>/net/sockstat: TCP tw (IPv4 and IPv6 together)",
  "brief": {
    "en": "TCP sockets in TIME_WAIT in the namespace (IPv4 and IPv6). Many of them mean many short connections closed from this side; near net.ipv4.tcp_max_tw_buckets new ones are destroyed early (TCPTimeWaitOverflow).",
    "zh": "命名空间内处于 TIME_WAIT 的 TCP socket 数（IPv4 与 IPv6 合计）。数量多说明本端主动关闭了大量短连接；接近 net.ipv4.tcp_max_tw_buckets 时新的 time_wait 会被提前销毁（TCPTimeWaitOverflow）。"
  },
  "legacy": [
    {
      "name": "inspector_pod_socktw",
      "attributes": {}
    },
    {
      "name": "kubeskoop_sock_tw",
      "attributes": {}
    }
  ],
  "legacyAggregation": "none"
};

export const SOCK_TCP_ORPHAN: MetricDefinition = {
  "id": "sock.tcp_orphan",
  "probe": "sock",
  "key": "tcp_orphan",
  "family": "sock.tcp_orphan",
  "name": "kubeskoop.tcp.orphan.count",
  "entities": [
    "host"
  ],
  "semconv": false,
  "instrument": "updowncounter",
  "unit": "{socket}",
  "attributes": [],
  "source": "/proc/<pid>/net/sockstat: TCP orphan (node-wide: tcp_orphan_count_sum())",
  "brief": {
    "en": "Node-wide: TCP sockets closed by their application but still finishing the close handshake (no file descriptor). Reported on the host target only. Past net.ipv4.tcp_max_orphans the kernel resets them (TCPAbortOnMemory).",
    "zh": "全节点：应用已 close() 但仍在完成挥手的 TCP socket（不再关联文件描述符）。仅在主机目标上报告。超过 net.ipv4.tcp_max_orphans 时内核直接 reset（TCPAbortOnMemory）。"
  },
  "legacy": [
    {
      "name": "inspector_pod_sockorphan",
      "attributes": {},
      "nodeWide": true
    },
    {
      "name": "kubeskoop_sock_orphan",
      "attributes": {},
      "nodeWide": true
    }
  ],
  "legacyAggregation": "none"
};

export const SOCK_TCP_ALLOCATED: MetricDefinition = {
  "id": "sock.tcp_allocated",
  "probe": "sock",
  "key": "tcp_allocated",
  "family": "sock.tcp_allocated",
  "name": "kubeskoop.tcp.allocated.count",
  "entities": [
    "host"
  ],
  "semconv": false,
  "instrument": "updowncounter",
  "unit": "{socket}",
  "attributes": [],
  "source": "/proc/<pid>/net/sockstat: TCP alloc (node-wide: sockets_allocated of tcp_prot)",
  "brief": {
    "en": "Node-wide: TCP sockets allocated (in use, orphans and those being created). Reported on the host target only.",
    "zh": "全节点：已分配的 TCP socket 数（使用中、orphan 以及正在创建的）。仅在主机目标上报告。"
  },
  "legacy": [
    {
      "name": "inspector_pod_sockalloc",
      "attributes": {}
    },
    {
      "name": "kubeskoop_sock_alloc",
      "attributes": {}
    }
  ],
  "legacyAggregation": "none"
};

export const SOCK_MEMORY: MetricDefinition = {
  "id": "sock.memory",
  "probe": "sock",
  "key": "memory",
  "family": "sock.memory",
  "name": "kubeskoop.socket.memory.usage",
  "entities": [
    "host"
  ],
  "semconv": false,
  "instrument": "updowncounter",
  "unit": "By",
  "attributes": [
    "network.transport"
  ],
  "source": "/proc/<pid>/net/sockstat: TCP mem, UDP mem (pages, × the page size; node-wide: memory_allocated of the protocol)",
  "brief": {
    "en": "Node-wide: memory held by TCP or UDP socket buffers, in bytes (the kernel counts pages; multiplied by the page size). Reported on the host target only. Compare with net.ipv4.tcp_mem / udp_mem: past their pressure threshold the kernel shrinks buffers and may drop. KubeSkoop's sockmem was in pages.",
    "zh": "全节点：TCP 或 UDP socket 缓冲区占用的内存（字节；内核以页计，已乘以页大小）。仅在主机目标上报告。对照 net.ipv4.tcp_mem / udp_mem：超过压力阈值后内核会收缩缓冲区，甚至丢包。KubeSkoop 的 sockmem 单位是页。"
  },
  "legacy": [
    {
      "name": "inspector_pod_sockmem",
      "attributes": {
        "network.transport": "tcp"
      }
    },
    {
      "name": "kubeskoop_sock_mem",
      "attributes": {
        "network.transport": "tcp"
      }
    }
  ],
  "legacyAggregation": "none"
};

export const SOCK_FRAG_QUEUES: MetricDefinition = {
  "id": "sock.frag_queues",
  "probe": "sock",
  "key": "frag_queues",
  "family": "sock.frag_queues",
  "name": "kubeskoop.ip.reassembly.queue.count",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "updowncounter",
  "unit": "{queue}",
  "attributes": [
    "network.type"
  ],
  "source": "/proc/<pid>/net/sockstat: FRAG inuse; sockstat6: FRAG6 inuse",
  "brief": {
    "en": "IP datagrams waiting for their missing fragments in the namespace.",
    "zh": "命名空间内正在等待其余分片以完成重组的 IP 报文数。"
  },
  "legacy": [],
  "legacyAggregation": "none"
};

export const SOCK_FRAG_MEMORY: MetricDefinition = {
  "id": "sock.frag_memory",
  "probe": "sock",
  "key": "frag_memory",
  "family": "sock.frag_memory",
  "name": "kubeskoop.ip.reassembly.memory.usage",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "updowncounter",
  "unit": "By",
  "attributes": [
    "network.type"
  ],
  "source": "/proc/<pid>/net/sockstat: FRAG memory; sockstat6: FRAG6 memory (bytes)",
  "brief": {
    "en": "Memory held by IP fragments waiting for reassembly in the namespace. Near net.ipv4.ipfrag_high_thresh fragments are dropped (ReasmFails).",
    "zh": "命名空间内等待重组的 IP 分片占用的内存。接近 net.ipv4.ipfrag_high_thresh 时分片会被丢弃（ReasmFails）。"
  },
  "legacy": [],
  "legacyAggregation": "none"
};

export const SOCKETLATENCY_READ_SLOW: MetricDefinition = {
  "id": "socketlatency.read_slow",
  "probe": "socketlatency",
  "key": "read_slow",
  "family": "socketlatency.read_slow",
  "name": "kubeskoop.socket.read.slow",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "counter",
  "unit": "{event}",
  "attributes": [
    "kubeskoop.latency.threshold"
  ],
  "source": "eBPF tp_btf/sk_data_ready -> tp_btf/sock_recv_length (ret > 0, not MSG_PEEK), counted per netns in a BPF map",
  "brief": {
    "en": "Reads of TCP data that had waited longer than the threshold between becoming readable and the application reading it (default thresholds 1 ms and 100 ms; the 1 ms count includes the 100 ms ones).",
    "zh": "TCP 数据从可读到被应用读取的等待时间超过阈值的读取次数（默认阈值 1ms 与 100ms；1ms 计数包含 100ms 的）。"
  },
  "legacy": [
    {
      "name": "inspector_pod_socketlatencyread1ms",
      "attributes": {
        "kubeskoop.latency.threshold": "0.001"
      }
    },
    {
      "name": "inspector_pod_socketlatencyread100ms",
      "attributes": {
        "kubeskoop.latency.threshold": "0.1"
      }
    },
    {
      "name": "kubeskoop_socketlatency_read1ms",
      "attributes": {
        "kubeskoop.latency.threshold": "0.001"
      }
    },
    {
      "name": "kubeskoop_socketlatency_read100ms",
      "attributes": {
        "kubeskoop.latency.threshold": "0.1"
      }
    }
  ],
  "legacyAggregation": "none"
};

export const SOCKETLATENCY_READ_DELAY: MetricDefinition = {
  "id": "socketlatency.read_delay",
  "probe": "socketlatency",
  "key": "read_delay",
  "family": "socketlatency.read_delay",
  "name": "kubeskoop.socket.read.delay.duration",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "histogram",
  "unit": "s",
  "attributes": [],
  "source": "eBPF tp_btf/sk_data_ready -> tp_btf/sock_recv_length, fixed buckets in a BPF map",
  "brief": {
    "en": "Time TCP data waited between becoming readable (sk_data_ready) and the application reading it.",
    "zh": "TCP 数据从可读（sk_data_ready）到被应用读取之间等待的时间。"
  },
  "legacy": [],
  "legacyAggregation": "none",
  "buckets": [
    0.000001,
    0.000002,
    0.000005,
    0.00001,
    0.00002,
    0.00005,
    0.0001,
    0.0002,
    0.0005,
    0.001,
    0.002,
    0.005,
    0.01,
    0.02,
    0.05,
    0.1,
    0.2,
    0.5,
    1,
    2,
    5,
    10
  ]
};

export const SOCKETLATENCY_WRITE_SLOW: MetricDefinition = {
  "id": "socketlatency.write_slow",
  "probe": "socketlatency",
  "key": "write_slow",
  "family": "socketlatency.write_slow",
  "name": "kubeskoop.socket.write.slow",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "counter",
  "unit": "{event}",
  "attributes": [
    "kubeskoop.latency.threshold"
  ],
  "source": "eBPF tp_btf/tcp_sendmsg_locked -> first tp_btf/net_dev_queue of a segment of that socket with payload, counted per netns in a BPF map",
  "brief": {
    "en": "Writes whose data took longer than the threshold from sendmsg to its first segment reaching the device (window, pacing, memory or queue waits; default thresholds 1 ms and 100 ms).",
    "zh": "从 sendmsg 到其数据的第一个报文段到达网卡所用时间超过阈值的写入次数（窗口、pacing、内存或队列等待；默认阈值 1ms 与 100ms）。"
  },
  "legacy": [
    {
      "name": "inspector_pod_socketlatencywrite1ms",
      "attributes": {
        "kubeskoop.latency.threshold": "0.001"
      }
    },
    {
      "name": "inspector_pod_socketlatencywrite100ms",
      "attributes": {
        "kubeskoop.latency.threshold": "0.1"
      }
    },
    {
      "name": "kubeskoop_socketlatency_write1ms",
      "attributes": {
        "kubeskoop.latency.threshold": "0.001"
      }
    },
    {
      "name": "kubeskoop_socketlatency_write100ms",
      "attributes": {
        "kubeskoop.latency.threshold": "0.1"
      }
    }
  ],
  "legacyAggregation": "none"
};

export const SOCKETLATENCY_WRITE_DELAY: MetricDefinition = {
  "id": "socketlatency.write_delay",
  "probe": "socketlatency",
  "key": "write_delay",
  "family": "socketlatency.write_delay",
  "name": "kubeskoop.socket.write.delay.duration",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "histogram",
  "unit": "s",
  "attributes": [],
  "source": "eBPF tp_btf/tcp_sendmsg_locked -> tp_btf/net_dev_queue, fixed buckets in a BPF map",
  "brief": {
    "en": "Time from a TCP sendmsg to the first segment carrying its data reaching the device queue.",
    "zh": "从 TCP sendmsg 到承载其数据的第一个报文段进入设备队列的时间。"
  },
  "legacy": [],
  "legacyAggregation": "none",
  "buckets": [
    0.000001,
    0.000002,
    0.000005,
    0.00001,
    0.00002,
    0.00005,
    0.0001,
    0.0002,
    0.0005,
    0.001,
    0.002,
    0.005,
    0.01,
    0.02,
    0.05,
    0.1,
    0.2,
    0.5,
    1,
    2,
    5,
    10
  ]
};

export const SOCKETLATENCY_UNDELIVERED: MetricDefinition = {
  "id": "socketlatency.undelivered",
  "probe": "socketlatency",
  "key": "undelivered",
  "family": "socketlatency.undelivered",
  "name": "kubeskoop.event.undelivered",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "counter",
  "unit": "{event}",
  "attributes": [
    "kubeskoop.probe.name",
    "error.type"
  ],
  "source": "BPF map counters of events not put on the ring buffer (rate limit, ring full)",
  "brief": {
    "en": "Kernel events that were counted but not delivered as log records, by probe and cause (`error.type`): the in-kernel rate limit per namespace or node-wide (netns_rate_limit, global_rate_limit), a full ring buffer (ring_full); for the loki sink, its buffer full while Loki lagged (loki_buffer_full), Loki refusing the push with a 4xx (loki_rejected), or every retry failing (loki_failed). Counts above stay exact; only the individual records were cut.",
    "zh": "已计数但未作为日志记录送出的内核事件数，按探针和原因（`error.type`）分类：内核内按命名空间或全节点的限速（netns_rate_limit、global_rate_limit）、环形缓冲区已满（ring_full）；对 loki sink 而言，Loki 滞后时其缓冲区已满（loki_buffer_full）、Loki 以 4xx 拒绝推送（loki_rejected），或所有重试均失败（loki_failed）。上面的计数仍然精确，只是逐条记录被裁掉了。"
  },
  "legacy": [],
  "legacyAggregation": "none"
};

export const SOCKETLATENCY_UNTRACKED: MetricDefinition = {
  "id": "socketlatency.untracked",
  "probe": "socketlatency",
  "key": "untracked",
  "family": "socketlatency.untracked",
  "name": "kubeskoop.latency.untracked",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "counter",
  "unit": "{event}",
  "attributes": [
    "kubeskoop.probe.name",
    "error.type"
  ],
  "source": "BPF: the probe's direct-mapped in-flight table (slot taken over while young = evicted; found older than 30 s = expired)",
  "brief": {
    "en": "In-flight work (a socket's pending data, a queued packet, a block request) that was started but never measured, by cause (`error.type`): its tracking slot was taken by another object while it was still young (evicted), or it was found older than the age limit (expired: its completion happened on a path no hook sees). Node-wide; raise track_entries when evictions grow.",
    "zh": "已开始但未被测量的进行中工作（socket 的待读/待发数据、排队的报文、块请求），按原因（`error.type`）分类：其跟踪槽位在它仍较新时被其他对象占用（evicted），或被发现超过了年龄上限（expired：其完成发生在没有挂钩的路径上）。全节点范围；evicted 增长时调大 track_entries。"
  },
  "legacy": [],
  "legacyAggregation": "none"
};

export const SOFTNET_PROCESSED: MetricDefinition = {
  "id": "softnet.processed",
  "probe": "softnet",
  "key": "processed",
  "family": "softnet.processed",
  "name": "kubeskoop.softnet.processed_packets",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "counter",
  "unit": "{packet}",
  "attributes": [
    "cpu.logical_number"
  ],
  "source": "/proc/net/softnet_stat: column 1 (processed), per CPU",
  "brief": {
    "en": "Node-wide, per CPU: packets taken off the CPU's receive backlog and processed by the NET_RX softirq. An uneven spread across CPUs points at RSS/RPS/IRQ affinity.",
    "zh": "全节点、按 CPU：NET_RX 软中断从该 CPU 接收 backlog 中取出并处理的包数。各 CPU 间分布不均说明 RSS/RPS/中断亲和性有问题。"
  },
  "legacy": [
    {
      "name": "inspector_pod_softnetprocessed",
      "attributes": {}
    },
    {
      "name": "kubeskoop_softnet_processed",
      "attributes": {}
    }
  ],
  "legacyAggregation": "sum"
};

export const SOFTNET_DROPPED: MetricDefinition = {
  "id": "softnet.dropped",
  "probe": "softnet",
  "key": "dropped",
  "family": "softnet.dropped",
  "name": "kubeskoop.softnet.dropped_packets",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "counter",
  "unit": "{packet}",
  "attributes": [
    "cpu.logical_number"
  ],
  "source": "/proc/net/softnet_stat: column 2 (dropped), per CPU",
  "brief": {
    "en": "Node-wide, per CPU: packets dropped because the CPU's input backlog was full (net.core.netdev_max_backlog). Any increase is loss before the IP layer on that CPU.",
    "zh": "全节点、按 CPU：因该 CPU 输入 backlog 已满（net.core.netdev_max_backlog）而丢弃的包数。任何增长都意味着该 CPU 在 IP 层之前丢包。"
  },
  "legacy": [
    {
      "name": "inspector_pod_softnetdropped",
      "attributes": {}
    },
    {
      "name": "kubeskoop_softnet_dropped",
      "attributes": {}
    }
  ],
  "legacyAggregation": "sum"
};

export const SOFTNET_TIME_SQUEEZE: MetricDefinition = {
  "id": "softnet.time_squeeze",
  "probe": "softnet",
  "key": "time_squeeze",
  "family": "softnet.time_squeeze",
  "name": "kubeskoop.softnet.time_squeezes",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "counter",
  "unit": "{event}",
  "attributes": [
    "cpu.logical_number"
  ],
  "source": "/proc/net/softnet_stat: column 3 (time_squeeze), per CPU",
  "brief": {
    "en": "Node-wide, per CPU: times the NET_RX softirq stopped with work left because its budget or time ran out (net.core.netdev_budget, netdev_budget_usecs). Rising with drops: the CPU cannot keep up with receive.",
    "zh": "全节点、按 CPU：NET_RX 软中断因预算或时间用完（net.core.netdev_budget、netdev_budget_usecs）而带着未完成的工作退出的次数。与丢包同时上涨说明该 CPU 收包处理跟不上。"
  },
  "legacy": [],
  "legacyAggregation": "none"
};

export const TCP_OPENS: MetricDefinition = {
  "id": "tcp.opens",
  "probe": "tcp",
  "key": "opens",
  "family": "tcp.opens",
  "name": "kubeskoop.tcp.connection.opens",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "counter",
  "unit": "{connection}",
  "attributes": [
    "kubeskoop.tcp.open.role"
  ],
  "source": "/proc/<pid>/net/snmp: Tcp ActiveOpens (role=active), PassiveOpens (role=passive)",
  "brief": {
    "en": "TCP connections opened: active = connect() sent a SYN (SYN_SENT), passive = a listener accepted a SYN (SYN_RECV). The rate is the connection churn; a jump in active opens with flat traffic often means lost keep-alive/pooling.",
    "zh": "TCP 建连次数：active 为主动 connect() 发出 SYN，passive 为监听 socket 收到 SYN。其速率即连接的新建频率；流量不变而主动建连激增，往往是连接池或长连接失效。"
  },
  "legacy": [
    {
      "name": "inspector_pod_tcpactiveopens",
      "attributes": {
        "kubeskoop.tcp.open.role": "active"
      }
    },
    {
      "name": "kubeskoop_tcp_activeopens",
      "attributes": {
        "kubeskoop.tcp.open.role": "active"
      }
    },
    {
      "name": "inspector_pod_tcppassiveopens",
      "attributes": {
        "kubeskoop.tcp.open.role": "passive"
      }
    },
    {
      "name": "kubeskoop_tcp_passiveopens",
      "attributes": {
        "kubeskoop.tcp.open.role": "passive"
      }
    }
  ],
  "legacyAggregation": "none"
};

export const TCP_ATTEMPT_FAILURES: MetricDefinition = {
  "id": "tcp.attempt_failures",
  "probe": "tcp",
  "key": "attempt_failures",
  "family": "tcp.attempt_failures",
  "name": "kubeskoop.tcp.connection.attempt.failures",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "counter",
  "unit": "{connection}",
  "attributes": [],
  "source": "/proc/<pid>/net/snmp: Tcp AttemptFails",
  "brief": {
    "en": "Connection attempts that failed: SYN_SENT or SYN_RECV went straight to CLOSED (refused, reset or timed out during the handshake), plus SYN_RECV back to LISTEN.",
    "zh": "建连失败次数：SYN_SENT 或 SYN_RECV 直接转为 CLOSED（被拒绝、握手中被 reset 或超时），以及 SYN_RECV 退回 LISTEN。"
  },
  "legacy": [
    {
      "name": "inspector_pod_tcpattemptfails",
      "attributes": {}
    },
    {
      "name": "kubeskoop_tcp_attemptfails",
      "attributes": {}
    }
  ],
  "legacyAggregation": "none"
};

export const TCP_ESTABLISHED_RESETS: MetricDefinition = {
  "id": "tcp.established_resets",
  "probe": "tcp",
  "key": "established_resets",
  "family": "tcp.established_resets",
  "name": "kubeskoop.tcp.connection.resets",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "counter",
  "unit": "{connection}",
  "attributes": [],
  "source": "/proc/<pid>/net/snmp: Tcp EstabResets",
  "brief": {
    "en": "Established (or CLOSE_WAIT) connections that were reset. Rising: peers or middleboxes are killing live connections — see the tcpreset events for who and why.",
    "zh": "处于 ESTABLISHED（或 CLOSE_WAIT）状态却被 reset 的连接数。上涨说明对端或中间设备在中断活跃连接——用 tcpreset 事件查看来源和原因。"
  },
  "legacy": [
    {
      "name": "inspector_pod_tcpestabresets",
      "attributes": {}
    },
    {
      "name": "kubeskoop_tcp_estabresets",
      "attributes": {}
    }
  ],
  "legacyAggregation": "none"
};

export const TCP_ESTABLISHED: MetricDefinition = {
  "id": "tcp.established",
  "probe": "tcp",
  "key": "established",
  "family": "tcp.established",
  "name": "kubeskoop.tcp.connection.established.count",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "updowncounter",
  "unit": "{connection}",
  "attributes": [],
  "source": "/proc/<pid>/net/snmp: Tcp CurrEstab",
  "brief": {
    "en": "TCP connections now in ESTABLISHED or CLOSE_WAIT in the namespace (a level, not a counter). A growing CLOSE_WAIT share means the application does not close sockets the peer closed.",
    "zh": "命名空间内当前处于 ESTABLISHED 或 CLOSE_WAIT 的 TCP 连接数（是当前值，不是计数器）。CLOSE_WAIT 占比增长说明应用没有关闭对端已关闭的 socket。"
  },
  "legacy": [
    {
      "name": "inspector_pod_tcpcurrestab",
      "attributes": {}
    },
    {
      "name": "kubeskoop_tcp_currestab",
      "attributes": {}
    }
  ],
  "legacyAggregation": "none"
};

export const TCP_SEGMENTS: MetricDefinition = {
  "id": "tcp.segments",
  "probe": "tcp",
  "key": "segments",
  "family": "tcp.segments",
  "name": "kubeskoop.tcp.segments",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "counter",
  "unit": "{segment}",
  "attributes": [
    "network.io.direction"
  ],
  "source": "/proc/<pid>/net/snmp: Tcp InSegs (receive), OutSegs (transmit; retransmissions excluded)",
  "brief": {
    "en": "TCP segments received (errors included) and sent (retransmissions excluded). The denominator for retransmit and error ratios.",
    "zh": "收到（含错误段）与发出（不含重传）的 TCP 段数。是计算重传率、错误率的分母。"
  },
  "legacy": [
    {
      "name": "inspector_pod_tcpinsegs",
      "attributes": {
        "network.io.direction": "receive"
      }
    },
    {
      "name": "kubeskoop_tcp_insegs",
      "attributes": {
        "network.io.direction": "receive"
      }
    },
    {
      "name": "inspector_pod_tcpoutsegs",
      "attributes": {
        "network.io.direction": "transmit"
      }
    },
    {
      "name": "kubeskoop_tcp_outsegs",
      "attributes": {
        "network.io.direction": "transmit"
      }
    }
  ],
  "legacyAggregation": "none"
};

export const TCP_RETRANSMITS: MetricDefinition = {
  "id": "tcp.retransmits",
  "probe": "tcp",
  "key": "retransmits",
  "family": "tcp.retransmits",
  "name": "kubeskoop.tcp.retransmits",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "counter",
  "unit": "{segment}",
  "attributes": [],
  "source": "/proc/<pid>/net/snmp: Tcp RetransSegs",
  "brief": {
    "en": "TCP segments retransmitted. Retransmits ÷ sent segments above ~1% means loss or congestion on the path (or a slow peer).",
    "zh": "TCP 重传的报文段数。重传数 ÷ 发送段数超过约 1% 说明路径上有丢包或拥塞（或对端处理慢）。"
  },
  "legacy": [
    {
      "name": "inspector_pod_tcpretranssegs",
      "attributes": {}
    },
    {
      "name": "kubeskoop_tcp_retranssegs",
      "attributes": {}
    }
  ],
  "legacyAggregation": "none",
  "top": [
    {
      "column": "RETRANS"
    }
  ]
};

export const TCP_RECEIVE_ERRORS: MetricDefinition = {
  "id": "tcp.receive_errors",
  "probe": "tcp",
  "key": "receive_errors",
  "family": "tcp.receive_errors",
  "name": "kubeskoop.tcp.receive.errors",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "counter",
  "unit": "{segment}",
  "attributes": [],
  "source": "/proc/<pid>/net/snmp: Tcp InErrs",
  "brief": {
    "en": "TCP segments received in error (bad checksum, bad header, no memory to queue them). Includes the checksum errors.",
    "zh": "收到的错误 TCP 段（校验和错误、头部错误、无内存入队等），包含校验和错误。"
  },
  "legacy": [
    {
      "name": "inspector_pod_tcpinerrs",
      "attributes": {}
    },
    {
      "name": "kubeskoop_tcp_inerrs",
      "attributes": {}
    }
  ],
  "legacyAggregation": "none"
};

export const TCP_CHECKSUM_ERRORS: MetricDefinition = {
  "id": "tcp.checksum_errors",
  "probe": "tcp",
  "key": "checksum_errors",
  "family": "tcp.checksum_errors",
  "name": "kubeskoop.tcp.receive.checksum_errors",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "counter",
  "unit": "{segment}",
  "attributes": [],
  "source": "/proc/<pid>/net/snmp: Tcp InCsumErrors",
  "brief": {
    "en": "TCP segments received with a bad checksum: corruption on the wire, or broken checksum offload.",
    "zh": "校验和错误的 TCP 段：链路上数据损坏，或网卡校验和卸载异常。"
  },
  "legacy": [],
  "legacyAggregation": "none"
};

export const TCP_RESETS_SENT: MetricDefinition = {
  "id": "tcp.resets_sent",
  "probe": "tcp",
  "key": "resets_sent",
  "family": "tcp.resets_sent",
  "name": "kubeskoop.tcp.resets.sent",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "counter",
  "unit": "{segment}",
  "attributes": [],
  "source": "/proc/<pid>/net/snmp: Tcp OutRsts",
  "brief": {
    "en": "TCP segments sent with the RST flag: connections to closed ports, aborts by the application or the kernel.",
    "zh": "发出的带 RST 标志的 TCP 段：访问未监听端口、应用或内核中止连接等。"
  },
  "legacy": [
    {
      "name": "inspector_pod_tcpoutrsts",
      "attributes": {}
    },
    {
      "name": "kubeskoop_tcp_outrsts",
      "attributes": {}
    }
  ],
  "legacyAggregation": "none",
  "top": [
    {
      "column": "RST SENT"
    }
  ]
};

export const TCPEXT_LISTEN_OVERFLOWS: MetricDefinition = {
  "id": "tcpext.listen_overflows",
  "probe": "tcpext",
  "key": "listen_overflows",
  "family": "tcpext.listen_overflows",
  "name": "kubeskoop.tcp.listen.overflows",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "counter",
  "unit": "{event}",
  "attributes": [],
  "source": "/proc/<pid>/net/netstat: TcpExt ListenOverflows",
  "brief": {
    "en": "Completed handshakes dropped because a listener's accept queue was full: the application does not call accept() fast enough, or its backlog (listen(), net.core.somaxconn) is too small. Clients see connect timeouts and SYN retransmits.",
    "zh": "因监听 socket 的全连接（accept）队列已满而丢弃的已完成握手数：应用 accept() 太慢，或 backlog（listen()、net.core.somaxconn）太小。客户端表现为建连超时、SYN 重传。"
  },
  "legacy": [
    {
      "name": "inspector_pod_tcpextlistenoverflows",
      "attributes": {}
    },
    {
      "name": "kubeskoop_tcpext_listenoverflows",
      "attributes": {}
    }
  ],
  "legacyAggregation": "none",
  "top": [
    {
      "column": "LISTEN OVF"
    }
  ]
};

export const TCPEXT_LISTEN_DROPS: MetricDefinition = {
  "id": "tcpext.listen_drops",
  "probe": "tcpext",
  "key": "listen_drops",
  "family": "tcpext.listen_drops",
  "name": "kubeskoop.tcp.listen.drops",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "counter",
  "unit": "{event}",
  "attributes": [],
  "source": "/proc/<pid>/net/netstat: TcpExt ListenDrops",
  "brief": {
    "en": "Connection requests a listener dropped for any reason (accept queue overflow included, plus SYN queue full, no memory, …). ListenDrops − ListenOverflows are the drops for other reasons.",
    "zh": "监听 socket 因任何原因丢弃的建连请求数（包含全连接队列溢出，以及半连接队列满、内存不足等）。ListenDrops − ListenOverflows 即其他原因的丢弃。"
  },
  "legacy": [
    {
      "name": "inspector_pod_tcpextlistendrops",
      "attributes": {}
    },
    {
      "name": "kubeskoop_tcpext_listendrops",
      "attributes": {}
    }
  ],
  "legacyAggregation": "none"
};

export const TCPEXT_TIMEOUTS: MetricDefinition = {
  "id": "tcpext.timeouts",
  "probe": "tcpext",
  "key": "timeouts",
  "family": "tcpext.timeouts",
  "name": "kubeskoop.tcp.timeouts",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "counter",
  "unit": "{event}",
  "attributes": [],
  "source": "/proc/<pid>/net/netstat: TcpExt TCPTimeouts",
  "brief": {
    "en": "Retransmission timer (RTO) expiries outside the SYN phase: a segment was not acknowledged in time and fast retransmit could not recover it. Each one stalls the connection for at least the RTO (≥200 ms).",
    "zh": "重传定时器（RTO）超时次数：报文未被及时确认且快速重传无法恢复。每次超时至少让连接停顿一个 RTO（≥200 ms）。"
  },
  "legacy": [
    {
      "name": "inspector_pod_tcpexttcptimeouts",
      "attributes": {}
    },
    {
      "name": "kubeskoop_tcpext_tcptimeouts",
      "attributes": {}
    }
  ],
  "legacyAggregation": "none"
};

export const TCPEXT_SYN_RETRANSMITS: MetricDefinition = {
  "id": "tcpext.syn_retransmits",
  "probe": "tcpext",
  "key": "syn_retransmits",
  "family": "tcpext.syn_retransmits",
  "name": "kubeskoop.tcp.syn.retransmits",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "counter",
  "unit": "{segment}",
  "attributes": [],
  "source": "/proc/<pid>/net/netstat: TcpExt TCPSynRetrans",
  "brief": {
    "en": "SYN and SYN-ACK retransmissions: handshakes that did not get an answer in time (peer down, packets dropped, full listen queues on the peer). Each one adds ≥1 s to connection setup.",
    "zh": "SYN 与 SYN-ACK 重传次数：握手未得到及时应答（对端宕机、丢包、对端监听队列满）。每次重传让建连至少多等 1 秒。"
  },
  "legacy": [
    {
      "name": "inspector_pod_tcpexttcpsynretrans",
      "attributes": {}
    },
    {
      "name": "kubeskoop_tcpext_tcpsynretrans",
      "attributes": {}
    }
  ],
  "legacyAggregation": "none"
};

export const TCPEXT_ABORTS: MetricDefinition = {
  "id": "tcpext.aborts",
  "probe": "tcpext",
  "key": "aborts",
  "family": "tcpext.aborts",
  "name": "kubeskoop.tcp.aborts",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "counter",
  "unit": "{connection}",
  "attributes": [
    "kubeskoop.tcp.abort.reason"
  ],
  "source": "/proc/<pid>/net/netstat: TcpExt TCPAbortOnClose (close), TCPAbortOnData (data), TCPAbortOnMemory (memory), TCPAbortOnTimeout (timeout), TCPAbortOnLinger (linger)",
  "brief": {
    "en": "Connections the kernel aborted with a reset, by reason: close = the application closed with unread data; data = data arrived after the application closed; memory = out of memory or too many orphans; timeout = retransmits/keepalives/persist probes gave up; linger = FIN_WAIT2 cut short (tcp_fin_timeout / linger2 < 0).",
    "zh": "内核以 reset 中止的连接数，按原因：close 为应用关闭时缓冲区仍有未读数据；data 为应用关闭后仍收到数据；memory 为内存不足或 orphan 过多；timeout 为重传/保活/窗口探测次数超过上限；linger 为 FIN_WAIT2 被提前结束（tcp_fin_timeout / linger2 < 0）。"
  },
  "legacy": [
    {
      "name": "inspector_pod_tcpexttcpabortonclose",
      "attributes": {
        "kubeskoop.tcp.abort.reason": "close"
      }
    },
    {
      "name": "kubeskoop_tcpext_tcpabortonclose",
      "attributes": {
        "kubeskoop.tcp.abort.reason": "close"
      }
    },
    {
      "name": "inspector_pod_tcpexttcpabortondata",
      "attributes": {
        "kubeskoop.tcp.abort.reason": "data"
      }
    },
    {
      "name": "kubeskoop_tcpext_tcpabortondata",
      "attributes": {
        "kubeskoop.tcp.abort.reason": "data"
      }
    },
    {
      "name": "inspector_pod_tcpexttcpabortonmemory",
      "attributes": {
        "kubeskoop.tcp.abort.reason": "memory"
      }
    },
    {
      "name": "kubeskoop_tcpext_tcpabortonmemory",
      "attributes": {
        "kubeskoop.tcp.abort.reason": "memory"
      }
    },
    {
      "name": "inspector_pod_tcpexttcpabortontimeout",
      "attributes": {
        "kubeskoop.tcp.abort.reason": "timeout"
      }
    },
    {
      "name": "kubeskoop_tcpext_tcpabortontimeout",
      "attributes": {
        "kubeskoop.tcp.abort.reason": "timeout"
      }
    },
    {
      "name": "inspector_pod_tcpexttcpabortonlinger",
      "attributes": {
        "kubeskoop.tcp.abort.reason": "linger"
      }
    },
    {
      "name": "kubeskoop_tcpext_tcpabortonlinger",
      "attributes": {
        "kubeskoop.tcp.abort.reason": "linger"
      }
    }
  ],
  "legacyAggregation": "none"
};

export const TCPEXT_ABORT_FAILURES: MetricDefinition = {
  "id": "tcpext.abort_failures",
  "probe": "tcpext",
  "key": "abort_failures",
  "family": "tcpext.abort_failures",
  "name": "kubeskoop.tcp.abort.failures",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "counter",
  "unit": "{connection}",
  "attributes": [],
  "source": "/proc/<pid>/net/netstat: TcpExt TCPAbortFailed",
  "brief": {
    "en": "Aborts whose reset could not be sent (no memory): the peer keeps a half-open connection.",
    "zh": "中止连接时 reset 未能发出（内存不足）的次数：对端会残留半开连接。"
  },
  "legacy": [
    {
      "name": "inspector_pod_tcpexttcpabortfailed",
      "attributes": {}
    },
    {
      "name": "kubeskoop_tcpext_tcpabortfailed",
      "attributes": {}
    }
  ],
  "legacyAggregation": "none"
};

export const TCPEXT_SEGMENT_DROPS: MetricDefinition = {
  "id": "tcpext.segment_drops",
  "probe": "tcpext",
  "key": "segment_drops",
  "family": "tcpext.segment_drops",
  "name": "kubeskoop.tcp.segment.drops",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "counter",
  "unit": "{segment}",
  "attributes": [
    "kubeskoop.tcp.drop.reason"
  ],
  "source": "/proc/<pid>/net/netstat: TcpExt TCPBacklogDrop (backlog), TCPRcvQDrop (receive_queue), TCPZeroWindowDrop (zero_window), PFMemallocDrop (pfmemalloc)",
  "brief": {
    "en": "Received TCP segments dropped for lack of room, by reason: backlog = the socket was busy in user context and its backlog was full; receive_queue = receive buffer/memory exhausted; zero_window = data arrived while the advertised window was zero; pfmemalloc = memory reserved for swap traffic. The application reads too slowly or buffers are too small.",
    "zh": "因空间不足而丢弃的已接收 TCP 段，按原因：backlog 为 socket 被用户态占用且 backlog 队列已满；receive_queue 为接收缓冲区/内存耗尽；zero_window 为通告窗口为零时仍收到数据；pfmemalloc 为内存仅剩交换保留区。说明应用读取太慢或缓冲区太小。"
  },
  "legacy": [
    {
      "name": "inspector_pod_tcpexttcpbacklogdrop",
      "attributes": {
        "kubeskoop.tcp.drop.reason": "backlog"
      }
    },
    {
      "name": "kubeskoop_tcpext_tcpbacklogdrop",
      "attributes": {
        "kubeskoop.tcp.drop.reason": "backlog"
      }
    },
    {
      "name": "inspector_pod_tcpexttcprcvqdrop",
      "attributes": {
        "kubeskoop.tcp.drop.reason": "receive_queue"
      }
    },
    {
      "name": "kubeskoop_tcpext_tcprcvqdrop",
      "attributes": {
        "kubeskoop.tcp.drop.reason": "receive_queue"
      }
    },
    {
      "name": "inspector_pod_tcpexttcpzerowindowdrop",
      "attributes": {
        "kubeskoop.tcp.drop.reason": "zero_window"
      }
    },
    {
      "name": "kubeskoop_tcpext_tcpzerowindowdrop",
      "attributes": {
        "kubeskoop.tcp.drop.reason": "zero_window"
      }
    },
    {
      "name": "inspector_pod_tcpextpfmemallocdrop",
      "attributes": {
        "kubeskoop.tcp.drop.reason": "pfmemalloc"
      }
    },
    {
      "name": "kubeskoop_tcpext_pfmemallocdrop",
      "attributes": {
        "kubeskoop.tcp.drop.reason": "pfmemalloc"
      }
    }
  ],
  "legacyAggregation": "none",
  "top": [
    {
      "column": "TCP DROPS",
      "breakdown": "kubeskoop.tcp.drop.reason"
    }
  ]
};

export const TCPEXT_MIB_EVENTS: MetricDefinition = {
  "id": "tcpext.mib_events",
  "probe": "tcpext",
  "key": "mib_events",
  "family": "tcpext.mib_events",
  "name": "kubeskoop.mib.events",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "renamedFrom": [
    "kubeskoop.mib.counter"
  ],
  "instrument": "counter",
  "unit": "{event}",
  "attributes": [
    "kubeskoop.mib.group",
    "kubeskoop.mib.field"
  ],
  "source": "/proc/<pid>/net/netstat: TcpExt, MPTcpExt",
  "brief": {
    "en": "Opt-in (empty unless the probe's options name fields): any other counter of TcpExt and MPTcpExt, one series per kernel field, selected with options.fields (\"Group.Field\", \"Group.*\" or \"*\"). Counts only (segments and events; the *Chrono fields are in kubeskoop.mib.time). The fields are different things: never sum across kubeskoop.mib.field.",
    "zh": "按需开启（探针 options.fields 未指定字段时为空）：TcpExt and MPTcpExt 中其余的任意计数器，每个内核字段一条序列，用 options.fields 选择（\"Group.Field\"、\"Group.*\" 或 \"*\"）。仅计数（段与事件；*Chrono 字段见 kubeskoop.mib.time）。各字段含义不同，不要跨 kubeskoop.mib.field 求和。"
  },
  "legacy": [
    {
      "name": "inspector_pod_tcpexttcpfastretrans",
      "attributes": {
        "kubeskoop.mib.group": "TcpExt",
        "kubeskoop.mib.field": "TCPFastRetrans"
      }
    },
    {
      "name": "kubeskoop_tcpext_tcpfastretrans",
      "attributes": {
        "kubeskoop.mib.group": "TcpExt",
        "kubeskoop.mib.field": "TCPFastRetrans"
      }
    },
    {
      "name": "inspector_pod_tcpexttcpretransfail",
      "attributes": {
        "kubeskoop.mib.group": "TcpExt",
        "kubeskoop.mib.field": "TCPRetransFail"
      }
    },
    {
      "name": "kubeskoop_tcpext_tcpretransfail",
      "attributes": {
        "kubeskoop.mib.group": "TcpExt",
        "kubeskoop.mib.field": "TCPRetransFail"
      }
    },
    {
      "name": "inspector_pod_tcpexttcpackskippedsynrecv",
      "attributes": {
        "kubeskoop.mib.group": "TcpExt",
        "kubeskoop.mib.field": "TCPACKSkippedSynRecv"
      }
    },
    {
      "name": "kubeskoop_tcpext_tcpackskippedsynrecv",
      "attributes": {
        "kubeskoop.mib.group": "TcpExt",
        "kubeskoop.mib.field": "TCPACKSkippedSynRecv"
      }
    },
    {
      "name": "inspector_pod_tcpexttcpackskippedpaws",
      "attributes": {
        "kubeskoop.mib.group": "TcpExt",
        "kubeskoop.mib.field": "TCPACKSkippedPAWS"
      }
    },
    {
      "name": "kubeskoop_tcpext_tcpackskippedpaws",
      "attributes": {
        "kubeskoop.mib.group": "TcpExt",
        "kubeskoop.mib.field": "TCPACKSkippedPAWS"
      }
    },
    {
      "name": "inspector_pod_tcpexttcpackskippedseq",
      "attributes": {
        "kubeskoop.mib.group": "TcpExt",
        "kubeskoop.mib.field": "TCPACKSkippedSeq"
      }
    },
    {
      "name": "kubeskoop_tcpext_tcpackskippedseq",
      "attributes": {
        "kubeskoop.mib.group": "TcpExt",
        "kubeskoop.mib.field": "TCPACKSkippedSeq"
      }
    },
    {
      "name": "inspector_pod_tcpexttcpackskippedfinwait2",
      "attributes": {
        "kubeskoop.mib.group": "TcpExt",
        "kubeskoop.mib.field": "TCPACKSkippedFinWait2"
      }
    },
    {
      "name": "kubeskoop_tcpext_tcpackskippedfinwait2",
      "attributes": {
        "kubeskoop.mib.group": "TcpExt",
        "kubeskoop.mib.field": "TCPACKSkippedFinWait2"
      }
    },
    {
      "name": "inspector_pod_tcpexttcpackskippedtimewait",
      "attributes": {
        "kubeskoop.mib.group": "TcpExt",
        "kubeskoop.mib.field": "TCPACKSkippedTimeWait"
      }
    },
    {
      "name": "kubeskoop_tcpext_tcpackskippedtimewait",
      "attributes": {
        "kubeskoop.mib.group": "TcpExt",
        "kubeskoop.mib.field": "TCPACKSkippedTimeWait"
      }
    },
    {
      "name": "inspector_pod_tcpexttcpackskippedchallenge",
      "attributes": {
        "kubeskoop.mib.group": "TcpExt",
        "kubeskoop.mib.field": "TCPACKSkippedChallenge"
      }
    },
    {
      "name": "kubeskoop_tcpext_tcpackskippedchallenge",
      "attributes": {
        "kubeskoop.mib.group": "TcpExt",
        "kubeskoop.mib.field": "TCPACKSkippedChallenge"
      }
    },
    {
      "name": "inspector_pod_tcpexttcpmemorypressures",
      "attributes": {
        "kubeskoop.mib.group": "TcpExt",
        "kubeskoop.mib.field": "TCPMemoryPressures"
      }
    },
    {
      "name": "kubeskoop_tcpext_tcpmemorypressures",
      "attributes": {
        "kubeskoop.mib.group": "TcpExt",
        "kubeskoop.mib.field": "TCPMemoryPressures"
      }
    },
    {
      "name": "inspector_pod_tcpextpawsactive",
      "attributes": {
        "kubeskoop.mib.group": "TcpExt",
        "kubeskoop.mib.field": "PAWSActive"
      }
    },
    {
      "name": "kubeskoop_tcpext_pawsactive",
      "attributes": {
        "kubeskoop.mib.group": "TcpExt",
        "kubeskoop.mib.field": "PAWSActive"
      }
    },
    {
      "name": "inspector_pod_tcpextpawsestab",
      "attributes": {
        "kubeskoop.mib.group": "TcpExt",
        "kubeskoop.mib.field": "PAWSEstab"
      }
    },
    {
      "name": "kubeskoop_tcpext_pawsestab",
      "attributes": {
        "kubeskoop.mib.group": "TcpExt",
        "kubeskoop.mib.field": "PAWSEstab"
      }
    },
    {
      "name": "inspector_pod_tcpextembryonicrsts",
      "attributes": {
        "kubeskoop.mib.group": "TcpExt",
        "kubeskoop.mib.field": "EmbryonicRsts"
      }
    },
    {
      "name": "kubeskoop_tcpext_embryonicrsts",
      "attributes": {
        "kubeskoop.mib.group": "TcpExt",
        "kubeskoop.mib.field": "EmbryonicRsts"
      }
    },
    {
      "name": "inspector_pod_tcpexttcpwinprobe",
      "attributes": {
        "kubeskoop.mib.group": "TcpExt",
        "kubeskoop.mib.field": "TCPWinProbe"
      }
    },
    {
      "name": "kubeskoop_tcpext_tcpwinprobe",
      "attributes": {
        "kubeskoop.mib.group": "TcpExt",
        "kubeskoop.mib.field": "TCPWinProbe"
      }
    },
    {
      "name": "inspector_pod_tcpexttcpkeepalive",
      "attributes": {
        "kubeskoop.mib.group": "TcpExt",
        "kubeskoop.mib.field": "TCPKeepAlive"
      }
    },
    {
      "name": "kubeskoop_tcpext_tcpkeepalive",
      "attributes": {
        "kubeskoop.mib.group": "TcpExt",
        "kubeskoop.mib.field": "TCPKeepAlive"
      }
    },
    {
      "name": "inspector_pod_tcpexttcpmtupfail",
      "attributes": {
        "kubeskoop.mib.group": "TcpExt",
        "kubeskoop.mib.field": "TCPMTUPFail"
      }
    },
    {
      "name": "kubeskoop_tcpext_tcpmtupfail",
      "attributes": {
        "kubeskoop.mib.group": "TcpExt",
        "kubeskoop.mib.field": "TCPMTUPFail"
      }
    },
    {
      "name": "inspector_pod_tcpexttcpmtupsuccess",
      "attributes": {
        "kubeskoop.mib.group": "TcpExt",
        "kubeskoop.mib.field": "TCPMTUPSuccess"
      }
    },
    {
      "name": "kubeskoop_tcpext_tcpmtupsuccess",
      "attributes": {
        "kubeskoop.mib.group": "TcpExt",
        "kubeskoop.mib.field": "TCPMTUPSuccess"
      }
    },
    {
      "name": "inspector_pod_tcpexttcpwqueuetoobig",
      "attributes": {
        "kubeskoop.mib.group": "TcpExt",
        "kubeskoop.mib.field": "TCPWqueueTooBig"
      }
    },
    {
      "name": "kubeskoop_tcpext_tcpwqueuetoobig",
      "attributes": {
        "kubeskoop.mib.group": "TcpExt",
        "kubeskoop.mib.field": "TCPWqueueTooBig"
      }
    }
  ],
  "legacyAggregation": "none"
};

export const TCPEXT_MIB_TIME: MetricDefinition = {
  "id": "tcpext.mib_time",
  "probe": "tcpext",
  "key": "mib_time",
  "family": "tcpext.mib_time",
  "name": "kubeskoop.mib.time",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "renamedFrom": [
    "kubeskoop.mib.counter"
  ],
  "instrument": "counter",
  "unit": "s",
  "attributes": [
    "kubeskoop.mib.group",
    "kubeskoop.mib.field"
  ],
  "source": "/proc/<pid>/net/netstat: TcpExt, MPTcpExt: the *Chrono fields (milliseconds in the kernel, seconds here)",
  "brief": {
    "en": "Opt-in, with kubeskoop.mib.events (the same options.fields selection): the selected fields that add up time (*Chrono, e.g. TCPMemoryPressuresChrono: time spent under TCP memory pressure), in seconds. Never sum across kubeskoop.mib.field.",
    "zh": "按需开启，与 kubeskoop.mib.events 共用 options.fields 的选择：所选字段中累计时间的字段（*Chrono，如 TCPMemoryPressuresChrono：处于 TCP 内存压力下的时间），单位为秒。不要跨 kubeskoop.mib.field 求和。"
  },
  "legacy": [
    {
      "name": "inspector_pod_tcpexttcpmemorypressureschrono",
      "attributes": {
        "kubeskoop.mib.group": "TcpExt",
        "kubeskoop.mib.field": "TCPMemoryPressuresChrono"
      },
      "scale": 1000
    },
    {
      "name": "kubeskoop_tcpext_tcpmemorypressureschrono",
      "attributes": {
        "kubeskoop.mib.group": "TcpExt",
        "kubeskoop.mib.field": "TCPMemoryPressuresChrono"
      },
      "scale": 1000
    }
  ],
  "legacyAggregation": "none"
};

export const TCPHEALTH_RTT: MetricDefinition = {
  "id": "tcphealth.rtt",
  "probe": "tcphealth",
  "key": "rtt",
  "family": "tcphealth.rtt",
  "name": "kubeskoop.tcp.rtt",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "histogram",
  "unit": "s",
  "attributes": [
    "kubeskoop.tcp.open.role",
    "network.type",
    "network.peer.address",
    "kubeskoop.peer.kind",
    "kubeskoop.peer.name",
    "kubeskoop.peer.namespace",
    "server.port"
  ],
  "source": "BPF walk of the TCP established tables: tcp_sock.srtt_us >> 3 (tcpi_rtt) of each full socket with an RTT sample, bucketed in the kernel per (netns, peer, server port, role)",
  "brief": {
    "en": "Smoothed RTT of the pod's TCP connections per peer: one observation per connection per collection cycle (so the count grows by the number of connections each cycle). Role: active = the pod connected to the peer (server.port is the peer's), passive = the peer connected to the pod (server.port is the pod's); the side with the lower port is taken as the server. Peers beyond the per-pod top-K (by connections) are folded into one `other` series.",
    "zh": "Pod 的 TCP 连接按对端统计的平滑 RTT：每个连接每个采集周期计一次观测（计数每周期按连接数增长）。角色：active 表示 Pod 连接对端（server.port 属于对端），passive 表示对端连接 Pod（server.port 属于 Pod）；以端口较小的一方为服务端。超出每 Pod top-K（按连接数）的对端合并为一个 `other` 序列。"
  },
  "legacy": [],
  "legacyAggregation": "none",
  "buckets": [
    0.000001,
    0.000002,
    0.000005,
    0.00001,
    0.00002,
    0.00005,
    0.0001,
    0.0002,
    0.0005,
    0.001,
    0.002,
    0.005,
    0.01,
    0.02,
    0.05,
    0.1,
    0.2,
    0.5,
    1,
    2,
    5,
    10
  ]
};

export const TCPHEALTH_RTT_MIN: MetricDefinition = {
  "id": "tcphealth.rtt_min",
  "probe": "tcphealth",
  "key": "rtt_min",
  "family": "tcphealth.rtt_min",
  "name": "kubeskoop.tcp.rtt.min",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "gauge",
  "unit": "s",
  "attributes": [
    "kubeskoop.tcp.open.role",
    "network.type",
    "network.peer.address",
    "kubeskoop.peer.kind",
    "kubeskoop.peer.name",
    "kubeskoop.peer.namespace",
    "server.port"
  ],
  "source": "tcp_sock.rtt_min (the kernel's windowed minimum RTT, tcpi_min_rtt), the smallest over the peer's live connections",
  "brief": {
    "en": "The propagation floor to the peer: the smallest of the kernel's windowed minimum RTT over the pod's live connections to it. A min RTT that rises means a longer path; an RTT far above it means queueing.",
    "zh": "到对端的传播时延下限：Pod 与该对端的存活连接中内核窗口最小 RTT 的最小值。最小 RTT 升高说明路径变长；RTT 远高于它说明存在排队。"
  },
  "legacy": [],
  "legacyAggregation": "none"
};

export const TCPHEALTH_CONNECTIONS: MetricDefinition = {
  "id": "tcphealth.connections",
  "probe": "tcphealth",
  "key": "connections",
  "family": "tcphealth.connections",
  "name": "kubeskoop.tcp.peer.connection.count",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "updowncounter",
  "unit": "{connection}",
  "attributes": [
    "kubeskoop.tcp.open.role",
    "network.type",
    "network.peer.address",
    "kubeskoop.peer.kind",
    "kubeskoop.peer.name",
    "kubeskoop.peer.namespace",
    "server.port",
    "network.connection.state"
  ],
  "source": "BPF walk of the TCP established tables: skc_state (a timewait socket's substate; a request socket = syn_received) per (netns, peer, server port, role)",
  "brief": {
    "en": "The pod's TCP connections per peer and state. A close_wait count that keeps growing is a leak: the peer closed and the application never closed its side.",
    "zh": "Pod 按对端与状态统计的 TCP 连接数。close_wait 持续增长即泄漏：对端已关闭而应用从未关闭自己一侧。"
  },
  "legacy": [],
  "legacyAggregation": "none"
};

export const TCPHEALTH_SENT: MetricDefinition = {
  "id": "tcphealth.sent",
  "probe": "tcphealth",
  "key": "sent",
  "family": "tcphealth.sent",
  "name": "kubeskoop.tcp.peer.segments.sent",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "counter",
  "unit": "{segment}",
  "attributes": [
    "kubeskoop.tcp.open.role",
    "network.type",
    "network.peer.address",
    "kubeskoop.peer.kind",
    "kubeskoop.peer.name",
    "kubeskoop.peer.namespace",
    "server.port"
  ],
  "source": "tcp_sock.segs_out (tcpi_segs_out): summed over the peer's live connections at the walk plus the final value of each connection that closed (tp_btf inet_sock_set_state → CLOSE)",
  "brief": {
    "en": "Segments sent (retransmits included) by the pod's connections to the peer, live and closed; with kubeskoop.tcp.peer.segments.retransmitted, the loss ratio. A counter that never goes down: a connection closing during the reads is counted one cycle late (the agent holds the series' highest value).",
    "zh": "Pod 与该对端的连接（存活与已关闭）发送的报文段数（含重传）；与 kubeskoop.tcp.peer.segments.retransmitted 一起得出丢包率。只增不减的计数器：读取期间关闭的连接晚一个周期计入（代理保持该序列的最高值）。"
  },
  "legacy": [],
  "legacyAggregation": "none"
};

export const TCPHEALTH_RETRANSMITTED: MetricDefinition = {
  "id": "tcphealth.retransmitted",
  "probe": "tcphealth",
  "key": "retransmitted",
  "family": "tcphealth.retransmitted",
  "name": "kubeskoop.tcp.peer.segments.retransmitted",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "counter",
  "unit": "{segment}",
  "attributes": [
    "kubeskoop.tcp.open.role",
    "network.type",
    "network.peer.address",
    "kubeskoop.peer.kind",
    "kubeskoop.peer.name",
    "kubeskoop.peer.namespace",
    "server.port"
  ],
  "source": "tcp_sock.total_retrans (tcpi_total_retrans): live connections at the walk plus the final value of each closed one",
  "brief": {
    "en": "Segments retransmitted by the pod's connections to the peer, live and closed (all causes; by cause: kubeskoop.tcp.peer.retransmits).",
    "zh": "Pod 与该对端的连接（存活与已关闭）重传的报文段数（所有原因；按原因见 kubeskoop.tcp.peer.retransmits）。"
  },
  "legacy": [],
  "legacyAggregation": "none"
};

export const TCPHEALTH_LOST: MetricDefinition = {
  "id": "tcphealth.lost",
  "probe": "tcphealth",
  "key": "lost",
  "family": "tcphealth.lost",
  "name": "kubeskoop.tcp.peer.segments.lost",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "updowncounter",
  "unit": "{segment}",
  "attributes": [
    "kubeskoop.tcp.open.role",
    "network.type",
    "network.peer.address",
    "kubeskoop.peer.kind",
    "kubeskoop.peer.name",
    "kubeskoop.peer.namespace",
    "server.port"
  ],
  "source": "tcp_sock.lost_out (tcpi_lost): segments in flight the sender now presumes lost",
  "brief": {
    "en": "Segments in flight that the pod's live connections to the peer presume lost right now (a level: not kept when a connection closes).",
    "zh": "Pod 与该对端的存活连接当前认定已丢失的在途报文段数（为瞬时值：连接关闭后不保留）。"
  },
  "legacy": [],
  "legacyAggregation": "none"
};

export const TCPHEALTH_BUSY_TIME: MetricDefinition = {
  "id": "tcphealth.busy_time",
  "probe": "tcphealth",
  "key": "busy_time",
  "family": "tcphealth.busy_time",
  "name": "kubeskoop.tcp.peer.busy.time",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "counter",
  "unit": "s",
  "attributes": [
    "kubeskoop.tcp.open.role",
    "network.type",
    "network.peer.address",
    "kubeskoop.peer.kind",
    "kubeskoop.peer.name",
    "kubeskoop.peer.namespace",
    "server.port",
    "kubeskoop.tcp.send.limit"
  ],
  "source": "tcp_sock.chrono_stat[] and the running chrono (tcp_get_info_chrono_stats: tcpi_busy_time, tcpi_rwnd_limited, tcpi_sndbuf_limited), jiffies × 1/CONFIG_HZ: live connections at the walk plus the final value of each closed one",
  "brief": {
    "en": "Time the pod's connections to the peer (live and closed) had data to send, split by what limited sending (kubeskoop.tcp.send.limit): receive_window = the peer's advertised window was full (the peer reads slowly), send_buffer = this side's send buffer was empty of new data to send or too small, none = neither (the network: congestion window, pacing). No other agent exports this split.",
    "zh": "Pod 与该对端的连接（存活与已关闭）有数据待发送的时间，按限制发送的原因（kubeskoop.tcp.send.limit）划分：receive_window 表示对端通告窗口已满（对端读取慢），send_buffer 表示本端发送缓冲区受限，none 表示两者皆非（网络：拥塞窗口、pacing）。其他代理均未导出这一划分。"
  },
  "legacy": [],
  "legacyAggregation": "none"
};

export const TCPHEALTH_IO: MetricDefinition = {
  "id": "tcphealth.io",
  "probe": "tcphealth",
  "key": "io",
  "family": "tcphealth.io",
  "name": "kubeskoop.tcp.peer.io",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "counter",
  "unit": "By",
  "attributes": [
    "kubeskoop.tcp.open.role",
    "network.type",
    "network.peer.address",
    "kubeskoop.peer.kind",
    "kubeskoop.peer.name",
    "kubeskoop.peer.namespace",
    "server.port",
    "network.io.direction"
  ],
  "source": "tcp_sock.bytes_acked (transmit: tcpi_bytes_acked) and bytes_received (receive: tcpi_bytes_received): live connections at the walk plus the final value of each closed one",
  "brief": {
    "en": "Bytes the pod's TCP connections to the peer delivered, in sequence space as the kernel counts them (payload, plus 1 for each SYN and FIN): transmit = sent and acknowledged by the peer, receive = received in order. Retransmits and headers are not counted (kubeskoop.flow.io counts frames).",
    "zh": "Pod 与该对端的 TCP 连接交付的字节数，按内核的序列号空间计（载荷，SYN 与 FIN 各计 1）：transmit 为已发送且被对端确认的字节，receive 为按序收到的字节。不计重传与报头（kubeskoop.flow.io 按帧计数）。"
  },
  "legacy": [],
  "legacyAggregation": "none"
};

export const TCPHEALTH_CLOSES: MetricDefinition = {
  "id": "tcphealth.closes",
  "probe": "tcphealth",
  "key": "closes",
  "family": "tcphealth.closes",
  "name": "kubeskoop.tcp.peer.closes",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "counter",
  "unit": "{connection}",
  "attributes": [
    "kubeskoop.tcp.open.role",
    "network.type",
    "network.peer.address",
    "kubeskoop.peer.kind",
    "kubeskoop.peer.name",
    "kubeskoop.peer.namespace",
    "server.port"
  ],
  "source": "tp_btf inet_sock_set_state: a full socket's transition to CLOSE from a state after the handshake",
  "brief": {
    "en": "Connections of the pod with the peer that closed (after being established), however short they lived: what the segment, byte and busy-time counters include besides the live connections.",
    "zh": "Pod 与该对端已关闭（曾建立）的连接数，无论存活多短：分段、字节与忙碌时间计数器在存活连接之外所包含的部分。"
  },
  "legacy": [],
  "legacyAggregation": "none"
};

export const TCPHEALTH_RETRANSMITS: MetricDefinition = {
  "id": "tcphealth.retransmits",
  "probe": "tcphealth",
  "key": "retransmits",
  "family": "tcphealth.retransmits",
  "name": "kubeskoop.tcp.peer.retransmits",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "counter",
  "unit": "{segment}",
  "attributes": [
    "kubeskoop.tcp.open.role",
    "network.type",
    "network.peer.address",
    "kubeskoop.peer.kind",
    "kubeskoop.peer.name",
    "kubeskoop.peer.namespace",
    "server.port",
    "kubeskoop.tcp.retransmit.cause"
  ],
  "source": "tp_btf tcp_retransmit_skb (err = 0; tcp_skb_pcount segments; cause from sk_state and icsk_ca_state: SYN_SENT → syn, Loss → timeout, Recovery/CWR → fast, else tail_loss_probe) and tcp_retransmit_synack (syn), counted as sent since the first peers walk",
  "brief": {
    "en": "Segments the pod retransmitted to the peer, by cause (kubeskoop.tcp.retransmit.cause): timeout means the retransmission timer fired (a stall: whole windows lost, or a path down), fast means loss repaired from the peer's ACKs, tail_loss_probe a probe of the last segment, syn a connection attempt repeated. Summed over causes it equals the namespace's TcpRetransSegs for its connections less TCPRetransFail: the kernel counts a retransmit before sending it, and one whose sending fails locally is not a sent segment.",
    "zh": "Pod 向该对端重传的报文段数，按原因（kubeskoop.tcp.retransmit.cause）：timeout 为重传定时器超时（卡顿：整窗丢失或路径中断），fast 为依据对端 ACK 修复的丢失，tail_loss_probe 为对最后一个报文段的探测，syn 为重复的建连尝试。各原因之和等于命名空间中这些连接的 TcpRetransSegs 减去 TCPRetransFail：内核在发送前即计入重传，本地发送失败的重传不是已发出的报文段。"
  },
  "legacy": [],
  "legacyAggregation": "none"
};

export const TCPHEALTH_RTT_VARIATION: MetricDefinition = {
  "id": "tcphealth.rtt_variation",
  "probe": "tcphealth",
  "key": "rtt_variation",
  "family": "tcphealth.rtt_variation",
  "name": "kubeskoop.tcp.rtt.variation",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "gauge",
  "unit": "s",
  "attributes": [
    "kubeskoop.tcp.open.role",
    "network.type",
    "network.peer.address",
    "kubeskoop.peer.kind",
    "kubeskoop.peer.name",
    "kubeskoop.peer.namespace",
    "server.port"
  ],
  "source": "tcp_sock.mdev_us >> 2 (tcpi_rttvar), the mean over the peer's live connections with an RTT sample",
  "brief": {
    "en": "Mean RTT variation (the kernel's rttvar, which sets the retransmission timeout: RTO ≈ srtt + 4 × rttvar) of the pod's live connections to the peer: a high one means jitter, and late timeouts.",
    "zh": "Pod 与该对端存活连接的平均 RTT 波动（内核 rttvar，决定重传超时：RTO ≈ srtt + 4 × rttvar）：数值高意味着抖动与更迟的超时。"
  },
  "legacy": [],
  "legacyAggregation": "none"
};

export const TCPHEALTH_ACCEPT_QUEUE: MetricDefinition = {
  "id": "tcphealth.accept_queue",
  "probe": "tcphealth",
  "key": "accept_queue",
  "family": "tcphealth.accept_queue",
  "name": "kubeskoop.tcp.accept_queue.count",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "updowncounter",
  "unit": "{connection}",
  "attributes": [
    "network.type",
    "server.port"
  ],
  "source": "BPF walk of the TCP listening hash (lhash2): sk->sk_ack_backlog, summed over the listening sockets of the port in the namespace",
  "brief": {
    "en": "Connections established and waiting for the application to accept() them, per listening port. At the limit, new handshakes are dropped and the namespace's TcpExt ListenOverflows grows (per port: the packetloss probe's TCP_LISTEN_OVERFLOW drop events carry the port).",
    "zh": "已建立、等待应用 accept() 的连接数，按监听端口统计。达到上限时新握手被丢弃，命名空间的 TcpExt ListenOverflows 增长（按端口：packetloss 探针的 TCP_LISTEN_OVERFLOW 丢包事件带有端口）。"
  },
  "legacy": [],
  "legacyAggregation": "none"
};

export const TCPHEALTH_ACCEPT_QUEUE_LIMIT: MetricDefinition = {
  "id": "tcphealth.accept_queue_limit",
  "probe": "tcphealth",
  "key": "accept_queue_limit",
  "family": "tcphealth.accept_queue_limit",
  "name": "kubeskoop.tcp.accept_queue.limit",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "updowncounter",
  "unit": "{connection}",
  "attributes": [
    "network.type",
    "server.port"
  ],
  "source": "sk->sk_max_ack_backlog (listen()'s backlog capped by net.core.somaxconn), summed over the listening sockets of the port",
  "brief": {
    "en": "The accept queue's size per listening port (listen()'s backlog, capped by net.core.somaxconn).",
    "zh": "每个监听端口的 accept 队列大小（listen() 的 backlog，受 net.core.somaxconn 限制）。"
  },
  "legacy": [],
  "legacyAggregation": "none"
};

export const TCPHEALTH_PEERS_FOLDED: MetricDefinition = {
  "id": "tcphealth.peers_folded",
  "probe": "tcphealth",
  "key": "peers_folded",
  "family": "tcphealth.peers_folded",
  "name": "kubeskoop.tcp.peer.folded",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "updowncounter",
  "unit": "{peer}",
  "attributes": [],
  "source": "the agent's peer governance (top_k, max_series)",
  "brief": {
    "en": "Peers of the pod reported in the `other` series this cycle: beyond the top-K peers by connections, or refused by the node-wide series cap.",
    "zh": "本周期该 Pod 被合并到 `other` 序列的对端数：超出按连接数排序的 top-K，或被节点序列上限拒绝。"
  },
  "legacy": [],
  "legacyAggregation": "none"
};

export const TCPHEALTH_MAP_EVICTIONS: MetricDefinition = {
  "id": "tcphealth.map_evictions",
  "probe": "tcphealth",
  "key": "map_evictions",
  "family": "tcphealth.map_evictions",
  "name": "kubeskoop.tcp.peer.map.evictions",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "counter",
  "unit": "{entry}",
  "attributes": [],
  "source": "the native helper: entries created in the kernel's per-peer accumulator map (an LRU hash of 65536) minus entries present",
  "brief": {
    "en": "Per-peer accumulators (closed connections' counters, retransmits by cause) the kernel evicted because its map was full (reported on the host target). An evicted peer's counters restart from its live connections; the agent holds each series at its highest value, so they pause rather than fall.",
    "zh": "因 map 已满被内核淘汰的按对端累加器（已关闭连接的计数、按原因的重传）（在主机目标上报）。被淘汰对端的计数从其存活连接重新开始；代理将每个序列保持在其最高值，因此计数会停顿而不会下降。"
  },
  "legacy": [],
  "legacyAggregation": "none"
};

export const TCPRESET_SEGMENTS: MetricDefinition = {
  "id": "tcpreset.segments",
  "probe": "tcpreset",
  "key": "segments",
  "family": "tcpreset.segments",
  "name": "kubeskoop.tcp.reset.segments",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "counter",
  "unit": "{segment}",
  "attributes": [
    "kubeskoop.event.type",
    "kubeskoop.tcp.reset.reason"
  ],
  "source": "eBPF tp_btf/tcp_send_reset (sk, skb, reason) and tcp/tcp_receive_reset, counted per netns in a BPF map",
  "brief": {
    "en": "TCP reset segments sent (TCPRESET_NOSOCK, _ACTIVE, _PROCESS) and received (TCPRESET_RECEIVE), exact however many there are, with the kernel's reason for sending each.",
    "zh": "发送（TCPRESET_NOSOCK、_ACTIVE、_PROCESS）与收到（TCPRESET_RECEIVE）的 TCP reset 报文数，不论多少都精确计数，并附内核发送原因。"
  },
  "legacy": [],
  "legacyAggregation": "none",
  "top": [
    {
      "column": "RESETS",
      "breakdown": "kubeskoop.tcp.reset.reason"
    }
  ]
};

export const TCPRESET_UNDELIVERED: MetricDefinition = {
  "id": "tcpreset.undelivered",
  "probe": "tcpreset",
  "key": "undelivered",
  "family": "tcpreset.undelivered",
  "name": "kubeskoop.event.undelivered",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "counter",
  "unit": "{event}",
  "attributes": [
    "kubeskoop.probe.name",
    "error.type"
  ],
  "source": "BPF map counters of events not put on the ring buffer (rate limit, ring full)",
  "brief": {
    "en": "Kernel events that were counted but not delivered as log records, by probe and cause (`error.type`): the in-kernel rate limit per namespace or node-wide (netns_rate_limit, global_rate_limit), a full ring buffer (ring_full); for the loki sink, its buffer full while Loki lagged (loki_buffer_full), Loki refusing the push with a 4xx (loki_rejected), or every retry failing (loki_failed). Counts above stay exact; only the individual records were cut.",
    "zh": "已计数但未作为日志记录送出的内核事件数，按探针和原因（`error.type`）分类：内核内按命名空间或全节点的限速（netns_rate_limit、global_rate_limit）、环形缓冲区已满（ring_full）；对 loki sink 而言，Loki 滞后时其缓冲区已满（loki_buffer_full）、Loki 以 4xx 拒绝推送（loki_rejected），或所有重试均失败（loki_failed）。上面的计数仍然精确，只是逐条记录被裁掉了。"
  },
  "legacy": [],
  "legacyAggregation": "none"
};

export const TCPRETRANS_SEGMENTS: MetricDefinition = {
  "id": "tcpretrans.segments",
  "probe": "tcpretrans",
  "key": "segments",
  "family": "tcpretrans.segments",
  "name": "kubeskoop.tcp.retransmit.segments",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "counter",
  "unit": "{segment}",
  "attributes": [
    "network.connection.state"
  ],
  "source": "eBPF tracepoint tcp/tcp_retransmit_skb, counted per netns and TCP state in a BPF map",
  "brief": {
    "en": "TCP segments retransmitted, by the connection's state when it happened (syn_sent = handshake retries, established = loss on the path). The total matches kubeskoop.tcp.retransmits (snmp RetransSegs) of the tcp probe; this one says in which state and feeds the per-flow events.",
    "zh": "TCP 重传的报文段数，按发生时连接的状态分类（syn_sent 为握手重试，established 为路径丢包）。总数与 tcp 探针的 kubeskoop.tcp.retransmits（snmp RetransSegs）一致；这里额外给出状态，并产生逐流事件。"
  },
  "legacy": [
    {
      "name": "kubeskoop_tcpretrans_total",
      "attributes": {}
    }
  ],
  "legacyAggregation": "none",
  "legacyType": "counter"
};

export const TCPRETRANS_UNDELIVERED: MetricDefinition = {
  "id": "tcpretrans.undelivered",
  "probe": "tcpretrans",
  "key": "undelivered",
  "family": "tcpretrans.undelivered",
  "name": "kubeskoop.event.undelivered",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "counter",
  "unit": "{event}",
  "attributes": [
    "kubeskoop.probe.name",
    "error.type"
  ],
  "source": "BPF map counters of events not put on the ring buffer (rate limit, ring full)",
  "brief": {
    "en": "Kernel events that were counted but not delivered as log records, by probe and cause (`error.type`): the in-kernel rate limit per namespace or node-wide (netns_rate_limit, global_rate_limit), a full ring buffer (ring_full); for the loki sink, its buffer full while Loki lagged (loki_buffer_full), Loki refusing the push with a 4xx (loki_rejected), or every retry failing (loki_failed). Counts above stay exact; only the individual records were cut.",
    "zh": "已计数但未作为日志记录送出的内核事件数，按探针和原因（`error.type`）分类：内核内按命名空间或全节点的限速（netns_rate_limit、global_rate_limit）、环形缓冲区已满（ring_full）；对 loki sink 而言，Loki 滞后时其缓冲区已满（loki_buffer_full）、Loki 以 4xx 拒绝推送（loki_rejected），或所有重试均失败（loki_failed）。上面的计数仍然精确，只是逐条记录被裁掉了。"
  },
  "legacy": [],
  "legacyAggregation": "none"
};

export const TCPSUMMARY_CONNECTIONS_HOST: MetricDefinition = {
  "id": "tcpsummary.connections.host",
  "probe": "tcpsummary",
  "key": "connections",
  "family": "tcpsummary.connections",
  "name": "system.network.connection.count",
  "entities": [
    "host"
  ],
  "semconv": true,
  "semconvEntity": "host",
  "instrument": "updowncounter",
  "unit": "{connection}",
  "attributes": [
    "network.transport",
    "network.connection.state"
  ],
  "source": "BPF walk of the TCP established hash tables (sk->skc_state; a timewait socket's substate; a request socket = syn_received), as st of /proc/<pid>/net/tcp and tcp6; fallback: those files",
  "brief": {
    "en": "TCP connections of the namespace per state (IPv4 and IPv6 together; listening sockets not included). A state is reported from the first cycle it was seen in the namespace on, 0 when empty; established, time_wait, close_wait, syn_sent and syn_received always. Overhead: one walk of the node's established table per cycle for all namespaces (about 1 ms for 262144 buckets here, plus about 0.2 µs per socket on the node: 0.204 µs each for 100024 sockets in one namespace, test/bench/results/tcphealth.md); without the helper, one /proc/<pid>/net/tcp + tcp6 read per namespace (3.3 ms each with the global table, 0.05 ms with net.ipv4.tcp_child_ehash_entries) every fallback_interval.",
    "zh": "命名空间内各状态的 TCP 连接数（IPv4 与 IPv6 合计，不含监听 socket）。某状态自首次在该命名空间出现起持续上报，空时为 0；established、time_wait、close_wait、syn_sent、syn_received 始终上报。开销：每个周期对全节点的 established 哈希表只遍历一次，覆盖所有命名空间（此处 262144 个桶约 1 ms，另加节点上每个 socket 约 0.2 µs：一个命名空间内 100024 个 socket 时每个 0.204 µs，见 test/bench/results/tcphealth.md）；无 helper 时每个命名空间读一次 /proc/<pid>/net/tcp 与 tcp6（全局表时每次 3.3 ms，设置 net.ipv4.tcp_child_ehash_entries 时 0.05 ms），周期为 fallback_interval。"
  },
  "legacy": [
    {
      "name": "inspector_pod_tcpsummarytcpestablishedconn",
      "attributes": {
        "network.connection.state": "established"
      }
    },
    {
      "name": "inspector_pod_tcpsummarytcptimewaitconn",
      "attributes": {
        "network.connection.state": "time_wait"
      }
    },
    {
      "name": "kubeskoop_tcpsummary_tcpestablishedconn",
      "attributes": {
        "network.connection.state": "established"
      }
    },
    {
      "name": "kubeskoop_tcpsummary_tcptimewaitconn",
      "attributes": {
        "network.connection.state": "time_wait"
      }
    },
    {
      "name": "kubeskoop_tcpsummary_tcpclosewaitconn",
      "attributes": {
        "network.connection.state": "close_wait"
      }
    },
    {
      "name": "kubeskoop_tcpsummary_tcpsynsentconn",
      "attributes": {
        "network.connection.state": "syn_sent"
      }
    },
    {
      "name": "kubeskoop_tcpsummary_tcpsynrecvconn",
      "attributes": {
        "network.connection.state": "syn_received"
      }
    }
  ],
  "legacyAggregation": "none"
};

export const TCPSUMMARY_CONNECTIONS_POD_NETNS: MetricDefinition = {
  "id": "tcpsummary.connections.pod_netns",
  "probe": "tcpsummary",
  "key": "connections",
  "family": "tcpsummary.connections",
  "name": "kubeskoop.network.connection.count",
  "entities": [
    "pod",
    "netns"
  ],
  "semconv": false,
  "renamedFrom": [
    "system.network.connection.count"
  ],
  "instrument": "updowncounter",
  "unit": "{connection}",
  "attributes": [
    "network.transport",
    "network.connection.state"
  ],
  "source": "BPF walk of the TCP established hash tables (sk->skc_state; a timewait socket's substate; a request socket = syn_received), as st of /proc/<pid>/net/tcp and tcp6; fallback: those files",
  "brief": {
    "en": "TCP connections of the namespace per state (IPv4 and IPv6 together; listening sockets not included). A state is reported from the first cycle it was seen in the namespace on, 0 when empty; established, time_wait, close_wait, syn_sent and syn_received always. Overhead: one walk of the node's established table per cycle for all namespaces (about 1 ms for 262144 buckets here, plus about 0.2 µs per socket on the node: 0.204 µs each for 100024 sockets in one namespace, test/bench/results/tcphealth.md); without the helper, one /proc/<pid>/net/tcp + tcp6 read per namespace (3.3 ms each with the global table, 0.05 ms with net.ipv4.tcp_child_ehash_entries) every fallback_interval.",
    "zh": "命名空间内各状态的 TCP 连接数（IPv4 与 IPv6 合计，不含监听 socket）。某状态自首次在该命名空间出现起持续上报，空时为 0；established、time_wait、close_wait、syn_sent、syn_received 始终上报。开销：每个周期对全节点的 established 哈希表只遍历一次，覆盖所有命名空间（此处 262144 个桶约 1 ms，另加节点上每个 socket 约 0.2 µs：一个命名空间内 100024 个 socket 时每个 0.204 µs，见 test/bench/results/tcphealth.md）；无 helper 时每个命名空间读一次 /proc/<pid>/net/tcp 与 tcp6（全局表时每次 3.3 ms，设置 net.ipv4.tcp_child_ehash_entries 时 0.05 ms），周期为 fallback_interval。"
  },
  "legacy": [
    {
      "name": "inspector_pod_tcpsummarytcpestablishedconn",
      "attributes": {
        "network.connection.state": "established"
      }
    },
    {
      "name": "inspector_pod_tcpsummarytcptimewaitconn",
      "attributes": {
        "network.connection.state": "time_wait"
      }
    },
    {
      "name": "kubeskoop_tcpsummary_tcpestablishedconn",
      "attributes": {
        "network.connection.state": "established"
      }
    },
    {
      "name": "kubeskoop_tcpsummary_tcptimewaitconn",
      "attributes": {
        "network.connection.state": "time_wait"
      }
    },
    {
      "name": "kubeskoop_tcpsummary_tcpclosewaitconn",
      "attributes": {
        "network.connection.state": "close_wait"
      }
    },
    {
      "name": "kubeskoop_tcpsummary_tcpsynsentconn",
      "attributes": {
        "network.connection.state": "syn_sent"
      }
    },
    {
      "name": "kubeskoop_tcpsummary_tcpsynrecvconn",
      "attributes": {
        "network.connection.state": "syn_received"
      }
    }
  ],
  "legacyAggregation": "none"
};

export const TCPSUMMARY_QUEUE: MetricDefinition = {
  "id": "tcpsummary.queue",
  "probe": "tcpsummary",
  "key": "queue",
  "family": "tcpsummary.queue",
  "name": "kubeskoop.tcp.queue.usage",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "renamedAttributes": {
    "network.io.direction": "kubeskoop.socket.queue"
  },
  "instrument": "updowncounter",
  "unit": "By",
  "attributes": [
    "kubeskoop.socket.queue"
  ],
  "source": "BPF walk as above: receive = max(rcv_nxt - copied_seq, 0), send = write_seq - snd_una of every non-listening full socket (rx_queue / tx_queue of /proc/<pid>/net/tcp and tcp6); fallback: those files",
  "brief": {
    "en": "Bytes waiting in the receive queues (received, not yet read by the application) and send queues (sent or queued, not yet acknowledged) of the namespace's TCP connections. A growing receive queue is a slow reader; a growing send queue, a slow peer or path. Overhead: as the connection count (the same walk).",
    "zh": "命名空间内 TCP 连接接收队列（已收到、应用尚未读取）与发送队列（已发送或排队、尚未被确认）中的字节数。接收队列增长说明应用读得慢；发送队列增长说明对端或路径慢。开销同连接数指标（同一次遍历）。"
  },
  "legacy": [
    {
      "name": "inspector_pod_tcpsummarytcprxqueue",
      "attributes": {
        "kubeskoop.socket.queue": "receive"
      }
    },
    {
      "name": "inspector_pod_tcpsummarytcptxqueue",
      "attributes": {
        "kubeskoop.socket.queue": "send"
      }
    },
    {
      "name": "kubeskoop_tcpsummary_tcprxqueue",
      "attributes": {
        "kubeskoop.socket.queue": "receive"
      }
    },
    {
      "name": "kubeskoop_tcpsummary_tcptxqueue",
      "attributes": {
        "kubeskoop.socket.queue": "send"
      }
    }
  ],
  "legacyAggregation": "sum"
};

export const UDP_DATAGRAMS: MetricDefinition = {
  "id": "udp.datagrams",
  "probe": "udp",
  "key": "datagrams",
  "family": "udp.datagrams",
  "name": "kubeskoop.udp.datagrams",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "counter",
  "unit": "{datagram}",
  "attributes": [
    "network.type",
    "network.io.direction"
  ],
  "source": "/proc/<pid>/net/snmp: Udp InDatagrams (receive), OutDatagrams (transmit); snmp6: Udp6InDatagrams, Udp6OutDatagrams",
  "brief": {
    "en": "UDP datagrams delivered to sockets and sent.",
    "zh": "交付给 socket 的以及发出的 UDP 报文数。"
  },
  "legacy": [
    {
      "name": "inspector_pod_udpindatagrams",
      "attributes": {
        "network.type": "ipv4",
        "network.io.direction": "receive"
      }
    },
    {
      "name": "kubeskoop_udp_indatagrams",
      "attributes": {
        "network.type": "ipv4",
        "network.io.direction": "receive"
      }
    },
    {
      "name": "inspector_pod_udpoutdatagrams",
      "attributes": {
        "network.type": "ipv4",
        "network.io.direction": "transmit"
      }
    },
    {
      "name": "kubeskoop_udp_outdatagrams",
      "attributes": {
        "network.type": "ipv4",
        "network.io.direction": "transmit"
      }
    }
  ],
  "legacyAggregation": "none"
};

export const UDP_NO_PORT: MetricDefinition = {
  "id": "udp.no_port",
  "probe": "udp",
  "key": "no_port",
  "family": "udp.no_port",
  "name": "kubeskoop.udp.no_port.datagrams",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "counter",
  "unit": "{datagram}",
  "attributes": [
    "network.type"
  ],
  "source": "/proc/<pid>/net/snmp: Udp NoPorts; snmp6: Udp6NoPorts",
  "brief": {
    "en": "UDP datagrams received for a port nobody listens on (answered with ICMP port unreachable). DNS clients that gave up, or a server that is not up.",
    "zh": "发往无人监听端口的 UDP 报文数（内核回 ICMP 端口不可达）。常见于已放弃等待的 DNS 客户端，或服务未启动。"
  },
  "legacy": [
    {
      "name": "inspector_pod_udpnoports",
      "attributes": {
        "network.type": "ipv4"
      }
    },
    {
      "name": "kubeskoop_udp_noports",
      "attributes": {
        "network.type": "ipv4"
      }
    }
  ],
  "legacyAggregation": "none"
};

export const UDP_RECEIVE_ERRORS: MetricDefinition = {
  "id": "udp.receive_errors",
  "probe": "udp",
  "key": "receive_errors",
  "family": "udp.receive_errors",
  "name": "kubeskoop.udp.receive.errors",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "counter",
  "unit": "{datagram}",
  "attributes": [
    "network.type"
  ],
  "source": "/proc/<pid>/net/snmp: Udp InErrors; snmp6: Udp6InErrors",
  "brief": {
    "en": "UDP datagrams that could not be delivered (includes receive-buffer and checksum errors).",
    "zh": "无法交付的 UDP 报文数（包含接收缓冲区满和校验和错误）。"
  },
  "legacy": [
    {
      "name": "inspector_pod_udpinerrors",
      "attributes": {
        "network.type": "ipv4"
      }
    },
    {
      "name": "kubeskoop_udp_inerrors",
      "attributes": {
        "network.type": "ipv4"
      }
    }
  ],
  "legacyAggregation": "none"
};

export const UDP_RECEIVE_BUFFER_ERRORS: MetricDefinition = {
  "id": "udp.receive_buffer_errors",
  "probe": "udp",
  "key": "receive_buffer_errors",
  "family": "udp.receive_buffer_errors",
  "name": "kubeskoop.udp.receive_buffer.errors",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "counter",
  "unit": "{datagram}",
  "attributes": [
    "network.type"
  ],
  "source": "/proc/<pid>/net/snmp: Udp RcvbufErrors; snmp6: Udp6RcvbufErrors",
  "brief": {
    "en": "UDP datagrams dropped because the socket receive buffer was full: the application reads too slowly (classic cause of DNS timeouts). Raise SO_RCVBUF / net.core.rmem_max or read faster.",
    "zh": "因 socket 接收缓冲区满而丢弃的 UDP 报文数：应用读取太慢（DNS 超时的常见原因）。调大 SO_RCVBUF / net.core.rmem_max，或加快读取。"
  },
  "legacy": [
    {
      "name": "inspector_pod_udprcvbuferrors",
      "attributes": {
        "network.type": "ipv4"
      }
    },
    {
      "name": "kubeskoop_udp_rcvbuferrors",
      "attributes": {
        "network.type": "ipv4"
      }
    }
  ],
  "legacyAggregation": "none",
  "top": [
    {
      "column": "UDP RCVBUF"
    }
  ]
};

export const UDP_SEND_BUFFER_ERRORS: MetricDefinition = {
  "id": "udp.send_buffer_errors",
  "probe": "udp",
  "key": "send_buffer_errors",
  "family": "udp.send_buffer_errors",
  "name": "kubeskoop.udp.send_buffer.errors",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "counter",
  "unit": "{datagram}",
  "attributes": [
    "network.type"
  ],
  "source": "/proc/<pid>/net/snmp: Udp SndbufErrors; snmp6: Udp6SndbufErrors",
  "brief": {
    "en": "UDP sends that failed for lack of send buffer (or of a route/neighbour entry).",
    "zh": "因发送缓冲区不足（或无路由/邻居表项）而失败的 UDP 发送次数。"
  },
  "legacy": [
    {
      "name": "inspector_pod_udpsndbuferrors",
      "attributes": {
        "network.type": "ipv4"
      }
    },
    {
      "name": "kubeskoop_udp_sndbuferrors",
      "attributes": {
        "network.type": "ipv4"
      }
    }
  ],
  "legacyAggregation": "none"
};

export const UDP_CHECKSUM_ERRORS: MetricDefinition = {
  "id": "udp.checksum_errors",
  "probe": "udp",
  "key": "checksum_errors",
  "family": "udp.checksum_errors",
  "name": "kubeskoop.udp.receive.checksum_errors",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "counter",
  "unit": "{datagram}",
  "attributes": [
    "network.type"
  ],
  "source": "/proc/<pid>/net/snmp: Udp InCsumErrors; snmp6: Udp6InCsumErrors",
  "brief": {
    "en": "UDP datagrams received with a bad checksum.",
    "zh": "校验和错误的 UDP 报文数。"
  },
  "legacy": [
    {
      "name": "inspector_pod_udpincsumerrors",
      "attributes": {
        "network.type": "ipv4"
      }
    },
    {
      "name": "kubeskoop_udp_incsumerrors",
      "attributes": {
        "network.type": "ipv4"
      }
    }
  ],
  "legacyAggregation": "none"
};

export const UDP_IGNORED_MULTICAST: MetricDefinition = {
  "id": "udp.ignored_multicast",
  "probe": "udp",
  "key": "ignored_multicast",
  "family": "udp.ignored_multicast",
  "name": "kubeskoop.udp.ignored_multicast.datagrams",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "counter",
  "unit": "{datagram}",
  "attributes": [
    "network.type"
  ],
  "source": "/proc/<pid>/net/snmp: Udp IgnoredMulti; snmp6: Udp6IgnoredMulti",
  "brief": {
    "en": "Broadcast/multicast UDP datagrams no socket wanted.",
    "zh": "没有 socket 接收的广播/组播 UDP 报文数。"
  },
  "legacy": [
    {
      "name": "inspector_pod_udpignoredmulti",
      "attributes": {
        "network.type": "ipv4"
      }
    },
    {
      "name": "kubeskoop_udp_ignoredmulti",
      "attributes": {
        "network.type": "ipv4"
      }
    }
  ],
  "legacyAggregation": "none"
};

export const UDP_MEMORY_ERRORS: MetricDefinition = {
  "id": "udp.memory_errors",
  "probe": "udp",
  "key": "memory_errors",
  "family": "udp.memory_errors",
  "name": "kubeskoop.udp.memory.errors",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "counter",
  "unit": "{datagram}",
  "attributes": [
    "network.type"
  ],
  "source": "/proc/<pid>/net/snmp: Udp MemErrors; snmp6: Udp6MemErrors",
  "brief": {
    "en": "UDP datagrams dropped because UDP memory (net.ipv4.udp_mem) was exhausted node-wide.",
    "zh": "因 UDP 内存（net.ipv4.udp_mem，全节点）耗尽而丢弃的 UDP 报文数。"
  },
  "legacy": [],
  "legacyAggregation": "none"
};

export const UDP_MIB_EVENTS: MetricDefinition = {
  "id": "udp.mib_events",
  "probe": "udp",
  "key": "mib_events",
  "family": "udp.mib_events",
  "name": "kubeskoop.mib.events",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "renamedFrom": [
    "kubeskoop.mib.counter"
  ],
  "instrument": "counter",
  "unit": "{event}",
  "attributes": [
    "kubeskoop.mib.group",
    "kubeskoop.mib.field"
  ],
  "source": "/proc/<pid>/net/snmp: UdpLite; /proc/<pid>/net/snmp6: UdpLite6*",
  "brief": {
    "en": "Opt-in (empty unless the probe's options name fields): any other counter of UdpLite and UdpLite6, one series per kernel field, selected with options.fields (\"Group.Field\", \"Group.*\" or \"*\"). Counts only (datagrams and events). The fields are different things: never sum across kubeskoop.mib.field.",
    "zh": "按需开启（探针 options.fields 未指定字段时为空）：UdpLite and UdpLite6 中其余的任意计数器，每个内核字段一条序列，用 options.fields 选择（\"Group.Field\"、\"Group.*\" 或 \"*\"）。仅计数（数据报与事件）。各字段含义不同，不要跨 kubeskoop.mib.field 求和。"
  },
  "legacy": [],
  "legacyAggregation": "none"
};

export const VIRTCMDLATENCY_SLOW: MetricDefinition = {
  "id": "virtcmdlatency.slow",
  "probe": "virtcmdlatency",
  "key": "slow",
  "family": "virtcmdlatency.slow",
  "name": "kubeskoop.virtio.command.slow",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "counter",
  "unit": "{command}",
  "attributes": [
    "kubeskoop.latency.threshold"
  ],
  "source": "eBPF fentry/fexit (or kprobe/kretprobe) on virtnet_send_command_reply, counted in a BPF map",
  "brief": {
    "en": "virtio-net control commands that took longer than the threshold (default 10 ms and 100 ms).",
    "zh": "执行时间超过阈值的 virtio-net 控制命令数（默认 10ms 与 100ms）。"
  },
  "legacy": [
    {
      "name": "inspector_pod_virtcmdlatency",
      "attributes": {
        "kubeskoop.latency.threshold": "0.01"
      }
    },
    {
      "name": "inspector_pod_virtcmdlatency100ms",
      "attributes": {
        "kubeskoop.latency.threshold": "0.1"
      }
    },
    {
      "name": "kubeskoop_virtcmdlatency_latency",
      "attributes": {
        "kubeskoop.latency.threshold": "0.01"
      }
    },
    {
      "name": "kubeskoop_virtcmdlatency_latency100ms",
      "attributes": {
        "kubeskoop.latency.threshold": "0.1"
      }
    }
  ],
  "legacyAggregation": "none"
};

export const VIRTCMDLATENCY_DURATION: MetricDefinition = {
  "id": "virtcmdlatency.duration",
  "probe": "virtcmdlatency",
  "key": "duration",
  "family": "virtcmdlatency.duration",
  "name": "kubeskoop.virtio.command.duration",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "histogram",
  "unit": "s",
  "attributes": [],
  "source": "eBPF fentry/fexit (or kprobe/kretprobe) on virtnet_send_command_reply, fixed buckets in a BPF map",
  "brief": {
    "en": "Time a virtio-net control command took (the guest waiting for the device's reply).",
    "zh": "virtio-net 控制命令的执行时间（客户机等待设备回复）。"
  },
  "legacy": [],
  "legacyAggregation": "none",
  "buckets": [
    0.000001,
    0.000002,
    0.000005,
    0.00001,
    0.00002,
    0.00005,
    0.0001,
    0.0002,
    0.0005,
    0.001,
    0.002,
    0.005,
    0.01,
    0.02,
    0.05,
    0.1,
    0.2,
    0.5,
    1,
    2,
    5,
    10
  ]
};

export const VIRTCMDLATENCY_UNDELIVERED: MetricDefinition = {
  "id": "virtcmdlatency.undelivered",
  "probe": "virtcmdlatency",
  "key": "undelivered",
  "family": "virtcmdlatency.undelivered",
  "name": "kubeskoop.event.undelivered",
  "entities": [
    "host",
    "pod",
    "netns"
  ],
  "semconv": false,
  "instrument": "counter",
  "unit": "{event}",
  "attributes": [
    "kubeskoop.probe.name",
    "error.type"
  ],
  "source": "BPF map counters of events not put on the ring buffer (rate limit, ring full)",
  "brief": {
    "en": "Kernel events that were counted but not delivered as log records, by probe and cause (`error.type`): the in-kernel rate limit per namespace or node-wide (netns_rate_limit, global_rate_limit), a full ring buffer (ring_full); for the loki sink, its buffer full while Loki lagged (loki_buffer_full), Loki refusing the push with a 4xx (loki_rejected), or every retry failing (loki_failed). Counts above stay exact; only the individual records were cut.",
    "zh": "已计数但未作为日志记录送出的内核事件数，按探针和原因（`error.type`）分类：内核内按命名空间或全节点的限速（netns_rate_limit、global_rate_limit）、环形缓冲区已满（ring_full）；对 loki sink 而言，Loki 滞后时其缓冲区已满（loki_buffer_full）、Loki 以 4xx 拒绝推送（loki_rejected），或所有重试均失败（loki_failed）。上面的计数仍然精确，只是逐条记录被裁掉了。"
  },
  "legacy": [],
  "legacyAggregation": "none"
};

export const METRICS: readonly MetricDefinition[] = [AGENT_PROBE_DURATION, AGENT_PROBE_ERRORS, AGENT_CYCLE_DURATION, AGENT_TARGET_COUNT, AGENT_BPF_SKIPPED_RUNS, AGENT_EXPORTER_DATA_POINTS, AGENT_EXPORTER_LOGS, AGENT_EXPORTER_DATA_POINTS_INFLIGHT, AGENT_EXPORTER_LOGS_INFLIGHT, AGENT_EXPORTER_DURATION, AGENT_PROCESSOR_LOGS, AGENT_PROCESSOR_LOG_QUEUE, AGENT_PROCESSOR_LOG_QUEUE_CAPACITY, AGENT_PROCESSOR_SPANS, AGENT_SPAN_STARTED, BIOLATENCY_SLOW, BIOLATENCY_DURATION, BIOLATENCY_UNDELIVERED, BIOLATENCY_UNTRACKED, CONNECTIONS_HANDSHAKE_DURATION, CONNECTIONS_CONNECT_FAILURES, CONNECTIONS_HANDSHAKE_RETRANSMITS, CONNECTIONS_UNDELIVERED, CONNTRACK_ENTRIES, CONNTRACK_LIMIT, CONNTRACK_FOUND, CONNTRACK_INVALID, CONNTRACK_IGNORED, CONNTRACK_INSERTS, CONNTRACK_INSERT_FAILURES, CONNTRACK_DROPS, CONNTRACK_EARLY_DROPS, CONNTRACK_ICMP_ERRORS, CONNTRACK_SEARCH_RESTARTS, CONNTRACK_CLASH_RESOLVES, DNS_LOOKUP_DURATION, DNS_RESPONSES, DNS_TRUNCATED, DNS_TIMEOUTS, DNS_QUERIES, DNS_RETRANSMITTED, DNS_SEARCH_PATH, DNS_MALFORMED, DNS_UNMATCHED, DNS_SERIES_OVERFLOW, DNS_QUESTIONS, DNS_UNDELIVERED, FD_OPEN, FD_SOCKETS, FLOW_IO, FLOW_PACKETS, FLOW_PEERS_FOLDED, FLOW_MAP_ENTRIES, FLOW_MAP_EVICTIONS, FLOW_SERIES_OVERFLOW, IO_DISK_IO, IO_SYSCALL_BYTES, IO_SYSCALLS, IP_RECEIVES, IP_DELIVERIES, IP_SEND_REQUESTS, IP_FORWARDS, IP_DISCARDS, IP_HEADER_ERRORS, IP_ADDRESS_ERRORS, IP_UNKNOWN_PROTOCOLS, IP_NO_ROUTES, IP_TRUNCATED, IP_REASSEMBLY_FAILURES, IP_FRAGMENTATION_FAILURES, IP_FORWARDING, IP_DEFAULT_TTL, IP_MIB_EVENTS, IP_MIB_IO, IPVS_CONNECTIONS, IPVS_PACKETS, IPVS_IO, KERNELLATENCY_SLOW, KERNELLATENCY_DURATION, KERNELLATENCY_UNDELIVERED, KERNELLATENCY_UNTRACKED, NET_SOFTIRQ_SLOW, NET_SOFTIRQ_DURATION, NET_SOFTIRQ_UNDELIVERED, NETDEV_IO_HOST, NETDEV_IO_POD, NETDEV_IO_NETNS, NETDEV_PACKET_COUNT_HOST, NETDEV_PACKET_COUNT_POD_NETNS, NETDEV_PACKET_DROPPED_HOST, NETDEV_PACKET_DROPPED_POD_NETNS, NETDEV_ERRORS_HOST, NETDEV_ERRORS_POD, NETDEV_ERRORS_NETNS, NETIFTXLATENCY_SLOW, NETIFTXLATENCY_DURATION, NETIFTXLATENCY_UNDELIVERED, NETIFTXLATENCY_UNTRACKED, PACKETLOSS_DROPS, PACKETLOSS_UNDELIVERED, QDISC_IO, QDISC_PACKETS, QDISC_DROPS, QDISC_OVERLIMITS, QDISC_REQUEUES, QDISC_QUEUE, QDISC_BACKLOG, SOCK_COUNT, SOCK_USED, SOCK_TCP_TIME_WAIT, SOCK_TCP_ORPHAN, SOCK_TCP_ALLOCATED, SOCK_MEMORY, SOCK_FRAG_QUEUES, SOCK_FRAG_MEMORY, SOCKETLATENCY_READ_SLOW, SOCKETLATENCY_READ_DELAY, SOCKETLATENCY_WRITE_SLOW, SOCKETLATENCY_WRITE_DELAY, SOCKETLATENCY_UNDELIVERED, SOCKETLATENCY_UNTRACKED, SOFTNET_PROCESSED, SOFTNET_DROPPED, SOFTNET_TIME_SQUEEZE, TCP_OPENS, TCP_ATTEMPT_FAILURES, TCP_ESTABLISHED_RESETS, TCP_ESTABLISHED, TCP_SEGMENTS, TCP_RETRANSMITS, TCP_RECEIVE_ERRORS, TCP_CHECKSUM_ERRORS, TCP_RESETS_SENT, TCPEXT_LISTEN_OVERFLOWS, TCPEXT_LISTEN_DROPS, TCPEXT_TIMEOUTS, TCPEXT_SYN_RETRANSMITS, TCPEXT_ABORTS, TCPEXT_ABORT_FAILURES, TCPEXT_SEGMENT_DROPS, TCPEXT_MIB_EVENTS, TCPEXT_MIB_TIME, TCPHEALTH_RTT, TCPHEALTH_RTT_MIN, TCPHEALTH_CONNECTIONS, TCPHEALTH_SENT, TCPHEALTH_RETRANSMITTED, TCPHEALTH_LOST, TCPHEALTH_BUSY_TIME, TCPHEALTH_IO, TCPHEALTH_CLOSES, TCPHEALTH_RETRANSMITS, TCPHEALTH_RTT_VARIATION, TCPHEALTH_ACCEPT_QUEUE, TCPHEALTH_ACCEPT_QUEUE_LIMIT, TCPHEALTH_PEERS_FOLDED, TCPHEALTH_MAP_EVICTIONS, TCPRESET_SEGMENTS, TCPRESET_UNDELIVERED, TCPRETRANS_SEGMENTS, TCPRETRANS_UNDELIVERED, TCPSUMMARY_CONNECTIONS_HOST, TCPSUMMARY_CONNECTIONS_POD_NETNS, TCPSUMMARY_QUEUE, UDP_DATAGRAMS, UDP_NO_PORT, UDP_RECEIVE_ERRORS, UDP_RECEIVE_BUFFER_ERRORS, UDP_SEND_BUFFER_ERRORS, UDP_CHECKSUM_ERRORS, UDP_IGNORED_MULTICAST, UDP_MEMORY_ERRORS, UDP_MIB_EVENTS, VIRTCMDLATENCY_SLOW, VIRTCMDLATENCY_DURATION, VIRTCMDLATENCY_UNDELIVERED];

// Measurements whose name follows the entity (NAMING.md rule 6): the name for each kind of target.
export const NETDEV_IO: EntityMetrics = { host: NETDEV_IO_HOST, pod: NETDEV_IO_POD, netns: NETDEV_IO_NETNS };

export const NETDEV_PACKET_COUNT: EntityMetrics = { host: NETDEV_PACKET_COUNT_HOST, pod: NETDEV_PACKET_COUNT_POD_NETNS, netns: NETDEV_PACKET_COUNT_POD_NETNS };

export const NETDEV_PACKET_DROPPED: EntityMetrics = { host: NETDEV_PACKET_DROPPED_HOST, pod: NETDEV_PACKET_DROPPED_POD_NETNS, netns: NETDEV_PACKET_DROPPED_POD_NETNS };

export const NETDEV_ERRORS: EntityMetrics = { host: NETDEV_ERRORS_HOST, pod: NETDEV_ERRORS_POD, netns: NETDEV_ERRORS_NETNS };

export const TCPSUMMARY_CONNECTIONS: EntityMetrics = { host: TCPSUMMARY_CONNECTIONS_HOST, pod: TCPSUMMARY_CONNECTIONS_POD_NETNS, netns: TCPSUMMARY_CONNECTIONS_POD_NETNS };

// Events
export const EVENT_BIOLATENCY_SLOW: EventDefinition = {
  "id": "biolatency.slow",
  "probe": "biolatency",
  "key": "slow",
  "name": "kubeskoop.block.io.latency",
  "severity": "WARN",
  "attributes": [
    "kubeskoop.event.type",
    "system.device.name",
    "kubeskoop.block.operation",
    "kubeskoop.latency.duration",
    "kubeskoop.latency.threshold",
    "process.pid",
    "process.executable.name"
  ],
  "types": [
    {
      "type": "BIOLAT_10MS",
      "brief": {
        "en": "A block request took longer than the low threshold (10 ms).",
        "zh": "块请求耗时超过低阈值（10ms）。"
      },
      "aliases": [
        "BIOLAT"
      ],
      "kubeskoopMsg": "{comm} {pid} latency {latency}"
    },
    {
      "type": "BIOLAT_100MS",
      "brief": {
        "en": "A block request took longer than the high threshold (100 ms).",
        "zh": "块请求耗时超过高阈值（100ms）。"
      },
      "aliases": [],
      "kubeskoopMsg": "{comm} {pid} latency {latency}"
    }
  ],
  "brief": {
    "en": "A block request was slow. The process (and so the pod) is the one that issued it — for buffered writes, the writeback thread of the host.",
    "zh": "一个块请求很慢。进程（以及所属 Pod）为发起它的进程——对缓冲写而言是主机的回写线程。"
  },
  "action": {
    "en": "Check the device's load and health (iostat), noisy neighbours on the same disk, and whether the pod does synchronous I/O on a latency-sensitive path.",
    "zh": "检查设备负载与健康（iostat）、同盘的吵闹邻居，以及 Pod 是否在延迟敏感路径上做同步 I/O。"
  },
  "threshold": "above the low threshold (10 ms, BIOLAT_10MS) and the high one (100 ms, BIOLAT_100MS); rate-limited in the kernel, counts are exact",
  "kubeskoopLabels": "none"
};

export const EVENT_CONNECTIONS_CONNECT_FAILURE: EventDefinition = {
  "id": "connections.connect_failure",
  "probe": "connections",
  "key": "connect_failure",
  "name": "kubeskoop.tcp.connect.failure",
  "severity": "WARN",
  "attributes": [
    "kubeskoop.event.type",
    "error.type",
    "network.transport",
    "network.type",
    "source.address",
    "source.port",
    "destination.address",
    "destination.port",
    "process.pid",
    "process.executable.name"
  ],
  "types": [
    {
      "type": "TCPCONNECT_FAIL",
      "brief": {
        "en": "A TCP connect failed.",
        "zh": "一次 TCP 连接失败。"
      },
      "aliases": [],
      "kubeskoopMsg": "{tuple}error={error} comm={comm} pid={pid}"
    }
  ],
  "brief": {
    "en": "A TCP connect from this pod failed (source = local side; a connect() that failed before any SYN has no source), with the cause as error.type.",
    "zh": "本 Pod 发起的一次 TCP 连接失败（源为本端；在发出 SYN 之前就失败的 connect() 没有源地址），原因见 error.type。"
  },
  "action": {
    "en": "refused: nothing listens on that port (or the Service has no ready backend); timed_out: a firewall or network policy drops the SYNs, or the peer is gone; host/net_unreachable: routing (a missing route, a dead neighbour); addr_not_available: the pod ran out of ephemeral ports — reuse connections or widen net.ipv4.ip_local_port_range.",
    "zh": "refused：该端口无监听（或 Service 没有就绪后端）；timed_out：防火墙或网络策略丢弃了 SYN，或对端已不存在；host/net_unreachable：路由问题（缺少路由、邻居不可达）；addr_not_available：Pod 耗尽了临时端口——复用连接或放宽 net.ipv4.ip_local_port_range。"
  },
  "threshold": "every failed connect; records are rate-limited in the kernel, counts (kubeskoop.tcp.connect.failures) are exact",
  "kubeskoopLabels": "tuple"
};

export const EVENT_CONNECTIONS_CONNECT_SLOW: EventDefinition = {
  "id": "connections.connect_slow",
  "probe": "connections",
  "key": "connect_slow",
  "name": "kubeskoop.tcp.connect.slow",
  "severity": "INFO",
  "attributes": [
    "kubeskoop.event.type",
    "kubeskoop.latency.duration",
    "network.transport",
    "network.type",
    "source.address",
    "source.port",
    "destination.address",
    "destination.port",
    "process.pid",
    "process.executable.name"
  ],
  "types": [
    {
      "type": "TCPCONNECT_SLOW",
      "brief": {
        "en": "A TCP handshake was slower than the threshold.",
        "zh": "一次 TCP 握手慢于阈值。"
      },
      "aliases": [],
      "kubeskoopMsg": "{tuple}latency={latency} comm={comm} pid={pid}"
    }
  ],
  "brief": {
    "en": "A TCP connect from this pod succeeded, but its handshake (SYN sent → established) took longer than the threshold; kubeskoop.latency.duration says how long.",
    "zh": "本 Pod 发起的一次 TCP 连接成功了，但其握手（发出 SYN → 建立）耗时超过阈值；kubeskoop.latency.duration 给出耗时。"
  },
  "action": {
    "en": "About 1 s, 3 s, 7 s …: SYNs were lost and retransmitted (see kubeskoop.tcp.handshake.retransmits for that destination): loss on the path or a peer whose listen queue overflows. Other values: a slow path or a slow peer.",
    "zh": "约 1 秒、3 秒、7 秒……：SYN 丢失后重传（见该目的端的 kubeskoop.tcp.handshake.retransmits）：路径丢包或对端监听队列溢出。其他数值：路径慢或对端慢。"
  },
  "threshold": "a client handshake longer than the probe's slow_connect_ms (default 1000 ms, i.e. at least one SYN was lost or the peer answered late); rate-limited in the kernel",
  "kubeskoopLabels": "tuple"
};

export const EVENT_DNS_LOOKUP_FAILURE: EventDefinition = {
  "id": "dns.lookup_failure",
  "probe": "dns",
  "key": "lookup_failure",
  "name": "kubeskoop.dns.lookup.failure",
  "severity": "WARN",
  "attributes": [
    "kubeskoop.event.type",
    "dns.question.name",
    "kubeskoop.dns.question.type",
    "kubeskoop.dns.response.code",
    "error.type",
    "kubeskoop.latency.duration",
    "network.transport",
    "network.type",
    "network.peer.address",
    "kubeskoop.peer.kind",
    "kubeskoop.peer.name",
    "kubeskoop.peer.namespace"
  ],
  "types": [
    {
      "type": "DNS_FAIL",
      "brief": {
        "en": "A DNS lookup failed.",
        "zh": "一次 DNS 查询失败。"
      },
      "aliases": [],
      "kubeskoopMsg": "name={name} type={qtype} rcode={rcode} resolver={resolver}"
    }
  ],
  "brief": {
    "en": "A DNS lookup of this pod got a failure answer (error.type = the response code), with the full question name, its type and the resolver.",
    "zh": "本 Pod 的一次 DNS 查询得到失败应答（error.type 为响应码），附完整查询名、类型与解析器。"
  },
  "action": {
    "en": "NXDOMAIN: the name does not exist (a typo, a Service not yet created, a missing search domain). SERVFAIL: the resolver could not answer — its upstream is down or DNSSEC failed; check CoreDNS's logs. REFUSED: the resolver's policy refuses the pod (an ACL, a wrong resolver).",
    "zh": "NXDOMAIN：名称不存在（拼写错误、Service 尚未创建、缺少搜索域）。SERVFAIL：解析器无法应答——其上游不可用或 DNSSEC 校验失败；查看 CoreDNS 日志。REFUSED：解析器策略拒绝了该 Pod（ACL、解析器配置错误）。"
  },
  "threshold": "every response with an rcode other than NOERROR, except NXDOMAIN for a name with a cluster search suffix (that is search-path waste, counted in kubeskoop.dns.search_path.nxdomains); rate-limited in the kernel, counts exact",
  "kubeskoopLabels": "pod"
};

export const EVENT_DNS_LOOKUP_TIMEOUT: EventDefinition = {
  "id": "dns.lookup_timeout",
  "probe": "dns",
  "key": "lookup_timeout",
  "name": "kubeskoop.dns.lookup.timeout",
  "severity": "WARN",
  "attributes": [
    "kubeskoop.event.type",
    "dns.question.name",
    "kubeskoop.dns.question.type",
    "error.type",
    "kubeskoop.latency.duration",
    "network.transport",
    "network.type",
    "network.peer.address",
    "kubeskoop.peer.kind",
    "kubeskoop.peer.name",
    "kubeskoop.peer.namespace"
  ],
  "types": [
    {
      "type": "DNS_TIMEOUT",
      "brief": {
        "en": "A DNS query got no answer in time.",
        "zh": "一次 DNS 查询未及时得到应答。"
      },
      "aliases": [],
      "kubeskoopMsg": "name={name} type={qtype} resolver={resolver}"
    }
  ],
  "brief": {
    "en": "A DNS query of this pod got no answer within the timeout (error.type = timeout); kubeskoop.latency.duration is how long it had waited when the sweep found it.",
    "zh": "本 Pod 的一次 DNS 查询在超时时间内未得到应答（error.type 为 timeout）；kubeskoop.latency.duration 为清扫发现它时已等待的时长。"
  },
  "action": {
    "en": "The resolver or the path to it drops queries: CoreDNS overloaded or restarting, conntrack races on UDP (the classic 5 s delay: options single-request-reopen or NodeLocal DNS), a network policy blocking port 53.",
    "zh": "解析器或通往它的路径丢弃了查询：CoreDNS 过载或重启、UDP 的 conntrack 竞争（经典的 5 秒延迟：使用 single-request-reopen 选项或 NodeLocal DNS）、网络策略拦截了 53 端口。"
  },
  "threshold": "a query with no response within the probe's timeout option (default 5 s), found by the helper's sweep once per cycle",
  "kubeskoopLabels": "pod"
};

export const EVENT_DNS_LOOKUP_SLOW: EventDefinition = {
  "id": "dns.lookup_slow",
  "probe": "dns",
  "key": "lookup_slow",
  "name": "kubeskoop.dns.lookup.slow",
  "severity": "INFO",
  "attributes": [
    "kubeskoop.event.type",
    "dns.question.name",
    "kubeskoop.dns.question.type",
    "kubeskoop.dns.response.code",
    "error.type",
    "kubeskoop.latency.duration",
    "network.transport",
    "network.type",
    "network.peer.address",
    "kubeskoop.peer.kind",
    "kubeskoop.peer.name",
    "kubeskoop.peer.namespace"
  ],
  "types": [
    {
      "type": "DNS_SLOW",
      "brief": {
        "en": "A DNS lookup was slower than the threshold.",
        "zh": "一次 DNS 查询慢于阈值。"
      },
      "aliases": [],
      "kubeskoopMsg": "name={name} type={qtype} rcode={rcode} resolver={resolver} latency={latency}"
    }
  ],
  "brief": {
    "en": "A DNS lookup of this pod was answered, but slower than the threshold; kubeskoop.latency.duration says how long.",
    "zh": "本 Pod 的一次 DNS 查询得到了应答，但慢于阈值；kubeskoop.latency.duration 给出耗时。"
  },
  "action": {
    "en": "A slow upstream (cache misses forwarded out of the cluster), an overloaded resolver, or loss with retransmission on the path.",
    "zh": "上游慢（缓存未命中、转发到集群外）、解析器过载，或路径丢包后的重传。"
  },
  "threshold": "a response slower than the probe's slow_ms option (default 100 ms); rate-limited in the kernel",
  "kubeskoopLabels": "pod"
};

export const EVENT_KERNELLATENCY_SLOW: EventDefinition = {
  "id": "kernellatency.slow",
  "probe": "kernellatency",
  "key": "slow",
  "name": "kubeskoop.kernel.latency",
  "severity": "WARN",
  "attributes": [
    "kubeskoop.event.type",
    "network.io.direction",
    "kubeskoop.latency.duration",
    "kubeskoop.latency.threshold",
    "network.transport",
    "network.type",
    "source.address",
    "source.port",
    "destination.address",
    "destination.port",
    "process.pid",
    "process.executable.name"
  ],
  "types": [
    {
      "type": "RXKERNEL_SLOW",
      "brief": {
        "en": "Receive path (device to socket) above the threshold.",
        "zh": "接收路径（设备到 socket）超过阈值。"
      },
      "aliases": [],
      "kubeskoopMsg": "{tuple} latency:{latency}"
    },
    {
      "type": "TXKERNEL_SLOW",
      "brief": {
        "en": "Transmit path (TCP transmit to device queue) above the threshold. The seed catalogue spells it RTKERNEL_SLOW.",
        "zh": "发送路径（TCP 发送到设备队列）超过阈值。种子目录中拼写为 RTKERNEL_SLOW。"
      },
      "aliases": [
        "RTKERNEL_SLOW"
      ],
      "kubeskoopMsg": "{tuple} latency={latency}"
    }
  ],
  "brief": {
    "en": "A packet took too long through the kernel's receive path (RXKERNEL_SLOW; source = remote) or TCP transmit path (TXKERNEL_SLOW; source = local). One stage each (no tracepoint sits between; KubeSkoop's per-hook breakdown needed kprobes).",
    "zh": "报文在内核接收路径（RXKERNEL_SLOW；源为对端）或 TCP 发送路径（TXKERNEL_SLOW；源为本端）上耗时过久。各只有一个阶段（中间没有 tracepoint；KubeSkoop 的分段需要 kprobe）。"
  },
  "action": {
    "en": "Look for what slows the stack on that node: netfilter/conntrack rule sets, softirq delays (net_softirq), CPU saturation, memory pressure.",
    "zh": "排查该节点上拖慢协议栈的因素：netfilter/conntrack 规则、软中断延迟（net_softirq）、CPU 饱和、内存压力。"
  },
  "threshold": "above the low threshold (10 ms by default); rate-limited in the kernel, counts are exact",
  "kubeskoopLabels": "pod"
};

export const EVENT_NET_SOFTIRQ_SLOW: EventDefinition = {
  "id": "net_softirq.slow",
  "probe": "net_softirq",
  "key": "slow",
  "name": "kubeskoop.softirq.latency",
  "severity": "WARN",
  "attributes": [
    "kubeskoop.event.type",
    "kubeskoop.softirq.phase",
    "kubeskoop.softirq.type",
    "cpu.logical_number",
    "kubeskoop.latency.duration",
    "kubeskoop.latency.threshold",
    "process.pid",
    "process.executable.name"
  ],
  "types": [
    {
      "type": "SOFTIRQ_SCHED_SLOW",
      "brief": {
        "en": "Raised-to-running delay above the low threshold (10 ms).",
        "zh": "从发起到开始执行的延迟超过低阈值（10ms）。"
      },
      "aliases": [
        "NETSOFTIRQ_SCHED_SLOW"
      ],
      "kubeskoopMsg": "cpu={cpu} pid={pid} latency={latency} "
    },
    {
      "type": "SOFTIRQ_SCHED_100MS",
      "brief": {
        "en": "Raised-to-running delay above the high threshold (100 ms).",
        "zh": "从发起到开始执行的延迟超过高阈值（100ms）。"
      },
      "aliases": [
        "NETSOFTIRQ_SCHED_100MS"
      ],
      "kubeskoopMsg": "cpu={cpu} pid={pid} latency={latency} "
    },
    {
      "type": "SOFTIRQ_EXCUTE_SLOW",
      "brief": {
        "en": "Execution time above the low threshold (10 ms).",
        "zh": "执行耗时超过低阈值（10ms）。"
      },
      "aliases": [
        "NETSOFTIRQ_EXCUTE_SLOW",
        "NETSOFTIRQ_EXECUTE_SLOW"
      ],
      "kubeskoopMsg": "cpu={cpu} pid={pid} latency={latency} "
    },
    {
      "type": "SOFTIRQ_EXCUTE_100MS",
      "brief": {
        "en": "Execution time above the high threshold (100 ms).",
        "zh": "执行耗时超过高阈值（100ms）。"
      },
      "aliases": [
        "NETSOFTIRQ_EXCUTE_100MS",
        "NETSOFTIRQ_EXECUTE_100MS"
      ],
      "kubeskoopMsg": "cpu={cpu} pid={pid} latency={latency} "
    }
  ],
  "brief": {
    "en": "A network softirq waited too long to run after being raised (SCHED) or ran too long (EXCUTE), on the CPU given. The type keeps KubeSkoop's spelling.",
    "zh": "网络软中断在发起后等待执行过久（SCHED）或执行过久（EXCUTE），发生在给出的 CPU 上。类型保留 KubeSkoop 的拼写。"
  },
  "action": {
    "en": "SCHED: the CPU was busy with something that keeps softirqs off (long irq-off sections, a real-time task, ksoftirqd starved) — look at what ran on that CPU. EXCUTE: the softirq itself had too much work (a packet burst, heavy netfilter/conntrack rules) — check packet rates and the rules.",
    "zh": "SCHED：该 CPU 忙于阻止软中断运行的工作（长时间关中断、实时任务、ksoftirqd 饥饿）——查看该 CPU 上运行的内容。EXCUTE：软中断本身工作量过大（报文突发、繁重的 netfilter/conntrack 规则）——检查报文速率与规则。"
  },
  "threshold": "above the low threshold (10 ms, *_SLOW) and the high one (100 ms, *_100MS); rate-limited in the kernel, counts are exact",
  "kubeskoopLabels": "softirq"
};

export const EVENT_NETIFTXLATENCY_SLOW: EventDefinition = {
  "id": "netiftxlatency.slow",
  "probe": "netiftxlatency",
  "key": "slow",
  "name": "kubeskoop.netif.tx.latency",
  "severity": "WARN",
  "attributes": [
    "kubeskoop.event.type",
    "kubeskoop.netif.tx.stage",
    "kubeskoop.latency.duration",
    "kubeskoop.latency.threshold",
    "network.interface.name",
    "network.transport",
    "network.type",
    "source.address",
    "source.port",
    "destination.address",
    "destination.port"
  ],
  "types": [
    {
      "type": "NETIFTXLAT_QDISC",
      "brief": {
        "en": "A packet spent longer than the threshold in the qdisc.",
        "zh": "报文在 qdisc 中的时间超过阈值。"
      },
      "aliases": [
        "TXLAT_QDISC_100MS"
      ],
      "kubeskoopMsg": "{tuple} latency:{latency}"
    },
    {
      "type": "NETIFTXLAT_XMIT",
      "brief": {
        "en": "A packet spent longer than the threshold in the driver's transmit.",
        "zh": "报文在驱动发送中的时间超过阈值。"
      },
      "aliases": [
        "TXLAT_NETDEV_100MS"
      ],
      "kubeskoopMsg": "{tuple} latency:{latency}"
    }
  ],
  "brief": {
    "en": "A packet waited too long in the interface's qdisc (NETIFTXLAT_QDISC) or in its driver's transmit (NETIFTXLAT_XMIT). The body gives both stages.",
    "zh": "报文在网卡 qdisc 中（NETIFTXLAT_QDISC）或驱动发送中（NETIFTXLAT_XMIT）等待过久。正文给出两个阶段的时间。"
  },
  "action": {
    "en": "QDISC: the interface's queue is backed up — a shaping qdisc (tbf, htb) or a saturated link; check qdisc backlog and drops on that interface. NETDEV: the driver or the virtual device is slow to take packets — check the host/hypervisor and the NIC.",
    "zh": "QDISC：网卡队列积压——整形 qdisc（tbf、htb）或链路饱和；检查该网卡的 qdisc backlog 与丢包。NETDEV：驱动或虚拟设备取包慢——检查宿主机/虚拟化层与网卡。"
  },
  "threshold": "above the high threshold (100 ms by default, KubeSkoop's only one); rate-limited in the kernel, counts are exact",
  "kubeskoopLabels": "pod"
};

export const EVENT_PACKETLOSS_DROP: EventDefinition = {
  "id": "packetloss.drop",
  "probe": "packetloss",
  "key": "drop",
  "name": "kubeskoop.packet.drop",
  "severity": "WARN",
  "attributes": [
    "kubeskoop.event.type",
    "kubeskoop.drop.reason",
    "kubeskoop.drop.location",
    "network.transport",
    "network.type",
    "source.address",
    "source.port",
    "destination.address",
    "destination.port"
  ],
  "types": [
    {
      "type": "PacketLoss",
      "brief": {
        "en": "A packet was dropped by the kernel.",
        "zh": "内核丢弃了一个报文。"
      },
      "aliases": [
        "PACKETLOSS"
      ],
      "kubeskoopMsg": ""
    }
  ],
  "brief": {
    "en": "The kernel dropped a packet, for the reason and at the place given.",
    "zh": "内核在给出的位置、因给出的原因丢弃了一个报文。"
  },
  "action": {
    "en": "Read the reason first: NO_SOCKET (nobody listens), NETFILTER_DROP (an iptables/nftables rule — find it by the location and the tuple), TCP_CSUM/IP_CSUM (corruption on the path), QDISC_DROP (a full transmit queue — see qdisc and netiftxlatency), SOCKET_RCVBUFF (the application reads too slowly — see socketlatency), NO_ROUTE/IP_NOPROTO (routing). The location names the kernel function; the tuple names the flow.",
    "zh": "先看原因：NO_SOCKET（无人监听）、NETFILTER_DROP（iptables/nftables 规则——按位置和五元组找到它）、TCP_CSUM/IP_CSUM（链路上的损坏）、QDISC_DROP（发送队列满——见 qdisc 与 netiftxlatency）、SOCKET_RCVBUFF（应用读取太慢——见 socketlatency）、NO_ROUTE/IP_NOPROTO（路由问题）。位置给出内核函数，五元组给出流。"
  },
  "threshold": "every drop with a non-benign reason; records are rate-limited in the kernel, counts are exact",
  "kubeskoopLabels": "tuple"
};

export const EVENT_SOCKETLATENCY_SLOW: EventDefinition = {
  "id": "socketlatency.slow",
  "probe": "socketlatency",
  "key": "slow",
  "name": "kubeskoop.socket.latency",
  "severity": "WARN",
  "attributes": [
    "kubeskoop.event.type",
    "kubeskoop.latency.duration",
    "kubeskoop.latency.threshold",
    "network.transport",
    "network.type",
    "source.address",
    "source.port",
    "destination.address",
    "destination.port",
    "process.pid",
    "process.executable.name"
  ],
  "types": [
    {
      "type": "SOCKETLAT_READSLOW",
      "brief": {
        "en": "Received data waited longer than the threshold before the application read it.",
        "zh": "收到的数据在被应用读取前等待超过阈值。"
      },
      "aliases": [],
      "kubeskoopMsg": "{tuple} latency={latency}"
    },
    {
      "type": "SOCKETLAT_SENDSLOW",
      "brief": {
        "en": "Data written by the application took longer than the threshold to reach the device.",
        "zh": "应用写入的数据到达网卡所用时间超过阈值。"
      },
      "aliases": [],
      "kubeskoopMsg": "{tuple} latency={latency}"
    }
  ],
  "brief": {
    "en": "A TCP socket's data waited too long — received data not read by the application (READSLOW), or written data not yet at the device (SENDSLOW). Source = local side; pid = the reader, or the writer.",
    "zh": "TCP socket 的数据等待过久——收到的数据未被应用读取（READSLOW），或写入的数据尚未到达网卡（SENDSLOW）。源为本端；pid 为读取者或写入者。"
  },
  "action": {
    "en": "READSLOW: the process named is slow to read (CPU throttling, GC pauses, a blocked event loop, too few workers) — check its CPU limits and scheduling delay. SENDSLOW: the data waited for the TCP window (slow peer), pacing or socket memory — check the peer, retransmits and netiftxlatency.",
    "zh": "READSLOW：所示进程读取慢（CPU 限流、GC 停顿、事件循环阻塞、工作线程过少）——检查其 CPU 限制与调度延迟。SENDSLOW：数据在等待 TCP 窗口（对端慢）、pacing 或 socket 内存——检查对端、重传与 netiftxlatency。"
  },
  "threshold": "above the high threshold (100 ms by default; event_level 1 = above 1 ms); rate-limited in the kernel, counts are exact",
  "kubeskoopLabels": "pod"
};

export const EVENT_TCPRESET_RESET: EventDefinition = {
  "id": "tcpreset.reset",
  "probe": "tcpreset",
  "key": "reset",
  "name": "kubeskoop.tcp.reset",
  "severity": "WARN",
  "attributes": [
    "kubeskoop.event.type",
    "kubeskoop.tcp.reset.reason",
    "network.connection.state",
    "network.transport",
    "network.type",
    "source.address",
    "source.port",
    "destination.address",
    "destination.port",
    "process.pid",
    "process.executable.name"
  ],
  "types": [
    {
      "type": "TCPRESET_NOSOCK",
      "brief": {
        "en": "Reset sent because no socket matched the segment (unknown port).",
        "zh": "因为没有找到 socket（访问到未知端口）而发送的 reset。"
      },
      "aliases": [
        "TCP_NOSOCK"
      ],
      "kubeskoopMsg": "{tuple_reversed} state:{tcp_state} "
    },
    {
      "type": "TCPRESET_ACTIVE",
      "brief": {
        "en": "Reset sent by a local socket that aborts (close with unread data, linger 0, memory pressure, timeout).",
        "zh": "本地 socket 主动中止而发送的 reset（关闭时有未读数据、linger 0、内存压力、超时）。"
      },
      "aliases": [],
      "kubeskoopMsg": "{tuple} state:{tcp_state} "
    },
    {
      "type": "TCPRESET_PROCESS",
      "brief": {
        "en": "Reset sent while processing a segment for an existing socket (e.g. a segment not acceptable in its state).",
        "zh": "处理已有 socket 的报文时发送的 reset（例如报文与当前状态不符）。"
      },
      "aliases": [],
      "kubeskoopMsg": "{tuple_reversed} state:{tcp_state} "
    },
    {
      "type": "TCPRESET_RECEIVE",
      "brief": {
        "en": "Reset received from the peer.",
        "zh": "收到对端的 reset。"
      },
      "aliases": [],
      "kubeskoopMsg": "{tuple_reversed} state:{tcp_state} "
    }
  ],
  "brief": {
    "en": "A TCP connection was reset. The type says who reset it and when; the reason is the kernel's own.",
    "zh": "一个 TCP 连接被 reset。类型说明由谁、在何时 reset；原因来自内核自身。"
  },
  "action": {
    "en": "NOSOCK: something connects to a port nobody listens on (a pod not ready, a stale endpoint, a port scan) — check the destination port and the Service's endpoints. ACTIVE: a local process aborted its connection (closed with unread data, SO_LINGER 0, out of memory, timeout) — look at the process and the reason. PROCESS: a segment did not fit the socket's state (e.g. a stale connection hitting TIME_WAIT) — look for port reuse or NAT/conntrack trouble. RECEIVE: the peer reset us — look at the peer named in the source address.",
    "zh": "NOSOCK：有连接访问了无人监听的端口（Pod 未就绪、过期的 endpoint、端口扫描）——检查目的端口与 Service 的 endpoints。ACTIVE：本地进程中止了连接（关闭时仍有未读数据、SO_LINGER 0、内存不足、超时）——查看进程与原因。PROCESS：报文与 socket 状态不符（如旧连接撞上 TIME_WAIT）——排查端口复用或 NAT/conntrack 问题。RECEIVE：对端 reset 了连接——查看源地址所指的对端。"
  },
  "threshold": "every reset; individual records are rate-limited in the kernel (per namespace and node-wide), counts are exact",
  "kubeskoopLabels": "pod"
};

export const EVENT_TCPRETRANS_RETRANSMIT: EventDefinition = {
  "id": "tcpretrans.retransmit",
  "probe": "tcpretrans",
  "key": "retransmit",
  "name": "kubeskoop.tcp.retransmit",
  "severity": "INFO",
  "attributes": [
    "kubeskoop.event.type",
    "network.connection.state",
    "network.transport",
    "network.type",
    "source.address",
    "source.port",
    "destination.address",
    "destination.port"
  ],
  "types": [
    {
      "type": "TCPRetrans",
      "brief": {
        "en": "A TCP segment was retransmitted.",
        "zh": "一个 TCP 报文段被重传。"
      },
      "aliases": [
        "TCPRETRANS"
      ],
      "kubeskoopMsg": ""
    }
  ],
  "brief": {
    "en": "A TCP segment was retransmitted on the flow given (source = local side).",
    "zh": "给出的流上重传了一个 TCP 报文段（源为本端）。"
  },
  "action": {
    "en": "A few are normal. Many on one flow point at loss on its path (compare with packetloss and netdev drops on both ends); many in syn_sent mean the peer does not answer the handshake (down, filtered, or its listen queue overflows — see tcpext listen overflows on the peer).",
    "zh": "少量重传属正常。某条流上大量重传说明其路径丢包（对比两端的 packetloss 与 netdev 丢包）；syn_sent 状态下大量重传说明对端不响应握手（宕机、被过滤或其监听队列溢出——见对端 tcpext 的 listen overflows）。"
  },
  "threshold": "every retransmission; records are rate-limited in the kernel, counts are exact",
  "kubeskoopLabels": "tuple"
};

export const EVENT_VIRTCMDLATENCY_SLOW: EventDefinition = {
  "id": "virtcmdlatency.slow",
  "probe": "virtcmdlatency",
  "key": "slow",
  "name": "kubeskoop.virtio.command.latency",
  "severity": "WARN",
  "attributes": [
    "kubeskoop.event.type",
    "kubeskoop.latency.duration",
    "kubeskoop.latency.threshold",
    "process.pid",
    "process.executable.name"
  ],
  "types": [
    {
      "type": "VIRTCMDEXCUTE",
      "brief": {
        "en": "A control command took longer than the low threshold (10 ms).",
        "zh": "控制命令耗时超过低阈值（10ms）。"
      },
      "aliases": [],
      "kubeskoopMsg": "cpu={cpu}  pid={pid}  latency={latency}"
    },
    {
      "type": "VIRTCMDEXCUTE_100MS",
      "brief": {
        "en": "A control command took longer than the high threshold (100 ms).",
        "zh": "控制命令耗时超过高阈值（100ms）。"
      },
      "aliases": [],
      "kubeskoopMsg": "cpu={cpu}  pid={pid}  latency={latency}"
    }
  ],
  "brief": {
    "en": "A virtio-net control command (set MAC, RX mode, VLAN, queue pairs, coalescing) took too long; the guest waited for the host.",
    "zh": "一个 virtio-net 控制命令（设置 MAC、接收模式、VLAN、队列数、中断合并）耗时过长；客户机在等待宿主机。"
  },
  "action": {
    "en": "The hypervisor or its vhost backend is slow to answer: check the host's load; the body names the command class and code.",
    "zh": "虚拟化层或其 vhost 后端应答慢：检查宿主机负载；正文给出命令类别与编号。"
  },
  "threshold": "above the low threshold (10 ms, VIRTCMDEXCUTE) and the high one (100 ms, VIRTCMDEXCUTE_100MS)",
  "kubeskoopLabels": "none"
};

export const EVENTS: readonly EventDefinition[] = [EVENT_BIOLATENCY_SLOW, EVENT_CONNECTIONS_CONNECT_FAILURE, EVENT_CONNECTIONS_CONNECT_SLOW, EVENT_DNS_LOOKUP_FAILURE, EVENT_DNS_LOOKUP_TIMEOUT, EVENT_DNS_LOOKUP_SLOW, EVENT_KERNELLATENCY_SLOW, EVENT_NET_SOFTIRQ_SLOW, EVENT_NETIFTXLATENCY_SLOW, EVENT_PACKETLOSS_DROP, EVENT_SOCKETLATENCY_SLOW, EVENT_TCPRESET_RESET, EVENT_TCPRETRANS_RETRANSMIT, EVENT_VIRTCMDLATENCY_SLOW];

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
    "source": "/proc/<pid>/io (its counters from the helper's task walk, bpf/probes/tasks.bpf.c, where the helper runs)",
    "kubeskoopOverhead": "low",
    "brief": {
      "en": "Read/write syscalls and bytes (rchar/wchar, syscr/syscw, storage read_bytes/write_bytes) of the processes in the namespace, summed per namespace.",
      "zh": "命名空间内进程的读写系统调用次数与字节数（rchar/wchar、syscr/syscw、存储层 read_bytes/write_bytes），按命名空间求和。"
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
      "en": "fd leaks, socket leaks. Opt-in (one readlink per open descriptor of every process).",
      "zh": "fd 泄露、socket 泄露。按需开启（每个进程的每个描述符都要 readlink 一次）。"
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
      "en": "Sockets in use per protocol and IP version, TCP time-wait sockets and IP fragment queues of the namespace; TCP orphans, TCP sockets allocated and TCP/UDP socket memory are node-wide kernel totals, reported with the host namespace only.",
      "zh": "命名空间内按协议和 IP 版本统计的在用 socket 数、TCP time_wait 数和 IP 分片队列；TCP orphan、已分配 TCP socket 数和 TCP/UDP socket 内存是全节点的内核总值，只随主机命名空间上报。"
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
    "source": "native helper: one BPF walk (iter/task) of every TCP established hash table per cycle; fallback /proc/<pid>/net/tcp, /proc/<pid>/net/tcp6",
    "kubeskoopOverhead": "medium",
    "brief": {
      "en": "Number of TCP connections per state and bytes waiting in receive and send queues.",
      "zh": "各状态 TCP 连接数，以及接收队列、发送队列中积压的字节数。"
    },
    "whenToUse": {
      "en": "Sporadic latency and failed connections.",
      "zh": "偶发延迟、连接失败等场景。"
    },
    "measuredOverhead": {
      "value": 1.41,
      "unit": "ms",
      "per": "cycle for all namespaces (helper walk of the 262144-bucket table + agent), 250 namespaces; /proc/<pid>/net/tcp{,6} of every namespace instead: 1677 ms",
      "measured": "CPU (user+system), Linux 6.18, 2 vCPU at load average 10 (other work on the machine), Node 20, 2026-12-05, test/bench/results/tcpsummary.md"
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
    "source": "/proc/<pid>/net/snmp (Udp, UdpLite), /proc/<pid>/net/snmp6 (Udp6, UdpLite6)",
    "kubeskoopOverhead": "low",
    "brief": {
      "en": "The kernel's UDP MIB counters of the namespace, IPv4 and IPv6 (IPv6 series once the namespace used IPv6; options.ipv6 always to have them from the start); UdpLite on request (options.fields).",
      "zh": "命名空间的 UDP MIB 计数器，含 IPv4 与 IPv6（命名空间用过 IPv6 后才有 IPv6 序列；options.ipv6 设为 always 则从一开始就有）；UdpLite 可按需开启（options.fields）。"
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
    "source": "/proc/<pid>/net/snmp (Ip), /proc/<pid>/net/snmp6 (Ip6), /proc/<pid>/net/netstat (IpExt)",
    "kubeskoopOverhead": "low",
    "brief": {
      "en": "The kernel's IP MIB counters of the namespace, IPv4 and IPv6 (IPv6 series once the namespace used IPv6, or always with options.ipv6; InNoRoutes and InTruncatedPkts from IpExt, where the kernel keeps them); every other Ip, Ip6, IpExt, Icmp, IcmpMsg, Icmp6 field on request (options.fields).",
      "zh": "命名空间的 IP MIB 计数器，含 IPv4 与 IPv6（命名空间用过 IPv6 后才有 IPv6 序列，options.ipv6 设为 always 则始终上报；InNoRoutes、InTruncatedPkts 取自内核实际存放它们的 IpExt）；Ip、Ip6、IpExt、Icmp、IcmpMsg、Icmp6 的其余字段可按需开启（options.fields）。"
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
    "source": "/proc/<pid>/net/netstat (TcpExt, MPTcpExt)",
    "kubeskoopOverhead": "low",
    "brief": {
      "en": "Linux's extended TCP counters. Default set — listen overflows and drops, RTO timeouts, SYN retransmits, aborts by reason (TCPAbortOn*), failed aborts, segment drops by reason (backlog, receive queue, zero window, pfmemalloc); every other TcpExt/MPTcpExt field on request (options.fields).",
      "zh": "Linux 扩展 TCP 计数器。默认集合：全连接队列溢出与监听丢弃、RTO 超时、SYN 重传、按原因的连接中止（TCPAbortOn*）、中止失败、按原因的报文段丢弃（backlog、接收队列、零窗口、pfmemalloc）；TcpExt/MPTcpExt 的其余字段可按需开启（options.fields）。"
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
      "en": "Connection tracking table statistics (entries, limit, insert failures, drops…), read from procfs (per-CPU counters summed) — a cheap file read, unlike KubeSkoop's netlink dump, so it is in the default set. Degraded with the reason when nf_conntrack is not loaded.",
      "zh": "连接跟踪表统计（条目数、上限、插入失败、丢弃等），从 procfs 读取（各 CPU 计数求和）——只是读文件，不像 KubeSkoop 那样走 netlink 遍历，所以默认开启。nf_conntrack 未加载时标记为降级并给出原因。"
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
      "en": "IPVS totals of the namespace (connections, packets and bytes in and out). Opt-in; degraded with the reason when the kernel has no IPVS.",
      "zh": "命名空间的 IPVS 汇总统计（连接数、入/出包数与字节数）。按需开启；内核没有 IPVS 时标记为降级并给出原因。"
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
    "source": "native helper: rtnetlink RTM_GETLINK + RTM_GETQDISC inside the namespace (setns)",
    "kubeskoopOverhead": "low",
    "brief": {
      "en": "Queueing discipline statistics per interface (bytes, packets, drops, queue length, backlog, overlimits, requeues).",
      "zh": "每个网卡队列规则（qdisc）的统计（字节、包、丢包、队列长度、backlog、overlimits、requeues）。"
    },
    "whenToUse": {
      "en": "Jitter and drops in the transmit queue.",
      "zh": "发送队列导致的抖动与丢包。"
    },
    "measuredOverhead": {
      "value": 13.3,
      "unit": "ms",
      "per": "cycle at 250 namespaces, about 0.05 ms per namespace (agent + helper, namespaces batched 100 per helper command; forking tc -s qdisc per namespace instead: 1180.5 ms per cycle)",
      "measured": "CPU (user+system), Linux 6.18, 2 vCPU at load average 10 (other work on the machine), Node 20, 2026-12-05, 250 namespaces, test/bench/results/tcpsummary.md"
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
    "source": "eBPF tp_btf/sk_data_ready, sock_recv_length, tcp_sendmsg_locked, net_dev_queue, inet_sock_set_state (sk_data_ready and net_dev_queue shared with kernellatency and netiftxlatency, whose work runs in one program per hook)",
    "kubeskoopOverhead": "high",
    "brief": {
      "en": "Delay between data becoming readable and the application reading it, and between sendmsg and transmission.",
      "zh": "数据可读到应用读取之间的延迟，以及 sendmsg 到发送之间的延迟。"
    },
    "whenToUse": {
      "en": "A process reads its data late (scheduling, slow handling).",
      "zh": "怀疑进程由于调度、处理不及时等原因读取数据慢。"
    },
    "measuredOverhead": {
      "value": 648,
      "unit": "ns",
      "per": "1 KiB write (loopback TCP_NODELAY stream on one CPU) with kernellatency, netiftxlatency and socketlatency loaded together, bpf_stats included: they share net_dev_queue and sk_data_ready and run one program per hook with one clock read per run (3.88 program runs per write); one empty program on each of their 8 hooks: 177 ns (3.66× the floor; median of 7 paired rounds). The least work a measurement needs there (a clock read and a per-CPU add per run): 575 ns, 2.67× the empty programs per run (rounds 2.46–3.09, all above 1.5), so the 1.5× goal cannot be met on this kernel",
      "measured": "bpf_stats, Linux 6.18, 2 vCPU, loopback TCP streams, 2026-12-04, test/bench/results/latency.md"
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
    },
    "measuredOverhead": {
      "value": 151,
      "unit": "ns",
      "per": "program run, bpf_stats included (3 programs, each once per NET_RX/NET_TX softirq; an empty program on these hooks: 47 ns)",
      "measured": "bpf_stats, Linux 6.18, 2 vCPU, loopback TCP streams (run-weighted mean over the three loads), 2026-12-04, test/bench/results/latency.md"
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
    "source": "eBPF tp_btf/netif_receive_skb, sk_data_ready, net_dev_queue (sk_data_ready and net_dev_queue shared with socketlatency and netiftxlatency, whose work runs in one program per hook)",
    "kubeskoopOverhead": "high",
    "brief": {
      "en": "Time packets spend in the kernel's receive and transmit paths.",
      "zh": "报文在内核收、发路径上花费的时间。"
    },
    "whenToUse": {
      "en": "Connection timeouts, jitter.",
      "zh": "连接超时、网络抖动。"
    },
    "measuredOverhead": {
      "value": 648,
      "unit": "ns",
      "per": "1 KiB write (loopback TCP_NODELAY stream on one CPU) with kernellatency, netiftxlatency and socketlatency loaded together, bpf_stats included: they share net_dev_queue and sk_data_ready and run one program per hook with one clock read per run (3.88 program runs per write); one empty program on each of their 8 hooks: 177 ns (3.66× the floor; median of 7 paired rounds). The least work a measurement needs there (a clock read and a per-CPU add per run): 575 ns, 2.67× the empty programs per run (rounds 2.46–3.09, all above 1.5), so the 1.5× goal cannot be met on this kernel",
      "measured": "bpf_stats, Linux 6.18, 2 vCPU, loopback TCP streams, 2026-12-04, test/bench/results/latency.md"
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
    "source": "eBPF tracepoints net/net_dev_queue, net_dev_start_xmit, net_dev_xmit (net_dev_queue shared with kernellatency and socketlatency, whose work runs in one program per hook)",
    "kubeskoopOverhead": "high",
    "brief": {
      "en": "Time packets wait in the qdisc and in the driver before being sent.",
      "zh": "报文在 qdisc 与驱动中等待发送的时间。"
    },
    "whenToUse": {
      "en": "Connection timeouts, jitter on transmit.",
      "zh": "连接超时、发送方向抖动。"
    },
    "measuredOverhead": {
      "value": 648,
      "unit": "ns",
      "per": "1 KiB write (loopback TCP_NODELAY stream on one CPU) with kernellatency, netiftxlatency and socketlatency loaded together, bpf_stats included: they share net_dev_queue and sk_data_ready and run one program per hook with one clock read per run (3.88 program runs per write); one empty program on each of their 8 hooks: 177 ns (3.66× the floor; median of 7 paired rounds). The least work a measurement needs there (a clock read and a per-CPU add per run): 575 ns, 2.67× the empty programs per run (rounds 2.46–3.09, all above 1.5), so the 1.5× goal cannot be met on this kernel",
      "measured": "bpf_stats, Linux 6.18, 2 vCPU, loopback TCP streams, 2026-12-04, test/bench/results/latency.md"
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
    "source": "eBPF fentry/fexit or kprobe/kretprobe on virtnet_send_command_reply (no tracepoint exists); runs where the kernel allows BPF trampolines (CONFIG_DYNAMIC_FTRACE_WITH_DIRECT_CALLS, not denied by lockdown) or kprobes (CONFIG_KPROBES), on a virtio-net device with a control virtqueue",
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
  },
  {
    "name": "connections",
    "kind": "metric+event",
    "scope": "netns",
    "aliases": [],
    "statusKey": "connections",
    "source": "eBPF tp_btf/inet_sock_set_state, inet_sk_error_report, tcp_retransmit_skb, tcp_retransmit_synack; tracepoints syscalls/sys_enter_connect, sys_exit_connect",
    "kubeskoopOverhead": "low",
    "brief": {
      "en": "TCP connect outcomes per pod and destination — handshake duration, failures with their cause, SYN/SYN-ACK retransmits — and handshake duration per listening port.",
      "zh": "按 Pod 与目的端统计的 TCP 连接结果——握手耗时、带原因的失败、SYN/SYN-ACK 重传——以及按监听端口统计的握手耗时。"
    },
    "whenToUse": {
      "en": "Which destination of a pod is failing or slow to connect, and why (refused, timed out, unreachable, out of ports).",
      "zh": "某个 Pod 连接哪个目的端失败或变慢、原因是什么（拒绝、超时、不可达、端口耗尽）。"
    },
    "measuredOverhead": {
      "value": 2819,
      "unit": "ns",
      "per": "TCP connect, BPF time of every program of the probe over a loopback connect, its accept and close at both ends (empty programs on the same hooks: 617 ns; inet_sock_set_state 272 ns per run, 8.4 runs; sys_enter_connect 422 ns; nothing runs per packet)",
      "measured": "bpf_stats, Linux 6.18, 2 vCPU at load average 12 (other work on the machine), 7 paired rounds, 2026-12-05, test/bench/results/connections.md"
    }
  },
  {
    "name": "flow",
    "kind": "metric",
    "scope": "netns",
    "aliases": [
      "net_flow"
    ],
    "statusKey": "flow",
    "source": "eBPF tc (tcx link, first in the chain, returns TC_ACT_UNSPEC) on every interface of each pod's namespace, or with attach: host on the host end of each one's veth (programs swapped, the same series), and on the node interfaces listed in host_interfaces; with host_network_pods, cgroup_skb programs on each hostNetwork pod's cgroup: bpf/probes/flow.bpf.c, counters in an mmap-able array by slot id (a hash per (namespace, interface, direction, peer, server port, transport) → slot, used only on a miss of the per-CPU cache of the last flows' slots)",
    "kubeskoopOverhead": "medium",
    "brief": {
      "en": "Bytes and packets per pod and peer (peer address, server port, transport, direction), IPv4 and IPv6, never keyed by the ephemeral port.",
      "zh": "每个 Pod 与每个对端（对端地址、服务端口、传输协议、方向）的字节数与包数，支持 IPv4 与 IPv6，从不以临时端口为键。"
    },
    "whenToUse": {
      "en": "Which peers does this pod talk to, and how much: the network graph, unexpected peers, traffic shifts. Options: `attach: host` counts on the host end of each pod's veth instead of inside the pod (the same series); `host_interfaces: [eth0]` adds the node's uplink (series of the node); `host_network_pods: {}` counts hostNetwork pods by their cgroup (cgroup_skb programs on each such pod's cgroup, both directions, every node interface but lo unless its `interfaces` ask) under their pod (k8s.pod.* attributes on the node's series), with the same peer names and limits as other pods, and leaves their packets out of the node's own series.",
      "zh": "该 Pod 与哪些对端通信、流量多少：网络拓扑图、异常对端、流量变化。选项：`attach: host` 改在每个 Pod 的 veth 主机端计数（序列相同，不在 Pod 内）；`host_interfaces: [eth0]` 增加节点上行网卡（节点的序列）；`host_network_pods: {}` 按 cgroup 统计 hostNetwork Pod（在每个此类 Pod 的 cgroup 上挂 cgroup_skb 程序，双向，默认节点上除 lo 外的所有接口，可用其 `interfaces` 指定），归到其 Pod（在节点的序列上带 k8s.pod.* 属性），对端命名与基数限制与其他 Pod 相同，且不再计入节点自身的序列。"
    },
    "measuredOverhead": {
      "value": 72,
      "unit": "ns",
      "per": "program run, bpf_stats included, one bulk stream (an empty program on the same hook: 57 ns, 1.26× paired by round; over IPv6 73 ns, 1.30×; a miss's key alone, no map: 77 ns; 1,000 interleaved flows: 150 ns); a cycle read of 65,538 slots whose counters all moved costs the helper 0.70 ms and the agent 3.6 ms CPU",
      "measured": "bpf_stats, Linux 6.18, 2 vCPU, UDP over a veth, 7 rounds, load 0.7 to 1.4, 2026-12-05, test/bench/results/flow.md"
    }
  },
  {
    "name": "tcphealth",
    "kind": "metric",
    "scope": "netns",
    "aliases": [],
    "statusKey": "tcphealth",
    "source": "native helper: the tcpsummary walk (iter/task over every TCP established hash table, once per cycle) in peers mode, plus the listening hash; tcp_sock fields read with CO-RE; close-time capture (tp_btf inet_sock_set_state → CLOSE) into per-peer accumulators and retransmits by cause (tp_btf tcp_retransmit_skb, tcp_retransmit_synack)",
    "kubeskoopOverhead": "medium",
    "brief": {
      "en": "Per-peer TCP health of each pod (RTT, min RTT, RTT variation, connections per state, lost segments) and counters over every connection, short ones included (segments sent and retransmitted, retransmits by cause, bytes, closes, what limits sending), and accept queues per listening port.",
      "zh": "每个 Pod 按对端的 TCP 健康状况（RTT、最小 RTT、RTT 波动、各状态连接数、丢失报文段），覆盖所有连接（包括短连接）的计数（发送与重传报文段、按原因的重传、字节数、关闭数、发送受限原因），以及每个监听端口的 accept 队列。"
    },
    "whenToUse": {
      "en": "Which peer is slow or lossy, and why: the network (RTT, retransmits), a slow reader (receive window), our own buffers (send buffer); a service that does not accept fast enough (accept queue).",
      "zh": "哪个对端慢或丢包、原因为何：网络（RTT、重传）、对端读取慢（接收窗口）、本端缓冲区（发送缓冲区）；服务 accept 不够快（accept 队列）。"
    },
    "measuredOverhead": {
      "value": 47.1,
      "unit": "ms",
      "per": "walk of one namespace with 100130 sockets and 50030 peers (0.47 µs per socket, helper CPU; the floor walk that only makes each key and reads each socket's health 0.36 µs, so per-peer aggregation adds 0.12; the plain tcpsummary walk 0.20 µs per socket; one walk serves both probes), 69 ms of helper CPU for the whole command with its binary frame, plus about 161 ms of agent CPU to decode and fold 50030 peer rows (at 10150 sockets: 4.0 ms walk and 14 ms agent); between cycles the agent holds 0.1 MiB for them (top-K series per pod), about 1.0 KB per series where every peer has one (5k–50k peers)",
      "measured": "CPU (user+system), Linux 6.18, 2 vCPU at load average 8.5 (other work on the machine), Node 20, 7 paired rounds, 2026-12-05, test/bench/results/tcphealth.md"
    }
  },
  {
    "name": "dns",
    "kind": "metric+event",
    "scope": "netns",
    "aliases": [],
    "statusKey": "dns",
    "source": "eBPF tc (tcx link, first in the chain, returns TC_ACT_UNSPEC) on every interface of each pod's namespace (and its lo when the pod's resolv.conf names a resolver on the loopback), or with attach: host on the host end of each one's veth (the pod named in the kernel by the host end's ifindex; lo stays inside): bpf/probes/dns.bpf.c; queries to port 53 (UDP; TCP read across segments, pipelined messages included; IPv6 after its extension headers) matched with their responses in the kernel, a per-CPU histogram per (namespace, resolver, question type, rcode, transport)",
    "kubeskoopOverhead": "low",
    "brief": {
      "en": "DNS lookups per pod and resolver — latency, response codes, timeouts, truncation and TCP retries, search-path waste (ndots) — and events for failed, timed-out and slow lookups with the question name; no proxy needed.",
      "zh": "按 Pod 与解析器统计的 DNS 查询——延迟、响应码、超时、截断与 TCP 重试、搜索路径浪费（ndots）——以及带查询名的失败、超时与慢查询事件；无需代理。"
    },
    "whenToUse": {
      "en": "\"The network is broken\" and DNS is the first suspect: which pod's lookups fail or time out, against which resolver, how slow they are, and how many queries ndots:5 wastes. Option `attach: host` watches on the host end of each pod's veth instead of inside the pod (the same series, per pod). Option `host_network_pods` (with the node's `interfaces`) also watches the node's own interfaces: lookups of hostNetwork pods are told apart by the querying socket's cgroup v2 id (taken in the kernel on egress) and reported under their pod (k8s.pod.* attributes on the node's series); the node's other lookups stay with the node. Failure events of hostNetwork pods are not yet attributed to their pod.",
      "zh": "“网络坏了”而 DNS 是首要嫌疑时：哪个 Pod 的查询失败或超时、针对哪个解析器、有多慢，以及 ndots:5 浪费了多少查询。选项 `attach: host` 改在每个 Pod 的 veth 主机端观测（序列相同，仍按 Pod 区分）。选项 `host_network_pods`（可配节点的 `interfaces`）同时观测节点自身的接口：hostNetwork Pod 的查询按发起查询的套接字所属 cgroup v2 id（内核在出方向获取）区分，并归到其 Pod（在节点的序列上带 k8s.pod.* 属性）；节点的其他查询仍归节点。hostNetwork Pod 的失败事件暂未归到其 Pod。"
    },
    "measuredOverhead": {
      "value": 124,
      "unit": "ns",
      "per": "program run on a packet that is not DNS, bpf_stats included (the same programs emptied on the same hook: 118 ns, paired ratio median 1.05; a DNS query or answer, names counted: 1541 ns)",
      "measured": "bpf_stats, Linux 6.18, 2 vCPU under load (load average 17), 7 paired rounds, 2026-12-04, test/bench/results/dns.md"
    }
  }
];

export const UNSUPPORTED_PROBES: readonly UnsupportedProbe[] = [
  {
    "name": "rdma",
    "aliases": [],
    "statusKey": "rdma",
    "reason": "RDMA counters need an RDMA device (or soft-RoCE) to verify, and the machines kubeskoop-otel is built and tested on have none; its kubeskoop_rdma_* names are not served (semconv/docs/legacy-names.md)"
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
