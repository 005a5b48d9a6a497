// Strict mode (KSOTEL_STRICT=1; `.ci/run` sets it when CI=true): a missing kernel feature must
// not turn tests into silent skips or silent partial passes. Tests skip only through
// `skipBecause` and branch on a feature only through `featureOrLess`; the reporter
// (reporter.cjs) then counts every skip that test/allowed-skips.yaml does not name as a failure.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { packageRoot } from '../../receiver/version.js';

/** True when the run must fail on any skip or missing feature the allow-list does not name. */
export const STRICT = process.env.KSOTEL_STRICT === '1';

/** The kernel's BTF; KSOTEL_BTF_PATH points elsewhere to simulate a machine without it (the
 *  helper and scripts/setup.sh read the same variable). */
export const KERNEL_BTF = process.env.KSOTEL_BTF_PATH || '/sys/kernel/btf/vmlinux';

// One loader for this module and the reporter (which mocha require()s, so it is CommonJS).
const cjs = createRequire(import.meta.url)(join(packageRoot(), 'test', 'support', 'allowed-skips.cjs')) as {
  allowedSkipsFile(): string;
  loadAllowedSkips(file?: string): AllowedSkip[];
  findAllowed(list: readonly AllowedSkip[], title: string): AllowedSkip | undefined;
};

export interface AllowedSkip {
  /** The test's full title (mocha's fullTitle(): suite titles and the test title, space-joined);
   *  a suite's title covers every test in it. */
  readonly test: string;
  /** The kernel or machine fact that excuses the skip. */
  readonly because: string;
}

/** test/allowed-skips.yaml, or KSOTEL_ALLOWED_SKIPS when set. */
export const allowedSkipsFile = (): string => cjs.allowedSkipsFile();
/** Reads and checks the allow-list: every entry names a test and a reason, no title twice. */
export const loadAllowedSkips = (file?: string): AllowedSkip[] => cjs.loadAllowedSkips(file);

type Titled = { fullTitle(): string; parent?: Titled } & Record<string, unknown>;

// Where a skip's reason is kept for the reporter: on the test, or on the suite when a hook skips.
const REASON = 'ksotelSkipReason';

/** The test (inside `it`) or the suite (inside a hook) that ctx stands for. */
function subject(ctx: Mocha.Context): Titled | undefined {
  const r = ctx.test as unknown as (Titled & { type?: string }) | undefined;
  if (!r) return undefined;
  return r.type === 'hook' ? r.parent : r;
}

function allowed(title: string): AllowedSkip | undefined {
  return cjs.findAllowed(loadAllowedSkips(), title);
}

/** Skips the test (in `it`) or the suite (in a `before` hook) and says why. The reporter shows the
 *  reason; under KSOTEL_STRICT=1 the skip counts as a failure unless test/allowed-skips.yaml
 *  names the test. Use this instead of `this.skip()`. */
export function skipBecause(ctx: Mocha.Context, reason: string): never {
  const s = subject(ctx);
  if (s) s[REASON] = reason;
  ctx.skip();
  throw new Error('unreachable: ctx.skip() returned'); // mocha's skip throws; this keeps `never` honest
}

/** For a test that asserts less when a feature is absent: returns `present`. When it is absent,
 *  strict mode fails here (unless the allow-list names the test) instead of passing with fewer
 *  assertions; otherwise it logs what is left out. */
export function featureOrLess(ctx: Mocha.Context, present: boolean, what: string): boolean {
  if (present) return true;
  const title = subject(ctx)?.fullTitle() ?? '';
  if (STRICT && !allowed(title)) {
    throw new Error(
      `strict mode (KSOTEL_STRICT=1): ${what} is missing, so "${title}" would assert less; ` +
        `fix the machine, or name the test and the kernel fact in ${allowedSkipsFile()}`,
    );
  }
  console.log(`      note: ${what} is missing: asserting less`);
  return false;
}
