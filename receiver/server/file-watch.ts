// Calls back when the content of any of a set of files changed: the web config and the certificate,
// key and CA files it names. A Kubernetes Secret or ConfigMap volume swaps a `..data` symlink (cert-
// manager's renewals arrive that way), which a watch on the file itself misses: the files' directories
// are watched, and the contents are compared every pollMs as well (watch events can be missed).
import { createHash } from 'node:crypto';
import { readFileSync, watch, type FSWatcher } from 'node:fs';
import path from 'node:path';

function digest(file: string): string {
  try {
    return createHash('sha256').update(readFileSync(file)).digest('hex');
  } catch (err) {
    return `unreadable: ${(err as NodeJS.ErrnoException).code ?? 'error'}`;
  }
}

/** `changed` runs once per change (debounced 300 ms) and returns the files to watch from then on
 *  (the new config may name other files). Returns a function that stops watching. */
export function watchFiles(initial: readonly string[], changed: () => readonly string[], pollMs: number): () => void {
  let seen = new Map(initial.map((f) => [f, digest(f)]));
  const watchers = new Map<string, FSWatcher>();
  let debounce: NodeJS.Timeout | undefined;
  let stopped = false;

  const check = (): void => {
    if (stopped) return;
    if (![...seen].some(([f, d]) => digest(f) !== d)) return;
    const files = changed();
    // What was just judged, good or bad, is the new baseline: a rejected file is not retried until it changes again.
    seen = new Map(files.map((f) => [f, digest(f)]));
    rewatch();
  };
  const kick = (): void => {
    if (debounce) clearTimeout(debounce);
    debounce = setTimeout(check, 300);
    debounce.unref();
  };
  const rewatch = (): void => {
    const dirs = new Set([...seen.keys()].map((f) => path.dirname(f)));
    for (const [dir, w] of watchers)
      if (!dirs.has(dir)) {
        w.close();
        watchers.delete(dir);
      }
    for (const dir of dirs) {
      if (watchers.has(dir)) continue;
      try {
        const w = watch(dir, { persistent: false }, kick);
        w.on('error', () => {
          w.close();
          watchers.delete(dir);
        });
        watchers.set(dir, w);
      } catch {
        /* the poll still sees it */
      }
    }
  };
  rewatch();
  const poll = setInterval(check, pollMs);
  poll.unref();
  return () => {
    stopped = true;
    clearInterval(poll);
    if (debounce) clearTimeout(debounce);
    for (const w of watchers.values()) w.close();
    watchers.clear();
  };
}
