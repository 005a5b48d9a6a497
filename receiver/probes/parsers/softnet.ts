// Parser for /proc/net/softnet_stat: one line per online CPU, hexadecimal columns.
//   0 processed, 1 dropped, 2 time_squeeze, 3-8 unused, 9 received_rps, 10 flow_limit_count,
//   11 backlog length (6.x), 12 CPU number (since 5.10; offline CPUs have no line, so the line
//   index is not the CPU number), 13 input_qlen, 14 process_qlen.
// Pure and total.
import { problemList } from './problems.js';

export interface SoftnetCpu {
  /** The CPU's number: column 13 when the kernel prints it, else the line's position. */
  readonly cpu: number;
  readonly processed: number;
  readonly dropped: number;
  readonly timeSqueeze: number;
}

export interface SoftnetParse {
  readonly cpus: readonly SoftnetCpu[];
  readonly problems: readonly string[];
}

const HEX = /^[0-9a-fA-F]{1,16}$/;

export function parseSoftnet(text: string): SoftnetParse {
  const cpus: SoftnetCpu[] = [];
  const problems = problemList();
  let position = 0;
  text.split('\n').forEach((line, idx) => {
    if (line.trim() === '') return;
    const cols = line.trim().split(/\s+/);
    const index = position++;
    if (cols.length < 3) {
      problems.push(`line ${idx + 1}: ${cols.length} columns, expected at least 3`);
      return;
    }
    const bad = cols.findIndex((c) => !HEX.test(c));
    if (bad >= 0) {
      problems.push(`line ${idx + 1}: column ${bad + 1} is not hexadecimal: ${JSON.stringify(cols[bad].slice(0, 40))}`);
      return;
    }
    const hex = (c: string): number => Number.parseInt(c, 16);
    cpus.push({
      cpu: cols.length >= 13 ? hex(cols[12]) : index,
      processed: hex(cols[0]),
      dropped: hex(cols[1]),
      timeSqueeze: hex(cols[2]),
    });
  });
  return { cpus, problems };
}
