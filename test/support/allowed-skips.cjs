// The strict-mode allow-list (test/allowed-skips.yaml), read by the reporter and by strict.ts.
// CommonJS because the reporter is: mocha loads reporters with require().
'use strict';
const { existsSync, readFileSync } = require('node:fs');
const { join } = require('node:path');
const { parse } = require('yaml');

/** KSOTEL_ALLOWED_SKIPS overrides the file (the reporter's own tests use that). */
function allowedSkipsFile() {
  return process.env.KSOTEL_ALLOWED_SKIPS || join(__dirname, '..', 'allowed-skips.yaml');
}

/** Every entry names a test's full title and the fact that excuses its skip; no title twice. */
function loadAllowedSkips(file = allowedSkipsFile()) {
  if (!existsSync(file)) return [];
  const doc = parse(readFileSync(file, 'utf8'));
  const list = (doc && doc.skips) || [];
  if (!Array.isArray(list)) throw new Error(`${file}: "skips" must be a list`);
  const seen = new Set();
  return list.map((e, i) => {
    const o = e || {};
    if (typeof o.test !== 'string' || o.test === '')
      throw new Error(`${file}: skips[${i}].test must be a test's full title`);
    if (typeof o.because !== 'string' || o.because === '')
      throw new Error(`${file}: skips[${i}] (${o.test}) needs "because"`);
    if (seen.has(o.test)) throw new Error(`${file}: skips[${i}]: "${o.test}" is listed twice`);
    seen.add(o.test);
    return { test: o.test, because: o.because };
  });
}

/** The entry that covers a test: its own title, or a suite title it starts with. */
function findAllowed(list, title) {
  return list.find((a) => a.test === title || title.startsWith(`${a.test} `));
}

module.exports = { allowedSkipsFile, loadAllowedSkips, findAllowed };
