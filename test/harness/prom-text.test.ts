import assert from 'node:assert/strict';
import fc from 'fast-check';
import { findSamples, parsePromNumber, parsePromText, parseSampleLine, sampleValue } from '../support/prom-text.js';

describe('harness: Prometheus text parser', () => {
  it('reads HELP, TYPE, labels with escapes, special values and timestamps', () => {
    const text = [
      '# HELP node_network_receive_bytes_total Network device statistic receive_bytes.',
      '# TYPE node_network_receive_bytes_total counter',
      'node_network_receive_bytes_total{device="lo"} 1234',
      'node_network_receive_bytes_total{device="eth0",} 5.5e+06',
      '# a plain comment',
      'weird{a="x\\"y",b="line\\nbreak",c="back\\\\slash"} +Inf 1700000000000',
      'neg -Inf',
      'nan NaN',
      'no_labels 42',
      '  spaced { a = "1" }   7  ',
      'h_bucket{le="0.1"} 3',
      '# HELP esc help with \\\\ and \\n',
      '# TYPE h histogram',
      '',
    ].join('\n');
    const r = parsePromText(text);
    assert.deepEqual(r.errors, []);
    assert.equal(r.types['node_network_receive_bytes_total'], 'counter');
    assert.equal(r.types['h'], 'histogram');
    assert.equal(r.help['node_network_receive_bytes_total'], 'Network device statistic receive_bytes.');
    assert.equal(r.help['esc'], 'help with \\ and \n');
    assert.equal(sampleValue(r.samples, 'node_network_receive_bytes_total', { device: 'lo' }), 1234);
    assert.equal(sampleValue(r.samples, 'node_network_receive_bytes_total', { device: 'eth0' }), 5.5e6);
    const w = findSamples(r.samples, 'weird')[0]!;
    assert.deepEqual(w.labels, { a: 'x"y', b: 'line\nbreak', c: 'back\\slash' });
    assert.equal(w.value, Infinity);
    assert.equal(w.timestampMs, 1700000000000);
    assert.equal(sampleValue(r.samples, 'neg'), -Infinity);
    assert.ok(Number.isNaN(sampleValue(r.samples, 'nan')));
    assert.equal(sampleValue(r.samples, 'spaced', { a: '1' }), 7);
    assert.equal(r.samples.length, 8);
  });

  it('reports bad lines instead of throwing', () => {
    const r = parsePromText(
      'ok 1\nbad{a="1" 2\n{a="1"} 3\nx{1a="1"} 4\ny notanumber\nz\nw{a="1",a="2"} 1\n# TYPE q nonsense\nfine{a="b"} 2 abc',
    );
    assert.deepEqual(
      r.samples.map((s) => s.name),
      ['ok'],
    );
    assert.deepEqual(
      r.errors.map((e) => e.line),
      [2, 3, 4, 5, 6, 7, 8, 9],
    );
    assert.equal(parsePromNumber('1e'), undefined);
    assert.equal(parsePromNumber('0x10'), 16);
    assert.equal(typeof parseSampleLine('a{b="'), 'string');
  });

  it('never throws and round-trips what it writes (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (s) => {
        parsePromText(s);
      }),
      { numRuns: 2000 },
    );
    const name = fc.stringMatching(/^[a-zA-Z_:][a-zA-Z0-9_:]{0,20}$/);
    const lname = fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]{0,10}$/);
    fc.assert(
      fc.property(
        name,
        fc.dictionary(lname, fc.string({ maxLength: 20 }), { maxKeys: 4 }),
        fc.double({ noNaN: true }),
        (n, labels, v) => {
          const esc = (x: string) => x.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
          const ls = Object.entries(labels)
            .map(([k, x]) => `${k}="${esc(x)}"`)
            .join(',');
          const vs = v === Infinity ? '+Inf' : v === -Infinity ? '-Inf' : String(v);
          const r = parsePromText(`${n}{${ls}} ${vs}\n`);
          assert.deepEqual(r.errors, []);
          assert.equal(r.samples.length, 1);
          assert.equal(r.samples[0]!.name, n);
          assert.deepEqual({ ...r.samples[0]!.labels }, { ...labels });
          assert.ok(Object.is(r.samples[0]!.value, v) || (v === 0 && r.samples[0]!.value === 0));
        },
      ),
      { numRuns: 500 },
    );
  });
});
