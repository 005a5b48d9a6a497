// `kubeskoop-otel top` in a real terminal: tmux (its own server socket) runs the CLI against a
// running agent; the test reads the screen with capture-pane and presses keys with send-keys.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../receiver/config/load.js';
import { probeCapabilities, startAgent, type RunningAgent } from '../../receiver/agent.js';
import { silentLogger } from '../../receiver/log.js';
import {
  computeTable,
  formatTopValue,
  renderScreen,
  seriesFromPrometheusText,
  servesOnlyLegacyNames,
  sortRows,
  topColumns,
} from '../../receiver/cli/top.js';
import { CLI } from '../support/agent.js';
import { cleanupAll, createPod, sendUdp, type TestPod } from '../support/netns.js';
import { run, runOk, sleep, stopPid, waitUntil } from '../support/proc.js';

const SOCKET = `ksotel-top-${process.pid}`;
const tmux = (args: string[]) =>
  run('tmux', ['-u', '-L', SOCKET, ...args], { timeoutMs: 10_000, env: { ...process.env, LANG: 'C.UTF-8' } });
const screen = async (): Promise<string> => (await tmux(['capture-pane', '-p', '-t', 'top'])).stdout;

describe('docs: kubeskoop-otel top', function () {
  this.timeout(120_000);
  let busy: TestPod;
  let idle: TestPod;
  let agent: RunningAgent | undefined;
  let dir: string | undefined;
  let tmuxPid: number | undefined;
  let traffic: Promise<unknown> | undefined;

  before(async () => {
    busy = await createPod({ label: 'top-busy' });
    idle = await createPod({ label: 'top-idle' });
    dir = await mkdtemp(join(tmpdir(), 'ksotel-top-'));
    const file = join(dir, 'config.yaml');
    await writeFile(file, 'interval: 1s\nserver: { address: 127.0.0.1, port: 0 }\nlog: { level: error }\n');
    agent = await startAgent(loadConfig({ file, env: {}, flags: {}, probes: probeCapabilities() }), silentLogger);
  });

  after(async () => {
    if (tmuxPid) await stopPid(tmuxPid, 2000);
    // The socket of this test's own tmux server (the server is gone once its only session ended).
    await rm(join(process.env['TMUX_TMPDIR'] ?? '/tmp', `tmux-${process.getuid?.() ?? 0}`, SOCKET), { force: true });
    await traffic?.catch(() => undefined);
    await agent?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
    await busy?.dispose();
    await idle?.dispose();
    await cleanupAll();
  });

  it('the screen model: columns from the registry, rates between two samples, sorting', () => {
    const cols = topColumns();
    assert.ok(cols.length >= 5);
    assert.equal(cols[cols.length - 1]!.unit, 'By', 'byte-rate columns come last');
    assert.equal(cols[0]!.column, 'TROUBLE');
    const text = (rx: number, drops: number) =>
      [
        '# TYPE k8s_pod_network_io_bytes_total counter',
        `k8s_pod_network_io_bytes_total{network_interface_name="eth0",network_io_direction="receive",k8s_pod_name="a",k8s_namespace_name="ns",otel_scope_name="kubeskoop-otel"} ${rx}`,
        `k8s_pod_network_io_bytes_total{network_interface_name="lo",network_io_direction="receive",k8s_pod_name="a",k8s_namespace_name="ns",otel_scope_name="kubeskoop-otel"} ${rx}`,
        `kubeskoop_network_packet_dropped_total{network_interface_name="eth0",network_io_direction="receive",k8s_pod_name="b",k8s_namespace_name="ns"} ${drops}`,
        'unknown_metric 5',
      ].join('\n');
    const t0 = seriesFromPrometheusText(text(1000, 5), undefined, 0);
    const t1 = seriesFromPrometheusText(text(3048, 15), undefined, 2000);
    const first = computeTable(t0, undefined);
    assert.equal(first.rows.find((r) => r.id.pod === 'a')!.values.get('RX B/S'), undefined, 'no rate from one sample');
    const table = computeTable(t1, t0);
    assert.deepEqual(
      table.columns.map((c) => c.column),
      ['TROUBLE', 'DEV DROPS', 'RX B/S'],
    );
    assert.equal(
      table.rows.find((r) => r.id.pod === 'b')!.values.get('TROUBLE'),
      5,
      'TROUBLE adds up the trouble columns',
    );
    assert.equal(
      table.rows.find((r) => r.id.pod === 'a')!.values.get('RX B/S'),
      2048,
      'sum over interfaces, per second',
    );
    assert.equal(table.rows.find((r) => r.id.pod === 'b')!.values.get('DEV DROPS'), 5);
    assert.equal(sortRows(table.rows, 'DEV DROPS', true)[0]!.id.pod, 'b');
    assert.equal(sortRows(table.rows, 'RX B/S', true)[0]!.id.pod, 'a');
    assert.equal(formatTopValue(2048, 'By'), '2.0KiB');
    assert.equal(formatTopValue(1500, '{packet}'), '1.5k');
    const lines = renderScreen(table, {
      source: 'x',
      intervalMs: 1000,
      sortIndex: 2,
      descending: true,
      width: 120,
      height: 10,
      at: 0,
    });
    assert.match(lines[1]!, /sorted by RX B\/S ↓/);
    assert.ok(lines.every((l) => l.length <= 120));
    // An agent in legacy-only mode: top says what to change instead of showing nothing.
    assert.equal(
      servesOnlyLegacyNames('# TYPE inspector_pod_netdevrxbytes gauge\ninspector_pod_netdevrxbytes{pod="a"} 1\n'),
      true,
    );
    assert.equal(servesOnlyLegacyNames(text(1, 1)), false);
  });

  it('runs in tmux: pods ranked, sorted by a key, reversed, quits on q', async () => {
    const url = `http://127.0.0.1:${agent!.http.port}`;
    // Continuous traffic into the busy pod for the whole test (bounded: 20 s).
    traffic = sendUdp('host', busy.netns, busy.ip!, { count: 1_000_000, size: 1200, timeoutMs: 20_000 });
    const start = await tmux([
      'new-session',
      '-d',
      '-s',
      'top',
      '-x',
      '180',
      '-y',
      '40',
      `${process.execPath} ${CLI} top --url ${url} --interval 1s`,
    ]);
    assert.equal(start.code, 0, start.stderr);
    tmuxPid = Number((await tmux(['display-message', '-p', '-t', 'top', '#{pid}'])).stdout.trim()) || undefined;

    // Wait for rates (two refreshes) and the busy pod on screen.
    let s = '';
    await waitUntil(
      async () => {
        s = await screen();
        return /kubeskoop-otel top/.test(s) && s.includes(busy.netns.name) && /\d+(\.\d)?[KM]iB/.test(s);
      },
      30_000,
      'the screen',
      250,
    ).catch(() => {
      throw new Error(`screen never showed the busy pod with rates:\n${s}`);
    });
    assert.match(s, /NAMESPACE +POD/);
    for (const col of ['DEV DROPS', 'RETRANS', 'RX B/S', 'TX B/S']) assert.ok(s.includes(col), `column ${col}:\n${s}`);
    assert.match(s, /sorted by TROUBLE ↓/);

    // Sort by RX B/S with its number key: the busy pod is among the first rows.
    const header = s.split('\n').find((l) => /NAMESPACE +POD/.test(l))!;
    const key = /(\d):RX B\/S/.exec(header)![1]!;
    await tmux(['send-keys', '-t', 'top', key]);
    await waitUntil(
      async () => {
        s = await screen();
        return /sorted by RX B\/S ↓/.test(s);
      },
      10_000,
      'the screen',
      200,
    );
    const rowsOf = (text: string) =>
      text
        .split('\n')
        .slice(text.split('\n').findIndex((l) => /NAMESPACE +POD/.test(l)) + 1)
        .filter((l) => l.trim() !== '');
    await waitUntil(
      async () => {
        s = await screen();
        return rowsOf(s)
          .slice(0, 5)
          .some((l) => l.includes(busy.netns.name));
      },
      10_000,
      'the screen',
      250,
    ).catch(() => {
      throw new Error(`busy pod not in the first rows when sorted by RX B/S:\n${s}`);
    });

    // r reverses: the busy pod leaves the top.
    await tmux(['send-keys', '-t', 'top', 'r']);
    await waitUntil(
      async () => {
        s = await screen();
        return /sorted by RX B\/S ↑/.test(s);
      },
      10_000,
      'the screen',
      200,
    );
    // Ascending: the busy pod (the highest rate) comes after the idle one, or off the screen.
    const rows = rowsOf(s);
    const bi = rows.findIndex((l) => l.includes(busy.netns.name));
    const ii = rows.findIndex((l) => l.includes(idle.netns.name));
    assert.ok(bi === -1 || (ii !== -1 && bi > ii), `reversed (busy row ${bi}, idle row ${ii}):\n${s}`);

    // → moves the sort to the next column.
    await tmux(['send-keys', '-t', 'top', 'Right']);
    await waitUntil(
      async () => {
        s = await screen();
        return !/sorted by RX B\/S/.test(s);
      },
      10_000,
      'the screen',
      200,
    );

    // q quits: the session ends with the program.
    await tmux(['send-keys', '-t', 'top', 'q']);
    await waitUntil(async () => (await tmux(['has-session', '-t', 'top'])).code !== 0, 10_000, 'the screen', 200);
    tmuxPid = undefined;
  });

  it('--once prints one screen for scripts, from a running agent', async () => {
    const r = await runOk(
      process.execPath,
      [CLI, 'top', '--once', '--interval', '1s', '--url', `http://127.0.0.1:${agent!.http.port}`],
      { timeoutMs: 30_000 },
    );
    assert.match(r.stdout, /kubeskoop-otel top — http:\/\/127\.0\.0\.1:\d+ — every 1s/);
    assert.ok(r.stdout.includes(idle.netns.name) || /more/.test(r.stdout), r.stdout);
    await sleep(10);
  });
});
