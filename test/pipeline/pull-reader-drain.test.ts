// The agent's own instruments have two readers when both /metrics and OTLP are on. The SDK keeps each
// OTLP collection's accumulations for the /metrics reader until that reader collects; with /metrics on
// and never scraped (or scraped with names: legacy, which does not collect the agent's own instruments)
// that held 2–2.5 KB more per export, without bound. Here, on the real pipeline (an OTLP/HTTP endpoint
// of its own that counts and drops requests, so nothing else holds memory): thousands of exports with
// no scrape leave the heap where it was, and a scrape afterwards still shows every count recorded before
// them (the drain keeps cumulative values).
import assert from 'node:assert/strict';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loggingErrorHandler, setGlobalErrorHandler } from '@opentelemetry/core';
import { PULL_DRAIN_COLLECTIONS, createTelemetry, type Telemetry } from '../../receiver/pipeline/telemetry.js';
import { loadConfig } from '../../receiver/config/load.js';
import type { AgentConfig } from '../../receiver/config/types.js';
import { probeCapabilities } from '../../receiver/agent.js';
import { silentLogger } from '../../receiver/log.js';
import { EMPTY_SNAPSHOT } from '../../receiver/snapshot/snapshot.js';
import { AGENT_PROBE_ERRORS } from '../../semconv/generated/registry.js';
import { promName } from '../../semconv/lib/prom-names.js';
import { parsePromText, sampleValue } from '../support/prom-text.js';
import { heapAfterGc } from '../support/gc.js';

const EXPORTS = 3000;

function get(port: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c)).on('end', () => resolve(body));
    })
      .on('error', reject)
      .end();
  });
}

describe('pipeline: the /metrics reader beside OTLP holds nothing for scrapes that do not come', function () {
  this.timeout(120_000);
  const servers: Server[] = [];
  let telemetry: Telemetry | undefined;
  let received = 0;
  before(async () => {
    // the OTLP endpoint: answers 200 with an empty ExportMetricsServiceResponse, keeps nothing
    const sink = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        received++;
        res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
      });
    });
    servers.push(sink);
    await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
  });
  afterEach(async () => {
    await telemetry?.shutdown();
    telemetry = undefined;
  });
  after(async () => {
    for (const s of servers) await new Promise((resolve) => s.close(resolve));
  });

  const setup = (names: AgentConfig['prometheus']['names']): { telemetry: Telemetry; metricsPort: Promise<number> } => {
    const endpoint = `http://127.0.0.1:${(servers[0]!.address() as AddressInfo).port}`;
    const base = loadConfig({
      env: {},
      flags: { otlpEndpoint: endpoint, otlpProtocol: 'http/protobuf' },
      probes: probeCapabilities(),
    });
    const config: AgentConfig = { ...base, prometheus: { ...base.prometheus, enabled: true, names } };
    const t = createTelemetry({ config, version: '0', snapshot: () => EMPTY_SNAPSHOT, log: silentLogger, env: {} });
    const http = createServer((req, res) => t.handleMetrics(req, res));
    servers.push(http);
    const metricsPort = new Promise<number>((resolve) =>
      http.listen(0, '127.0.0.1', () => resolve((http.address() as AddressInfo).port)),
    );
    return { telemetry: t, metricsPort };
  };

  it('an agent that stops when its last OTLP export is the one that drains: no error (the /metrics reader is already shut down)', async () => {
    const errors: unknown[] = [];
    setGlobalErrorHandler((err) => void errors.push(err));
    try {
      const s = setup('otel');
      await s.metricsPort;
      for (let i = 0; i < PULL_DRAIN_COLLECTIONS - 1; i++) await s.telemetry.forceFlush();
      await s.telemetry.shutdown(); // its final export is the PULL_DRAIN_COLLECTIONS-th collection
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.deepEqual(errors.map(String), []);
    } finally {
      setGlobalErrorHandler(loggingErrorHandler());
    }
  });

  for (const [names, scrapeEvery] of [
    ['otel', 0],
    ['legacy', 10],
  ] as const) {
    it(`${EXPORTS} OTLP exports ${scrapeEvery === 0 ? 'with /metrics never scraped' : `with /metrics scraped every ${scrapeEvery} exports, names: ${names}`}: the heap does not grow with them, and a later scrape shows what was counted before`, async () => {
      const s = setup(names);
      telemetry = s.telemetry;
      const port = await s.metricsPort;
      // counts the agent records, so its instruments hold accumulations that every collection carries
      telemetry.recordCycle({
        snapshot: EMPTY_SNAPSHOT,
        newErrors: new Map([['netdev', { read: 3, parse: 0, target_gone: 0, internal: 1 }]]),
      });
      const before = received;
      for (let i = 0; i < 200; i++) await telemetry.forceFlush();
      const heap0 = heapAfterGc();
      for (let i = 0; i < EXPORTS; i++) {
        await telemetry.forceFlush();
        if (scrapeEvery > 0 && i % scrapeEvery === 0) await get(port, '/metrics');
      }
      const grown = heapAfterGc() - heap0;
      assert.ok(received - before >= EXPORTS, `the endpoint received ${received - before} requests`);
      // before the drain: 7.2 MiB more over these 3000 exports (~2.5 KB each)
      assert.ok(grown < 1.5 * 2 ** 20, `the heap grew by ${(grown / 2 ** 20).toFixed(2)} MiB over ${EXPORTS} exports`);
      if (names === 'otel') {
        const text = await get(port, '/metrics');
        const samples = parsePromText(text).samples;
        const family = promName(AGENT_PROBE_ERRORS.name, AGENT_PROBE_ERRORS.instrument, AGENT_PROBE_ERRORS.unit);
        assert.equal(sampleValue(samples, family, { error_type: 'read' }), 3, text.slice(0, 2000));
        assert.equal(sampleValue(samples, family, { error_type: 'internal' }), 1);
      }
    });
  }
});
