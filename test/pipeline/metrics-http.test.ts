// GET /metrics of the real agent: gzip when the scraper asks for it (Prometheus does), identity
// otherwise, the same exposition either way.
import assert from 'node:assert/strict';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { acceptsGzip, respondWithExposition, WHOLE_BODY_MAX } from '../../receiver/pipeline/telemetry.js';
import { startAgentProcess, type AgentProcess } from '../support/agent.js';
import { parsePromText } from '../support/prom-text.js';

function get(
  port: number,
  acceptEncoding?: string,
  path = '/metrics',
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        headers: acceptEncoding !== undefined ? { 'accept-encoding': acceptEncoding } : {},
      },
      (res) => {
        const chunks: Buffer[] = [];
        res
          .on('data', (c: Buffer) => chunks.push(c))
          .on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }))
          .on('error', reject);
      },
    );
    req
      .on('error', reject)
      .setTimeout(30_000, () => req.destroy(new Error('timeout')))
      .end();
  });
}

describe('pipeline: /metrics over HTTP, gzip when asked', function () {
  this.timeout(60_000);
  let agent: AgentProcess | undefined;
  after(async () => {
    await agent?.stop();
  });

  it('an exposition up to WHOLE_BODY_MAX goes in one piece with a Content-Length, a larger one streams; the same text gzipped or not; a failure before anything went out is a 500, after it a truncated body that says so', async () => {
    // The response the /metrics handler uses, on a real server: /N?fail=K writes N lines of ~100 bytes (K: throw
    // after K lines).
    const line = (i: number): string =>
      `kubeskoop_test_series_total{pod="pod-${i % 97}",n="${i}"} ${i * 3}\n`.padEnd(100, ' ');
    const server: Server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const n = Number(url.pathname.slice(1));
      const failAt = url.searchParams.has('fail') ? Number(url.searchParams.get('fail')) : -1;
      void respondWithExposition(req, res, async (sink) => {
        let chunk = '';
        for (let i = 0; i < n; i++) {
          if (i === failAt) throw new Error('the snapshot went away');
          chunk += line(i);
          if (chunk.length >= 64 * 1024) {
            await sink.write(chunk);
            chunk = '';
          }
        }
        if (chunk !== '') await sink.write(chunk);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    try {
      const small = Math.floor(WHOLE_BODY_MAX / 100 / 2);
      const large = Math.ceil((WHOLE_BODY_MAX * 3) / 100);
      for (const [n, whole] of [
        [small, true],
        [large, false],
      ] as const) {
        const expected = Array.from({ length: n }, (_, i) => line(i)).join('');
        for (const enc of [undefined, 'gzip']) {
          const r = await get(port, enc, `/${n}`);
          const what = `${n} lines, ${enc ?? 'identity'}`;
          assert.equal(r.status, 200, what);
          const text = (enc ? gunzipSync(r.body) : r.body).toString('utf8');
          assert.equal(text, expected, what);
          assert.equal(r.headers['content-encoding'], enc, what);
          if (whole) {
            assert.equal(r.headers['content-length'], String(r.body.length), `${what}: one piece`);
            assert.equal(r.headers['transfer-encoding'], undefined, what);
          } else {
            assert.equal(r.headers['content-length'], undefined, `${what}: streamed`);
            assert.equal(r.headers['transfer-encoding'], 'chunked', what);
          }
        }
      }
      for (const enc of [undefined, 'gzip']) {
        const early = await get(port, enc, `/${small}?fail=10`);
        assert.equal(early.status, 500, 'nothing sent yet: a 500');
        assert.match(early.body.toString('utf8'), /failed to export metrics: Error: the snapshot went away/);
        const late = await get(port, enc, `/${large}?fail=${large - 10}`);
        assert.equal(late.status, 200, 'the headers went out with the first megabyte');
        const text = (enc ? gunzipSync(late.body) : late.body).toString('utf8');
        assert.ok(text.startsWith(line(0)), 'what was written is there');
        assert.match(
          text,
          /\n# failed to export metrics: Error: the snapshot went away\n$/,
          'and says it is truncated',
        );
      }
    } finally {
      server.close();
    }
  });

  it('which Accept-Encoding values mean gzip', () => {
    for (const v of ['gzip', 'gzip, deflate', 'deflate, GZIP;q=0.5', 'br, gzip;q=1.0']) assert.ok(acceptsGzip(v), v);
    for (const v of [undefined, '', 'identity', 'deflate, br', 'gzip;q=0', 'gzip; q=0.000', 'x-gzip'])
      assert.ok(!acceptsGzip(v), String(v));
  });

  it('the same text gzipped or not; Content-Encoding and Vary say which', async () => {
    // One cycle at start, none during the scrapes: both read the same snapshot.
    agent = await startAgentProcess({ args: ['--interval', '1h'] });
    const plain = await get(agent.port);
    const zipped = await get(agent.port, 'gzip');
    const refused = await get(agent.port, 'gzip;q=0');
    assert.equal(plain.headers['content-encoding'], undefined);
    assert.equal(refused.headers['content-encoding'], undefined);
    assert.equal(zipped.headers['content-encoding'], 'gzip');
    assert.match(String(zipped.headers.vary), /accept-encoding/i);
    const unzipped = gunzipSync(zipped.body).toString('utf8');
    assert.equal(unzipped, plain.body.toString('utf8'));
    assert.equal(refused.body.toString('utf8'), plain.body.toString('utf8'));
    const parsed = parsePromText(unzipped);
    assert.deepEqual(parsed.errors, []);
    assert.ok(
      parsed.samples.some((s) => s.name === 'system_network_io_bytes_total'),
      'probe metrics are in it',
    );
    assert.ok(zipped.body.length * 5 < plain.body.length, `gzip ${zipped.body.length} bytes vs ${plain.body.length}`);
  });
});
