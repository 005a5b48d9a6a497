// JSON Schemas of the registry's YAML files (semconv/registry). The generator validates every file
// against these before it writes anything, so a typo in the registry fails with its file and path.

const bilingual = {
  type: 'object',
  required: ['en', 'zh'],
  additionalProperties: false,
  properties: { en: { type: 'string', minLength: 1 }, zh: { type: 'string', minLength: 1 } },
} as const;

const otelName = { type: 'string', pattern: '^[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)+$' } as const;
const probeName = { type: 'string', pattern: '^[a-z][a-z0-9_]*$' } as const;

export const attributesFileSchema = {
  type: 'object',
  required: ['attributes'],
  additionalProperties: false,
  properties: {
    attributes: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name', 'type', 'brief'],
        additionalProperties: false,
        properties: {
          name: otelName,
          type: { enum: ['string', 'int', 'double', 'boolean', 'enum'] },
          semconv: { type: 'boolean' },
          renamed_from: { type: 'array', items: otelName, minItems: 1 },
          brief: bilingual,
          values: { type: 'array', items: { type: 'string' } },
          examples: { type: 'array', items: { type: 'string' } },
        },
      },
    },
  },
} as const;

export const probesFileSchema = {
  type: 'object',
  required: ['probes', 'unsupported'],
  additionalProperties: false,
  properties: {
    probes: {
      type: 'array',
      items: {
        type: 'object',
        required: [
          'name',
          'kind',
          'scope',
          'aliases',
          'status_key',
          'source',
          'kubeskoop_overhead',
          'brief',
          'when_to_use',
        ],
        additionalProperties: false,
        properties: {
          name: probeName,
          kind: { enum: ['metric', 'event', 'metric+event'] },
          scope: { enum: ['netns', 'node', 'process'] },
          aliases: { type: 'array', items: { type: 'string', minLength: 1 } },
          status_key: { type: 'string', minLength: 1 },
          source: { type: 'string', minLength: 1 },
          kubeskoop_overhead: { enum: ['low', 'medium', 'high'] },
          measured_overhead: {
            type: 'object',
            required: ['value', 'unit', 'per'],
            additionalProperties: false,
            properties: {
              value: { type: 'number', minimum: 0 },
              unit: { enum: ['ms', 'us', 'ns', 'MiBy'] },
              per: { type: 'string', minLength: 1 },
              measured: { type: 'string', minLength: 1 },
            },
          },
          brief: bilingual,
          when_to_use: bilingual,
        },
      },
    },
    unsupported: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name', 'aliases', 'status_key', 'reason'],
        additionalProperties: false,
        properties: {
          name: probeName,
          aliases: { type: 'array', items: { type: 'string' } },
          status_key: { type: 'string' },
          reason: { type: 'string', minLength: 1 },
        },
      },
    },
  },
} as const;

const entity = { enum: ['host', 'pod', 'netns', 'agent'] } as const;
/** One entity or several. */
const entities = { anyOf: [entity, { type: 'array', items: entity, minItems: 1, uniqueItems: true }] } as const;
const attributeList = { type: 'array', items: otelName } as const;
const topColumns = {
  type: 'array',
  items: {
    type: 'object',
    required: ['column'],
    additionalProperties: false,
    properties: {
      column: { type: 'string', pattern: '^[A-Z0-9][A-Z0-9 /%-]{0,11}$' },
      attributes: { type: 'object', additionalProperties: { type: 'string' } },
      breakdown: otelName,
    },
  },
} as const;
/** What one OTel name of a measurement says about itself: whom it is for, whether semconv defines it. */
const nameFields = {
  entity: entities,
  semconv: { type: 'boolean' },
  semconv_entity: { type: 'string', pattern: '^[a-z][a-z0-9_.]*$' },
  // Earlier OTel names of the series; [] for a metric that had none (new); absent: the name did not change.
  renamed_from: { type: 'array', items: otelName },
  renamed_attributes: { type: 'object', additionalProperties: otelName },
} as const;

/** One metric, in a probe's metrics/<probe>.yaml or in shared-metrics.yaml. `name` when one name serves
 *  every entity; `names` when the name follows the entity (NAMING.md rule 6), one entry per name. */
const metricEntry = {
  type: 'object',
  required: ['key', 'instrument', 'unit', 'attributes', 'source', 'brief'],
  additionalProperties: false,
  properties: {
    key: { type: 'string', pattern: '^[a-z][a-z0-9_]*$' },
    name: otelName,
    ...nameFields,
    names: {
      type: 'array',
      minItems: 2,
      items: {
        type: 'object',
        required: ['name', 'entity'],
        additionalProperties: false,
        properties: { name: otelName, ...nameFields, attributes: attributeList, top: topColumns },
      },
    },
    instrument: { enum: ['counter', 'updowncounter', 'gauge', 'histogram'] },
    unit: { type: 'string', minLength: 1 },
    attributes: attributeList,
    source: { type: 'string', minLength: 1 },
    brief: bilingual,
    buckets: { type: 'array', items: { type: 'number' }, minItems: 1 },
    legacy_aggregation: { enum: ['none', 'sum', 'sum_except_lo'] },
    legacy_type: { enum: ['gauge', 'counter'] },
    top: topColumns,
    legacy: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name'],
        additionalProperties: false,
        properties: {
          name: { type: 'string', pattern: '^[a-z][a-z0-9_]*$' },
          attributes: { type: 'object', additionalProperties: { type: 'string' } },
          seed_typo_of: { type: 'string' },
          scale: { type: 'number', exclusiveMinimum: 0 },
          // a node-wide value: served on every target (pods too) with the host's value
          node_wide: { type: 'boolean' },
          // one series per OTel series with KubeSkoop's flow tuple labels (protocol, src, …, dport)
          tuple: { type: 'boolean' },
        },
      },
    },
  },
} as const;

/** A probe's entry that takes a metric of shared-metrics.yaml by its OTel name. */
const sharedMetricRef = {
  type: 'object',
  required: ['shared'],
  additionalProperties: false,
  properties: { shared: otelName },
} as const;

export const metricsFileSchema = {
  type: 'object',
  required: ['probe', 'metrics'],
  additionalProperties: false,
  properties: {
    probe: probeName,
    metrics: {
      type: 'array',
      // if/then/else rather than oneOf: a broken full entry reports only its own errors.
      items: {
        if: { type: 'object', required: ['shared'], properties: { shared: true } },
        then: sharedMetricRef,
        else: metricEntry,
      },
    },
  },
} as const;

export const sharedMetricsFileSchema = {
  type: 'object',
  required: ['metrics'],
  additionalProperties: false,
  properties: { metrics: { type: 'array', items: metricEntry } },
} as const;

export const eventsFileSchema = {
  type: 'object',
  required: ['probe', 'events'],
  additionalProperties: false,
  properties: {
    probe: probeName,
    events: {
      type: 'array',
      items: {
        type: 'object',
        required: ['key', 'name', 'severity', 'attributes', 'types', 'brief', 'action'],
        additionalProperties: false,
        properties: {
          key: { type: 'string', pattern: '^[a-z][a-z0-9_]*$' },
          name: otelName,
          severity: { enum: ['DEBUG', 'INFO', 'WARN', 'ERROR'] },
          attributes: { type: 'array', items: otelName },
          threshold: { type: 'string' },
          brief: bilingual,
          action: bilingual,
          // KubeSkoop's `labels` list for this event in its stderr/file/loki sinks.
          kubeskoop_labels: { enum: ['pod', 'tuple', 'softirq', 'none'] },
          types: {
            type: 'array',
            minItems: 1,
            items: {
              type: 'object',
              required: ['type', 'brief'],
              additionalProperties: false,
              properties: {
                type: { type: 'string', pattern: '^[A-Za-z][A-Za-z0-9_]*$' },
                brief: bilingual,
                aliases: { type: 'array', items: { type: 'string' } },
                // KubeSkoop's `msg` for this type: a template over the record (receiver/events/kubeskoop-json.ts)
                kubeskoop_msg: { type: 'string' },
              },
            },
          },
        },
      },
    },
  },
} as const;

export const entitiesFileSchema = {
  type: 'object',
  required: ['entities'],
  additionalProperties: false,
  properties: {
    entities: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name', 'resource', 'brief'],
        additionalProperties: false,
        properties: {
          name: entity,
          semconv_entity: { type: 'string', pattern: '^[a-z][a-z0-9_.]*$' },
          resource: { type: 'array', items: otelName, minItems: 1 },
          brief: bilingual,
        },
      },
    },
  },
} as const;
