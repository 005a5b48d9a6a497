// A full GC on demand, inside the test process (no --expose-gc on the command line): for heap figures
// that hold only what is still reachable.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
export const gc = runInNewContext('gc') as () => void;

/** The heap in use after two full GCs (the second collects what the first's finalizers released). */
export function heapAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}
