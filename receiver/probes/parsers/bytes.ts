// Reading a procfs file's bytes in place (the reused buffer of readProcBytes), without making a string
// of it first: the in-place readers of the kept parses (parse*Reusing) use these. A byte is the char
// code of the latin1 text the full parsers read, so both see the same characters.

/** Whether `b[pos…]` (of the first `len` bytes) starts with `s`. */
export function bytesAt(b: Uint8Array, len: number, pos: number, s: Uint8Array): boolean {
  const end = pos + s.length;
  if (end > len) return false;
  if (s.length > 24) return Buffer.compare(b.subarray(pos, end), s) === 0;
  for (let i = 0; i < s.length; i++) if (b[pos + i] !== s[i]) return false;
  return true;
}

/** A latin1 string's bytes (a copy). */
export const latin1 = (s: string): Buffer => Buffer.from(s, 'latin1');

/** The bytes of a text for the in-place readers, or undefined when it has a character latin1 cannot
 *  hold (no file read as latin1 has one; the full parser then decides). */
export function textBytes(text: string): Buffer | undefined {
  return /[^\u0000-\u00ff]/.test(text) ? undefined : Buffer.from(text, 'latin1');
}
