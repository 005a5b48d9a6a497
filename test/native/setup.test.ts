// Root hook for the native tests: build bpf/ (make -C bpf) when the helper binary is missing.
import { ensureHelperBuilt } from './support.js';

before(async function () {
  this.timeout(300_000);
  await ensureHelperBuilt();
});
