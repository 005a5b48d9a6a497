// What the agent's module graph loads at start (each module costs RSS for as long as the agent runs,
// test/bench/results/sizing.md): the tracing SDK only with the trace signal on, gRPC (grpc-js and the
// SDK's gRPC exporter base) only once an OTLP exporter over gRPC sends, and semconv's incubating
// constants never (their four strings are receiver/pipeline/component-types.ts, checked here
// against the package). The bundle users run loads nothing from node_modules at all: those packages
// are in it, evaluated on first use (receiver/pipeline/lazy-packages.cts).
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as incubating from '@opentelemetry/semantic-conventions/incubating';
import * as mine from '../../receiver/pipeline/component-types.js';
import { startAgentProcess, type AgentProcess } from '../support/agent.js';
import { startOtlpReceiver } from '../support/otlp-receiver.js';
import { run } from '../support/proc.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const dist = path.resolve(here, '../..');

/** In a fresh node: import the agent's module, optionally make an OTLP metric exporter and send once, and list the
 *  CommonJS packages loaded (require.cache: grpc-js and the OTel packages are CommonJS). */
async function loadedPackages(protocol?: 'grpc' | 'http/protobuf'): Promise<string[]> {
  const program = `
    import { createRequire } from 'node:module';
    await import(${JSON.stringify(path.join(dist, 'receiver/agent.js'))});
    ${
      protocol
        ? `const { createResourcesMetricExporter } = await import(${JSON.stringify(path.join(dist, 'receiver/pipeline/otlp-metrics.js'))});
    const e = createResourcesMetricExporter({ url: 'http://127.0.0.1:1', protocol: ${JSON.stringify(protocol)}, timeoutMillis: 1000, reconnect: { initialMs: 100, maxMs: 500 } });
    await new Promise((resolve) => e.export([], resolve)); // to a closed port: fails, after loading what a send needs
    await e.shutdown();`
        : ''
    }
    const pkgs = new Set(Object.keys(createRequire(import.meta.url).cache)
      .map((f) => /node_modules\\/((?:@[^/]+\\/)?[^/]+)\\//.exec(f)?.[1]).filter(Boolean));
    process.stdout.write(JSON.stringify([...pkgs]));`;
  const r = await run(process.execPath, ['--input-type=module', '-e', program], { timeoutMs: 60_000 });
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as string[];
}

describe('pipeline: modules loaded only when used', function () {
  this.timeout(120_000);

  it('the agent’s modules load OTel but not gRPC; an http/protobuf exporter does not load it; a gRPC one does', async () => {
    const atStart = await loadedPackages();
    assert.ok(
      atStart.includes('@opentelemetry/sdk-metrics'),
      `OTel is loaded (the check sees CommonJS): ${atStart.join(' ')}`,
    );
    assert.ok(!atStart.includes('@grpc/grpc-js'), atStart.join(' '));
    assert.ok(!atStart.includes('@opentelemetry/otlp-grpc-exporter-base'), atStart.join(' '));
    // the tracing SDK: only with the trace signal on (off by default)
    assert.ok(!atStart.includes('@opentelemetry/sdk-trace-base'), atStart.join(' '));
    assert.ok(!atStart.includes('@opentelemetry/exporter-trace-otlp-proto'), atStart.join(' '));
    const http = await loadedPackages('http/protobuf');
    assert.ok(!http.includes('@grpc/grpc-js'), http.join(' '));
    const grpc = await loadedPackages('grpc');
    assert.ok(grpc.includes('@grpc/grpc-js'), grpc.join(' '));
    assert.ok(grpc.includes('@opentelemetry/otlp-grpc-exporter-base'), grpc.join(' '));
  });

  it('the bundle users run loads nothing from node_modules, with metrics sent over OTLP gRPC and traces on', async () => {
    const receiver = await startOtlpReceiver();
    const dir = mkdtempSync(path.join(tmpdir(), 'ksotel-bundle-'));
    let agent: AgentProcess | undefined;
    try {
      const cfg = path.join(dir, 'agent.yaml');
      writeFileSync(
        cfg,
        [
          'interval: 1s',
          'metrics: {probes: [netdev]}',
          `otlp: {endpoint: ${receiver.grpcEndpoint}, protocol: grpc, export_interval: 1s}`,
          'traces: {enabled: true}',
          '',
        ].join('\n'),
      );
      // preloaded: at exit, every file CommonJS loaded (the bundle's require is node's, one cache)
      const preload = path.join(dir, 'list-cjs.mjs');
      writeFileSync(
        preload,
        "import { createRequire } from 'node:module'; const r = createRequire(import.meta.url);" +
          " process.on('exit', () => process.stderr.write('CJS ' + JSON.stringify(Object.keys(r.cache)) + '\\n'));",
      );
      agent = await startAgentProcess({ args: ['-c', cfg], env: { NODE_OPTIONS: `--import=${preload}` } });
      await receiver.waitFor((r) => r.metrics().length > 0 || undefined, 30_000, 'a metric export over gRPC');
      await agent.stop();
      const line = agent
        .logs()
        .map((l) => l.msg)
        .find((m) => typeof m === 'string' && m.startsWith('CJS '));
      assert.ok(line, `the preload listed the loaded files: ${JSON.stringify(agent.logs())}`);
      const files = JSON.parse(line.slice(4)) as string[];
      assert.deepEqual(
        files.filter((f) => f.includes('/node_modules/')),
        [],
        'files loaded from node_modules by the bundle',
      );
    } finally {
      await agent?.stop();
      await receiver.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the exporters’ otel.component.type values are semconv’s, and nothing in the agent imports semconv’s incubating entry', () => {
    for (const [k, v] of Object.entries(mine)) assert.equal(v, (incubating as Record<string, unknown>)[k], k);
    const offenders: string[] = [];
    const walk = (dir: string): void => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const f = path.join(dir, e.name);
        if (e.isDirectory()) walk(f);
        else if (
          f.endsWith('.js') &&
          /from '@opentelemetry\/semantic-conventions\/incubating'/.test(readFileSync(f, 'utf8'))
        )
          offenders.push(f);
      }
    };
    walk(path.join(dist, 'receiver'));
    assert.deepEqual(offenders, []);
  });
});
