// Hostile clients against the endpoints, bounded in count and time: malformed TLS handshakes (random
// records, truncated and lying ClientHellos, SSLv2 hellos, plain text), oversized headers, slow-loris
// connections (no bytes at all, a handshake never finished, headers a byte at a time). Meanwhile a
// real Prometheus keeps scraping, the agent keeps collecting, and its memory stays bounded; after the
// attack the connections are gone.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TestPki, htpasswdHash, type CertFiles } from './certs.js';
import { cycleOf, get, startSecureAgent, waitForTarget, type SecureAgent } from './helpers.js';
import { startPrometheus, type Prometheus } from '../support/prometheus.js';
import { procUsage, sleep, waitUntil } from '../support/proc.js';
import { seededRandom as prng } from '../support/prng.js';

const PASSWORD = 'scrape-me';
const MiB = 1024 * 1024;

/** Malformed openings of a TLS connection, one per index. */
function malformedHello(i: number, rnd: () => number): Buffer {
  const bytes = (n: number): Buffer => Buffer.from(Array.from({ length: n }, () => Math.floor(rnd() * 256)));
  switch (i % 7) {
    case 0:
      return bytes(1 + Math.floor(rnd() * 600)); // noise
    case 1:
      return Buffer.concat([Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00]), bytes(512)]); // handshake record, random body
    case 2:
      return Buffer.from([0x16, 0x03, 0x03, 0xff, 0xff, 0x01, 0x00, 0xff, 0xfb]); // claims 64 KiB, sends 4 bytes
    case 3:
      return Buffer.concat([Buffer.from([0x80, 0x2e, 0x01, 0x00, 0x02]), bytes(44)]); // SSLv2-style hello
    case 4:
      return Buffer.from('GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n'); // plain HTTP
    case 5:
      return Buffer.concat([
        Buffer.from([0x16, 0x03, 0x01, 0x00, 0x40, 0x01, 0x00, 0x00, 0x3c, 0x03, 0x03]),
        bytes(58),
      ]); // truncated ClientHello
    default:
      // an alert, then noise
      return Buffer.concat([Buffer.from([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28]), bytes(64)]);
  }
}

/** Opens a TCP connection, writes `data` (if any), and resolves when the server closes it (or after
 *  maxMs, then it is destroyed here and reported as not closed by the server). */
function openAndWatch(port: number, data: Buffer | undefined, maxMs: number): Promise<'closed' | 'left-open'> {
  return new Promise((resolve) => {
    const s: Socket = netConnect(port, '127.0.0.1', () => {
      if (data) s.write(data);
    });
    s.on('error', () => undefined);
    s.on('data', () => undefined);
    const t = setTimeout(() => {
      s.destroy();
      resolve('left-open');
    }, maxMs);
    s.on('close', () => {
      clearTimeout(t);
      resolve('closed');
    });
  });
}

async function inBatches<T>(n: number, batch: number, make: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < n; i += batch)
    out.push(...(await Promise.all(Array.from({ length: Math.min(batch, n - i) }, (_, j) => make(i + j)))));
  return out;
}

function openFds(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

describe('hostile clients: malformed TLS, oversized headers, slow-loris', function () {
  this.timeout(300_000);
  let pki: TestPki;
  let ca: CertFiles;
  let dir: string;
  let tlsAgent: SecureAgent | undefined;
  let plainAgent: SecureAgent | undefined;
  let prom: Prometheus | undefined;
  let caPem: Buffer;
  const auth = { authorization: `Basic ${Buffer.from(`prometheus:${PASSWORD}`).toString('base64')}` };

  before(async () => {
    pki = new TestPki();
    ca = pki.ca('ca');
    const server = pki.issue(ca, 'server', { cn: 'kubeskoop-otel', usage: 'server' });
    caPem = readFileSync(ca.crt);
    dir = mkdtempSync(path.join(tmpdir(), 'ksotel-hostile-'));
    for (const d of ['tls', 'plain']) mkdirSync(path.join(dir, d));
    writeFileSync(
      path.join(dir, 'tls', 'web.yml'),
      [
        'tls_server_config:',
        `  cert_file: ${server.crt}`,
        `  key_file: ${server.key}`,
        'basic_auth_users:',
        `  prometheus: ${htpasswdHash(PASSWORD)}`,
        '',
      ].join('\n'),
    );
    tlsAgent = await startSecureAgent(path.join(dir, 'tls'), {
      args: ['--web.config.file', path.join(dir, 'tls', 'web.yml')],
      scheme: 'https',
      client: { ca: caPem },
    });
    plainAgent = await startSecureAgent(path.join(dir, 'plain'), { scheme: 'http' });
    prom = await startPrometheus({
      // 2 s: the scrape timeout too; the attack loads a shared 2-core machine, and a slow scrape is not the point.
      scrapeIntervalSeconds: 2,
      jobs: [
        {
          job: 'tls',
          targets: [`127.0.0.1:${tlsAgent.port}`],
          scheme: 'https',
          tls: { caFile: ca.crt },
          basicAuth: { username: 'prometheus', password: PASSWORD },
        },
        { job: 'plain', targets: [`127.0.0.1:${plainAgent.port}`] },
      ],
    });
    await waitForTarget(prom, 'tls', 'up');
    await waitForTarget(prom, 'plain', 'up');
  });
  after(async () => {
    await prom?.stop();
    await tlsAgent?.stop();
    await plainAgent?.stop();
    pki?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('keeps collecting and serving Prometheus through the attack, memory bounded, every connection freed', async () => {
    const tls = tlsAgent!;
    const plain = plainAgent!;
    const fds0 = { tls: openFds(tls.pid), plain: openFds(plain.pid) };
    const rss0 = { tls: (await procUsage(tls.pid)).rssBytes, plain: (await procUsage(plain.pid)).rssBytes };
    const cycle0 = { tls: await cycleOf(tls.base, { ca: caPem }), plain: await cycleOf(plain.base) };
    const attackStart = Date.now() / 1000;
    let peak = { ...rss0 };
    let sampling = true;
    const scrapeErrors = new Set<string>();
    const sampler = (async () => {
      while (sampling) {
        peak = {
          tls: Math.max(peak.tls, (await procUsage(tls.pid)).rssBytes),
          plain: Math.max(peak.plain, (await procUsage(plain.pid)).rssBytes),
        };
        for (const t of await prom!.targets()) if (t.lastError) scrapeErrors.add(`${t.labels.job}: ${t.lastError}`);
        await sleep(250);
      }
    })();

    const rnd = prng(24);
    const results: Record<string, string[]> = {};
    const note = (k: string, v: string): void => {
      (results[k] ??= []).push(v);
    };
    await Promise.all([
      // 1. 350 malformed openings of a TLS connection, 25 at a time; each must be closed by the agent.
      inBatches(350, 25, async (i) =>
        note('malformed TLS', await openAndWatch(tls.port, malformedHello(i, rnd), 20_000)),
      ),
      // 2. 60 full handshakes abandoned at once (CPU for the agent, nothing else).
      inBatches(
        60,
        10,
        (i) =>
          new Promise<void>((resolve) => {
            const s = tlsConnect({ port: tls.port, host: '127.0.0.1', ca: caPem }, () => {
              s.destroy();
              resolve();
            });
            s.on('error', () => resolve());
            void i;
          }),
      ),
      // 3. Oversized headers: one 32 KiB header, and 3000 small ones; both are over the 16 KiB limit.
      inBatches(40, 10, async (i) => {
        const headers: Record<string, string> = { ...auth };
        if (i % 2 === 0) headers['x-big'] = 'a'.repeat(32 * 1024);
        else for (let k = 0; k < 3000; k++) headers[`x-h${k}`] = 'v';
        try {
          const r = await get(`${tls.base}/metrics`, { ca: caPem, headers });
          note('oversized headers', String(r.status));
        } catch (e) {
          note(
            'oversized headers',
            (e as Error).message.includes('ECONNRESET') || /hang up/.test((e as Error).message)
              ? 'closed'
              : (e as Error).message,
          );
        }
      }),
      // 4. Slow-loris, 120 connections to each agent: nothing sent at all; a TLS hello never finished;
      //    headers trickled a byte every 2 s after a good handshake.
      inBatches(40, 40, async () => note('silent (plain)', await openAndWatch(plain.port, undefined, 40_000))),
      inBatches(40, 40, async () => note('silent (tls)', await openAndWatch(tls.port, undefined, 40_000))),
      inBatches(40, 40, async () => note('trickled headers (plain)', await trickle(plain.port, undefined, 40_000))),
      inBatches(40, 40, async () => note('trickled headers (tls)', await trickle(tls.port, caPem, 40_000))),
    ]);
    sampling = false;
    await sampler;

    // Every hostile connection was closed by the agent (none had to be dropped by this side).
    for (const [k, v] of Object.entries(results)) {
      if (k === 'oversized headers') continue;
      assert.deepEqual(
        [...new Set(v)],
        ['closed'],
        `${k}: ${v.filter((x) => x !== 'closed').length} of ${v.length} left open`,
      );
    }
    // Oversized headers: 431, or the connection closed before a status line.
    assert.ok(
      results['oversized headers']!.every((x) => x === '431' || x === 'closed'),
      JSON.stringify(results['oversized headers']),
    );
    assert.ok(results['oversized headers']!.includes('431'));

    // Prometheus scraped both agents all along, and both kept collecting.
    const attackSeconds = Math.ceil(Date.now() / 1000 - attackStart);
    for (const job of ['tls', 'plain']) {
      const r = await prom!.query(`min_over_time(up{job="${job}"}[${attackSeconds}s])`);
      assert.equal(r[0]?.value[1], '1', `${job}: a scrape failed during the attack: ${[...scrapeErrors].join('; ')}`);
      const n = await prom!.query(`count_over_time(up{job="${job}"}[${attackSeconds}s])`);
      assert.ok(Number(n[0]?.value[1]) >= attackSeconds / 4, `${job}: ${n[0]?.value[1]} scrapes in ${attackSeconds} s`);
    }
    assert.ok((await cycleOf(tls.base, { ca: caPem })) > cycle0.tls + attackSeconds / 2);
    assert.ok((await cycleOf(plain.base)) > cycle0.plain + attackSeconds / 2);
    const s = JSON.parse((await get(`${tls.base}/status`, { ca: caPem, headers: auth })).body) as {
      server: { handshakeFailures: number };
    };
    assert.ok(s.server.handshakeFailures >= 300, `malformed handshakes counted: ${s.server.handshakeFailures}`);

    // Memory: the attack costs at most 64 MiB of RSS over the agent's own (measured: see the log line).
    console.log(
      `      RSS tls ${(rss0.tls / MiB).toFixed(0)} → peak ${(peak.tls / MiB).toFixed(0)} MiB, ` +
        `plain ${(rss0.plain / MiB).toFixed(0)} → peak ${(peak.plain / MiB).toFixed(0)} MiB; ` +
        `attack ${attackSeconds} s`,
    );
    assert.ok(peak.tls - rss0.tls < 64 * MiB, `tls agent grew ${(peak.tls - rss0.tls) / MiB} MiB`);
    assert.ok(peak.plain - rss0.plain < 64 * MiB, `plain agent grew ${(peak.plain - rss0.plain) / MiB} MiB`);
    // No connection left behind.
    await waitUntil(
      () => openFds(tls.pid) <= fds0.tls + 2 && openFds(plain.pid) <= fds0.plain + 2,
      15_000,
      'sockets freed',
    );
  });
});

/** A request whose headers arrive one byte every 2 s (after a TLS handshake when `ca` is given). */
function trickle(port: number, ca: Buffer | undefined, maxMs: number): Promise<'closed' | 'left-open'> {
  return new Promise((resolve) => {
    const text = Buffer.from(
      'GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: slow\r\nX-Pad: aaaaaaaaaaaaaaaaaaaaaaaa\r\n',
    );
    let i = 0;
    let timer: NodeJS.Timeout | undefined;
    const s = ca ? tlsConnect({ port, host: '127.0.0.1', ca }) : netConnect(port, '127.0.0.1');
    const drip = (): void => {
      if (i < text.length) {
        s.write(text.subarray(i, i + 1));
        i++;
      }
    };
    s.once(ca ? 'secureConnect' : 'connect', () => {
      drip();
      timer = setInterval(drip, 2000);
    });
    s.on('error', () => undefined);
    s.on('data', () => undefined);
    const deadline = setTimeout(() => {
      s.destroy();
      resolve('left-open');
    }, maxMs);
    s.on('close', () => {
      clearTimeout(deadline);
      if (timer) clearInterval(timer);
      resolve('closed');
    });
  });
}
