import assert from 'node:assert/strict';
import net from 'node:net';
import { freePort, onFreePort, procUsage, run, runOk, waitForPort, waitUntil, pidAlive } from '../support/proc.js';

describe('harness: proc helpers', function () {
  this.timeout(20_000);

  it('runs a command with captured output and input', async () => {
    const r = await run('sh', ['-c', 'cat; echo err >&2; exit 3'], { input: 'hello' });
    assert.equal(r.stdout, 'hello');
    assert.equal(r.stderr, 'err\n');
    assert.equal(r.code, 3);
    assert.equal(r.timedOut, false);
    await assert.rejects(runOk('sh', ['-c', 'echo nope >&2; exit 1']), /nope/);
  });

  it('kills a child by pid at its hard timeout', async () => {
    const t0 = Date.now();
    const r = await run('sleep', ['30'], { timeoutMs: 300 });
    assert.equal(r.timedOut, true);
    assert.equal(r.signal, 'SIGKILL');
    assert.ok(Date.now() - t0 < 5000);
    assert.ok(!pidAlive(r.pid!));
  });

  it('finds a free port and waits for it to listen', async () => {
    const port = await freePort();
    await assert.rejects(waitForPort(port, '127.0.0.1', 300), /nothing listening/);
    const srv = net.createServer((c) => c.end());
    setTimeout(() => srv.listen(port, '127.0.0.1'), 200);
    try {
      await waitForPort(port, '127.0.0.1', 5000);
    } finally {
      srv.close();
    }
  });

  it('onFreePort starts again on a new port when another process took the first one', async () => {
    const squatters: net.Server[] = [];
    const tried: number[] = [];
    try {
      const srv = await onFreePort(async (port) => {
        tried.push(port);
        if (tried.length === 1) {
          // another process binds the port between freePort() and the server's own bind
          const s = net.createServer();
          squatters.push(s);
          await new Promise<void>((r) => s.listen(port, '127.0.0.1', r));
        }
        const own = net.createServer();
        await new Promise<void>((resolve, reject) => {
          own.once('error', reject);
          own.listen(port, '127.0.0.1', resolve);
        });
        return own;
      });
      assert.equal(tried.length, 2);
      assert.notEqual(tried[0], tried[1]);
      assert.equal((srv.address() as net.AddressInfo).port, tried[1]);
      srv.close();
      await assert.rejects(
        onFreePort(() => Promise.reject(new Error('bad config'))),
        /bad config/,
      );
    } finally {
      for (const s of squatters) s.close();
    }
  });

  it('reads RSS and CPU time of a process', async () => {
    // CPU time is checked as the growth across a busy loop (this process's total is large anyway),
    // against process.cpuUsage(), the kernel's figure read by another path.
    const u0 = await procUsage(process.pid);
    const c0 = process.cpuUsage();
    const t0 = Date.now();
    let x = 0;
    while (Date.now() - t0 < 300) x += Math.sqrt(x + 1);
    const c1 = process.cpuUsage(c0);
    const u = await procUsage(process.pid);
    assert.ok(u.rssBytes > 10 * 1024 * 1024, String(u.rssBytes));
    assert.ok(u.rssPeakBytes >= u.rssBytes);
    const grew = u.cpuSeconds - u0.cpuSeconds;
    const direct = (c1.user + c1.system) / 1e6;
    // /proc ticks are 10 ms; other threads (GC, libuv) may add a little on top of the loop
    assert.ok(
      grew > 0 && grew >= direct - 0.03 && grew <= direct + 0.1,
      `procUsage grew ${grew} s, process.cpuUsage ${direct} s`,
    );
    assert.ok(Math.abs(u.cpuSeconds - (u.userSeconds + u.systemSeconds)) < 1e-9);
    assert.ok(u.threads >= 1);
    assert.match(u.state, /^[RSD]$/);
    assert.equal(await waitUntil(() => x > 0 && 'yes', 1000), 'yes');
  });
});
