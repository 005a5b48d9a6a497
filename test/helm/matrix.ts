// The values matrix the chart tests render (and the agent tests run the rendered configs of).

// A KubeSkoop v1 config.yaml as its Helm chart writes it (comments and key case kept as is).
export const KUBESKOOP_V1 = `# from KubeSkoop's deploy/helm configmap
debugmode: false
port: 9102
enableController: false
metrics:
  probes:
  - name: netdev
  - name: tcpext
  - name: flow
    args:
      enablePortInLabel: false
event:
  probes:
  - name: tcpreset
  - name: packetloss
    args:
      enableStack: false
  sinks:
  - name: stderr
`;

// KubeSkoop v0.1 (the seed's format).
export const KUBESKOOP_V0 = {
  debugmode: false,
  metric_config: { interval: 15, port: 9102, probes: ['netdev', 'tcpsummary'] },
  event_config: { port: 19102, loki_enable: false, probes: ['tcpreset'] },
};

export const CUSTOM_CONFIG = {
  interval: '30s',
  log: { level: 'debug', format: 'human' },
  prometheus: { enabled: true, names: 'both' },
  metrics: { probes: ['netdev'] },
  service: { name: 'ks-prod', resource_attributes: { 'k8s.cluster.name': 'prod-eu-1' } },
};

/** The value matrix: name → values (merged over the chart's values.yaml by helm). */
export const MATRIX: Record<string, Record<string, unknown> | undefined> = {
  defaults: undefined,
  sidecar: { mode: 'sidecar', sidecar: { example: { enabled: true } }, otlp: { endpoint: 'http://gw.observability.svc:4318', protocol: 'http/protobuf' } },
  serviceMonitor: { prometheus: { serviceMonitor: { enabled: true, interval: '30s', labels: { release: 'kube-prometheus-stack' } }, podMonitor: { enabled: true } } },
  customConfig: { config: CUSTOM_CONFIG, otlp: { endpoint: 'http://gw.observability.svc:4317', protocol: 'grpc' }, resourceAttributes: { 'k8s.cluster.name': 'prod-eu-1' }, priorityClassName: 'system-node-critical' },
  kubeskoopLegacy: { kubeskoopConfig: KUBESKOOP_V1 },
  kubeskoopV0Map: { kubeskoopConfig: KUBESKOOP_V0 },
  narrowed: { capabilities: { bpf: false, perfmon: false, dacReadSearch: false, netAdmin: true, extra: ['SYS_RESOURCE'] }, hostMounts: { tracefs: { enabled: false }, btf: { enabled: false } } },
  image: { image: { repository: 'registry.internal/ks/agent', tag: 'v9', digest: 'sha256:' + 'a'.repeat(64), pullPolicy: 'Always' }, imagePullSecrets: [{ name: 'regcred' }] },
  // Secure mode as the README shows it: cert-manager, Kubernetes authorization, a ServiceMonitor.
  secure: {
    security: {
      tls: { enabled: true, certManager: { enabled: true, issuerRef: { kind: 'ClusterIssuer', name: 'ca-issuer' } } },
      authorization: 'kubernetes',
      metricsReaders: [{ kind: 'ServiceAccount', name: 'prometheus-k8s', namespace: 'monitoring' }],
    },
    prometheus: { scrapeAnnotations: false, serviceMonitor: { enabled: true } },
  },
  // TLS from a Secret one manages, client certificates required, a PodMonitor with Prometheus' client certificate.
  secureMtls: {
    security: {
      tls: {
        enabled: true, secretName: 'agent-tls', clientAuthType: 'RequireAndVerifyClientCert',
        prometheusClientSecret: 'prometheus-client-tls',
      },
    },
    prometheus: { podMonitor: { enabled: true } },
  },
  // One's own web config (basic auth) from a Secret.
  ownWebConfig: {
    security: { existingWebConfigSecret: 'agent-web-config', tls: { enabled: true, secretName: 'agent-tls' } },
  },
};

