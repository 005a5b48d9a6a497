// Mocha reporter: the spec reporter's output, then one closing line that CI reads:
// "N passed, N failed" (", N skipped" when any test was skipped).
// Strict mode (KSOTEL_STRICT=1, which .ci/run sets when CI=true): a skip that
// test/allowed-skips.yaml does not name counts as failed, and so does an allow-listed test that ran
// instead of skipping (the list is stale); either makes mocha exit non-zero.
'use strict';
const Mocha = require('mocha');
const { loadAllowedSkips, allowedSkipsFile, findAllowed } = require('./allowed-skips.cjs');
const { Spec } = Mocha.reporters;
const { EVENT_RUN_END, EVENT_TEST_PENDING, EVENT_TEST_PASS, EVENT_TEST_FAIL } = Mocha.Runner.constants;

/** The reason strict.ts's skipBecause left on the test or on a suite above it. */
function skipReason(test) {
  for (let r = test; r; r = r.parent) if (typeof r.ksotelSkipReason === 'string') return r.ksotelSkipReason;
  return 'no reason given (skip with skipBecause from test/support/strict.ts)';
}

class ClosingLineReporter extends Spec {
  constructor(runner, options) {
    super(runner, options);
    const strict = process.env.KSOTEL_STRICT === '1';
    const allowList = loadAllowedSkips(); // a malformed list fails the run before any test
    const skipped = []; // { title, reason }
    const ran = new Set();
    runner.on(EVENT_TEST_PENDING, (t) => skipped.push({ title: t.fullTitle(), reason: skipReason(t) }));
    runner.on(EVENT_TEST_PASS, (t) => ran.add(t.fullTitle()));
    runner.on(EVENT_TEST_FAIL, (t) => {
      if (t.type === 'test') ran.add(t.fullTitle());
    });
    // Registered before mocha's own run-end listener, so the failures added here reach its exit code.
    runner.once(EVENT_RUN_END, () => {
      const s = runner.stats || {};
      const notAllowed = strict ? skipped.filter((k) => !findAllowed(allowList, k.title)) : [];
      const stale = strict
        ? allowList.filter(
            (a) => [...ran].some((t) => findAllowed([a], t)) && !skipped.some((k) => findAllowed([a], k.title)),
          )
        : [];
      const out = [];
      if (skipped.length > 0) {
        out.push('', 'skipped:');
        for (const k of skipped)
          out.push(`  ${k.title}: ${k.reason}${notAllowed.includes(k) ? '  [NOT ALLOWED]' : ''}`);
      }
      if (notAllowed.length + stale.length > 0) {
        out.push('', `strict mode (KSOTEL_STRICT=1): the skipped set differs from ${allowedSkipsFile()}:`);
        for (const k of notAllowed) out.push(`  skipped but not allowed (counted as failed): ${k.title}`);
        for (const a of stale)
          out.push(`  allowed to skip but ran (counted as failed; remove it from the list): ${a.test}`);
        runner.failures += notAllowed.length + stale.length;
      }
      const failed = (s.failures || 0) + notAllowed.length + stale.length;
      const nSkipped = skipped.length - notAllowed.length;
      let line = `${s.passes || 0} passed, ${failed} failed`;
      if (nSkipped > 0) line += `, ${nSkipped} skipped`;
      // after the spec reporter's own epilogue
      process.nextTick(() => process.stdout.write(`${out.length ? `${out.join('\n')}\n\n` : ''}${line}\n`));
    });
  }
}
module.exports = ClosingLineReporter;
