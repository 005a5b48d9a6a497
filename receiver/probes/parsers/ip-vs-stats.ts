// Parser for /proc/<pid>/net/ip_vs_stats (net/netfilter/ipvs/ip_vs_ctl.c, ip_vs_stats_show):
//      Total Incoming Outgoing         Incoming         Outgoing
//      Conns  Packets  Packets            Bytes            Bytes
//   %8LX %8LX %8LX %16LX %16LX          ← totals since IPVS started (read here)
//   (blank)
//    Conns/s   Pkts/s   Pkts/s          Bytes/s          Bytes/s
//   %8LX %8LX %8LX %16LX %16LX          ← the kernel's own rate estimates (not read)
// Pure and total.
import { problemList } from './problems.js';

export interface IpvsStats {
  readonly connections: number;
  readonly incomingPackets: number;
  readonly outgoingPackets: number;
  readonly incomingBytes: number;
  readonly outgoingBytes: number;
}

export interface IpvsStatsParse {
  readonly stats: IpvsStats | undefined;
  readonly problems: readonly string[];
}

const HEX = /^[0-9a-fA-F]{1,16}$/;

export function parseIpvsStats(text: string): IpvsStatsParse {
  const lines = text.split('\n');
  if (lines.length < 3 || !/Total/.test(lines[0] ?? '') || !/Conns/.test(lines[1] ?? '')) {
    return { stats: undefined, problems: ['missing the two header lines of ip_vs_stats'] };
  }
  const problems = problemList();
  const cols = lines[2]
    .trim()
    .split(/\s+/)
    .filter((c) => c !== '');
  if (cols.length !== 5) return { stats: undefined, problems: [`line 3: ${cols.length} columns, expected 5`] };
  const bad = cols.findIndex((c) => !HEX.test(c));
  if (bad >= 0)
    return {
      stats: undefined,
      problems: [`line 3: column ${bad + 1} is not hexadecimal: ${JSON.stringify(cols[bad].slice(0, 40))}`],
    };
  // The rates line (the kernel's own estimates) is not exported, but a malformed one means the
  // file is not what this parser knows: say so.
  const rateLine = lines.findIndex((l, i) => i > 2 && /Conns\/s/.test(l));
  if (rateLine >= 0 && lines[rateLine + 1] !== undefined) {
    const rates = lines[rateLine + 1]
      .trim()
      .split(/\s+/)
      .filter((c) => c !== '');
    if (rates.length !== 5 || rates.some((c) => !HEX.test(c)))
      problems.push(`line ${rateLine + 2}: the rates line is not 5 hexadecimal columns`);
  }
  const [connections, incomingPackets, outgoingPackets, incomingBytes, outgoingBytes] = cols.map((c) =>
    Number.parseInt(c, 16),
  );
  return { stats: { connections, incomingPackets, outgoingPackets, incomingBytes, outgoingBytes }, problems };
}
