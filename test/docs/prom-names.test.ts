import assert from 'node:assert/strict';
import { promLabelName, promNameJs, promNameOtlp, promSeriesNames, unitSuffixes } from '../../semconv/lib/prom-names.js';

describe('docs: Prometheus renderings of OTel names (otel-facts §5)', () => {
  it('OTLP ingestion: the examples of §5', () => {
    assert.equal(promNameOtlp('k8s.pod.network.io', 'counter', 'By'), 'k8s_pod_network_io_bytes_total');
    assert.equal(promNameOtlp('system.network.packet.count', 'counter', '{packet}'), 'system_network_packet_count_total');
    assert.equal(promNameOtlp('system.network.errors', 'counter', '{error}'), 'system_network_errors_total');
    assert.equal(promNameOtlp('system.network.connection.count', 'updowncounter', '{connection}'), 'system_network_connection_count');
    assert.equal(promNameOtlp('kubeskoop.tcp.retransmit.segments', 'counter', '{segment}'), 'kubeskoop_tcp_retransmit_segments_total');
    assert.equal(promNameOtlp('kubeskoop.socket.read.duration', 'histogram', 's'), 'kubeskoop_socket_read_duration_seconds');
    assert.deepEqual(promSeriesNames(promNameOtlp('kubeskoop.socket.read.duration', 'histogram', 's'), 'histogram'),
      ['kubeskoop_socket_read_duration_seconds_bucket', 'kubeskoop_socket_read_duration_seconds_sum', 'kubeskoop_socket_read_duration_seconds_count']);
    assert.equal(promNameOtlp('kubeskoop.conntrack.utilization', 'gauge', '1'), 'kubeskoop_conntrack_utilization_ratio');
  });

  it('OTLP ingestion: the unit word only once, total moved to the end, per-units, digits', () => {
    assert.equal(promNameOtlp('foo.bytes', 'counter', 'By'), 'foo_bytes_total');
    assert.equal(promNameOtlp('foo.total.count', 'counter', '{x}'), 'foo_count_total');
    assert.equal(promNameOtlp('foo__bar', 'gauge', 'By/s'), 'foo_bar_bytes_per_second');
    assert.equal(promNameOtlp('foo', 'gauge', '{packet}/s'), 'foo_per_second');
    assert.equal(promNameOtlp('foo.ratio', 'gauge', '1'), 'foo_ratio');
    assert.equal(promNameOtlp('foo', 'updowncounter', '1'), 'foo'); // _ratio for gauges only
    assert.equal(promNameOtlp('9lives', 'gauge', 'ms'), '_9lives_milliseconds');
    assert.deepEqual(unitSuffixes('{packet}'), { main: '', per: '' });
    assert.deepEqual(unitSuffixes('MiBy'), { main: 'mebibytes', per: '' });
  });

  it('JS exporter: dots to underscores, _total on counters, no unit word', () => {
    // §3/§5: the JS exporter gives k8s_pod_network_io_total where OTLP ingestion gives ..._bytes_total.
    assert.equal(promNameJs('k8s.pod.network.io', 'counter'), 'k8s_pod_network_io_total');
    assert.equal(promNameJs('system.network.connection.count', 'updowncounter'), 'system_network_connection_count');
    assert.equal(promNameJs('kubeskoop.socket.read.duration', 'histogram'), 'kubeskoop_socket_read_duration');
    assert.equal(promNameJs('already_total', 'counter'), 'already_total');
    assert.equal(promNameJs('a.b-c:d', 'gauge'), 'a_b_c_d');
  });

  it('label names: dots to underscores', () => {
    assert.equal(promLabelName('network.io.direction'), 'network_io_direction');
    assert.equal(promLabelName('k8s.pod.name'), 'k8s_pod_name');
  });
});
