// The OTLP metrics reader (export-reader.ts) keeps the SDK's PeriodicExportingMetricReader's rules,
// on a real MeterProvider with a real counter: an export every interval with what was recorded; one
// collect-and-export at a time (a run due during a slow export is skipped, forceFlush waits for it and
// then exports what came after); an export that never answers is given up at the timeout and the next
// run goes on; a failed export reaches the global error handler; forceFlush and shutdown reach the
// exporter. The exporter is a recorder with a hold: the reader is what is under test.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { diag, DiagLogLevel } from '@opentelemetry/api';
import { ExportResultCode, setGlobalErrorHandler, loggingErrorHandler, type ExportResult } from '@opentelemetry/core';
import {
  AggregationTemporality,
  MeterProvider,
  type PushMetricExporter,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { SnapshotExportingReader } from '../../receiver/pipeline/export-reader.js';

interface Recorder extends PushMetricExporter {
  /** The counter's value in each export, in the order the exports started. */
  values: number[];
  active: number;
  maxActive: number;
  flushes: number;
  shutdowns: number;
  /** How the next exports answer: after `ms`, with `code`; `never` leaves them unanswered. */
  hold: { ms: number; code: ExportResultCode; never?: boolean };
}

function recorder(): Recorder {
  const r: Recorder = {
    values: [],
    active: 0,
    maxActive: 0,
    flushes: 0,
    shutdowns: 0,
    hold: { ms: 0, code: ExportResultCode.SUCCESS },
    export(metrics: ResourceMetrics, done: (result: ExportResult) => void) {
      const point = metrics.scopeMetrics.flatMap((s) => s.metrics).find((m) => m.descriptor.name === 'work.done')
        ?.dataPoints[0];
      r.values.push(typeof point?.value === 'number' ? point.value : NaN);
      r.active++;
      r.maxActive = Math.max(r.maxActive, r.active);
      const { ms, code, never } = r.hold;
      if (never) return;
      setTimeout(() => {
        r.active--;
        done({ code, ...(code === ExportResultCode.SUCCESS ? {} : { error: new Error('backend said no') }) });
      }, ms);
    },
    selectAggregationTemporality: () => AggregationTemporality.CUMULATIVE,
    forceFlush: async () => void r.flushes++,
    shutdown: async () => void r.shutdowns++,
  };
  return r;
}

function setup(intervalMs: number, timeoutMs: number) {
  const exporter = recorder();
  const reader = new SnapshotExportingReader({
    exporter,
    exportIntervalMillis: intervalMs,
    exportTimeoutMillis: timeoutMs,
    metricProducers: [],
  });
  const provider = new MeterProvider({ readers: [reader] });
  const counter = provider.getMeter('test').createCounter('work.done');
  return { exporter, provider, counter, reader };
}

describe('pipeline: the OTLP metrics reader', function () {
  this.timeout(20_000);
  const providers: MeterProvider[] = [];
  afterEach(async () => {
    setGlobalErrorHandler(loggingErrorHandler());
    diag.disable();
    for (const p of providers.splice(0)) await p.shutdown().catch(() => undefined);
  });

  it('exports every interval what was recorded, and forceFlush exports the latest and flushes the exporter', async () => {
    const { exporter, provider, counter } = setup(100, 100);
    providers.push(provider);
    counter.add(2);
    await sleep(350);
    assert.ok(exporter.values.length >= 2, `exports in 350 ms at a 100 ms interval: ${exporter.values.length}`);
    assert.ok(
      exporter.values.every((v) => v === 2),
      `values: ${exporter.values.join(',')}`,
    );
    counter.add(5);
    const before = exporter.values.length;
    await provider.forceFlush();
    assert.equal(exporter.values.at(-1), 7);
    assert.ok(exporter.values.length > before);
    assert.equal(exporter.flushes, 1);
  });

  it('exportOnce: one collect-and-export as the interval runs it, without flushing the exporter; nothing while one is in progress', async () => {
    const { exporter, provider, counter, reader } = setup(60_000, 1000);
    providers.push(provider);
    counter.add(3);
    await reader.exportOnce();
    assert.deepEqual(exporter.values, [3]);
    assert.equal(exporter.flushes, 0, 'the exporter is not flushed');
    exporter.hold = { ms: 100, code: ExportResultCode.SUCCESS };
    counter.add(1);
    let firstDone = false;
    const running = reader.exportOnce().then(() => {
      firstDone = true;
    });
    await reader.exportOnce(); // during the first: returns at once, exports nothing
    assert.equal(firstDone, false, 'the second returned while the first was in progress');
    await running;
    assert.equal(exporter.maxActive, 1);
    assert.deepEqual(exporter.values, [3, 4], 'one export for the two calls');
  });

  it('one collect-and-export at a time: forceFlush during a periodic export waits for it, then exports what came after; two at once share one run', async () => {
    const { exporter, provider, counter } = setup(200, 200);
    providers.push(provider);
    counter.add(1);
    exporter.hold = { ms: 150, code: ExportResultCode.SUCCESS };
    await sleep(260); // the periodic run started at 200 ms and answers at ~350 ms
    assert.equal(exporter.values.length, 1);
    assert.equal(exporter.active, 1, 'the periodic export is in progress');
    exporter.hold = { ms: 20, code: ExportResultCode.SUCCESS };
    counter.add(10);
    const first = provider.forceFlush();
    const second = provider.forceFlush();
    await second;
    assert.deepEqual(exporter.values, [1, 11], 'the second forceFlush returned after the run it shared was exported');
    assert.equal(exporter.active, 0, 'and answered');
    await first;
    assert.equal(exporter.maxActive, 1, 'never two exports at once');
    assert.deepEqual(
      exporter.values,
      [1, 11],
      'the periodic export, then one run for both flushes, with the later value',
    );
  });

  it('an export that never answers is given up at the timeout (logged), and the next run goes on', async () => {
    const logged: string[] = [];
    diag.setLogger(
      {
        error: (m: string) => void logged.push(m),
        warn: () => undefined,
        info: () => undefined,
        debug: () => undefined,
        verbose: () => undefined,
      },
      DiagLogLevel.ERROR,
    );
    const { exporter, provider, counter } = setup(200, 100);
    providers.push(provider);
    counter.add(1);
    exporter.hold = { ms: 0, code: ExportResultCode.SUCCESS, never: true };
    await sleep(330); // the run at 200 ms times out at 300 ms
    assert.ok(
      logged.some((m) => /timed out after 100ms/.test(m)),
      `diag errors: ${JSON.stringify(logged)}`,
    );
    exporter.hold = { ms: 0, code: ExportResultCode.SUCCESS };
    const before = exporter.values.length;
    await sleep(250); // the run at 400 ms is not skipped for the one given up
    assert.ok(exporter.values.length > before, 'a run after the timed-out one');
  });

  it('a failed export reaches the global error handler; shutdown flushes and shuts the exporter down', async () => {
    const errors: unknown[] = [];
    setGlobalErrorHandler((e) => void errors.push(e));
    const { exporter, provider, counter } = setup(60_000, 30_000);
    counter.add(3);
    exporter.hold = { ms: 0, code: ExportResultCode.FAILED };
    await provider.forceFlush();
    assert.equal(errors.length, 1);
    assert.match(String((errors[0] as Error).message), /metrics export failed \(error Error: backend said no\)/);
    exporter.hold = { ms: 0, code: ExportResultCode.SUCCESS };
    await provider.shutdown();
    assert.equal(exporter.values.at(-1), 3, 'shutdown exported what was left');
    assert.equal(exporter.shutdowns, 1);
  });

  it('waits for a Resource whose attributes are still resolving, as the SDK reader does', async () => {
    const exporter = recorder();
    let resource: Record<string, unknown> | undefined;
    const inner = exporter.export.bind(exporter);
    exporter.export = (metrics, done) => {
      resource = { ...metrics.resource.attributes };
      inner(metrics, done);
    };
    const reader = new SnapshotExportingReader({
      exporter,
      exportIntervalMillis: 60_000,
      exportTimeoutMillis: 30_000,
      metricProducers: [],
    });
    const provider = new MeterProvider({
      readers: [reader],
      resource: resourceFromAttributes({
        'k8s.node.name': new Promise<string>((resolve) => setTimeout(() => resolve('node-a'), 100)),
      }),
    });
    providers.push(provider);
    provider.getMeter('test').createCounter('work.done').add(1);
    await provider.forceFlush();
    assert.equal(resource?.['k8s.node.name'], 'node-a');
  });

  it('refuses a timeout longer than the interval, and intervals or timeouts that are not positive', () => {
    const exporter = recorder();
    const make = (i: number, t: number) => () =>
      new SnapshotExportingReader({ exporter, exportIntervalMillis: i, exportTimeoutMillis: t, metricProducers: [] });
    assert.throws(make(1000, 2000), /exportIntervalMillis must be greater than or equal to exportTimeoutMillis/);
    assert.throws(make(0, 0), /exportIntervalMillis must be greater than 0/);
    assert.throws(make(1000, -1), /exportTimeoutMillis must be greater than 0/);
  });
});
