// GET /metrics of the real agent: gzip when the scraper asks for it (Prometheus does), identity
// otherwise, the same exposition either way.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { acceptsGzip } from '../../receiver/pipeline/telemetry.js';
import { startAgentProcess, type AgentProcess } from '../support/agent.js';
import { parsePromText } from '../support/prom-text.js';

function get(
  port: number,
  acceptEncoding?: string,
): Promise<{ headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/metrics',
        headers: acceptEncoding !== undefined ? { 'accept-encoding': acceptEncoding } : {},
      },
      (res) => {
        const chunks: Buffer[] = [];
        res
          .on('data', (c: Buffer) => chunks.push(c))
          .on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }))
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
