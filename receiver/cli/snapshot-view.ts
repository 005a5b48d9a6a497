// How `kubeskoop-otel snapshot` prints one cycle: a table for people, JSON for scripts.
import type { Snapshot } from '../snapshot/snapshot.js';
import { targetLabel } from '../snapshot/snapshot.js';
import type { Target } from '../targets/target.js';

export interface SnapshotJson {
  readonly cycle: number;
  readonly takenAt: string;
  readonly durationMs: number;
  readonly targets: readonly {
    readonly netnsInode: number;
    readonly kind: Target['kind'];
    readonly pid: number;
    readonly netnsName?: string;
    readonly pod?: Target['pod'];
    readonly samples: readonly {
      probe: string;
      metric: string;
      instrument: string;
      unit: string;
      attributes: Record<string, string | number>;
      value: unknown;
    }[];
  }[];
  readonly probes: Record<string, { state: string; reason?: string; durationMs: number; problems: readonly string[] }>;
}

export function snapshotToJson(snap: Snapshot): SnapshotJson {
  const targets = snap.targets.map((t) => ({
    netnsInode: t.netnsInode,
    kind: t.kind,
    pid: t.pid,
    ...(t.netnsName !== undefined ? { netnsName: t.netnsName } : {}),
    ...(t.pod !== undefined ? { pod: t.pod } : {}),
    samples: snap.entries
      .filter((e) => e.target.netnsInode === t.netnsInode)
      .flatMap((e) =>
        e.samples.map((s) => ({
          probe: e.probe,
          metric: s.metric.name,
          instrument: s.metric.instrument,
          unit: s.metric.unit,
          attributes: { ...s.attributes },
          value: s.value,
        })),
      ),
  }));
  const probes: SnapshotJson['probes'] = {};
  for (const [name, st] of snap.probes) {
    probes[name] = {
      state: st.status.state,
      ...(st.status.reason !== undefined ? { reason: st.status.reason } : {}),
      durationMs: Number(st.lastDurationMs.toFixed(3)),
      problems: st.lastProblems,
    };
  }
  return {
    cycle: snap.cycle,
    takenAt: new Date(snap.takenAt).toISOString(),
    durationMs: Number(snap.cycleDurationMs.toFixed(3)),
    targets,
    probes,
  };
}

export function renderSnapshotJson(snap: Snapshot): string {
  return JSON.stringify(snapshotToJson(snap), null, 2);
}

export function renderSnapshotTable(snap: Snapshot): string {
  const out: string[] = [];
  out.push(
    `cycle ${snap.cycle} at ${new Date(snap.takenAt).toISOString()}, ${snap.targets.length} network namespaces, ${snap.cycleDurationMs.toFixed(1)} ms\n`,
  );
  for (const t of snap.targets) {
    out.push(`\n${targetLabel(t)}  (kind ${t.kind}, netns ${t.netnsInode}, pid ${t.pid})\n`);
    const rows: string[][] = [];
    for (const e of snap.entries) {
      if (e.target.netnsInode !== t.netnsInode) continue;
      for (const s of e.samples) {
        const attrs = Object.entries(s.attributes)
          .map(([k, v]) => `${k}=${v}`)
          .join(' ');
        rows.push([
          s.metric.name,
          attrs,
          typeof s.value === 'number' ? String(s.value) : `histogram count=${s.value.count}`,
          s.metric.unit,
        ]);
      }
    }
    const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i].length), 0));
    for (const r of rows)
      out.push(`  ${r[0].padEnd(widths[0])}  ${r[1].padEnd(widths[1])}  ${r[2].padStart(widths[2])} ${r[3]}\n`);
  }
  out.push('\nprobes:\n');
  for (const [name, st] of snap.probes) {
    out.push(
      `  ${name.padEnd(14)} ${st.status.state.padEnd(10)} ${st.lastDurationMs.toFixed(2)} ms${st.status.reason ? `  (${st.status.reason})` : ''}\n`,
    );
  }
  return out.join('');
}
