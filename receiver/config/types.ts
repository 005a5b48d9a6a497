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
  | { readonly kind: 'stderr' }
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'loki'; readonly address: string };

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
  readonly prometheus: { readonly enabled: boolean; readonly names: 'otel' | 'legacy' | 'both' };
  readonly otlp: {
    /** Unset: no OTLP push (Prometheus pull only). */
    readonly endpoint?: string;
    readonly protocol: OtlpProtocol;
    readonly exportIntervalMs: number;
    readonly exportTimeoutMs: number;
  };
  readonly service: { readonly name: string; readonly resourceAttributes: Readonly<Record<string, string>> };
  readonly metrics: { readonly probes: readonly ProbeSelection[] };
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
