// IP addresses as text: dotted quad, and RFC 5952 for IPv6 (as the WHATWG URL serializer writes them).

export function formatIPv4(b: Uint8Array, off: number): string {
  return `${b[off]}.${b[off + 1]}.${b[off + 2]}.${b[off + 3]}`;
}

/** the eight groups of the address being formatted (one scratch array: no array per address) */
const groups = new Int32Array(8);

/** RFC 5952 text form: lowercase, longest run (≥2) of zero groups as ::, IPv4-mapped as ::ffff:a.b.c.d.
 *  Written for a first cycle's 65k new peers: no array, slice or join per address. */
export function formatIPv6(b: Uint8Array, off: number): string {
  const g = groups;
  for (let i = 0; i < 8; i++) g[i] = (b[off + 2 * i]! << 8) | b[off + 2 * i + 1]!;
  if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff) {
    return `::ffff:${formatIPv4(b, off + 12)}`;
  }
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const after = bestStart + bestLen;
  let s = '';
  for (let i = 0; i < 8;) {
    if (i === bestStart) {
      s += '::';
      i = after;
      continue;
    }
    // a colon between groups, none right after the ::
    if (i > 0 && i !== after) s += ':';
    s += g[i]!.toString(16);
    i++;
  }
  return s;
}
