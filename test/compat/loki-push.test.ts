// The loki sink's push client against a Loki push-API server that enforces Loki's request format
// (test/support/loki.ts): JSON and snappy-protobuf bodies as Loki reads them, KubeSkoop's stream,
// batching, order within the stream, retry with backoff on 429/5xx, drops counted by cause.
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import protobuf from 'protobufjs';
import { compress } from 'snappyjs';
import { LokiPusher, lokiOtlpUrl, lokiPushUrl, type LokiDropCause } from '../../receiver/events/loki.js';
import { createLogger, type LogFields } from '../../receiver/log.js';
import { parseLabelSelector, startLokiPushServer, type LokiPushServer } from '../support/loki.js';
import { waitUntil } from '../support/proc.js';

const STREAM = { instance: 'node-a', job: 'kubeskoop' };
const NOW = BigInt(Date.now()) * 1_000_000n;

describe('loki push: the server enforces Loki’s request format', () => {
  let loki: LokiPushServer;
  before(async () => {
    loki = await startLokiPushServer();
  });
  after(async () => {
    await loki.stop();
  });
  const post = async (body: string | Uint8Array, headers: Record<string, string>): Promise<number> =>
    (await fetch(`${loki.url}/loki/api/v1/push`, { method: 'POST', body, headers })).status;
  const json = (values: unknown[][], stream: Record<string, string> = STREAM): string =>
    JSON.stringify({ streams: [{ stream, values }] });

  it('accepts a well-formed JSON push (204) and a gzipped one', async () => {
    assert.equal(await post(json([[String(NOW), 'a']]), { 'content-type': 'application/json' }), 204);
    assert.equal(
      await post(gzipSync(json([[String(NOW + 1n), 'b']])), {
        'content-type': 'application/json',
        'content-encoding': 'gzip',
      }),
      204,
    );
    assert.deepEqual(
      loki
        .entries(STREAM)
        .slice(-2)
        .map((e) => e.line),
      ['a', 'b'],
    );
  });
  it('refuses what Loki refuses, with 400', async () => {
    assert.equal(await post(json([[Number(NOW), 'numeric ts']]), { 'content-type': 'application/json' }), 400);
    assert.equal(await post(json([[String(NOW), 42]]), { 'content-type': 'application/json' }), 400);
    assert.equal(
      await post(json([[String(NOW), 'x']], { 'bad-name': 'v' }), { 'content-type': 'application/json' }),
      400,
    );
    assert.equal(await post(json([[String(NOW + 1n), 'x']]), { 'content-type': 'text/plain' }), 400);
    assert.equal(await post('{"streams": {}}', { 'content-type': 'application/json' }), 400);
    assert.equal(
      await post(json([[String(NOW + 3_600_000_000_000n), 'future']]), { 'content-type': 'application/json' }),
      400,
    );
    // Out of order within the stream: the older entry is refused, the newer kept.
    assert.equal(
      await post(
        json([
          [String(NOW - 1_000_000_000n), 'old'],
          [String(NOW + 5n), 'new'],
        ]),
        { 'content-type': 'application/json' },
      ),
      400,
    );
    assert.deepEqual(
      loki
        .entries(STREAM)
        .map((e) => e.line)
        .filter((l) => l === 'old' || l === 'new'),
      ['new'],
    );
  });
  it('decodes a snappy-compressed protobuf push (what KubeSkoop sent) and refuses an uncompressed one', async () => {
    const root = protobuf.parse(`syntax = "proto3"; package p;
      message Req { repeated S streams = 1; } message S { string labels = 1; repeated E entries = 2; }
      message E { T timestamp = 1; string line = 2; } message T { int64 seconds = 1; int32 nanos = 2; }`).root;
    const Req = root.lookupType('p.Req');
    const ts = NOW + 10n;
    const raw = Req.encode(
      Req.fromObject({
        streams: [
          {
            labels: '{instance = "node-a",job = "kubeskoop"}',
            entries: [
              { timestamp: { seconds: String(ts / 1_000_000_000n), nanos: Number(ts % 1_000_000_000n) }, line: 'pb' },
            ],
          },
        ],
      }),
    ).finish();
    assert.equal(await post(raw, { 'content-type': 'application/x-protobuf' }), 400);
    assert.equal(await post(compress(raw), { 'content-type': 'application/x-protobuf' }), 204);
    const last = loki.entries(STREAM).at(-1)!;
    assert.deepEqual([last.ts, last.line], [String(ts), 'pb']);
    assert.deepEqual(parseLabelSelector('{a="x\\"y", b = "z"}'), { a: 'x"y', b: 'z' });
  });
});

describe('loki push: the sink’s client', function () {
  this.timeout(60_000);
  let loki: LokiPushServer;
  const logs: LogFields[] = [];
  const log = createLogger({
    level: 'debug',
    format: 'json',
    write: (l) => {
      logs.push(JSON.parse(l) as LogFields);
    },
  });
  beforeEach(async () => {
    loki = await startLokiPushServer();
  });
  afterEach(async () => {
    await loki.stop();
  });

  const pusher = (
    o: Partial<ConstructorParameters<typeof LokiPusher<number>>[0]> = {},
    drops: [number, LokiDropCause][] = [],
  ) =>
    new LokiPusher<number>({
      url: `${loki.url}/loki/api/v1/push`,
      encoding: 'json',
      streamLabels: STREAM,
      log,
      batchWaitMs: 50,
      minBackoffMs: 20,
      maxBackoffMs: 100,
      onUndelivered: (tag, cause) => drops.push([tag, cause]),
      ...o,
    });

  it('addresses: host[:port] gets :3100 and the push path; URLs keep theirs; the OTLP endpoint likewise', () => {
    assert.equal(lokiPushUrl('loki-service'), 'http://loki-service:3100/loki/api/v1/push');
    assert.equal(lokiPushUrl('10.0.0.5:3101'), 'http://10.0.0.5:3101/loki/api/v1/push');
    assert.equal(lokiPushUrl('https://logs.example/loki'), 'https://logs.example/loki/loki/api/v1/push');
    assert.equal(lokiPushUrl('http://loki:3100/api/prom/push'), 'http://loki:3100/api/prom/push');
    assert.equal(lokiOtlpUrl('loki'), 'http://loki:3100/otlp/v1/logs');
    assert.equal(lokiOtlpUrl('http://loki:3100/otlp'), 'http://loki:3100/otlp/v1/logs');
  });

  it('batches entries into one stream {instance, job="kubeskoop"}, lines exact, timestamps as ns strings', async () => {
    const p = pusher();
    for (let i = 0; i < 5; i++) p.push({ timeUnixNano: NOW + BigInt(i), line: `{"n":${i},"s":"<&>"}` }, i);
    await waitUntil(() => loki.entries(STREAM).length === 5, 10_000, 'five entries');
    assert.deepEqual(
      loki.entries(STREAM).map((e) => [e.ts, e.line]),
      [0, 1, 2, 3, 4].map((i) => [String(NOW + BigInt(i)), `{"n":${i},"s":"<&>"}`]),
    );
    assert.equal(loki.requests.length, 1, 'one request for the batch');
    assert.match(loki.requests[0]!.contentType, /^application\/json/);
    await p.close();
  });

  it('keeps the stream in order: entries that arrive older than what was sent are not refused', async () => {
    const p = pusher();
    p.push({ timeUnixNano: NOW + 100n, line: 'first' }, 1);
    await waitUntil(() => loki.entries(STREAM).length === 1, 10_000, 'first');
    p.push({ timeUnixNano: NOW + 50n, line: 'late' }, 2);
    p.push({ timeUnixNano: NOW + 40n, line: 'later still' }, 3);
    await waitUntil(() => loki.entries(STREAM).length === 3, 10_000, 'all three');
    assert.ok(
      loki.requests.every((r) => r.status === 204),
      JSON.stringify(loki.requests),
    );
    assert.deepEqual(
      loki.entries(STREAM).map((e) => e.line),
      ['first', 'later still', 'late'],
    );
    await p.close();
  });

  it('retries 429 and 5xx with backoff, then delivers everything once', async () => {
    const drops: [number, LokiDropCause][] = [];
    const p = pusher({}, drops);
    loki.failNext([429, 503, 500]);
    for (let i = 0; i < 3; i++) p.push({ timeUnixNano: NOW + BigInt(i), line: `r${i}` }, i);
    await waitUntil(() => loki.entries(STREAM).length === 3, 20_000, 'delivered after retries');
    assert.deepEqual(
      loki.requests.map((r) => r.status),
      [429, 503, 500, 204],
    );
    assert.equal(p.stats.retries, 3);
    assert.deepEqual(drops, []);
    await p.close();
  });

  it('drops a batch Loki refuses (400) and counts it as loki_rejected; gives up after its attempts (loki_failed)', async () => {
    const drops: [number, LokiDropCause][] = [];
    const p = pusher({ maxAttempts: 3 }, drops);
    loki.failNext([400]);
    p.push({ timeUnixNano: NOW, line: 'refused' }, 7);
    await waitUntil(() => drops.length === 1, 10_000, 'rejected');
    assert.deepEqual(drops, [[7, 'loki_rejected']]);
    loki.failNext([503, 503, 503]);
    p.push({ timeUnixNano: NOW + 1n, line: 'failing' }, 8);
    await waitUntil(() => drops.length === 2, 10_000, 'failed');
    assert.deepEqual(drops[1], [8, 'loki_failed']);
    assert.equal(loki.requests.filter((r) => r.status === 503).length, 3);
    await p.close();
  });

  it('holds a bounded buffer while Loki is down, counts what does not fit, and sends the rest when it is back', async () => {
    const drops: [number, LokiDropCause][] = [];
    const port = loki.port;
    await loki.stop();
    const p = pusher({ maxBufferedEntries: 10, maxBatchEntries: 5, maxAttempts: 1000, maxBackoffMs: 50 }, drops);
    for (let i = 0; i < 30; i++) p.push({ timeUnixNano: NOW + BigInt(i), line: `d${i}` }, i);
    // 5 in flight (the first batch), 10 buffered, 15 dropped
    await waitUntil(() => drops.length === 15, 10_000, 'buffer full');
    assert.ok(drops.every(([, c]) => c === 'loki_buffer_full'));
    await loki.start(port);
    await waitUntil(() => loki.entries(STREAM).length === 15, 20_000, 'the kept 15 delivered');
    assert.deepEqual(
      loki.entries(STREAM).map((e) => e.line),
      [...Array(15).keys()].map((i) => `d${i}`),
    );
    await p.close();
  });

  it('protobuf encoding: snappy-compressed PushRequest, as KubeSkoop sent; the tenant header', async () => {
    const p = pusher({ encoding: 'protobuf', tenant: 'team-a' });
    p.push({ timeUnixNano: NOW + 123_456_789n, line: '{"type":"PacketLoss"}' }, 1);
    await waitUntil(() => loki.entries(STREAM).length === 1, 10_000, 'protobuf entry');
    const [e] = loki.entries(STREAM);
    assert.deepEqual([e!.ts, e!.line], [String(NOW + 123_456_789n), '{"type":"PacketLoss"}']);
    assert.equal(loki.requests[0]!.contentType, 'application/x-protobuf');
    assert.equal(loki.requests[0]!.tenant, 'team-a');
    await p.close();
  });
});
