// Mocha reporter: the spec reporter's output, then one closing line that CI reads:
// "N passed, N failed" (", N skipped" when any test was skipped).
'use strict';
const Mocha = require('mocha');
const { Spec } = Mocha.reporters;
const { EVENT_RUN_END } = Mocha.Runner.constants;

class ClosingLineReporter extends Spec {
  constructor(runner, options) {
    super(runner, options);
    runner.once(EVENT_RUN_END, () => {
      const s = runner.stats || {};
      const skipped = s.pending || 0;
      let line = `${s.passes || 0} passed, ${s.failures || 0} failed`;
      if (skipped > 0) line += `, ${skipped} skipped`;
      // after the spec reporter's own epilogue
      process.nextTick(() => process.stdout.write(`${line}\n`));
    });
  }
}
module.exports = ClosingLineReporter;
