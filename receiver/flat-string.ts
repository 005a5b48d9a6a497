// A string built piece by piece (+=, template literals) is a tree in V8: a node of 32 bytes per
// concatenation over its pieces. One kept for long is worth copying flat: a cached label text of a pod
// held several times its characters as built, well under half that flat (test/pipeline/flat-string).
const WIDE = /[^\u0000-\u00ff]/;

/** The same text as one flat string (for strings kept across cycles; not for every string). Exact for
 *  any string, lone surrogates included: one byte per character when all fit, else UTF-16. */
export function flatString(s: string): string {
  return WIDE.test(s) ? Buffer.from(s, 'utf16le').toString('utf16le') : Buffer.from(s, 'latin1').toString('latin1');
}
