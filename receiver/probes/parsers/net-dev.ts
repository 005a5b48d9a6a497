// Parser for /proc/<pid>/net/dev. Pure and total: text in, one record per interface and the
// problems it met out; it never throws.
import { problemList } from './problems.js';

export interface InterfaceCounters {
  readonly interfaceName: string;
  readonly receive: DirectionCounters;
  readonly transmit: DirectionCounters;
}

export interface DirectionCounters {
  readonly bytes: number;
  readonly packets: number;
  readonly errors: number;
  readonly dropped: number;
}

export interface NetDevParse {
  readonly interfaces: readonly InterfaceCounters[];
  readonly problems: readonly string[];
}

// Columns after "iface:" — receive: bytes packets errs drop fifo frame compressed multicast;
// transmit: bytes packets errs drop fifo colls carrier compressed.
const RX_BYTES = 0,
  RX_PACKETS = 1,
  RX_ERRS = 2,
  RX_DROP = 3;
const TX_BYTES = 8,
  TX_PACKETS = 9,
  TX_ERRS = 10,
  TX_DROP = 11;
const COLUMNS = 16;

export function parseNetDev(text: string): NetDevParse {
  const interfaces: InterfaceCounters[] = [];
  const problems = problemList();
  const lines = text.split('\n');
  lines.forEach((line, index) => {
    if (index < 2 || line.trim() === '') return; // two header lines
    const colon = line.indexOf(':');
    if (colon < 0) {
      problems.push(`line ${index + 1}: no "interface:" prefix`);
      return;
    }
    const interfaceName = line.slice(0, colon).trim();
    if (interfaceName === '') {
      problems.push(`line ${index + 1}: empty interface name`);
      return;
    }
    const fields = line
      .slice(colon + 1)
      .trim()
      .split(/\s+/);
    if (fields.length < COLUMNS) {
      problems.push(`line ${index + 1} (${interfaceName}): ${fields.length} columns, expected ${COLUMNS}`);
      return;
    }
    const nums = fields.slice(0, COLUMNS).map((f) => (/^\d+$/.test(f) ? Number(f) : Number.NaN));
    const bad = nums.findIndex((n) => !Number.isFinite(n));
    if (bad >= 0) {
      problems.push(
        `line ${index + 1} (${interfaceName}): column ${bad + 1} is not a counter: ${JSON.stringify(fields[bad])}`,
      );
      return;
    }
    interfaces.push({
      interfaceName,
      receive: { bytes: nums[RX_BYTES], packets: nums[RX_PACKETS], errors: nums[RX_ERRS], dropped: nums[RX_DROP] },
      transmit: { bytes: nums[TX_BYTES], packets: nums[TX_PACKETS], errors: nums[TX_ERRS], dropped: nums[TX_DROP] },
    });
  });
  if (lines.length < 2 || !lines[0].includes('|')) problems.push('missing the two header lines of /proc/net/dev');
  return { interfaces, problems };
}
