// The agent's peer directory (receiver/peers/directory.ts): its version moves with its sources'
// changes, and changedSince answers the union of the addresses they say changed, or undefined when
// one cannot say or was made again (a probe then takes back every name).
import assert from 'node:assert/strict';

import { WatchedPeerDirectory, type PodSource } from '../../receiver/peers/directory.js';

/** a source with a log of changes, as a list+watch keeps one (undefined: a re-list) */
class Source implements PodSource {
  private readonly byAddress = new Map<string, string>();
  private readonly log: (readonly string[] | undefined)[] = [];
  get changes(): number {
    return this.log.length;
  }
  set(address: string, name: string | undefined): void {
    if (name === undefined) this.byAddress.delete(address);
    else this.byAddress.set(address, name);
    this.log.push([address]);
  }
  relist(): void {
    this.log.push(undefined);
  }
  byIp(address: string): { name: string; namespace: string } | undefined {
    const name = this.byAddress.get(address);
    return name === undefined ? undefined : { name, namespace: 'ns' };
  }
  changedSince(changes: number): ReadonlySet<string> | undefined {
    const out = new Set<string>();
    for (const a of this.log.slice(changes)) {
      if (a === undefined) return undefined;
      for (const x of a) out.add(x);
    }
    return out;
  }
}

describe('peers: the directory says which addresses changed', () => {
  it('the union of the changes since a version; undefined after a re-list or when a source is made again', () => {
    let pods = new Source();
    const services = {
      changes: 0,
      lookup: (): undefined => undefined,
      changedSince: (c: number): ReadonlySet<string> | undefined => (c === 0 ? new Set<string>() : undefined),
    };
    const d = new WatchedPeerDirectory({ pods: () => pods, services: () => services });
    const v0 = d.version();
    assert.equal(d.version(), v0, 'no change: the same version');
    assert.deepEqual(d.changedSince(v0), new Set());
    pods.set('10.0.0.1', 'a');
    pods.set('10.0.0.2', 'b');
    const v1 = d.version();
    assert.notEqual(v1, v0);
    assert.equal(d.pod('10.0.0.1')?.name, 'a');
    assert.deepEqual(d.changedSince(v0), new Set(['10.0.0.1', '10.0.0.2']));
    assert.deepEqual(d.changedSince(v1), new Set());
    pods.set('10.0.0.1', undefined);
    assert.deepEqual(d.changedSince(v1), new Set(['10.0.0.1']));
    assert.deepEqual(d.changedSince(v0), new Set(['10.0.0.1', '10.0.0.2']));
    assert.equal(d.changedSince(12345), undefined, 'a version it never gave');
    pods.relist();
    assert.equal(d.changedSince(v1), undefined, 'a re-list: unknown');
    const v2 = d.version();
    assert.deepEqual(d.changedSince(v2), new Set());
    pods = new Source();
    assert.equal(d.changedSince(v2), undefined, 'a source made again: unknown');
  });
});
