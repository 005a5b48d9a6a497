// The agent's configuration after loading: one shape, whichever file format it came from.
import type { LogFormat, LogLevel } from '../log.js';

export interface ProbeSelection {
  /** Canonical probe name. */
  readonly name: string;
  /** Probe options (the project's `options`, or KubeSkoop's `args`). */
  readonly options: Readonly<Record<string, unknown>>;
}

export interface UnsupportedSelection {
  /** The name as written in the config. */
  readonly name: string;
  readonly canonical: string;
  readonly reason: string;
}

export type SinkConfig =
  { readonly kind: 'stderr' } | { readonly kind: 'file'; readonly path: string } | LokiSinkConfig;

export interface LokiSinkConfig {
  readonly kind: 'loki';
  /** A URL (http://loki:3100) or host[:port] (port 3100, as KubeSkoop). */
  readonly address: string;
  /** push: Loki's push API, KubeSkoop's stream labels and JSON line (what its web console reads);
   *  otlp: Loki's native OTLP endpoint (Loki 3), LogRecords as the OTLP exporters send them. */
  readonly protocol: 'push' | 'otlp';
  /** push only: JSON, or protobuf compressed with snappy (what KubeSkoop sent). */
  readonly encoding: 'json' | 'protobuf';
  /** The X-Scope-OrgID header of a multi-tenant Loki (both protocols). */
  readonly tenant?: string;
}

/** KubeSkoop's `metrics.additionalLabels` entry `name=template`: a label on every series, whose
 *  value is the template with each `${labels:<key>}` replaced by the pod's label (empty if none). */
export interface AdditionalLabel {
  readonly name: string;
  readonly template: string;
}

export type OtlpProtocol = 'grpc' | 'http/protobuf';
export type ServerAuthorization = 'none' | 'kubernetes';
export type ConfigFormat = 'kubeskoop-otel' | 'kubeskoop-v0' | 'kubeskoop-v1' | 'defaults';

export interface AgentConfig {
  /** Where the settings came from, for `validate-config` and /status. */
  readonly source: { readonly file?: string; readonly format: ConfigFormat };
  readonly mode: 'node' | 'sidecar';
  readonly intervalMs: number;
  readonly nodeName?: string;
  readonly procRoot: string;
  readonly netnsDir: string;
  readonly server: {
    readonly address: string;
    readonly port: number;
    /** exporter-toolkit's web config file (TLS, client certificates, basic auth); unset: plain HTTP. */
    readonly webConfigFile?: string;
    /** kubernetes: every caller checked with TokenReview + SubjectAccessReview (/healthz excepted);
     *  unset: none. */
    readonly authorization?: ServerAuthorization;
  };
  readonly log: { readonly level: LogLevel; readonly format: LogFormat };
  readonly prometheus: {
    readonly enabled: boolean;
    readonly names: 'otel' | 'legacy' | 'both';
    /** otel_scope_name / otel_scope_version labels on every OTel series (the specification's default). */
    readonly scopeInfo: boolean;
  };
  readonly otlp: {
    /** Unset: no OTLP push (Prometheus pull only). */
    readonly endpoint?: string;
    readonly protocol: OtlpProtocol;
    readonly exportIntervalMs: number;
    readonly exportTimeoutMs: number;
    /** Events (and spans) the agent holds while the backend is down, retried with backoff; beyond the
     *  bound the oldest are dropped and counted. */
    readonly buffer: {
      readonly maxRecords: number;
      readonly maxBytes: number;
      readonly initialBackoffMs: number;
      readonly maxBackoffMs: number;
    };
  };
  /** Kernel intervals as spans (probes with `spans: true`), to the OTLP endpoint (or
   *  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT). Off by default: then no tracing SDK is built. */
  readonly traces: {
    readonly enabled: boolean;
    /** Spans a second on this node at most; the rest are counted (otel.sdk.span.started, DROP). */
    readonly ratePerNode: number;
    /** OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, when set. */
    readonly endpoint?: string;
  };
  readonly service: { readonly name: string; readonly resourceAttributes: Readonly<Record<string, string>> };
  readonly metrics: {
    readonly probes: readonly ProbeSelection[];
    /** On every series of every target (KubeSkoop's additionalLabels); none by default. */
    readonly additionalLabels: readonly AdditionalLabel[];
  };
  readonly events: { readonly probes: readonly ProbeSelection[]; readonly sinks: readonly SinkConfig[] };
  /** Probes named in the config that this build does not run, and why. */
  readonly unsupported: readonly UnsupportedSelection[];
  /** Settings accepted for compatibility that have no effect here, and why (logged once at start). */
  readonly warnings: readonly string[];
  /** The Kubernetes API watch that names pods (the `kubernetes:` section); unset: not configured. */
  readonly kubernetes?: KubernetesConfig;
}

export interface KubernetesConfig {
  /** Default: on when a kubeconfig is given, or in node mode inside a cluster (KUBERNETES_SERVICE_HOST). */
  readonly enabled: boolean;
  /** A kubeconfig file; unset: the in-cluster service account. */
  readonly kubeconfig?: string;
  /** The node whose pods are watched (kubernetes.node_name, else node_name / NODE_NAME / --node-name). */
  readonly nodeName?: string;
  /** Pod label keys exported as k8s.pod.label.<key>; none by default (cardinality is the user's choice). */
  readonly podLabels: readonly string[];
}
