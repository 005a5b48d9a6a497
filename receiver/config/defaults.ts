// Every default setting in one place: what the agent does when neither the file, the environment
// nor a flag says otherwise. A KubeSkoop-format file starts from KUBESKOOP_DEFAULTS instead for the
// settings where KubeSkoop behaved differently.
import type { LogFormat, LogLevel } from '../log.js';
import type { OtlpProtocol } from './types.js';

export const DEFAULTS = {
  intervalMs: 15_000,
  mode: 'node' as 'node' | 'sidecar',
  procRoot: '/proc',
  netnsDir: '/run/netns',
  server: { address: '0.0.0.0', port: 9102 },
  log: { level: 'info' as LogLevel, format: 'json' as LogFormat },
  prometheus: { enabled: true, names: 'otel' as 'otel' | 'legacy' | 'both', scopeInfo: true },
  // The retry buffer: 64 MiB holds ~47k tcpreset records by its size estimate (~1.4 KB each), a
  // 90-second outage at 500 events/s, or a 2-minute one at 350/s.
  otlp: {
    protocol: 'grpc' as OtlpProtocol,
    exportTimeoutMs: 10_000,
    buffer: { maxRecords: 65_536, maxMiB: 64, initialBackoffMs: 1000, maxBackoffMs: 30_000 },
  },
  service: { name: 'kubeskoop-otel' },
  traces: { enabled: false, ratePerNode: 100 },
  sinks: { filePath: '/var/log/kubeskoop-otel/events.jsonl', lokiAddress: 'loki' },
} as const;

/** Where KubeSkoop's own formats differ: its names stay on /metrics (its dashboards keep working,
 *  next to the OTel names) and its sinks' defaults are its own. */
export const KUBESKOOP_DEFAULTS = {
  prometheusNames: 'both' as const,
  sinks: { filePath: '/var/log/kubeskoop/events.log', lokiAddress: 'loki-service' },
} as const;
