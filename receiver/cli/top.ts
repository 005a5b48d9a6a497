// `kubeskoop-otel top`: this node's pods ranked by network trouble, refreshed every interval.
// Columns come from the registry (`top:` on a metric): a column appears once some series of its
// metrics exists. Counters show their rate per second between two refreshes, levels their value.
// Data comes from a running agent's /metrics (`--url`) or from an in-process scheduler.
import type { MetricDefinition, TopColumn } from '../../semconv/types.js';
import {
  ATTR_K8S_NAMESPACE_NAME,
  ATTR_K8S_POD_NAME,
  ATTR_KUBESKOOP_NETNS_INODE,
  ATTR_KUBESKOOP_NETNS_NAME,
  ATTR_KUBESKOOP_TARGET_KIND,
  METRICS,
} from '../../semconv/generated/registry.js';
import { promLabelName, promName } from '../../semconv/lib/prom-names.js';
import type { Snapshot } from '../snapshot/snapshot.js';
import { targetAttributes } from '../snapshot/snapshot.js';

/** One series: the registry metric, its attributes (OTel names) and its value. */
export interface TopSeries {
  readonly metric: MetricDefinition;
  readonly attributes: Readonly<Record<string, string>>;
  readonly value: number;
}

/** The series of one collection, with when it was taken. */
export interface TopSample {
  readonly at: number;
  readonly series: readonly TopSeries[];
}

export interface ColumnSpec {
  readonly column: string;
  readonly unit: string;
  readonly rate: boolean;
  readonly breakdown?: string;
  readonly sources: readonly { metric: MetricDefinition; top: TopColumn }[];
}

/** The default sort: every trouble column's rate added up (drops, resets, retransmits, overflows… — not bytes, not levels). */
export const TROUBLE: ColumnSpec = { column: 'TROUBLE', unit: '{event}', rate: true, sources: [] };
const isTrouble = (c: ColumnSpec): boolean => c !== TROUBLE && c.rate && c.unit !== 'By';

/** The columns the registry declares: TROUBLE first, then in registry order, byte-rate columns last. */
export function topColumns(metrics: readonly MetricDefinition[] = METRICS): ColumnSpec[] {
  const byName = new Map<
    string,
    {
      column: string;
      unit: string;
      rate: boolean;
      breakdown?: string;
      sources: { metric: MetricDefinition; top: TopColumn }[];
    }
  >();
  for (const m of metrics) {
    for (const t of m.top ?? []) {
      let c = byName.get(t.column);
      if (!c)
        byName.set(t.column, (c = { column: t.column, unit: m.unit, rate: m.instrument === 'counter', sources: [] }));
      if (t.breakdown && !c.breakdown) c.breakdown = t.breakdown;
      c.sources.push({ metric: m, top: t });
    }
  }
  const cols = [...byName.values()];
  return [TROUBLE, ...cols.filter((c) => c.unit !== 'By'), ...cols.filter((c) => c.unit === 'By')];
}

// ---- identity ------------------------------------------------------------------------------

export interface RowIdentity {
  readonly key: string;
  readonly namespace: string;
  readonly pod: string;
}

function identityOf(attrs: Readonly<Record<string, string>>): RowIdentity {
  const ns = attrs[ATTR_K8S_NAMESPACE_NAME] ?? '';
  const pod = attrs[ATTR_K8S_POD_NAME];
  if (pod !== undefined) return { key: `pod:${ns}/${pod}`, namespace: ns, pod };
  if (attrs[ATTR_KUBESKOOP_TARGET_KIND] === 'host') return { key: 'host', namespace: '', pod: '(host)' };
  const name = attrs[ATTR_KUBESKOOP_NETNS_NAME] ?? `netns:${attrs[ATTR_KUBESKOOP_NETNS_INODE] ?? '?'}`;
  return { key: `netns:${attrs[ATTR_KUBESKOOP_NETNS_INODE] ?? name}`, namespace: '', pod: name };
}

// ---- sources -------------------------------------------------------------------------------

/** The snapshot as series (in-process mode). */
export function seriesFromSnapshot(snap: Snapshot): TopSample {
  const series: TopSeries[] = [];
  for (const e of snap.entries) {
    const id = targetAttributes(e.target);
    for (const s of e.samples) {
      if (typeof s.value !== 'number') continue;
      const attrs: Record<string, string> = {};
      for (const [k, v] of Object.entries({ ...s.attributes, ...id })) attrs[k] = String(v);
      series.push({ metric: s.metric, attributes: attrs, value: s.value });
    }
  }
  return { at: snap.takenAt || Date.now(), series };
}

function unescapeLabel(v: string): string {
  return v.replace(/\\(["\\n])/g, (_, c: string) => (c === 'n' ? '\n' : c));
}

/** Parses Prometheus text (the agent's /metrics) into registry series; names the registry does not know are skipped. */
export function seriesFromPrometheusText(
  text: string,
  metrics: readonly MetricDefinition[] = METRICS,
  at = Date.now(),
): TopSample {
  const byProm = new Map<string, MetricDefinition[]>();
  for (const m of metrics) {
    if (m.instrument === 'histogram') continue;
    const n = promName(m.name, m.instrument, m.unit);
    byProm.set(n, [...(byProm.get(n) ?? []), m]);
  }
  // Labels back to attribute names: every attribute the registry knows, plus the target identity.
  const attrOfLabel = new Map<string, string>();
  for (const a of [
    ATTR_K8S_NAMESPACE_NAME,
    ATTR_K8S_POD_NAME,
    ATTR_KUBESKOOP_NETNS_INODE,
    ATTR_KUBESKOOP_NETNS_NAME,
    ATTR_KUBESKOOP_TARGET_KIND,
    ...metrics.flatMap((m) => m.attributes),
  ]) {
    attrOfLabel.set(promLabelName(a), a);
  }
  const series: TopSeries[] = [];
  const line = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
  const label = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
  for (const raw of text.split('\n')) {
    if (raw === '' || raw.startsWith('#')) continue;
    const m = line.exec(raw);
    if (!m) continue;
    const defs = byProm.get(m[1]!);
    if (!defs) continue;
    const value = Number(m[3]);
    if (!Number.isFinite(value)) continue;
    const attrs: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(label)) {
      const a = attrOfLabel.get(l[1]!);
      if (a) attrs[a] = unescapeLabel(l[2]!);
    }
    // Several probes may fill one OTel name (kubeskoop.mib.events): the series belongs to the one whose top columns select it, else the first.
    const def =
      defs.find((d) =>
        (d.top ?? []).some((t) => Object.entries(t.attributes ?? {}).every(([k, v]) => attrs[k] === v)),
      ) ?? defs[0]!;
    series.push({ metric: def, attributes: attrs, value });
  }
  return { at, series };
}

// ---- the table -----------------------------------------------------------------------------

export interface TopRow {
  readonly id: RowIdentity;
  /** Column → value (rate per second for counters); undefined = not yet known (needs two samples). */
  readonly values: ReadonlyMap<string, number | undefined>;
  /** Column → the breakdown attribute value with the largest share. */
  readonly breakdown: ReadonlyMap<string, string>;
}

export interface TopTable {
  readonly columns: readonly ColumnSpec[];
  readonly rows: readonly TopRow[];
}

function selects(s: TopSeries, t: TopColumn): boolean {
  return Object.entries(t.attributes ?? {}).every(([k, v]) => s.attributes[k] === v);
}

/** Per row and column: the summed value, and per breakdown value. */
function aggregate(
  sample: TopSample,
  columns: readonly ColumnSpec[],
): Map<string, { id: RowIdentity; cols: Map<string, { total: number; parts: Map<string, number> }> }> {
  const rows = new Map<string, { id: RowIdentity; cols: Map<string, { total: number; parts: Map<string, number> }> }>();
  for (const s of sample.series) {
    for (const c of columns) {
      for (const src of c.sources) {
        if (src.metric.id !== s.metric.id || !selects(s, src.top)) continue;
        const id = identityOf(s.attributes);
        let row = rows.get(id.key);
        if (!row) rows.set(id.key, (row = { id, cols: new Map() }));
        let cell = row.cols.get(c.column);
        if (!cell) row.cols.set(c.column, (cell = { total: 0, parts: new Map() }));
        cell.total += s.value;
        if (c.breakdown) {
          const b = s.attributes[c.breakdown] ?? '?';
          cell.parts.set(b, (cell.parts.get(b) ?? 0) + s.value);
        }
      }
    }
  }
  return rows;
}

/** The table between two samples (prev undefined: counters have no rate yet). Columns without any series are left out. */
export function computeTable(
  cur: TopSample,
  prev: TopSample | undefined,
  allColumns: readonly ColumnSpec[] = topColumns(),
): TopTable {
  const now = aggregate(cur, allColumns);
  const before = prev ? aggregate(prev, allColumns) : undefined;
  const dt = prev ? Math.max((cur.at - prev.at) / 1000, 1e-3) : 0;
  const present = new Set<string>();
  for (const r of now.values()) for (const k of r.cols.keys()) present.add(k);
  const columns = allColumns.filter(
    (c) => present.has(c.column) || (c === TROUBLE && allColumns.some((x) => isTrouble(x) && present.has(x.column))),
  );
  const rows: TopRow[] = [];
  for (const [key, r] of now) {
    const values = new Map<string, number | undefined>();
    const breakdown = new Map<string, string>();
    for (const c of columns) {
      if (c === TROUBLE) continue;
      const cell = r.cols.get(c.column);
      if (!cell) {
        values.set(c.column, undefined);
        continue;
      }
      if (!c.rate) {
        values.set(c.column, cell.total);
        continue;
      }
      const old = before?.get(key)?.cols.get(c.column);
      // A counter that went backwards is a new namespace under an old name: no rate this time.
      values.set(c.column, old && cell.total >= old.total ? (cell.total - old.total) / dt : undefined);
      if (c.breakdown && old) {
        let best = '';
        let bestD = 0;
        for (const [b, v] of cell.parts) {
          const d = v - (old.parts.get(b) ?? 0);
          if (d > bestD) {
            best = b;
            bestD = d;
          }
        }
        if (best) breakdown.set(c.column, best);
      }
    }
    if (columns.includes(TROUBLE)) {
      const parts = columns.filter(isTrouble).map((c) => values.get(c.column));
      const known = parts.filter((v): v is number => v !== undefined);
      values.set(TROUBLE.column, known.length ? known.reduce((a, b) => a + b, 0) : undefined);
    }
    rows.push({ id: r.id, values, breakdown });
  }
  return { columns, rows };
}

export function sortRows(rows: readonly TopRow[], column: string | undefined, descending: boolean): TopRow[] {
  const v = (r: TopRow): number => (column ? (r.values.get(column) ?? -1) : 0);
  return [...rows].sort((a, b) => {
    const d = descending ? v(b) - v(a) : v(a) - v(b);
    return d !== 0 ? d : `${a.id.namespace}/${a.id.pod}`.localeCompare(`${b.id.namespace}/${b.id.pod}`);
  });
}

/** 1234 → 1.2k; bytes per second → KiB/MiB. */
export function formatTopValue(v: number | undefined, unit: string): string {
  if (v === undefined) return '-';
  if (unit === 'By') {
    const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    let x = v;
    let i = 0;
    while (x >= 1024 && i < units.length - 1) {
      x /= 1024;
      i++;
    }
    return `${x >= 100 || i === 0 ? x.toFixed(0) : x.toFixed(1)}${units[i]}`;
  }
  const units = ['', 'k', 'M', 'G', 'T'];
  let x = v;
  let i = 0;
  while (Math.abs(x) >= 1000 && i < units.length - 1) {
    x /= 1000;
    i++;
  }
  if (i === 0) return Number.isInteger(x) ? String(x) : x.toFixed(x < 10 ? 2 : 1);
  return `${x.toFixed(1)}${units[i]}`;
}

export interface ScreenState {
  readonly source: string;
  readonly intervalMs: number;
  /** Index into the table's columns. */
  readonly sortIndex: number;
  readonly descending: boolean;
  readonly width: number;
  readonly height: number;
  readonly at: number;
  readonly error?: string;
}

const clip = (s: string, w: number): string => (s.length > w ? `${s.slice(0, Math.max(0, w - 1))}…` : s);

/** The screen as lines of text (no escape codes), at most `height` lines of `width` characters. */
export function renderScreen(table: TopTable, st: ScreenState): string[] {
  const sortCol = table.columns[Math.min(st.sortIndex, table.columns.length - 1)];
  const lines: string[] = [];
  lines.push(
    clip(
      `kubeskoop-otel top — ${st.source} — every ${st.intervalMs / 1000}s — ${new Date(st.at).toISOString().slice(11, 19)}Z — ${table.rows.length} pods/namespaces`,
      st.width,
    ),
  );
  lines.push(
    clip(
      `sorted by ${sortCol ? sortCol.column : '-'} ${st.descending ? '↓' : '↑'}   keys: 1-9 sort by column · ←/→ or </> move · r reverse · q quit   (counters are per second)`,
      st.width,
    ),
  );
  if (st.error) lines.push(clip(`error: ${st.error}`, st.width));
  lines.push('');
  const head = ['NAMESPACE'.padEnd(14), 'POD'.padEnd(26)];
  table.columns.forEach((c, i) => {
    const label = `${i < 9 ? `${i + 1}:` : ''}${c.column}${sortCol === c ? (st.descending ? '↓' : '↑') : ''}`;
    head.push(label.padStart(Math.max(9, label.length)));
    if (c.breakdown) head.push('REASON'.padEnd(16));
  });
  lines.push(clip(head.join(' '), st.width));
  const rows = sortRows(table.rows, sortCol?.column, st.descending);
  const room = Math.max(0, st.height - lines.length - 1);
  for (const r of rows.slice(0, room)) {
    const cells = [clip(r.id.namespace || '-', 14).padEnd(14), clip(r.id.pod, 26).padEnd(26)];
    table.columns.forEach((c, i) => {
      const label = `${i < 9 ? `${i + 1}:` : ''}${c.column}${sortCol === c ? '↓' : ''}`;
      cells.push(formatTopValue(r.values.get(c.column), c.unit).padStart(Math.max(9, label.length)));
      if (c.breakdown) cells.push(clip(r.breakdown.get(c.column) ?? '', 16).padEnd(16));
    });
    lines.push(clip(cells.join(' '), st.width));
  }
  if (rows.length > room) lines.push(clip(`… ${rows.length - room} more`, st.width));
  if (table.columns.length === 0) lines.push('(no metric with a top column has data yet)');
  return lines;
}

// ---- the live loop -------------------------------------------------------------------------

export interface TopOptions {
  /** Returns the current series (fetches /metrics, or runs a cycle). */
  readonly fetch: () => Promise<TopSample>;
  readonly source: string;
  readonly intervalMs: number;
  readonly input: NodeJS.ReadStream;
  readonly output: NodeJS.WriteStream;
  /** Print one screen (after two samples) and return, for scripts. */
  readonly once?: boolean;
}

/** Runs until q / Ctrl-C (or after one screen with `once`). */
export async function runTop(opts: TopOptions): Promise<void> {
  const out = opts.output;
  let prev: TopSample | undefined;
  let cur: TopSample | undefined;
  let sortIndex = 0;
  let descending = true;
  let error: string | undefined;
  let table: TopTable = { columns: [], rows: [] };
  const tty = out.isTTY === true && !opts.once;
  const draw = (): void => {
    const st: ScreenState = {
      source: opts.source,
      intervalMs: opts.intervalMs,
      sortIndex,
      descending,
      width: out.columns ?? 160,
      height: out.rows ?? 50,
      at: cur?.at ?? Date.now(),
      ...(error ? { error } : {}),
    };
    const lines = renderScreen(table, st);
    out.write(tty ? `\x1b[H\x1b[2J${lines.join('\r\n')}` : `${lines.join('\n')}\n`);
  };
  const refresh = async (): Promise<void> => {
    try {
      const s = await opts.fetch();
      prev = cur;
      cur = s;
      error = undefined;
    } catch (err) {
      error = (err as Error).message;
    }
    if (cur) table = computeTable(cur, prev);
  };
  if (opts.once) {
    await refresh();
    await new Promise((r) => setTimeout(r, opts.intervalMs));
    await refresh();
    draw();
    return;
  }
  await new Promise<void>((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    let stopped = false;
    const stop = (): void => {
      if (stopped) return;
      stopped = true;
      if (timer) clearTimeout(timer);
      opts.input.off('data', onKey);
      if (opts.input.isTTY) opts.input.setRawMode(false);
      opts.input.pause();
      if (tty) out.write('\x1b[?25h\x1b[?1049l');
      resolve();
    };
    const onKey = (buf: Buffer): void => {
      const k = buf.toString('utf8');
      const n = table.columns.length;
      if (k === 'q' || k === 'Q' || k === '\x03') {
        stop();
        return;
      }
      if (/^[1-9]$/.test(k) && Number(k) <= n) sortIndex = Number(k) - 1;
      else if (k === 'r' || k === 'R') descending = !descending;
      else if ((k === '\x1b[C' || k === '>' || k === '.') && n > 0) sortIndex = (Math.min(sortIndex, n - 1) + 1) % n;
      else if ((k === '\x1b[D' || k === '<' || k === ',') && n > 0)
        sortIndex = (Math.min(sortIndex, n - 1) + n - 1) % n;
      else return;
      draw();
    };
    if (tty) out.write('\x1b[?1049h\x1b[?25l');
    if (opts.input.isTTY) opts.input.setRawMode(true);
    opts.input.resume();
    opts.input.on('data', onKey);
    const tick = async (): Promise<void> => {
      await refresh();
      if (stopped) return;
      draw();
      timer = setTimeout(() => {
        void tick();
      }, opts.intervalMs);
    };
    void tick();
  });
}

/** True when a /metrics text has legacy names of the registry but none of its OTel names. */
export function servesOnlyLegacyNames(text: string, metrics: readonly MetricDefinition[] = METRICS): boolean {
  const legacy = new Set(metrics.flatMap((m) => m.legacy.map((l) => l.name)));
  for (const m of text.matchAll(/^# TYPE (\S+) /gm)) if (legacy.has(m[1]!)) return true;
  return false;
}

/** Fetches a running agent's /metrics. */
export function fetchMetrics(url: string): () => Promise<TopSample> {
  const target = /\/metrics$/.test(url) ? url : `${url.replace(/\/$/, '')}/metrics`;
  return async () => {
    const r = await fetch(target, { signal: AbortSignal.timeout(10_000) });
    if (r.status !== 200) throw new Error(`${target}: HTTP ${r.status}`);
    const text = await r.text();
    const sample = seriesFromPrometheusText(text);
    if (sample.series.length === 0 && servesOnlyLegacyNames(text)) {
      throw new Error(
        `${target} serves KubeSkoop's legacy names only; top reads the OTel names: set prometheus.names to otel or both`,
      );
    }
    return sample;
  };
}

/** The `top` command: `url` reads a running agent; otherwise one scheduler runs in this process. */
export async function topCommand(opts: {
  url?: string;
  intervalMs: number;
  once?: boolean;
  inProcess: () => { runCycle(): Promise<Snapshot>; startProbes(): Promise<void>; stop(): Promise<void> };
}): Promise<number> {
  const io = {
    input: process.stdin,
    output: process.stdout,
    intervalMs: opts.intervalMs,
    ...(opts.once ? { once: true } : {}),
  };
  if (opts.url !== undefined) {
    await runTop({ ...io, fetch: fetchMetrics(opts.url), source: opts.url });
    return 0;
  }
  const scheduler = opts.inProcess();
  await scheduler.startProbes();
  try {
    await runTop({
      ...io,
      fetch: async () => seriesFromSnapshot(await scheduler.runCycle()),
      source: 'in-process agent',
    });
  } finally {
    await scheduler.stop();
  }
  return 0;
}
