import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, detectFormat, parseDuration, parseResourceAttributes } from '../../receiver/config/load.js';
import { ConfigError } from '../../receiver/config/errors.js';
import { resolveProbeName } from '../../receiver/config/probe-names.js';
import { probeCapabilities } from '../../receiver/agent.js';
import { CLI } from '../support/agent.js';

describe('config', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'ksotel-config-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const write = (name: string, text: string): string => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };
  const load = (file: string | undefined, env: Record<string, string> = {}, flags: Record<string, string> = {}) =>
    loadConfig({ file, env, flags, probes: probeCapabilities() });

  describe('KubeSkoop v0.1 format (the seed’s config.yaml, as is)', () => {
    const seed = `debugmode: true
metric_config:
  interval: 15
  port: 9102
  probes:
  - netdev
  - io
  - socketlatency
  - packetloss
  - sock
  - tcpsummary
  - tcp
  - tcpext
  - udp
  - net_softirq
  - virtcmdlatency
event_config:
  port: 19102
  loki_enable: true
  loki_address: loki-service
  probes:
  - tcpreset
  - packetloss
`;
    it('is detected and translated without refusing any probe KubeSkoop knew', () => {
      const c = load(write('seed.yaml', seed));
      assert.equal(c.source.format, 'kubeskoop-v0');
      assert.equal(c.intervalMs, 15_000);
      assert.equal(c.server.port, 9102);
      assert.equal(c.log.level, 'debug');
      assert.ok(c.metrics.probes.some((p) => p.name === 'netdev'));
      assert.deepEqual(c.events.sinks, [{ kind: 'loki', address: 'loki-service', protocol: 'push', encoding: 'json' }]);
      // Every probe named is either scheduled or reported as not run, with a reason.
      const named = [
        'netdev',
        'io',
        'socketlatency',
        'packetloss',
        'sock',
        'tcpsummary',
        'tcp',
        'tcpext',
        'udp',
        'net_softirq',
        'virtcmdlatency',
        'tcpreset',
      ];
      const accounted = new Set(
        [...c.metrics.probes, ...c.events.probes].map((p) => p.name).concat(c.unsupported.map((u) => u.canonical)),
      );
      for (const n of named) assert.ok(accounted.has(n), `${n} is neither run nor reported`);
      for (const u of c.unsupported) assert.match(u.reason, /\S/);
      assert.ok(c.warnings.some((w) => w.startsWith('event_config.port is ignored')));
    });
  });

  describe('KubeSkoop v1 format', () => {
    const v1 = `debugMode: false
port: 9102
enableController: false
metrics:
  probes:
  - name: netdev
  - name: flow
    args: {interfaceName: "eth*", enablePortInLabel: false}
  - name: softirq
    args: {softirq-types: [net_rx, net_tx]}
event:
  probes:
  - name: packetloss
    args: {enableStack: false}
  - name: tcpreset
  sinks:
  - name: stderr
  - name: file
    args: {path: /var/log/kubeskoop/events.log}
  - name: loki
    args: {addr: loki-service}
`;
    it("is detected and translated; flow runs with KubeSkoop's args", () => {
      const c = load(write('v1.yaml', v1));
      assert.equal(c.source.format, 'kubeskoop-v1');
      assert.equal(c.server.port, 9102);
      assert.deepEqual(c.metrics.probes.map((p) => p.name).slice(0, 1), ['netdev']);
      const flow = c.metrics.probes.find((p) => p.name === 'flow');
      assert.deepEqual(flow?.options, { interfaceName: 'eth*', enablePortInLabel: false });
      assert.ok(!c.unsupported.some((u) => u.canonical === 'flow'));
      assert.ok(
        c.unsupported.some((u) => u.canonical === 'net_softirq') ||
          c.metrics.probes.some((p) => p.name === 'net_softirq'),
      );
      assert.deepEqual(c.events.sinks, [
        { kind: 'stderr' },
        { kind: 'file', path: '/var/log/kubeskoop/events.log' },
        { kind: 'loki', address: 'loki-service', protocol: 'push', encoding: 'json' },
      ]);
      assert.ok(c.warnings.some((w) => w.includes('enableController')));
    });
    it('takes the listen address from address: [tcp://]host:port', () => {
      const c = load(write('v1addr.yaml', 'address: "tcp://127.0.0.1:9911"\n'));
      assert.deepEqual(c.server, { address: '127.0.0.1', port: 9911 });
    });
  });

  describe('KubeSkoop’s own shapes that used to be refused', () => {
    it('metrics.additionalLabels: null (its Helm chart’s rendering of an unset value) is none', () => {
      const c = load(
        write(
          'v1-null.yaml',
          'debugmode: false\nport: 9102\nmetrics:\n  additionalLabels:\n    null\n  probes:\n  - name: netdev\n',
        ),
      );
      assert.equal(c.source.format, 'kubeskoop-v1');
      assert.deepEqual(c.metrics.additionalLabels, []);
      assert.deepEqual(c.warnings, []);
    });
    it('additionalLabels are honoured: parsed, and the pod labels they read asked of the Kubernetes API', () => {
      const c = load(
        write(
          'v1-labels.yaml',
          'metrics:\n  additionalLabels: ["app=${labels:app}", "team=${labels:team}-x", env=prod]\n',
        ),
      );
      assert.deepEqual(c.metrics.additionalLabels, [
        { name: 'app', template: '${labels:app}' },
        { name: 'team', template: '${labels:team}-x' },
        { name: 'env', template: 'prod' },
      ]);
      assert.deepEqual(c.kubernetes?.podLabels, ['app', 'team']);
      assert.ok(!c.warnings.some((w) => w.includes('additionalLabels')));
    });
    it('v0.1 keys in any case, as viper read them (debugMode in KubeSkoop’s vagrant deploy)', () => {
      const c = load(write('v0-camel.yaml', 'debugMode: true\nmetric_config:\n  Interval: 20\n  probes: [netdev]\n'));
      assert.equal(c.source.format, 'kubeskoop-v0');
      assert.equal(c.log.level, 'debug');
      assert.equal(c.intervalMs, 20_000);
    });
    it('KUBECONFIG names the kubeconfig when the file does not (node mode only)', () => {
      const c = load(write('kc.yaml', 'port: 9102\n'), { KUBECONFIG: '/tmp/kc' });
      assert.deepEqual([c.kubernetes?.enabled, c.kubernetes?.kubeconfig], [true, '/tmp/kc']);
      const own = load(write('kc-own.yaml', 'kubernetes: {kubeconfig: /etc/kc}\n'), { KUBECONFIG: '/tmp/kc' });
      assert.equal(own.kubernetes?.kubeconfig, '/etc/kc');
      const sidecar = load(write('kc-side.yaml', 'mode: sidecar\n'), { KUBECONFIG: '/tmp/kc' });
      assert.equal(sidecar.kubernetes?.enabled, false);
    });
    it('loki sinks: push (KubeSkoop’s stream and line) by default; Loki’s OTLP endpoint on request', () => {
      const c = load(
        write(
          'loki.yaml',
          'events:\n  sinks:\n  - {name: loki, address: "http://loki:3100"}\n' +
            '  - {name: loki, address: loki2, protocol: otlp}\n  - {name: loki, address: loki3, encoding: protobuf, tenant: t1}\n',
        ),
      );
      assert.deepEqual(c.events.sinks, [
        { kind: 'loki', address: 'http://loki:3100', protocol: 'push', encoding: 'json' },
        { kind: 'loki', address: 'loki2', protocol: 'otlp', encoding: 'json' },
        { kind: 'loki', address: 'loki3', protocol: 'push', encoding: 'protobuf', tenant: 't1' },
      ]);
    });
  });

  describe('kubeskoop-otel format', () => {
    it('reads every section', () => {
      const c = load(
        write(
          'own.yaml',
          `interval: 5s
mode: node
node_name: node-a
server: {address: 127.0.0.1, port: 9200}
log: {level: warn, format: human}
prometheus: {enabled: true, names: both}
otlp: {endpoint: "http://127.0.0.1:4317", protocol: grpc, export_interval: 10s, timeout: 2s, buffer: {max_mib: 8, max_records: 5000},
  retry: {initial_interval: 500ms, max_interval: 5s}}
service: {name: agent-x, resource_attributes: {deployment.environment: prod}}
metrics:
  probes: [netdev]
`,
        ),
      );
      assert.equal(c.source.format, 'kubeskoop-otel');
      assert.equal(c.intervalMs, 5000);
      assert.equal(c.nodeName, 'node-a');
      assert.deepEqual(c.server, { address: '127.0.0.1', port: 9200 });
      assert.deepEqual(c.log, { level: 'warn', format: 'human' });
      assert.equal(c.prometheus.names, 'both');
      assert.deepEqual(c.otlp, {
        endpoint: 'http://127.0.0.1:4317',
        protocol: 'grpc',
        exportIntervalMs: 10_000,
        exportTimeoutMs: 2000,
        buffer: { maxRecords: 5000, maxBytes: 8 * 2 ** 20, initialBackoffMs: 500, maxBackoffMs: 5000 },
      });
      assert.equal(c.service.name, 'agent-x');
      assert.equal(c.service.resourceAttributes['deployment.environment'], 'prod');
      assert.deepEqual(c.metrics.probes, [{ name: 'netdev', options: {} }]);
    });
    it('uses the default probe set and settings without a file', () => {
      const c = load(undefined);
      assert.equal(c.source.format, 'defaults');
      assert.equal(c.intervalMs, 15_000);
      assert.deepEqual(c.server, { address: '0.0.0.0', port: 9102 });
      assert.ok(c.metrics.probes.some((p) => p.name === 'netdev'));
      assert.equal(c.otlp.endpoint, undefined);
    });
  });

  describe('precedence: flags over environment over file', () => {
    const file = (): string =>
      write(
        'prec.yaml',
        `otlp: {endpoint: "http://file:4317", protocol: grpc}
service: {name: from-file}
server: {port: 9300}
interval: 20
`,
      );
    it('file alone', () => {
      const c = load(file());
      assert.equal(c.otlp.endpoint, 'http://file:4317');
      assert.equal(c.service.name, 'from-file');
    });
    it('environment over file', () => {
      const c = load(file(), {
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://env:4318',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
        OTEL_RESOURCE_ATTRIBUTES: 'service.name=from-resource,team=net%20ops',
        OTEL_METRIC_EXPORT_INTERVAL: '5000',
      });
      assert.equal(c.otlp.endpoint, 'http://env:4318');
      assert.equal(c.otlp.protocol, 'http/protobuf');
      assert.equal(c.service.name, 'from-resource');
      assert.equal(c.service.resourceAttributes.team, 'net ops');
      assert.equal(c.otlp.exportIntervalMs, 5000);
      assert.equal(c.intervalMs, 20_000);
    });
    it('OTEL_SERVICE_NAME over OTEL_RESOURCE_ATTRIBUTES', () => {
      const c = load(file(), { OTEL_RESOURCE_ATTRIBUTES: 'service.name=r', OTEL_SERVICE_NAME: 's' });
      assert.equal(c.service.name, 's');
    });
    it('flags over environment', () => {
      const c = load(
        file(),
        { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://env:4317', NODE_NAME: 'env-node' },
        { otlpEndpoint: 'http://flag:4317', otlpProtocol: 'grpc', port: '9400', interval: '2s', nodeName: 'flag-node' },
      );
      assert.equal(c.otlp.endpoint, 'http://flag:4317');
      assert.equal(c.server.port, 9400);
      assert.equal(c.intervalMs, 2000);
      assert.equal(c.nodeName, 'flag-node');
    });
  });

  describe('probe names', () => {
    it('maps every spelling KubeSkoop used to one canonical name', () => {
      const cases: [string, string][] = [
        ['net_softirq', 'net_softirq'],
        ['netsoftirq', 'net_softirq'],
        ['softirq', 'net_softirq'],
        ['insp_netsoftirq', 'net_softirq'],
        ['netif_txlatency', 'netiftxlatency'],
        ['netiftxlatency', 'netiftxlatency'],
        ['netiftxlat', 'netiftxlatency'],
        ['insp_netiftxlat', 'netiftxlatency'],
        ['procnetdev', 'netdev'],
        ['insp_tcpreset', 'tcpreset'],
        ['Procfd', 'fd'],
        ['procnetstat', 'tcpext'],
        ['procsnmp', 'tcp'],
        ['proctcpsummary', 'tcpsummary'],
      ];
      for (const [given, canonical] of cases)
        assert.deepEqual(resolveProbeName(given), { kind: 'known', canonical }, given);
    });
    it('knows what KubeSkoop had and this project does not', () => {
      const r = resolveProbeName('rdma');
      assert.equal(r.kind, 'unsupported');
    });
  });

  it('parses durations and resource attributes', () => {
    assert.equal(parseDuration(15), 15_000);
    assert.equal(parseDuration('500ms'), 500);
    assert.equal(parseDuration('1m'), 60_000);
    assert.equal(parseDuration('x'), undefined);
    assert.deepEqual(parseResourceAttributes('a=1, b=x%2Cy'), { a: '1', b: 'x,y' });
    assert.equal(parseResourceAttributes('novalue'), undefined);
    assert.equal(detectFormat({ metric_config: {} }), 'kubeskoop-v0');
    assert.equal(detectFormat({ metrics: { probes: [{ name: 'netdev', args: {} }] } }), 'kubeskoop-v1');
    assert.equal(detectFormat({ metrics: { probes: ['netdev'] } }), 'kubeskoop-otel');
  });

  describe('bad input: one message naming where, what was found and what was expected; exit status 2', () => {
    const cases: { name: string; text: string; message: string }[] = [
      {
        name: 'number-as-probe',
        text: 'metric_config:\n  probes:\n  - netdev\n  - 42\n',
        message: 'at metric_config.probes[1]: found 42 (a number), expected a string',
      },
      {
        name: 'misspelt-probe',
        text: 'metric_config:\n  probes: [netdevv]\n',
        message:
          'at metric_config.probes[0]: found "netdevv", expected a probe name; did you mean "netdev"? Valid names: netdev, io, fd,',
      },
      {
        name: 'unknown-v1-probe',
        text: 'metrics:\n  probes:\n  - name: tcpx\n    args: {}\n',
        message: 'at metrics.probes[0].name: found "tcpx", expected a probe name; did you mean "tcp" or "tcpext"?',
      },
      {
        name: 'bad-interval',
        text: 'interval: soon\n',
        message: 'at interval: found "soon", expected a duration like 15, 15s, 500ms or 1m',
      },
      {
        name: 'port-out-of-range',
        text: 'server:\n  port: 70000\n',
        message: 'at server.port: found 70000 (a number), expected a value <= 65535',
      },
      {
        name: 'bad-protocol',
        text: 'otlp:\n  protocol: http/json\n',
        message: 'at otlp.protocol: found "http/json", expected one of: grpc, http/protobuf',
      },
      { name: 'broken-yaml', text: 'metrics: [\n', message: 'at line 2, column 1: found invalid YAML (' },
      {
        name: 'top-level-list',
        text: '- a\n- b\n',
        message: 'at (top level): found a list of 2, expected a mapping of settings',
      },
      {
        name: 'unknown-key',
        text: 'server:\n  prot: 9102\n',
        message: 'at server.prot: found an unknown key, expected one of: address, port, web_config_file, authorization',
      },
      {
        name: 'bad-sink',
        text: 'event:\n  sinks:\n  - name: kafka\n',
        message: 'at event.sinks[0].name: found "kafka", expected one of: stderr, file, loki',
      },
      {
        name: 'probe-without-name',
        text: 'metrics:\n  probes:\n  - {options: {}}\n',
        message: 'at metrics.probes[0]: found a mapping without "name", expected it to be set',
      },
      {
        name: 'bad-log-level',
        text: 'log:\n  level: verbose\n',
        message: 'at log.level: found "verbose", expected one of: debug, info, warn, error',
      },
      {
        name: 'duplicate-key',
        text: 'a: 1\na: 2\n',
        message: 'at line 2, column 1: found invalid YAML (Map keys must be unique), expected well-formed YAML',
      },
      {
        name: 'bad-endpoint',
        text: 'otlp:\n  endpoint: collector:4317\n',
        message: 'at otlp.endpoint: found "collector:4317", expected a URL like http://collector:4317',
      },
      {
        name: 'v0-string-port',
        text: 'metric_config:\n  port: "ninety"\n',
        message: 'at metric_config.port: found "ninety", expected a whole number',
      },
      {
        name: 'v1-additional-label-without-value',
        text: 'metrics:\n  additionalLabels: [novalue]\n',
        message: 'at metrics.additionalLabels[0]: found "novalue", expected name=value, e.g. app=${labels:app}',
      },
      {
        name: 'v1-additional-label-taken',
        text: 'metrics:\n  additionalLabels: ["k8s_pod=x"]\n',
        message:
          'at metrics.additionalLabels[0]: found "k8s_pod=x", expected a label name other than k8s_node, k8s_namespace, k8s_pod',
      },
      {
        name: 'v0-camelcase-unknown',
        text: 'debugMode: true\nMetric_Config:\n  Intervall: 15\n',
        message:
          'at metric_config.intervall: found an unknown key, expected one of: interval, port, probes, verbose, expose_labels',
      },
      {
        name: 'bad-loki-address',
        text: 'event:\n  sinks:\n  - {name: loki, args: {addr: "loki service"}}\n',
        message:
          'at event.sinks[0].args.addr: found "loki service", expected a URL like http://loki:3100 or host[:port]',
      },
      {
        name: 'buffer-zero-mib',
        text: 'otlp:\n  buffer: {max_mib: 0}\n',
        message: 'at otlp.buffer.max_mib: found 0 (a number), expected MiB above 0, at most 4096',
      },
      {
        name: 'retry-max-below-initial',
        text: 'otlp:\n  retry: {initial_interval: 5s, max_interval: 1s}\n',
        message: 'at otlp.retry.max_interval: found 1000 ms, expected at least initial_interval (5000 ms)',
      },
      {
        name: 'bad-loki-protocol',
        text: 'events:\n  sinks:\n  - {name: loki, protocol: http}\n',
        message: 'at events.sinks[0].protocol: found "http", expected one of: push, otlp',
      },
    ];
    for (const c of cases) {
      it(`${c.name}`, () => {
        const file = write(`${c.name}.yaml`, c.text);
        assert.throws(
          () => load(file),
          (err: unknown) => err instanceof ConfigError && err.message.startsWith(`${file}: ${c.message}`),
        );
        const r = spawnSync(process.execPath, [CLI, 'validate-config', file], { encoding: 'utf8' });
        assert.equal(r.status, 2);
        assert.ok(r.stderr.startsWith(`config error: ${file}: ${c.message}`), r.stderr);
      });
    }
    it('a missing file', () => {
      const r = spawnSync(process.execPath, [CLI, 'run', '-c', join(dir, 'nope.yaml')], { encoding: 'utf8' });
      assert.equal(r.status, 2);
      assert.equal(r.stderr, `config error: ${join(dir, 'nope.yaml')}: cannot read the config file: ENOENT\n`);
    });
    it('traces: off by default; traces.enabled, OTEL_TRACES_EXPORTER (otlp on, none off, over the file); the traces endpoint', () => {
      assert.deepEqual(load(undefined, {}).traces, { enabled: false, ratePerNode: 100 });
      assert.equal(load(undefined, { OTEL_TRACES_EXPORTER: 'otlp' }).traces.enabled, true);
      const file = write('traces.yaml', 'traces: {enabled: true, rate_per_node: 20}\n');
      assert.deepEqual(load(file, {}).traces, { enabled: true, ratePerNode: 20 });
      assert.equal(load(file, { OTEL_TRACES_EXPORTER: 'none' }).traces.enabled, false);
      assert.equal(
        load(file, { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://tempo:4317' }).traces.endpoint,
        'http://tempo:4317',
      );
      assert.throws(() => load(undefined, { OTEL_TRACES_EXPORTER: 'jaeger' }), {
        message: 'environment variable OTEL_TRACES_EXPORTER: found "jaeger", expected otlp or none',
      });
      assert.throws(() => load(undefined, { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'tempo:4317' }), {
        message:
          'environment variable OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: found "tempo:4317", expected a URL like http://collector:4317',
      });
    });
    it('a bad environment variable names the variable', () => {
      assert.throws(() => load(undefined, { OTEL_EXPORTER_OTLP_PROTOCOL: 'udp' }), {
        message: 'environment variable OTEL_EXPORTER_OTLP_PROTOCOL: found "udp", expected grpc or http/protobuf',
      });
      assert.throws(
        () => load(undefined, { OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: 'udp', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }),
        {
          message:
            'environment variable OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: found "udp", expected grpc or http/protobuf',
        },
      );
      assert.throws(() => load(undefined, { OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4317' }), {
        message:
          'environment variable OTEL_EXPORTER_OTLP_ENDPOINT: found "collector:4317", expected a URL like http://collector:4317',
      });
    });
    it('the same check for a setting from the environment or a flag (one override table)', () => {
      assert.throws(() => load(undefined, {}, { otlpEndpoint: 'collector:4317' }), {
        message: 'flag --otlp-endpoint: found "collector:4317", expected a URL like http://collector:4317',
      });
      assert.throws(() => load(undefined, {}, { otlpProtocol: 'udp' }), {
        message: 'flag --otlp-protocol: found "udp", expected grpc or http/protobuf',
      });
    });
    it('a bad flag names the flag', () => {
      const r = spawnSync(process.execPath, [CLI, 'snapshot', '--port', 'abc'], { encoding: 'utf8' });
      assert.equal(r.status, 2);
      assert.equal(r.stderr, 'config error: flag --port: found "abc", expected a port number from 0 to 65535\n');
    });
    it('an unknown flag', () => {
      const r = spawnSync(process.execPath, [CLI, '--no-such-flag'], { encoding: 'utf8' });
      assert.equal(r.status, 2);
      assert.match(r.stderr, /Unknown option '--no-such-flag'/);
    });
  });
});
