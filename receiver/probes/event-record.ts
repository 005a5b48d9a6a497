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
}
