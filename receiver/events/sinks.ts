// KubeSkoop's event sinks, writing exactly what KubeSkoop writes (kubeskoop-json.ts): `stderr`
// (`event: <json>` lines), `file` (one JSON per line, appended) and `loki` (the JSON line pushed
// to Loki's push API, loki.ts). Loki's OTLP endpoint (`loki: {protocol: otlp}`) is an OTLP log
// exporter of the pipeline instead.
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import type { SinkConfig } from '../config/types.js';
import { EVENTS } from '../../semconv/generated/registry.js';
import type { EventRecord } from '../probes/event-record.js';
import { kubeskoopEventJson, toKubeskoopEvent, type KubeskoopIdentity } from './kubeskoop-json.js';
import { LokiPusher, lokiPushUrl, type LokiDropCause } from './loki.js';
import type { Logger } from '../log.js';

export { kubeskoopEventJson } from './kubeskoop-json.js';

/** Where an event came from: its namespace, and who that is as KubeSkoop names it. */
export interface SinkContext {
  readonly netnsInode: number;
  /** undefined: a namespace that is no known target (KubeSkoop wrote `labels: null`). */
  readonly identity?: KubeskoopIdentity;
}

export interface EventSink {
  write(record: EventRecord, ctx: SinkContext): void;
  close(): Promise<void>;
}

export interface SinkOptions {
  readonly log: Logger;
  /** This node's name: the Loki stream's `instance`, as KubeSkoop's. */
  readonly nodeName: string;
  /** An event a sink could not deliver (counted as kubeskoop.event.undelivered of its probe). */
  readonly onUndelivered?: (probe: string, netnsInode: number, cause: LokiDropCause) => void;
}

const PROBE_OF_EVENT = new Map(EVENTS.map((e) => [e.name, e.probe]));

const line = (record: EventRecord, ctx: SinkContext): string =>
  kubeskoopEventJson(toKubeskoopEvent(record, ctx.identity));

/** A local stream (stderr, a file) must not hold events in memory without bound. */
const STREAM_BACKLOG_BYTES = 4 * 1024 * 1024;

class StreamSink implements EventSink {
  constructor(
    private readonly stream: NodeJS.WritableStream,
    private readonly prefix: string,
    private readonly log: Logger,
    private readonly what: string,
  ) {}
  write(record: EventRecord, ctx: SinkContext): void {
    // A slow disk or pipe: drop (KubeSkoop: "<sink> is blocked, discard event.").
    if ((this.stream as WriteStream).writableLength > STREAM_BACKLOG_BYTES) {
      this.log.once(`sink-blocked:${this.what}`, 'warn', 'event sink is blocked; dropping events', { sink: this.what });
      return;
    }
    this.stream.write(`${this.prefix}${line(record, ctx)}\n`);
  }
  async close(): Promise<void> {
    if (this.stream === process.stderr) return;
    await new Promise<void>((resolve) => (this.stream as WriteStream).end(() => resolve()));
  }
}

class LokiPushSink implements EventSink {
  private readonly pusher: LokiPusher<{ probe: string; inode: number }>;
  constructor(config: Extract<SinkConfig, { kind: 'loki' }>, opts: SinkOptions) {
    const url = lokiPushUrl(config.address);
    this.pusher = new LokiPusher({
      url,
      encoding: config.encoding,
      ...(config.tenant !== undefined ? { tenant: config.tenant } : {}),
      // KubeSkoop's stream (pkg/exporter/loki/client.go): its console selects {job="kubeskoop"}, nodes by instance.
      streamLabels: { instance: opts.nodeName, job: 'kubeskoop' },
      log: opts.log,
      onUndelivered: (tag, cause) => opts.onUndelivered?.(tag.probe, tag.inode, cause),
    });
    opts.log.info('events also go to Loki (push API)', { url, encoding: config.encoding });
  }
  write(record: EventRecord, ctx: SinkContext): void {
    this.pusher.push(
      { timeUnixNano: record.timeUnixNano, line: line(record, ctx) },
      { probe: PROBE_OF_EVENT.get(record.eventName) ?? '', inode: ctx.netnsInode },
    );
  }
  close(): Promise<void> {
    return this.pusher.close();
  }
}

export function createSinks(configs: readonly SinkConfig[], opts: SinkOptions): EventSink[] {
  const { log } = opts;
  const sinks: EventSink[] = [];
  for (const c of configs) {
    if (c.kind === 'stderr') sinks.push(new StreamSink(process.stderr, 'event: ', log, 'stderr'));
    else if (c.kind === 'file') {
      try {
        mkdirSync(dirname(c.path), { recursive: true });
        const stream = createWriteStream(c.path, { flags: 'a', mode: 0o644 });
        stream.on('error', (err) =>
          log.once(`sink-error:${c.path}`, 'error', 'event file sink failed', { path: c.path, error: err.message }),
        );
        sinks.push(new StreamSink(stream, '', log, `file:${c.path}`));
      } catch (err) {
        log.error('cannot open the event file sink', { path: c.path, error: (err as Error).message });
      }
    } else if (c.protocol === 'push') {
      try {
        sinks.push(new LokiPushSink(c, opts));
      } catch (err) {
        log.error('cannot use the loki sink', { address: c.address, error: (err as Error).message });
      }
    }
  }
  return sinks;
}
