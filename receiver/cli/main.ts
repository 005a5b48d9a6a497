#!/usr/bin/env -S MALLOC_ARENA_MAX=1 MALLOC_MMAP_THRESHOLD_=131072 node --max-semi-space-size=1 --no-memory-reducer --no-concurrent-recompilation
// kubeskoop-otel: run the agent, take one snapshot, or check a config file.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { readFileSync, watch, type FSWatcher } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { loadConfig, type FlagOverrides } from '../config/load.js';
import { ConfigError, CONFIG_ERROR_EXIT } from '../config/errors.js';
import type { AgentConfig } from '../config/types.js';
import { createLogger, silentLogger } from '../log.js';
import { probeCapabilities, createScheduler, startAgent } from '../agent.js';
import { VERSION } from '../version.js';
import { renderSnapshotJson, renderSnapshotTable } from './snapshot-view.js';
import { explainCommand } from './explain.js';
import { topCommand } from './top.js';
import { loadWebConfig } from '../server/web-config.js';

const HELP = `kubeskoop-otel ${VERSION} — the Linux network stack of every pod on this node, as OpenTelemetry

Usage:
  kubeskoop-otel [run] [options]          run the agent (default): /metrics, /status, /healthz, OTLP push
  kubeskoop-otel snapshot [--json] [opts] run one collection cycle and print it
  kubeskoop-otel validate-config FILE     check a config file (kubeskoop-otel or KubeSkoop format)
  kubeskoop-otel explain NAME... | --list [--lang zh]
                                          what a metric, event, probe or attribute is: OTel name, Prometheus
                                          name (either rendering), KubeSkoop legacy name or event type
  kubeskoop-otel top [--url URL] [--interval D] [--once]
                                          pods ranked by network trouble, live (keys: 1-9 sort, r reverse, q quit);
                                          --url reads a running agent (http://127.0.0.1:9102), else runs in-process
  kubeskoop-otel --help | --version

Options:
  -c, --config FILE        config file (YAML); KubeSkoop's config.yaml is accepted as is
      --port N             HTTP port (default 9102)
      --address ADDR       HTTP bind address (default 0.0.0.0)
      --interval D         collection interval: 15, 15s, 500ms, 1m (default 15s)
      --otlp-endpoint URL  push OTLP here (else OTEL_EXPORTER_OTLP_ENDPOINT; unset: no push)
      --otlp-protocol P    grpc | http/protobuf (else OTEL_EXPORTER_OTLP_PROTOCOL; default grpc)
      --node-name NAME     this node's name (else NODE_NAME)
      --mode MODE          node (every namespace) | sidecar (own namespace only)
      --proc-root DIR      host procfs mount (default /proc)
      --log-format F       json | human (default json)
      --log-level L        debug | info | warn | error (default info)
      --web.config.file F  TLS, client certificates and basic auth for the endpoints: exporter-toolkit's web
                           config file, as node_exporter takes it (unset: plain HTTP)
      --authorization A    none | kubernetes: check each caller's bearer token with TokenReview and
                           SubjectAccessReview (get on the path as a non-resource URL); /healthz stays open
      --json               snapshot: print JSON instead of a table

Precedence: flags over environment (OTEL_*) over the config file.
Exit status: 0 ok, 1 runtime failure, 2 bad configuration or usage.
`;

const OPTIONS: ParseArgsConfig['options'] = {
  config: { type: 'string', short: 'c' },
  port: { type: 'string' },
  address: { type: 'string' },
  interval: { type: 'string' },
  'otlp-endpoint': { type: 'string' },
  'otlp-protocol': { type: 'string' },
  'node-name': { type: 'string' },
  mode: { type: 'string' },
  'proc-root': { type: 'string' },
  'log-format': { type: 'string' },
  'log-level': { type: 'string' },
  'web.config.file': { type: 'string' },
  authorization: { type: 'string' },
  json: { type: 'boolean' },
  list: { type: 'boolean' },
  lang: { type: 'string' },
  url: { type: 'string' },
  once: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
};

type Values = Record<string, string | boolean | undefined>;

function flagOverrides(v: Values): FlagOverrides {
  const s = (k: string): string | undefined => (typeof v[k] === 'string' ? (v[k] as string) : undefined);
  const o: Record<string, string> = {};
  const map: [keyof FlagOverrides, string][] = [
    ['port', 'port'],
    ['address', 'address'],
    ['interval', 'interval'],
    ['otlpEndpoint', 'otlp-endpoint'],
    ['otlpProtocol', 'otlp-protocol'],
    ['nodeName', 'node-name'],
    ['mode', 'mode'],
    ['logFormat', 'log-format'],
    ['logLevel', 'log-level'],
    ['procRoot', 'proc-root'],
    ['webConfigFile', 'web.config.file'],
    ['authorization', 'authorization'],
  ];
  for (const [key, flag] of map) {
    const val = s(flag);
    if (val !== undefined) o[key] = val;
  }
  return o as FlagOverrides;
}

function load(values: Values, file?: string): AgentConfig {
  return loadConfig({
    file: file ?? (values.config as string | undefined),
    env: process.env,
    flags: flagOverrides(values),
    probes: probeCapabilities(),
  });
}

async function run(values: Values): Promise<number> {
  const config = load(values);
  // The level follows reloads (the format needs a restart).
  const logOptions = { ...config.log };
  const log = createLogger(logOptions);
  const agent = await startAgent(config, log);
  const file = typeof values.config === 'string' ? values.config : undefined;
  let lastText = file !== undefined ? readText(file) : undefined;
  const reload = async (why: string): Promise<void> => {
    let next: AgentConfig;
    try {
      next = load(values);
    } catch (err) {
      // A bad new config never replaces a good one.
      const message = err instanceof ConfigError ? err.message : (err as Error).message;
      log.error('config reload rejected; the running config stays in force', { trigger: why, error: message });
      return;
    }
    try {
      const r = await agent.reload(next);
      logOptions.level = next.log.level;
      log.info('config reloaded', {
        trigger: why,
        started: r.started,
        stopped: r.stopped,
        restarted: r.restarted,
        kept: r.kept,
        // what the native helper did with the eBPF programs
        ...(r.ebpf
          ? {
              ebpfLoaded: r.ebpf.loaded,
              ebpfUnloaded: r.ebpf.unloaded,
              ebpfReloaded: r.ebpf.reloaded,
              ebpfKept: r.ebpf.kept,
            }
          : {}),
        ...(r.ebpf && r.ebpf.eventsOn.length > 0 ? { eventsOn: r.ebpf.eventsOn } : {}),
        ...(r.ebpf && r.ebpf.eventsOff.length > 0 ? { eventsOff: r.ebpf.eventsOff } : {}),
        ...(r.ebpf?.helper ? { helper: r.ebpf.helper } : {}),
        ...(r.sinksReopened ? { sinksReopened: true } : {}),
        ...(r.intervalSeconds ? { intervalSeconds: r.intervalSeconds.to } : {}),
      });
      if (r.needsRestart.length > 0)
        log.warn('config changes that take effect only after a restart (old values kept)', {
          settings: r.needsRestart,
        });
    } catch (err) {
      log.error('config reload failed; the running config stays in force', {
        trigger: why,
        error: (err as Error).message,
      });
    }
  };
  const onHup = (): void => {
    lastText = file !== undefined ? readText(file) : undefined;
    void reload('SIGHUP');
  };
  process.on('SIGHUP', onHup);
  // A ConfigMap update swaps a symlink (..data) in the file's directory: watch the directory, and
  // poll the resolved content as well (watch events can be missed); reload when the text changed.
  const stopWatch =
    file !== undefined
      ? watchConfig(file, () => {
          const text = readText(file);
          if (text === lastText) return;
          lastText = text;
          void reload('file changed');
        })
      : () => undefined;
  await new Promise<void>((resolve) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      log.info('stopping', { signal });
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      resolve();
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
  process.off('SIGHUP', onHup);
  stopWatch();
  // Bounded: a backend that never answers must not hold the node's shutdown.
  const stopped = await Promise.race([
    agent.stop().then(() => true),
    new Promise<false>((r) => setTimeout(() => r(false), STOP_BUDGET_MS).unref()),
  ]);
  if (!stopped) log.warn('stop took too long; exiting without waiting for the backend', { budgetMs: STOP_BUDGET_MS });
  return 0;
}

/** SIGTERM to exit: within this, pending metrics and events are flushed (kubelet's grace is 30 s). */
const STOP_BUDGET_MS = 10_000;

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** Calls `changed` (debounced 300 ms) on any change in the file's directory, and every 2 s. */
function watchConfig(file: string, changed: () => void): () => void {
  let debounce: NodeJS.Timeout | undefined;
  const kick = (): void => {
    if (debounce) clearTimeout(debounce);
    debounce = setTimeout(changed, 300);
    debounce.unref();
  };
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(dirname(resolve(file)), { persistent: false }, kick);
    watcher.on('error', () => {
      watcher?.close();
      watcher = undefined;
    });
  } catch {
    /* the poll below still works */
  }
  const poll = setInterval(changed, 2000);
  poll.unref();
  return () => {
    watcher?.close();
    clearInterval(poll);
    if (debounce) clearTimeout(debounce);
  };
}

async function snapshot(values: Values): Promise<number> {
  const config = load(values);
  const scheduler = createScheduler(config, config.log.level === 'debug' ? createLogger(config.log) : silentLogger);
  await scheduler.startProbes();
  const snap = await scheduler.runCycle();
  await scheduler.stop();
  process.stdout.write(values.json ? `${renderSnapshotJson(snap)}\n` : renderSnapshotTable(snap));
  return 0;
}

function validate(file: string | undefined, values: Values): number {
  if (file === undefined) {
    process.stderr.write('validate-config: missing the file to check (kubeskoop-otel validate-config FILE)\n');
    return CONFIG_ERROR_EXIT;
  }
  const config = load(values, file);
  const web = config.server.webConfigFile !== undefined ? loadWebConfig(config.server.webConfigFile) : undefined;
  process.stdout.write(`${file}: ok (${config.source.format} format)\n`);
  process.stdout.write(`  metric probes: ${config.metrics.probes.map((p) => p.name).join(', ') || '(none)'}\n`);
  process.stdout.write(`  event probes: ${config.events.probes.map((p) => p.name).join(', ') || '(none)'}\n`);
  for (const u of config.unsupported) process.stdout.write(`  not run: ${u.name}: ${u.reason}\n`);
  for (const w of config.warnings) process.stdout.write(`  warning: ${w}\n`);
  if (web) {
    const t = web.config.tls;
    const tls = t ? `TLS ${t.minVersion}-${t.maxVersion}, client certificates ${t.clientAuth}` : 'plain HTTP';
    const cert = web.tls ? `, certificate ${web.tls.subject} valid until ${web.tls.notAfter}` : '';
    const users = `${web.config.users.size} basic auth user(s)`;
    process.stdout.write(`  web config ${config.server.webConfigFile}: ok (${tls}, ${users}${cert})\n`);
  }
  return 0;
}

export async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    process.stderr.write(`kubeskoop-otel: ${(err as Error).message}\nRun kubeskoop-otel --help for usage.\n`);
    return CONFIG_ERROR_EXIT;
  }
  const values = parsed.values as Values;
  const [command = 'run', ...rest] = parsed.positionals;
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (values.version) {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  try {
    switch (command) {
      case 'run':
        return await run(values);
      case 'snapshot':
        return await snapshot(values);
      case 'validate-config':
        return validate(rest[0], values);
      case 'explain':
        return explainCommand(
          rest,
          { list: values.list === true, ...(typeof values.lang === 'string' ? { lang: values.lang } : {}) },
          (s) => process.stdout.write(s),
          (s) => process.stderr.write(s),
        );
      case 'top': {
        const config = load(values);
        return await topCommand({
          ...(typeof values.url === 'string' ? { url: values.url } : {}),
          once: values.once === true,
          // top refreshes every 2 s unless --interval says otherwise.
          intervalMs: typeof values.interval === 'string' ? config.intervalMs : 2000,
          inProcess: () => createScheduler(config, silentLogger),
        });
      }
      default:
        process.stderr.write(
          `kubeskoop-otel: unknown command ${JSON.stringify(command)}; expected run, snapshot, validate-config, explain or top\n`,
        );
        return CONFIG_ERROR_EXIT;
    }
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`config error: ${err.message}\n`);
      return err.exitCode;
    }
    process.stderr.write(`kubeskoop-otel: ${(err as Error).stack ?? String(err)}\n`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
