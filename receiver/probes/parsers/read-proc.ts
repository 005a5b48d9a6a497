// Reading a procfs file for a target whose process may exit at any moment.
import { readFileSync } from 'node:fs';

export type ProcRead =
  | { readonly ok: true; readonly text: string }
  | { readonly ok: false; readonly gone: boolean; readonly reason: string };

/**
 * Reads a small procfs file synchronously: procfs text is generated in one go by the kernel and
 * the sync read avoids the thread-pool round trip, which dominates for files this small.
 */
export function readProcText(path: string): ProcRead {
  try {
    return { ok: true, text: readFileSync(path, 'latin1') };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'EIO';
    // ENOENT/ESRCH: the process (and maybe its namespace) went away between listing and reading.
    const gone = code === 'ENOENT' || code === 'ESRCH';
    return { ok: false, gone, reason: `${path}: ${code}` };
  }
}
