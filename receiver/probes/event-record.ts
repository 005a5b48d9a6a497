// An event ready for the sinks: OTel LogRecord fields plus KubeSkoop's event shape.
import type { Severity } from '../../semconv/types.js';

export type EventAttributeValue = string | number | boolean;

export interface EventRecord {
  /** LogRecord EventName (from the registry). */
  readonly eventName: string;
  /** KubeSkoop's event type (TCPRESET_NOSOCK, PACKETLOSS, …), also an attribute. */
  readonly type: string;
  readonly severity: Severity;
  /** When it happened in the kernel, ns since the Unix epoch. */
  readonly timeUnixNano: bigint;
  /** A short human sentence. */
  readonly body: string;
  readonly attributes: Readonly<Record<string, EventAttributeValue>>;
  /** A kernel interval with a start and an end (timeUnixNano): what a probe with `spans: true` also
   *  exports as a root span, with the same attributes. */
  readonly span?: SpanShape;
}

export interface SpanShape {
  /** The span's name (what a TraceQL search names: { name = "kubeskoop.socket.read" }). */
  readonly name: string;
  /** When the interval began, ns since the Unix epoch (converted from the kernel's clock as timeUnixNano). */
  readonly startUnixNano: bigint;
  /** Set when the interval ended in a failure (the span's status is then ERROR, with error.type). */
  readonly errorType?: string;
}
