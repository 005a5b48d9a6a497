// What a probe returns when its procfs file could not be read (readProcText or sharedParse failed).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ProbeResult } from './probe.js';
import type { Target } from '../targets/target.js';

interface Failed {
  readonly gone: boolean;
  readonly reason: string;
}

/** No samples; a target that went away (ENOENT/ESRCH) is targetGone, not a problem. */
export function unreadable(r: Failed): ProbeResult {
  return { samples: [], problems: r.gone ? [] : [r.reason], targetGone: r.gone };
}

/**
 * For a file that exists only while a kernel module is loaded (ip_vs_stats, stat/nf_conntrack):
 * ENOENT with the namespace still there means the module is absent, not that the target went.
 * A module already absent at start was reported then (degraded), so not again every cycle.
 */
export function unreadableModuleFile(r: Failed, procRoot: string, target: Target, absentAtStart: boolean): ProbeResult {
  // net/dev, not net: /proc/<pid>/net stays listed for an exiting (zombie) process.
  if (r.gone && existsSync(join(procRoot, String(target.pid), 'net', 'dev')))
    return { samples: [], problems: absentAtStart ? [] : [r.reason] };
  return unreadable(r);
}
