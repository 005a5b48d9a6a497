// JSON Schemas of the three config formats the agent accepts. Probe list items may be a name or
// a mapping: `properties`/`required` only apply to mappings, so one schema covers both.

const duration = {
  type: ['number', 'string'],
  pattern: '^\\d+(\\.\\d+)?(ms|s|m|h)?$',
  minimum: 0,
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
    address: name,
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
      type: 'object', additionalProperties: false,
      properties: {
        address: { type: 'string' }, port, web_config_file: name, authorization: { enum: ['none', 'kubernetes'] },
      },
    },
    log: {
      type: 'object', additionalProperties: false,
      properties: { level: { enum: ['debug', 'info', 'warn', 'error'] }, format: { enum: ['json', 'human'] } },
    },
    prometheus: {
      type: 'object', additionalProperties: false,
      properties: { enabled: { type: 'boolean' }, names: { enum: ['otel', 'legacy', 'both'] } },
    },
    otlp: {
      type: 'object', additionalProperties: false,
      properties: {
        endpoint: { type: 'string', pattern: '^(https?)://[^\\s]+$' },
        protocol: { enum: ['grpc', 'http/protobuf'] },
        export_interval: duration,
        timeout: duration,
      },
    },
    service: {
      type: 'object', additionalProperties: false,
      properties: { name, resource_attributes: { type: 'object', additionalProperties: { type: ['string', 'number', 'boolean'] } } },
    },
    metrics: {
      type: 'object', additionalProperties: false,
      properties: { probes: { type: 'array', items: projectProbe } },
    },
    events: {
      type: 'object', additionalProperties: false,
      properties: { probes: { type: 'array', items: projectProbe }, sinks: { type: 'array', items: projectSink } },
    },
    kubernetes: {
      type: 'object', additionalProperties: false,
      properties: {
        enabled: { type: 'boolean' },
        kubeconfig: name,
        node_name: name,
        pod_labels: { type: 'array', items: name },
      },
    },
  },
} as const;

/** KubeSkoop up to v0.1.x (the seed's format; viper, lower-case keys). */
export const kubeskoopV0Schema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    debugmode: { type: 'boolean' },
    metric_config: {
      type: 'object', additionalProperties: false,
      properties: {
        interval: { type: 'integer', minimum: 1 },
        port,
        probes: { type: 'array', items: name },
        verbose: { type: 'boolean' },
        expose_labels: { type: 'array' },
      },
    },
    event_config: {
      type: 'object', additionalProperties: false,
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
      type: 'object', additionalProperties: false,
      properties: {
        additionalLabels: { type: 'array', items: { type: 'string' } },
        probes: { type: 'array', items: kubeskoopV1Probe },
      },
    },
    event: {
      type: 'object', additionalProperties: false,
      properties: {
        probes: { type: 'array', items: kubeskoopV1Probe },
        sinks: {
          type: 'array',
          items: {
            type: 'object', required: ['name'], additionalProperties: false,
            properties: { name: { enum: ['stderr', 'file', 'loki'] }, args: { type: ['object', 'null'] } },
          },
        },
      },
    },
  },
} as const;
