// GENERATED FILE — do not edit by hand.
// Source: semconv/registry/seed-names.yaml; generator: semconv/tools/render-docs.ts; regenerate with `npm run generate`.
import type { SeedNames } from '../lib/seed-names.js';

export const SEED_NAMES: SeedNames = {
  "metrics": [
    {
      "name": "inspector_pod_socketlatencyread1ms",
      "probe": "socketlatency",
      "seed": "Socket数据读取延迟大于1ms"
    },
    {
      "name": "inspector_pod_socketlatencyread100ms",
      "probe": "socketlatency",
      "seed": "Socket数据读取延迟大于100ms"
    },
    {
      "name": "inspector_pod_socketlatencywrite1ms",
      "probe": "socketlatency",
      "seed": "socket 数据写入延迟大于1ms"
    },
    {
      "name": "inspector_pod_socketlatencywrite100ms",
      "probe": "socketlatency",
      "seed": "socket 数据写入延迟大于100ms"
    },
    {
      "name": "inspector_pod_sockinuse",
      "probe": "sock",
      "seed": "处于 inuse 状态的socket的数量"
    },
    {
      "name": "inspector_pod_sockorphan",
      "probe": "sock",
      "seed": "处于orphan 状态的socket的数量"
    },
    {
      "name": "inspector_pod_socktw",
      "probe": "sock",
      "seed": "处于time_wait 状态的socket的数量"
    },
    {
      "name": "inspector_pod_sockalloc",
      "probe": "sock",
      "seed": "socket 分配数量"
    },
    {
      "name": "inspector_pod_sockmem",
      "probe": "sock",
      "seed": "socket 占用内存"
    },
    {
      "name": "inspector_pod_tcpactiveopens",
      "probe": "tcp",
      "seed": "主动打开的tcp连接数量"
    },
    {
      "name": "inspector_pod_tcppassiveopens",
      "probe": "tcp",
      "seed": "被动打开的tcp连接数量"
    },
    {
      "name": "inspector_pod_tcpretranssegs",
      "probe": "tcp",
      "seed": "Tcp 重传的报文数量"
    },
    {
      "name": "inspector_pod_tcpexttcpabortonclose",
      "probe": "tcpext",
      "seed": "用户态程序在缓冲区内还有数据时关闭 socket 的次数"
    },
    {
      "name": "inspector_pod_tcpexttcpabortondata",
      "probe": "tcpext",
      "seed": "socket 收到未知数据导致被关闭的次数"
    },
    {
      "name": "inspector_pod_tcpexttcpabortonlinger",
      "probe": "tcpext",
      "seed": "tcp_close() 中，因 tp->linger2 被设置小于 0，导致 FIN_WAIT_2 立即切换到 CLOSE 状态的次数"
    },
    {
      "name": "inspector_pod_tcpexttcpabortonmemory",
      "probe": "tcpext",
      "seed": "因内存问题关闭连接的次数"
    },
    {
      "name": "inspector_pod_tcpexttcpabortontimeout",
      "probe": "tcpext",
      "seed": "因各种计时器(RTO/PTO/keepalive)的重传次数超过上限而关闭连接的次数"
    },
    {
      "name": "inspector_pod_udprcvbuferrors",
      "probe": "udp",
      "seed": "Udp 接收队列不足导致的接收失败"
    },
    {
      "name": "inspector_pod_tcpsummarytcpestablishedconn",
      "probe": "tcpsummary",
      "seed": "处于established 状态的链接数量"
    },
    {
      "name": "inspector_pod_tcpsummarytcptimewaitconn",
      "probe": "tcpsummary",
      "seed": "处于 timewait 状态的链接数量"
    },
    {
      "name": "inspector_pod_tcpsummarytcprxqueue",
      "probe": "tcpsummary",
      "seed": "tcp连接接收队列存在的数据包bytes总数"
    },
    {
      "name": "inspector_pod_tcpsummarytcptxqueue",
      "probe": "tcpsummary",
      "seed": "tcp连接发送队列存在的数据包bytes总数"
    },
    {
      "name": "inspector_pod_ipinnoroutes",
      "probe": "ip",
      "seed": "查找路由时，目的地不可达次数"
    },
    {
      "name": "inspector_pod_ipintruncatedpkts",
      "probe": "ip",
      "seed": "数据包长度小于IP头中标识长度的次数"
    },
    {
      "name": "inspector_pod_kernellatency_rxslow",
      "probe": "kernellatency",
      "seed": "内核中接收数据包处理时间超过10ms"
    },
    {
      "name": "inspector_pod_kernellatency_rxslow100ms",
      "probe": "kernellatency",
      "seed": "内核中接收数据包处理时间超过100ms"
    },
    {
      "name": "inspector_pod_kernellatency_txslow",
      "probe": "kernellatency",
      "seed": "内核中发送数据包处理时间超过10ms"
    },
    {
      "name": "inspector_pod_kernellatency_rxslow100ms",
      "probe": "kernellatency",
      "seed": "内核中发送数据包处理时间超过100ms",
      "typoOf": "inspector_pod_kernellatency_txslow100ms"
    },
    {
      "name": "inspector_pod_ipvsconnections",
      "probe": "ipvs",
      "seed": "ipvs 连接数"
    },
    {
      "name": "inspector_pod_incomingpackages",
      "probe": "ipvs",
      "seed": "ipvs 入数据包数",
      "typoOf": "inspector_pod_ipvsincomingpackets"
    },
    {
      "name": "inspector_pod_outgoingpackages",
      "probe": "ipvs",
      "seed": "ipvs 出数据包数",
      "typoOf": "inspector_pod_ipvsoutgoingpackets"
    },
    {
      "name": "inspector_pod_incomingbytes",
      "probe": "ipvs",
      "seed": "ipvs 入数据字节数",
      "typoOf": "inspector_pod_ipvsincomingbytes"
    },
    {
      "name": "inspector_pod_outgoingbytes",
      "probe": "ipvs",
      "seed": "ipvs 出数据字节数",
      "typoOf": "inspector_pod_ipvsoutgoingbytes"
    },
    {
      "name": "inspector_pod_conntrackentries",
      "probe": "conntrack",
      "seed": "conntrack当前条目数"
    },
    {
      "name": "inspector_pod_conntrackmaxentries",
      "probe": "conntrack",
      "seed": "conntrack最大条目数"
    },
    {
      "name": "inspector_pod_conntrackdrop",
      "probe": "conntrack",
      "seed": "数据包启动一个新的连接，但是没有可用的内存为其分配新的状态条目"
    },
    {
      "name": "inspector_pod_conntrackearlydrop",
      "probe": "conntrack",
      "seed": "conntrack表已满。为了接受新连接，丢弃了没有双向通信的现有连接"
    },
    {
      "name": "inspector_pod_conntrackerror",
      "probe": "conntrack",
      "seed": "收到与已知连接不匹配的icmp错误数据包"
    },
    {
      "name": "inspector_pod_conntrackfound",
      "probe": "conntrack",
      "seed": "保持为0，仅出于向后兼容的目的而存在"
    },
    {
      "name": "inspector_pod_conntrackignore",
      "probe": "conntrack",
      "seed": "不需要做连接跟踪的包"
    },
    {
      "name": "inspector_pod_conntrackinsert",
      "probe": "conntrack",
      "seed": "保持为0，仅出于向后兼容的目的而存在"
    },
    {
      "name": "inspector_pod_conntrackinsertfailed",
      "probe": "conntrack",
      "seed": "数据包开始新的连接，但是插入状态表失败。例如，当伪装时NAT引擎恰巧选择了相同的源地址和端口时，可能会发生这种情况"
    },
    {
      "name": "inspector_pod_conntrackinvalid",
      "probe": "conntrack",
      "seed": "数据包与现有连接不匹配，并且未创建新连接"
    },
    {
      "name": "inspector_pod_conntracksearchrestart",
      "probe": "conntrack",
      "seed": "查找由于另一个CPU的插入或删除而中断"
    },
    {
      "name": "inspector_pod_netdevrxbytes",
      "probe": "netdev",
      "seed": "接收字节数"
    },
    {
      "name": "inspector_pod_netdevrxdropped",
      "probe": "netdev",
      "seed": "接收丢包数"
    },
    {
      "name": "inspector_pod_netdevrxerror",
      "probe": "netdev",
      "seed": "接收错误包数",
      "typoOf": "inspector_pod_netdevrxerrors"
    },
    {
      "name": "inspector_pod_netdevrxpackets",
      "probe": "netdev",
      "seed": "接收数据包数"
    },
    {
      "name": "inspector_pod_netdevtxbytes",
      "probe": "netdev",
      "seed": "发送字节数"
    },
    {
      "name": "inspector_pod_netdevtxdropped",
      "probe": "netdev",
      "seed": "发送丢报数"
    },
    {
      "name": "inspector_pod_netdevtxerror",
      "probe": "netdev",
      "seed": "发送错误包数",
      "typoOf": "inspector_pod_netdevtxerrors"
    },
    {
      "name": "inspector_pod_netdevtxpackets",
      "probe": "netdev",
      "seed": "发送数据包数"
    },
    {
      "name": "inspector_pod_qdiscbytes",
      "probe": "qdisc",
      "seed": "qdisc 经过的字节"
    },
    {
      "name": "inspector_pod_qdiscpackets",
      "probe": "qdisc",
      "seed": "qdisc 经过的数据包数量"
    },
    {
      "name": "inspector_pod_qdiscdrops",
      "probe": "qdisc",
      "seed": "qdis 丢包数"
    },
    {
      "name": "inspector_pod_qdisqlen",
      "probe": "qdisc",
      "seed": "qdisc 队列长度",
      "typoOf": "inspector_pod_qdiscqlen"
    },
    {
      "name": "inspector_pod_qdiscbacklog",
      "probe": "qdisc",
      "seed": "qdisc backlog 数量"
    },
    {
      "name": "inspector_pod_qdiscoverlimits",
      "probe": "qdisc",
      "seed": "qdisc数据包limit"
    },
    {
      "name": "inspector_pod_netiftxlat_qdiscslow100ms",
      "probe": "netiftxlatency",
      "seed": "qdisc 处理时间超过100ms"
    },
    {
      "name": "inspector_pod_netiftxlat_netdevlow100ms",
      "probe": "netiftxlatency",
      "seed": "底层设备发送时间超过100ms",
      "typoOf": "inspector_pod_netiftxlat_netdevslow100ms"
    },
    {
      "name": "inspector_pod_softnetprocessed",
      "probe": "softnet",
      "seed": "softnet 处理的报文数"
    },
    {
      "name": "inspector_pod_softnetdropped",
      "probe": "softnet",
      "seed": "softnet 丢弃的报文数"
    },
    {
      "name": "inspector_pod_net_softirq_schedslow",
      "probe": "net_softirq",
      "seed": "从软中断发起到ksoftirqd开始执行间隔时间超过10ms"
    },
    {
      "name": "inspector_pod_net_softirq_schedslow100ms",
      "probe": "net_softirq",
      "seed": "从软中断发起到ksoftirqd开始执行间隔时间超过100ms"
    },
    {
      "name": "inspector_pod_net_softirq_excuteslow",
      "probe": "net_softirq",
      "seed": "从软中断开始执行到执行完成的耗时超过10ms"
    },
    {
      "name": "inspector_pod_net_softirq_excuteslow100ms",
      "probe": "net_softirq",
      "seed": "从软中断开始执行到执行完成的耗时超过100ms"
    },
    {
      "name": "inspector_pod_virtcmdlatency",
      "probe": "virtcmdlatency",
      "seed": "Virtio send command 执行时间超过10ms"
    },
    {
      "name": "inspector_pod_virtcmdlatency100ms",
      "probe": "virtcmdlatency",
      "seed": "Virtio send command 执行时间超过100ms"
    },
    {
      "name": "inspector_pod_fdopenfd",
      "probe": "fd",
      "seed": "打开fd 数量"
    },
    {
      "name": "inspector_pod_fdopensocket",
      "probe": "fd",
      "seed": "打开 socket 数量"
    },
    {
      "name": "inspector_pod_ioioreadbytes",
      "probe": "io",
      "seed": "文件系统读操作字节数"
    },
    {
      "name": "inspector_pod_ioiowritebytes",
      "probe": "io",
      "seed": "文件系统写操作字节数"
    },
    {
      "name": "inspector_pod_ioioreadsyscall",
      "probe": "io",
      "seed": "文件系统读操作次数"
    },
    {
      "name": "inspector_pod_ioiowritesyscall",
      "probe": "io",
      "seed": "文件系统写操作次数"
    }
  ],
  "events": [
    {
      "type": "SOCKETLAT_READSLOW",
      "probe": "socketlatency",
      "seed": "socket 读取出现延迟"
    },
    {
      "type": "SOCKETLAT_SENDSLOW",
      "probe": "socketlatency",
      "seed": "socket 写入出现延迟"
    },
    {
      "type": "TCP_NOSOCK",
      "probe": "tcpreset",
      "seed": "因为没有找到socket（访问到未知端口）导致的reset",
      "typoOf": "TCPRESET_NOSOCK"
    },
    {
      "type": "TCPRESET_ACTIVE",
      "probe": "tcpreset",
      "seed": "由于资源，用户态关闭等原因主动发送TCP reset 报文"
    },
    {
      "type": "TCPRESET_PROCESS",
      "probe": "tcpreset",
      "seed": "由于TCP握手出现异常等原因发送的TCP reset 报文"
    },
    {
      "type": "TCPRESET_RECEIVE",
      "probe": "tcpreset",
      "seed": "收到了对端的reset报文"
    },
    {
      "type": "RXKERNEL_SLOW",
      "probe": "kernellatency",
      "seed": "内核收包出现延迟"
    },
    {
      "type": "RTKERNEL_SLOW",
      "probe": "kernellatency",
      "seed": "内核发包出现延迟",
      "typoOf": "TXKERNEL_SLOW"
    },
    {
      "type": "TXLAT_QDISC_100MS",
      "probe": "netiftxlatency",
      "seed": "qdisc 处理时间超过100ms",
      "typoOf": "NETIFTXLAT_QDISC"
    },
    {
      "type": "TXLAT_NETDEV_100MS",
      "probe": "netiftxlatency",
      "seed": "底层设备发送时间超过100ms",
      "typoOf": "NETIFTXLAT_XMIT"
    },
    {
      "type": "NETSOFTIRQ_SCHED_SLOW",
      "probe": "net_softirq",
      "seed": "从软中断发起到ksoftirqd开始执行间隔时间超过10ms"
    },
    {
      "type": "NETSOFTIRQ_SCHED_100MS",
      "probe": "net_softirq",
      "seed": "从软中断发起到ksoftirqd开始执行间隔时间超过100ms"
    },
    {
      "type": "NETSOFTIRQ_EXCUTE_SLOW",
      "probe": "net_softirq",
      "seed": "从软中断开始执行到执行完成的耗时超过10ms"
    },
    {
      "type": "NETSOFTIRQ_EXCUTE_100MS",
      "probe": "net_softirq",
      "seed": "从软中断开始执行到执行完成的耗时超过100ms"
    },
    {
      "type": "VIRTCMDEXCUTE",
      "probe": "virtcmdlatency",
      "seed": "Virtio send command 执行时间慢"
    },
    {
      "type": "BIOLAT",
      "probe": "biolatency",
      "seed": "块设备读写超过10ms",
      "typoOf": "BIOLAT_10MS"
    },
    {
      "type": "BIOLAT_100MS",
      "probe": "biolatency",
      "seed": "块设备读写超过100ms"
    }
  ]
};
