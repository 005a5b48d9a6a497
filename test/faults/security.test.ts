// Security: only /, /metrics, /status and /healthz answer; nothing changes state (every other
// method → 405, other paths → 404); the listener is bound where configured. Kernel data with
// hostile characters — an interface and a namespace named with quotes, backslashes and braces, a
// process whose comm holds a quote, a backslash, braces and a newline — comes out escaped: the
// Prometheus text (OTel and legacy names) parses and gives the exact names back, log and event
// lines stay one JSON document per line, OTLP carries the exact bytes.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { PREFIX, cleanupAll, ip } from '../support/netns.js';
import { startOtlpReceiver, type OtlpReceiver } from '../support/otlp-receiver.js';
import { startAgentProcess, type AgentProcess } from '../support/agent.js';
import { run, stopPid, waitUntil } from '../support/proc.js';
import { parsePromText } from '../support/prom-text.js';
import { featureOrLess, KERNEL_BTF } from '../support/strict.js';
import { BPF_EVENTS, scrape, status, tempDir, type TempDir } from './support.js';

// Legal in Linux names (no '/', ':' or whitespace in interface names, at most 15 characters).
const IFNAME = 'q"\\{x}=,';
const PEER = 'p\\"}{';
const NSNAME = `${PREFIX}sec"\\{x}`;
// comm is any 15 bytes: prctl(PR_SET_NAME) with a quote, a backslash, braces and a newline.
const COMM = 'ev"il\\{x}\nz';

/** One request with the path sent exactly as given (fetch would normalize "/a/../b"). */
function rawRequest(
  port: number,
  method: string,
  path: string,
  body?: string,
): Promise<{ status: number; allow: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, timeout: 5000 }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, allow: res.headers.allow }));
    });
    req.on('error', (e) => reject(new Error(`${method} ${path}: ${e.message}`)));
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.end(body);
  });
}

describe('faults: security — endpoints and hostile names', function () {
  this.timeout(120_000);
  let dir: TempDir;
  let rx: OtlpReceiver | undefined;
  let agent: AgentProcess | undefined;
  let keeper: number | undefined;
  let nsInode = 0;

  let events = false;

  before(async function () {
    events = featureOrLess(this, BPF_EVENTS, `eBPF events (kernel BTF at ${KERNEL_BTF})`);
    dir = tempDir('security');
    await ip(['netns', 'add', NSNAME]);
    await ip(['-n', NSNAME, 'link', 'set', 'lo', 'up']);
    await ip(['-n', NSNAME, 'link', 'add', IFNAME, 'type', 'veth', 'peer', 'name', PEER]);
    const k = spawn('ip', ['netns', 'exec', NSNAME, 'sleep', '300'], { stdio: 'ignore' });
    keeper = k.pid;
    nsInode = (await import('node:fs/promises').then((f) => f.stat(`/run/netns/${NSNAME}`))).ino;
    rx = await startOtlpReceiver({ http: false });
    const config = dir.file(
      'sec.yaml',
      `interval: 300ms
prometheus:
  names: both
metrics:
  probes: [netdev]
${
  events
    ? `events:
  probes: [tcpreset]
  sinks:
    - name: file
      path: ${join(dir.path, 'events.jsonl')}
`
    : ''
}otlp:
  endpoint: ${rx.grpcEndpoint}
  export_interval: 1s
`,
    );
    agent = await startAgentProcess({ args: ['-c', config] });
  });
  after(async () => {
    await agent?.stop();
    await rx?.close();
    if (keeper) await stopPid(keeper, 2000);
    await run('ip', ['netns', 'del', NSNAME], { timeoutMs: 10_000 });
    await cleanupAll();
    dir?.dispose();
  });

  it('only /, /metrics, /status, /healthz answer; every other method is 405 and changes nothing; bound to the configured address', async () => {
    const a = agent!;
    const before = await status(a);
    const ok = ['/', '/metrics', '/status', '/healthz', '/metrics?name[]=x', '/status?format=yaml'];
    const notFound = [
      '/metrics/',
      '//metrics',
      '/debug/pprof',
      '/-/reload',
      '/quitquitquit',
      '/config',
      '/status/../metrics',
      '/%2e%2e/etc/passwd',
      '/favicon.ico',
      '/api/v1/query',
      '/reload',
      '/flush',
    ];
    for (const p of ok) assert.equal((await rawRequest(a.port, 'GET', p)).status, 200, p);
    for (const p of notFound) assert.equal((await rawRequest(a.port, 'GET', p)).status, 404, p);
    const methods = ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'];
    let n405 = 0;
    for (const p of [...ok, ...notFound]) {
      for (const method of methods) {
        const r = await rawRequest(a.port, method, p, method === 'OPTIONS' ? undefined : 'interval: 1ms\n');
        assert.equal(r.status, 405, `${method} ${p}`);
        assert.equal(r.allow, 'GET, HEAD');
        n405++;
      }
    }
    assert.equal((await rawRequest(a.port, 'HEAD', '/metrics')).status, 200);
    const after = await status(a);
    assert.deepEqual(after.agent, before.agent, 'nothing changed');
    assert.deepEqual(Object.keys(after.probes), Object.keys(before.probes));
    // Listening on 127.0.0.1 only (the --address flag): /proc/net/tcp shows 0100007F:<port>, LISTEN.
    const tcp = await readFile('/proc/net/tcp', 'utf8');
    const port = a.port.toString(16).toUpperCase().padStart(4, '0');
    const listeners = tcp
      .split('\n')
      .filter((l) => new RegExp(`^\\s*\\d+: [0-9A-F]{8}:${port} 00000000:0000 0A`).test(l));
    assert.ok(listeners.length === 1 && listeners[0]!.includes(`0100007F:${port}`), listeners.join('\n'));
    console.log(
      `      [faults/security] endpoints: ${ok.length} paths 200, ${notFound.length} paths 404, ${n405} non-GET requests 405, /status unchanged, listener 127.0.0.1:${a.port} only`,
    );
  });

  it('hostile interface, namespace and comm names are escaped in Prometheus text, logs and event lines, exact over OTLP', async () => {
    const a = agent!;
    const m = await waitUntil(
      async () => {
        const r = await scrape(a);
        return r.samples.some((s) => s.labels.network_interface_name === IFNAME) ? r : undefined;
      },
      15_000,
      'the hostile interface on /metrics',
    );
    const parsed = parsePromText(m.text);
    assert.deepEqual(parsed.errors, [], 'the exposition parses');
    const ours = parsed.samples.filter((s) => s.labels.kubeskoop_netns_inode === String(nsInode));
    assert.ok(
      ours.some((s) => s.labels.network_interface_name === IFNAME),
      'OTel names: exact interface name back',
    );
    assert.ok(
      ours.some((s) => s.labels.network_interface_name === PEER),
      'and its peer',
    );
    assert.ok(
      ours.every(
        (s) =>
          s.labels.kubeskoop_netns_name === undefined || s.labels.kubeskoop_netns_name === NSNAME.replace(/^.*\//, ''),
      ),
      'namespace name exact',
    );
    assert.ok(
      ours.some((s) => s.labels.kubeskoop_netns_name === NSNAME),
      `namespace name on the series (${JSON.stringify(ours[0]?.labels)})`,
    );
    // Legacy (KubeSkoop) names come from the project's own renderer: same escaping. They sum the
    // interfaces (no interface label), so the hostile name they carry is the namespace's, as pod.
    const legacy = parsed.samples.filter(
      (s) =>
        /^(inspector_pod_|kubeskoop_netdev_)/.test(s.name) && (s.labels.k8s_pod === NSNAME || s.labels.pod === NSNAME),
    );
    assert.ok(
      legacy.some((s) => s.name.startsWith('inspector_pod_')) &&
        legacy.some((s) => s.name.startsWith('kubeskoop_netdev_')),
      `legacy v0.1 and v1 netdev series carry the exact namespace name (${legacy.length})`,
    );
    const legacyNote = `${legacy.length} legacy samples with the exact namespace name`;
    // Raw text: the quote and backslash are escaped, never bare inside a label value.
    assert.ok(m.text.includes('network_interface_name="q\\"\\\\{x}=,"'), 'escaped as q\\"\\\\{x}=, in the text');
    // promtool (Prometheus's own parser; setup.sh installs it with Debian's prometheus) accepts the
    // text. Its lint findings (naming advice) are not parse errors; a parse error fails.
    const promtool = await run('promtool', ['check', 'metrics'], { input: m.text, timeoutMs: 30_000 });
    assert.doesNotMatch(promtool.stdout + promtool.stderr, /error while linting|text format parsing error/);

    let eventNote = 'events not asserted (no kernel BTF)';
    if (events) {
      // A process named COMM connects to a closed port in the namespace: one reset, with its comm.
      const py = `import ctypes, socket\nctypes.CDLL(None).prctl(15, ${JSON.stringify(COMM)}.encode(), 0, 0, 0)\ns = socket.socket()\ntry:\n    s.connect(("127.0.0.1", 9))\nexcept ConnectionRefusedError:\n    print("refused")\n`;
      const r = await run('ip', ['netns', 'exec', NSNAME, 'python3', '-c', py], { timeoutMs: 10_000 });
      assert.match(r.stdout, /refused/);
      const [rec] = await rx!.waitForLog(
        'kubeskoop.tcp.reset',
        (l) => l.resource['kubeskoop.netns.inode'] === nsInode && l.attributes['process.executable.name'] === COMM,
        15_000,
      );
      assert.equal(rec!.resource['kubeskoop.netns.name'], NSNAME, 'namespace name exact over OTLP');
      // KubeSkoop's file sink: one JSON document per line.
      const file = join(dir.path, 'events.jsonl');
      await waitUntil(() => existsSync(file) && readFileSync(file, 'utf8').trim().length > 0, 10_000, 'event file');
      const lines = readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => l !== '');
      for (const l of lines) JSON.parse(l);
      eventNote = `comm ${JSON.stringify(COMM)} exact over OTLP, ${lines.length} event-file lines all JSON`;
    }
    // The agent's own log: every line one JSON document (the harness marks others as "raw").
    const raw = a.logs().filter((l) => l.level === 'raw');
    assert.deepEqual(raw, [], 'no raw (broken) log line');
    console.log(
      `      [faults/security] hostile names: interface ${JSON.stringify(IFNAME)}/${JSON.stringify(PEER)} and namespace ${JSON.stringify(NSNAME)} exact after parsing /metrics ` +
        `(${ours.length} series; ${legacyNote}); promtool parsed the text; ${eventNote}; ${a.logs().length} log lines, all JSON`,
    );
  });
});
