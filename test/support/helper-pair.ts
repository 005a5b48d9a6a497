// The native probes' usual bench: two test namespaces joined by a veth pair (test/native/support.ts
// makePair) and one running helper client with the probes under test, made together and removed
// together — the helper stopped before its namespaces go, even when a test fails half-way.
import assert from 'node:assert/strict';

import type { HelperClientOptions, ProbeName } from '../../receiver/native/index.js';
import { deleteNs, ensureHelperBuilt, makePair, startClient, type Harness, type NsPair } from '../native/support.js';

export interface HelperPair extends NsPair {
  readonly helper: Harness;
  /** Stops the helper, then deletes both namespaces (and so the veth). */
  dispose(): Promise<void>;
}

/** a = 10.199.<n>.1, b = 10.199.<n>.2 (makePair); `running`: probes that must have loaded. */
export async function pairWithHelper(
  tag: string,
  n: number,
  opts: { ipv6?: boolean; probes: HelperClientOptions['probes']; running?: readonly ProbeName[] },
): Promise<HelperPair> {
  await ensureHelperBuilt();
  const pair = await makePair(tag, n, { ipv6: opts.ipv6 ?? true });
  let helper: Harness | undefined;
  const dispose = async (): Promise<void> => {
    await helper?.client.stop();
    await deleteNs(pair.a, pair.b);
  };
  try {
    const started = await startClient({ probes: opts.probes });
    helper = started;
    for (const probe of opts.running ?? []) {
      const s = started.client.status().probes[probe];
      assert.equal(s.state, 'running', `${probe}: ${s.reason}`);
    }
  } catch (e) {
    await dispose();
    throw e;
  }
  return { ...pair, helper: helper!, dispose };
}
