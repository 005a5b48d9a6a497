// JSON Schemas of the three config formats the agent accepts. Probe list items may be a name or
// a mapping: `properties`/`required` only apply to mappings, so one schema covers both.
// `expected` (an annotation, see messages.ts) says in words what a node takes, for error messages.

const duration = {
  type: ['number', 'string'],
  pattern: '^\\d+(\\.\\d+)?(ms|s|m|h)?$',
  minimum: 0,
  expected: 'a duration like 15, 15s, 500ms or 1m',
} as const;

const port = { type: 'integer', minimum: 0, maximum: 65535 } as const;
const name = { type: 'string', minLength: 1 } as const;

const projectProbe = {
  type: ['string', 'object'],
  minLength: 1,
  required: ['name'],
  additionalProperties: false,
  properties: { name, options: { type: 'object' } },
} as const;

const projectSink = {
  type: 'object',
  required: ['name'],
  additionalProperties: false,
  properties: {
    name: { enum: ['stderr', 'file', 'loki'] },
    path: name,
    // loki: a URL (http://loki:3100) or host[:port] (port 3100 by default)
    address: name,
    // loki: push = Loki's push API with KubeSkoop's stream and JSON line; otlp = Loki's OTLP endpoint
    protocol: { enum: ['push', 'otlp'] },
    // push: the request body (json, or protobuf compressed with snappy as KubeSkoop sent it)
    encoding: { enum: ['json', 'protobuf'] },
    // push: X-Scope-OrgID, for a multi-tenant Loki
    tenant: name,
  },
} as const;

/** kubeskoop-otel's own format. */
export const projectSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    interval: duration,
    mode: { enum: ['node', 'sidecar'] },
    node_name: name,
    proc_root: name,
    netns_dir: name,
    server: {
      type: 'object',
      additionalProperties: false,
      properties: {
        address: { type: 'string' },
        port,
        web_config_file: name,
        authorization: { enum: ['none', 'kubernetes'] },
      },
    },
    log: {
      type: 'object',
      additionalProperties: false,
      properties: { level: { enum: ['debug', 'info', 'warn', 'error'] }, format: { enum: ['json', 'human'] } },
    },
    prometheus: {
      type: 'object',
      additionalProperties: false,
      properties: {
        enabled: { type: 'boolean' },
        names: { enum: ['otel', 'legacy', 'both'] },
        scope_info: { type: 'boolean' },
      },
    },
    otlp: {
      type: 'object',
      additionalProperties: false,
      properties: {
        endpoint: { type: 'string', pattern: '^(https?)://[^\\s]+$', expected: 'a URL like http://collector:4317' },
        protocol: { enum: ['grpc', 'http/protobuf'] },
        export_interval: duration,
        timeout: duration,
        // The retry buffer of events and spans while the backend is down (docs/delivery.md).
        buffer: {
          type: 'object',
          additionalProperties: false,
          properties: {
            max_mib: { type: 'number', exclusiveMinimum: 0, maximum: 4096, expected: 'MiB above 0, at most 4096' },
            max_records: { type: 'integer', minimum: 1, maximum: 10_000_000, expected: 'a count from 1 to 10000000' },
          },
        },
        retry: {
          type: 'object',
          additionalProperties: false,
          properties: { initial_interval: duration, max_interval: duration },
        },
      },
    },
    // Kernel intervals as spans (docs/traces.md): on here or with OTEL_TRACES_EXPORTER=otlp.
    traces: {
      type: 'object',
      additionalProperties: false,
      properties: {
        enabled: { type: 'boolean' },
        rate_per_node: { type: 'number', exclusiveMinimum: 0, expected: 'spans a second above 0' },
      },
    },
    service: {
      type: 'object',
      additionalProperties: false,
      properties: {
        name,
        resource_attributes: { type: 'object', additionalProperties: { type: ['string', 'number', 'boolean'] } },
      },
    },
    metrics: {
      type: 'object',
      additionalProperties: false,
      properties: { probes: { type: 'array', items: projectProbe } },
    },
    events: {
      type: 'object',
      additionalProperties: false,
      properties: { probes: { type: 'array', items: projectProbe }, sinks: { type: 'array', items: projectSink } },
    },
    kubernetes: {
      type: 'object',
      additionalProperties: false,
      properties: {
        enabled: { type: 'boolean' },
        kubeconfig: name,
        node_name: name,
        pod_labels: { type: 'array', items: name },
      },
    },
  },
} as const;

/** KubeSkoop up to v0.1.x (the seed's format). Viper matched keys case-insensitively (KubeSkoop's
 *  own vagrant deploy writes `debugMode`): keys are lowercased before this schema sees them. */
export const kubeskoopV0Schema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    debugmode: { type: 'boolean' },
    metric_config: {
      type: 'object',
      additionalProperties: false,
      properties: {
        interval: { type: 'integer', minimum: 1 },
        port,
        probes: { type: 'array', items: name },
        verbose: { type: 'boolean' },
        expose_labels: { type: 'array' },
      },
    },
    event_config: {
      type: 'object',
      additionalProperties: false,
      properties: {
        port,
        loki_enable: { type: 'boolean' },
        loki_address: { type: 'string' },
        infotolog: { type: 'boolean' },
        probes: { type: 'array', items: name },
      },
    },
  },
} as const;

const kubeskoopV1Probe = {
  type: ['string', 'object'],
  minLength: 1,
  required: ['name'],
  additionalProperties: false,
  properties: { name, args: { type: ['object', 'null'] } },
} as const;

/** KubeSkoop v1.x (pkg/exporter/cmd/config.go). */
export const kubeskoopV1Schema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    debugMode: { type: 'boolean' },
    debugmode: { type: 'boolean' },
    port,
    address: { type: 'string' },
    enableController: { type: 'boolean' },
    controllerAddr: { type: 'string' },
    metrics: {
      type: 'object',
      additionalProperties: false,
      properties: {
        // KubeSkoop's Helm chart renders an unset value as `additionalLabels: null`: none.
        additionalLabels: {
          type: ['array', 'null'],
          items: {
            type: 'string',
            pattern: '^\\s*[A-Za-z_][A-Za-z0-9_]*\\s*=',
            expected: 'name=value, e.g. app=${labels:app}',
          },
        },
        probes: { type: 'array', items: kubeskoopV1Probe },
      },
    },
    event: {
      type: 'object',
      additionalProperties: false,
      properties: {
        probes: { type: 'array', items: kubeskoopV1Probe },
        sinks: {
          type: 'array',
          items: {
            type: 'object',
            required: ['name'],
            additionalProperties: false,
            properties: { name: { enum: ['stderr', 'file', 'loki'] }, args: { type: ['object', 'null'] } },
          },
        },
      },
    },
  },
} as const;
