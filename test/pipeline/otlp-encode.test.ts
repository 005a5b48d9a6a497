// The agent's OTLP metrics encoder (otlp-encode.ts) writes the same bytes as the SDK's protobuf
// serializer (ProtobufMetricsSerializer, the independent oracle) for generated collections of every
// shape it meets (sums, gauges, histograms with and without sum/min/max, int and double values,
// attribute sets of strings, numbers and booleans, non-ASCII text, one or several resources), for what
// it hands to the SDK (exponential histograms, negative integer attributes), and for a real SDK
// collection; the bytes decode with the OTLP protos to the points that went in.
import assert from 'node:assert/strict';
import path from 'node:path';
import fc from 'fast-check';
import protobuf from 'protobufjs';
import { ValueType, type Attributes } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  AggregationType,
  DataPointType,
  MeterProvider,
  MetricReader,
  type MetricData,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import { ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { encodedHeaders, encodeMetricsRequest } from '../../receiver/pipeline/otlp-encode.js';
import { protoDir } from '../support/otlp-receiver.js';

const sdkBytes = (request: ResourceMetrics[]): Buffer =>
  Buffer.concat(request.map((rm) => ProtobufMetricsSerializer.serializeRequest(rm)!));

function requestType(): protobuf.Type {
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => path.join(protoDir(), target);
  root.loadSync('opentelemetry/proto/collector/metrics/v1/metrics_service.proto');
  return root.lookupType('opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest');
}

const text = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('eth0', 'transmit', 'Tcp', 'zürich-Ω', ''));
const attrValue = fc.oneof(
  text,
  fc.boolean(),
  fc.integer({ min: 0, max: 2 ** 40 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);
const attrs: fc.Arbitrary<Attributes> = fc.dictionary(fc.string({ minLength: 1, maxLength: 10 }), attrValue, {
  maxKeys: 4,
});
const hrTime = fc.tuple(fc.integer({ min: 0, max: 4_000_000_000 }), fc.integer({ min: 0, max: 999_999_999 }));
const count = fc.integer({ min: 0, max: 2 ** 45 });

const numberMetric = (type: DataPointType.SUM | DataPointType.GAUGE): fc.Arbitrary<MetricData> =>
  fc
    .record({
      name: fc.string({ minLength: 1, maxLength: 20 }),
      description: text,
      unit: fc.constantFrom('', 'By', '{packet}', 's'),
      int: fc.boolean(),
      monotonic: fc.boolean(),
      temporality: fc.constantFrom(AggregationTemporality.CUMULATIVE, AggregationTemporality.DELTA),
      points: fc.array(
        fc.record({
          startTime: hrTime,
          endTime: hrTime,
          attributes: attrs,
          value: fc.oneof(
            fc.integer({ min: -(2 ** 50), max: 2 ** 52 }),
            fc.double({ noNaN: true, noDefaultInfinity: true }),
          ),
        }),
        { maxLength: 6 },
      ),
    })
    .map((m) => {
      const descriptor = {
        name: m.name,
        description: m.description,
        unit: m.unit,
        valueType: m.int ? ValueType.INT : ValueType.DOUBLE,
      };
      return type === DataPointType.SUM
        ? {
            descriptor,
            aggregationTemporality: m.temporality,
            dataPointType: DataPointType.SUM,
            isMonotonic: m.monotonic,
            dataPoints: m.points,
          }
        : {
            descriptor,
            aggregationTemporality: m.temporality,
            dataPointType: DataPointType.GAUGE,
            dataPoints: m.points,
          };
    });

const histogramMetric: fc.Arbitrary<MetricData> = fc
  .record({
    name: fc.string({ minLength: 1, maxLength: 20 }),
    description: text,
    unit: fc.constantFrom('', 's'),
    points: fc.array(
      fc.record({
        startTime: hrTime,
        endTime: hrTime,
        attributes: attrs,
        count,
        sum: fc.option(fc.double({ noNaN: true, noDefaultInfinity: true }), { nil: undefined }),
        min: fc.option(fc.double({ noNaN: true, noDefaultInfinity: true }), { nil: undefined }),
        max: fc.option(fc.double({ noNaN: true, noDefaultInfinity: true }), { nil: undefined }),
        counts: fc.array(count, { maxLength: 5 }),
        boundaries: fc.array(fc.double({ noNaN: true }), { maxLength: 4 }),
      }),
      { maxLength: 4 },
    ),
  })
  .map((m) => ({
    descriptor: { name: m.name, description: m.description, unit: m.unit, valueType: ValueType.DOUBLE },
    aggregationTemporality: AggregationTemporality.CUMULATIVE,
    dataPointType: DataPointType.HISTOGRAM,
    dataPoints: m.points.map((p) => ({
      startTime: p.startTime,
      endTime: p.endTime,
      attributes: p.attributes,
      value: {
        count: p.count,
        sum: p.sum,
        min: p.min,
        max: p.max,
        buckets: { counts: p.counts, boundaries: p.boundaries },
      },
    })),
  }));

const resourceMetrics: fc.Arbitrary<ResourceMetrics> = fc
  .record({
    resource: fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }), attrValue, { maxKeys: 5 }),
    scopes: fc.array(
      fc.record({
        name: fc.string({ maxLength: 10 }),
        version: fc.option(fc.string({ maxLength: 5 }), { nil: undefined }),
        metrics: fc.array(
          fc.oneof(numberMetric(DataPointType.SUM), numberMetric(DataPointType.GAUGE), histogramMetric),
          { maxLength: 4 },
        ),
      }),
      { maxLength: 3 },
    ),
  })
  .map((r) => ({
    resource: resourceFromAttributes(r.resource),
    scopeMetrics: r.scopes.map((s) => ({
      scope: s.version === undefined ? { name: s.name } : { name: s.name, version: s.version },
      metrics: s.metrics,
    })),
  }));

describe('pipeline: the OTLP metrics encoder writes the SDK serializer’s bytes', () => {
  it('generated requests of one or several resources: byte for byte the SDK’s, twice (cached parts reused)', () => {
    fc.assert(
      fc.property(fc.array(resourceMetrics, { minLength: 1, maxLength: 4 }), (request) => {
        const expected = sdkBytes(request);
        assert.deepEqual(Buffer.from(encodeMetricsRequest(request)!), expected);
        // the second export of the same objects takes the cached attribute, resource and scope bytes
        assert.deepEqual(Buffer.from(encodeMetricsRequest(request)!), expected);
      }),
      { numRuns: 300 },
    );
  });

  it('one name with two descriptions (the SDK’s and the agent’s otel.sdk.processor.log.queue.size): the SDK’s bytes, each header encoded once', () => {
    const gauge = (description: string, unit: string, value: number): MetricData => ({
      descriptor: { name: 'otel.sdk.processor.log.queue.size', description, unit, valueType: ValueType.INT },
      aggregationTemporality: AggregationTemporality.CUMULATIVE,
      dataPointType: DataPointType.SUM,
      isMonotonic: false,
      dataPoints: [{ startTime: [1, 0], endTime: [2, 0], attributes: { 'otel.component.name': 'x/0' }, value }],
    });
    const request: ResourceMetrics[] = [
      {
        resource: resourceFromAttributes({ 'service.name': 'kubeskoop-otel' }),
        scopeMetrics: [
          { scope: { name: '@opentelemetry/sdk-logs' }, metrics: [gauge('The SDK’s description.', '{log_record}', 3)] },
          { scope: { name: 'kubeskoop-otel' }, metrics: [gauge('The agent’s description.', '{log_record}', 5)] },
          { scope: { name: 'kubeskoop-otel' }, metrics: [gauge('The agent’s description.', '1', 7)] },
        ],
      },
    ];
    const expected = sdkBytes(request);
    assert.deepEqual(Buffer.from(encodeMetricsRequest(request)!), expected);
    const after = encodedHeaders.count;
    for (let i = 0; i < 3; i++) assert.deepEqual(Buffer.from(encodeMetricsRequest(request)!), expected);
    assert.equal(encodedHeaders.count, after, 'the three headers came from the cache on later exports');
  });

  it('what it does not write (negative integer attribute, exponential histogram) goes through the SDK', () => {
    const rm: ResourceMetrics = {
      resource: resourceFromAttributes({ 'k8s.pod.uid': 'u1', offset: -3 }),
      scopeMetrics: [
        {
          scope: { name: 's' },
          metrics: [
            {
              descriptor: { name: 'x', description: '', unit: '', valueType: ValueType.INT },
              aggregationTemporality: AggregationTemporality.CUMULATIVE,
              dataPointType: DataPointType.SUM,
              isMonotonic: true,
              dataPoints: [{ startTime: [1, 0], endTime: [2, 0], attributes: { d: 'rx' }, value: 5 }],
            },
          ],
        },
      ],
    };
    const plain: ResourceMetrics = { ...rm, resource: resourceFromAttributes({ 'k8s.pod.uid': 'u2' }) };
    assert.deepEqual(Buffer.from(encodeMetricsRequest([plain, rm])!), sdkBytes([plain, rm]));
  });

  it('a real SDK collection (counter, histogram with min/max, exponential histogram) decodes to its points', async () => {
    class Reader extends MetricReader {
      protected override async onForceFlush(): Promise<void> {}
      protected override async onShutdown(): Promise<void> {}
    }
    const reader = new Reader();
    const provider = new MeterProvider({
      resource: resourceFromAttributes({ 'service.name': 'encode-test', 'host.name': 'h' }),
      readers: [reader],
      views: [{ instrumentName: 'exp', aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM } }],
    });
    const meter = provider.getMeter('kubeskoop-otel', '1.2.3');
    const c = meter.createCounter('requests', { unit: '{request}' });
    const h = meter.createHistogram('latency', { unit: 's', description: 'how long' });
    const e = meter.createHistogram('exp');
    for (let i = 0; i < 50; i++) {
      c.add(i, { route: `/r${i % 3}` });
      h.record(i / 100, { route: `/r${i % 2}` });
      e.record(i + 0.5);
    }
    const { resourceMetrics, errors } = await reader.collect();
    assert.deepEqual(errors, []);
    // the exponential histogram in a resource of its own (that one goes through the SDK's serializer)
    const [sm] = resourceMetrics.scopeMetrics;
    const request: ResourceMetrics[] = [
      {
        ...resourceMetrics,
        scopeMetrics: [{ ...sm!, metrics: sm!.metrics.filter((m) => m.descriptor.name !== 'exp') }],
      },
      {
        ...resourceMetrics,
        scopeMetrics: [{ ...sm!, metrics: sm!.metrics.filter((m) => m.descriptor.name === 'exp') }],
      },
    ];
    const bytes = encodeMetricsRequest(request)!;
    assert.deepEqual(Buffer.from(bytes), sdkBytes(request));
    const msg = requestType().decode(bytes).toJSON() as any;
    const metrics = msg.resourceMetrics.flatMap((rm: any) => rm.scopeMetrics[0].metrics);
    const byName = new Map<string, any>(metrics.map((m: any) => [m.name, m]));
    assert.equal(byName.get('requests').sum.dataPoints.length, 3);
    assert.equal(
      byName.get('requests').sum.dataPoints.reduce((s: number, p: any) => s + Number(p.asInt ?? p.asDouble), 0),
      (49 * 50) / 2,
    );
    assert.equal(byName.get('latency').histogram.dataPoints.length, 2);
    assert.equal(Number(byName.get('exp').exponentialHistogram.dataPoints[0].count), 50);
    await provider.shutdown();
  });
});
