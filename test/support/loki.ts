// A Loki push-API server on loopback that enforces Loki's documented request format and answers as
// Loki does (no Loki can be installed here). POST /loki/api/v1/push (and the legacy /api/prom/push):
//  - Content-Type application/json (optionally gzip-encoded): {"streams":[{"stream":{label:value…},
//    "values":[["<ns since epoch, as a string>","<line>"(, {structured metadata})], …]}]};
//  - Content-Type application/x-protobuf: a snappy-compressed logproto.PushRequest (labels as a
//    selector string {a="b", …}, Timestamp seconds/nanos), what KubeSkoop's agent sends;
//  - anything else, a malformed body, a bad label name, a non-string or non-numeric timestamp, an
//    entry out of order within its stream or too far in the future → 400 with Loki's kind of message;
//  - accepted → 204 (entries that broke ordering are refused, the rest kept, answer 400).
// Faults: `failNext([429, 503, …])` answers the next requests with those statuses (Loki's rate
// limit, an ingester outage). Every request is recorded, accepted entries are kept per stream.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { gunzipSync } from 'node:zlib';
import type { AddressInfo, Socket } from 'node:net';
import protobuf from 'protobufjs';
import { uncompress } from 'snappyjs';

export interface LokiEntryRecord {
  readonly stream: Readonly<Record<string, string>>;
  /** ns since the epoch, as sent */
  readonly ts: string;
  readonly line: string;
}

export interface LokiRequestRecord {
  readonly path: string;
  readonly contentType: string;
  readonly contentEncoding: string;
  readonly tenant?: string;
  readonly status: number;
  readonly entries: number;
  readonly error?: string;
}

// Loki's pkg/push/push.proto, the fields a push carries (Timestamp as google.protobuf.Timestamp).
const PUSH_PROTO = `syntax = "proto3";
package logproto;
message PushRequest { repeated StreamAdapter streams = 1; }
message StreamAdapter { string labels = 1; repeated EntryAdapter entries = 2; uint64 hash = 3; }
message EntryAdapter { Timestamp timestamp = 1; string line = 2; repeated LabelPair structuredMetadata = 3; }
message LabelPair { string name = 1; string value = 2; }
message Timestamp { int64 seconds = 1; int32 nanos = 2; }`;
const PushRequest = protobuf.parse(PUSH_PROTO).root.lookupType('logproto.PushRequest');

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
/** Loki's default creation_grace_period. */
const FUTURE_GRACE_NS = 10n * 60n * 1_000_000_000n;

class PushError extends Error {}

/** `{a="x", b="y\"z"}` → {a: 'x', b: 'y"z'} (the selector form Loki's protobuf push carries). */
export function parseLabelSelector(text: string): Record<string, string> {
  const t = text.trim();
  if (!t.startsWith('{') || !t.endsWith('}'))
    throw new PushError(`error parsing labels ${JSON.stringify(text)}: not a {…} selector`);
  const out: Record<string, string> = {};
  const re = /\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*(,|$)/y;
  const body = t.slice(1, -1);
  let pos = 0;
  while (pos < body.length) {
    re.lastIndex = pos;
    const m = re.exec(body);
    if (!m) throw new PushError(`error parsing labels ${JSON.stringify(text)}: at offset ${pos}`);
    out[m[1]!] = m[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    pos = re.lastIndex;
  }
  return out;
}

const streamKey = (labels: Readonly<Record<string, string>>): string =>
  Object.keys(labels)
    .sort()
    .map((k) => `${k}=${JSON.stringify(labels[k])}`)
    .join(',');

interface Decoded {
  stream: Record<string, string>;
  entries: { ts: string; line: string }[];
}

function decodeJson(body: Buffer): Decoded[] {
  let doc: unknown;
  try {
    doc = JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw new PushError(`loghttp.PushRequest.Streams: ReadArray: ${(err as Error).message}`);
  }
  const streams = (doc as { streams?: unknown }).streams;
  if (typeof doc !== 'object' || doc === null || !Array.isArray(streams))
    throw new PushError('expected {"streams": [...]}');
  return streams.map((s, i) => {
    const { stream, values } = (s ?? {}) as { stream?: unknown; values?: unknown };
    if (typeof stream !== 'object' || stream === null || Array.isArray(stream))
      throw new PushError(`streams[${i}].stream: expected an object of labels`);
    for (const [k, v] of Object.entries(stream))
      if (typeof v !== 'string') throw new PushError(`streams[${i}].stream.${k}: expected a string value`);
    if (!Array.isArray(values)) throw new PushError(`streams[${i}].values: expected an array`);
    const entries = values.map((v, j) => {
      if (!Array.isArray(v) || v.length < 2 || v.length > 3)
        throw new PushError(`streams[${i}].values[${j}]: expected [timestamp, line] or [timestamp, line, metadata]`);
      // Loki's JSON push: the timestamp is a string of nanoseconds.
      if (typeof v[0] !== 'string' || !/^\d+$/.test(v[0]))
        throw new PushError(
          `streams[${i}].values[${j}][0]: timestamp ${JSON.stringify(v[0])} is not a string of nanoseconds`,
        );
      if (typeof v[1] !== 'string') throw new PushError(`streams[${i}].values[${j}][1]: the line is not a string`);
      return { ts: v[0], line: v[1] };
    });
    return { stream: stream as Record<string, string>, entries };
  });
}

function decodeProtobuf(body: Buffer): Decoded[] {
  let raw: Uint8Array;
  try {
    raw = uncompress(new Uint8Array(body), 64 * 1024 * 1024);
  } catch (err) {
    throw new PushError(`snappy: ${(err as Error).message}`);
  }
  let msg: {
    streams?: { labels?: string; entries?: { timestamp?: { seconds?: unknown; nanos?: number }; line?: string }[] }[];
  };
  try {
    msg = PushRequest.toObject(PushRequest.decode(raw), { longs: String }) as typeof msg;
  } catch (err) {
    throw new PushError(`proto: ${(err as Error).message}`);
  }
  return (msg.streams ?? []).map((s) => ({
    stream: parseLabelSelector(s.labels ?? ''),
    entries: (s.entries ?? []).map((e) => {
      const secs = BigInt(String(e.timestamp?.seconds ?? '0'));
      return { ts: (secs * 1_000_000_000n + BigInt(e.timestamp?.nanos ?? 0)).toString(), line: e.line ?? '' };
    }),
  }));
}

export class LokiPushServer {
  port = 0;
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly streams = new Map<
    string,
    { labels: Record<string, string>; entries: LokiEntryRecord[]; last: bigint }
  >();
  private faults: number[] = [];
  readonly requests: LokiRequestRecord[] = [];

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Answer the next requests with these statuses (and store nothing from them). */
  failNext(statuses: readonly number[]): void {
    this.faults.push(...statuses);
  }

  /** Every accepted entry, in the order accepted, optionally of streams matching `labels`. */
  entries(labels: Readonly<Record<string, string>> = {}): LokiEntryRecord[] {
    const out: LokiEntryRecord[] = [];
    for (const s of this.streams.values()) {
      if (Object.entries(labels).every(([k, v]) => s.labels[k] === v)) out.push(...s.entries);
    }
    return out;
  }

  async start(port = 0): Promise<void> {
    this.server = createServer((req, res) => {
      void this.handle(req, res);
    });
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, '127.0.0.1', resolve);
    });
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
    this.server = undefined;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const path = (req.url ?? '').split('?')[0]!;
    const contentType = String(req.headers['content-type'] ?? '');
    const contentEncoding = String(req.headers['content-encoding'] ?? '');
    const tenant = req.headers['x-scope-orgid'] as string | undefined;
    const answer = (status: number, entries: number, error?: string): void => {
      this.requests.push({
        path,
        contentType,
        contentEncoding,
        ...(tenant !== undefined ? { tenant } : {}),
        status,
        entries,
        ...(error ? { error } : {}),
      });
      res.writeHead(status, error ? { 'content-type': 'text/plain; charset=utf-8' } : {});
      res.end(error ? `${error}\n` : undefined);
    };
    if (req.method !== 'POST' || (path !== '/loki/api/v1/push' && path !== '/api/prom/push')) {
      answer(404, 0, '404 page not found');
      return;
    }
    const fault = this.faults.shift();
    if (fault !== undefined) {
      answer(fault, 0, fault === 429 ? 'Ingestion rate limit exceeded' : 'ingester unavailable');
      return;
    }
    let decoded: Decoded[];
    try {
      let body = Buffer.concat(chunks);
      if (contentEncoding === 'gzip') body = gunzipSync(body);
      else if (contentEncoding !== '') throw new PushError(`unsupported Content-Encoding ${contentEncoding}`);
      const mime = contentType.split(';')[0]!.trim().toLowerCase();
      if (mime === 'application/json') decoded = decodeJson(body);
      else if (mime === 'application/x-protobuf') decoded = decodeProtobuf(body);
      // Loki reads any other type as snappy protobuf, which a JSON or text body is not.
      else throw new PushError(`unsupported Content-Type ${JSON.stringify(contentType)}`);
    } catch (err) {
      answer(400, 0, err instanceof PushError ? err.message : String(err));
      return;
    }
    const refused: string[] = [];
    let accepted = 0;
    const now = BigInt(Date.now()) * 1_000_000n;
    for (const d of decoded) {
      const names = Object.keys(d.stream);
      const bad = names.find((n) => !LABEL_NAME.test(n));
      if (names.length === 0 || bad !== undefined) {
        refused.push(`error parsing labels: ${bad === undefined ? 'no labels' : `invalid label name ${bad}`}`);
        continue;
      }
      const key = streamKey(d.stream);
      let s = this.streams.get(key);
      if (!s) this.streams.set(key, (s = { labels: { ...d.stream }, entries: [], last: 0n }));
      for (const e of d.entries) {
        const ts = BigInt(e.ts);
        if (ts > now + FUTURE_GRACE_NS) {
          refused.push(`entry for stream '${key}' has timestamp too new: ${e.ts}`);
          continue;
        }
        if (ts < s.last) {
          refused.push(`entry with timestamp ${e.ts} ignored, reason: 'entry out of order' for stream: ${key}`);
          continue;
        }
        s.last = ts;
        s.entries.push({ stream: s.labels, ts: e.ts, line: e.line });
        accepted++;
      }
    }
    if (refused.length > 0) answer(400, accepted, refused.join('\n'));
    else answer(204, accepted);
  }
}

export async function startLokiPushServer(): Promise<LokiPushServer> {
  const s = new LokiPushServer();
  await s.start();
  return s;
}
