// A process's I/O counters as /proc/<pid>/io prints them (its first six lines), whether parsed from
// that file (probes/parsers/proc-io.ts) or read by the helper's task walk (task-table.ts).
export interface ProcIo {
  readonly rchar: number;
  readonly wchar: number;
  readonly syscr: number;
  readonly syscw: number;
  readonly readBytes: number;
  readonly writeBytes: number;
}
