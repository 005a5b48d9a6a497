import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import http from 'node:http';
import { prometheusVersion, startPrometheus, type Prometheus } from '../support/prometheus.js';
import { pidAlive, waitPidGone } from '../support/proc.js';

describe('harness: real Prometheus', function () {
  this.timeout(60_000);
  let srv: http.Server | undefined;
  let prom: Prometheus | undefined;
  afterEach(async () => {
    await prom?.stop();
    if (srv) await new Promise<void>((r) => srv!.close(() => r()));
  });

  it("is Debian's Prometheus 2.x", async () => {
    assert.match(await prometheusVersion(), /^prometheus, version 2\.\d+\.\d+/);
  });

  it('scrapes a Node http server every second and answers queries and series', async () => {
    let hits = 0;
    srv = http.createServer((req, res) => {
      if (req.url !== '/metrics') {
        res.writeHead(404).end();
        return;
      }
      hits++;
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      res.end(
        [
          '# HELP ksotel_harness_packets_total Packets seen by the harness.',
          '# TYPE ksotel_harness_packets_total counter',
          'ksotel_harness_packets_total{device="veth0",direction="receive"} 4242',
          'ksotel_harness_packets_total{device="veth0",direction="transmit"} 17',
          `# TYPE ksotel_harness_hits gauge`,
          `ksotel_harness_hits ${hits}`,
          '',
        ].join('\n'),
      );
    });
    await new Promise<void>((r) => srv!.listen(0, '127.0.0.1', () => r()));
    const port = (srv.address() as { port: number }).port;
    prom = await startPrometheus({ targets: [`127.0.0.1:${port}`] });
    assert.ok(pidAlive(prom.pid));
    await prom.waitForTargetsUp(15_000);
    const r = await prom.waitForQuery('ksotel_harness_packets_total{direction="receive"}');
    assert.equal(r.length, 1);
    assert.equal(r[0]!.value[1], '4242');
    assert.equal(r[0]!.metric['device'], 'veth0');
    assert.equal(r[0]!.metric['job'], 'test');
    assert.equal(r[0]!.metric['instance'], `127.0.0.1:${port}`);
    const sum = await prom.query('sum(ksotel_harness_packets_total)');
    assert.equal(sum[0]!.value[1], '4259');
    const series = await prom.series('{__name__=~"ksotel_harness_.*"}');
    assert.deepEqual(series.map((s) => s['__name__']).sort(), [
      'ksotel_harness_hits',
      'ksotel_harness_packets_total',
      'ksotel_harness_packets_total',
    ]);
    assert.ok((await prom.metricNames()).includes('up'));
    // Scraped about once a second.
    const h0 = hits;
    await prom.waitForQuery('ksotel_harness_hits', (s) => Number(s[0]!.value[1]) >= h0 + 2, 10_000);
    await assert.rejects(prom.query('sum('), /bad_data/);
    const { pid, dir } = prom;
    await prom.stop();
    assert.ok(await waitPidGone(pid, 3000));
    assert.ok(!existsSync(dir));
  });

  it('refuses non-loopback targets', async () => {
    const dirs = () => readdirSync(tmpdir()).filter((d) => d.startsWith('ksotel-prom-')).length;
    const n = dirs();
    await assert.rejects(startPrometheus({ targets: ['10.0.0.1:9100'] }), /loopback/);
    assert.equal(dirs(), n);
  });
});
