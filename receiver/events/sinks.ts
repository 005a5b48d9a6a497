// KubeSkoop's event sinks that need no OpenTelemetry: `stderr` and `file`, as JSON lines in
// KubeSkoop's event shape ({timestamp, type, labels[{name,value}], msg}), so tools reading its
// output keep working. (Its `loki` sink becomes OTLP logs to Loki, in the pipeline.)
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import type { SinkConfig } from '../config/types.js';
import type { EventRecord } from './event-record.js';
import type { Logger } from '../log.js';

export interface EventSink {
  write(record: EventRecord, labels: Readonly<Record<string, string>>): void;
  close(): Promise<void>;
}

/** KubeSkoop's JSON line; the nanosecond timestamp is written as an exact integer. */
export function kubeskoopEventJson(record: EventRecord, labels: Readonly<Record<string, string>>): string {
  const labelList = Object.entries(labels).map(([name, value]) => ({ name, value }));
  return `{"timestamp":${record.timeUnixNano.toString()},"type":${JSON.stringify(record.type)},"labels":${JSON.stringify(labelList)},"msg":${JSON.stringify(record.body)}}`;
}

class StreamSink implements EventSink {
  private dropped = 0;
  constructor(private readonly stream: NodeJS.WritableStream, private readonly prefix: string, private readonly log: Logger, private readonly what: string) {}
  write(record: EventRecord, labels: Readonly<Record<string, string>>): void {
    // A slow disk or pipe must not hold events in memory without bound: drop and count.
    if ((this.stream as WriteStream).writableLength > 4 * 1024 * 1024) {
      this.dropped++;
      this.log.once(`sink-blocked:${this.what}`, 'warn', 'event sink is blocked; dropping events', { sink: this.what });
      return;
    }
    this.stream.write(`${this.prefix}${kubeskoopEventJson(record, labels)}\n`);
  }
  async close(): Promise<void> {
    if (this.stream === process.stderr) return;
    await new Promise<void>((resolve) => (this.stream as WriteStream).end(() => resolve()));
  }
}

export function createSinks(configs: readonly SinkConfig[], log: Logger): EventSink[] {
  const sinks: EventSink[] = [];
  for (const c of configs) {
    if (c.kind === 'stderr') sinks.push(new StreamSink(process.stderr, 'event: ', log, 'stderr'));
    else if (c.kind === 'file') {
      try {
        mkdirSync(dirname(c.path), { recursive: true });
        const stream = createWriteStream(c.path, { flags: 'a' });
        stream.on('error', (err) => log.once(`sink-error:${c.path}`, 'error', 'event file sink failed', { path: c.path, error: err.message }));
        sinks.push(new StreamSink(stream, '', log, `file:${c.path}`));
      } catch (err) {
        log.error('cannot open the event file sink', { path: c.path, error: (err as Error).message });
      }
    }
  }
  return sinks;
}
