// A minimal OTLP metrics endpoint for the export bench, run as its own process so that its work
// (reading and answering requests) never shows in the measured process's CPU: gRPC
// MetricsService/Export and HTTP POST /v1/metrics on 127.0.0.1 (ports chosen by the kernel), each
// counting requests, bytes and data points (each request decoded: points sent, the agent's own
// instruments' too, are what an export's CPU is divided by) and answering with an empty (valid)
// ExportMetricsServiceResponse.
// Protocol with the parent (IPC): sends { grpc, http } URLs once listening; answers 'count' with
// { requests, bytes, points }, and { scrape: { port, gzip } } (GET the agent's /metrics, the client's work here,
// not in the measured process) with { scraped: bytes } or { error }; exits on 'stop' or when the parent goes away.
import http from 'node:http';
import { gunzipSync } from 'node:zlib';
import * as grpc from '@grpc/grpc-js';
import { pointsIn, requestType } from './otlp-proto.js';

let requests = 0;
let bytes = 0;
let points = 0;
const Request = requestType();
const empty = Buffer.alloc(0);

const server = http.createServer((req, res) => {
  if (req.method !== 'POST' || req.url !== '/v1/metrics') {
    res.writeHead(404).end();
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => {
    bytes += c.length;
    chunks.push(c);
  });
  req.on('end', () => {
    requests++;
    const body = Buffer.concat(chunks);
    points += pointsIn(Request.decode(req.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body));
    res.writeHead(200, { 'Content-Type': 'application/x-protobuf' }).end(empty);
  });
});

const raw = (b: Buffer): Buffer => b;
const service: grpc.ServiceDefinition = {
  Export: {
    path: '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export',
    requestStream: false,
    responseStream: false,
    requestSerialize: raw,
    requestDeserialize: raw,
    responseSerialize: () => empty,
    responseDeserialize: raw,
  },
};
const g = new grpc.Server();
g.addService(service, {
  Export: (call: grpc.ServerUnaryCall<Buffer, Buffer>, done: grpc.sendUnaryData<Buffer>) => {
    requests++;
    bytes += call.request.length;
    points += pointsIn(Request.decode(call.request));
    done(null, empty);
  },
});

const grpcPort = await new Promise<number>((resolve, reject) =>
  g.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) =>
    err ? reject(err) : resolve(port),
  ),
);
// Idle connections stay open longer than any pause between the bench's exports (a collector's default is
// minutes): the SDK's kept-alive socket is not closed under a request it is starting (ECONNRESET, a retry).
server.keepAliveTimeout = 600_000;
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const httpPort = (server.address() as { port: number }).port;

/** GET /metrics of the agent under test (its port on 127.0.0.1), the body read and dropped: the byte count.
 *  A new connection each time (the agent's server closes an idle one after 5 s). */
function scrape(port: number, gzip: boolean): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get(
      {
        host: '127.0.0.1',
        port,
        path: '/metrics',
        headers: { 'Accept-Encoding': gzip ? 'gzip' : 'identity' },
        agent: false,
      },
      (res) => {
        let n = 0;
        res.on('data', (c: Buffer) => (n += c.length));
        res.on('end', () => (res.statusCode === 200 ? resolve(n) : reject(new Error(`status ${res.statusCode}`))));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.setTimeout(60_000, () => req.destroy(new Error('timeout')));
  });
}

process.on('message', (m) => {
  const s = (m as { scrape?: { port: number; gzip: boolean } }).scrape;
  if (s !== undefined)
    scrape(s.port, s.gzip).then(
      (scraped) => process.send?.({ scraped }),
      (e: Error) => process.send?.({ error: e.message }),
    );
  else if (m === 'count') process.send?.({ requests, bytes, points });
  else if (m === 'stop') {
    g.forceShutdown();
    server.close();
    process.disconnect?.();
  }
});
process.on('disconnect', () => process.exit(0));
process.send?.({ grpc: `http://127.0.0.1:${grpcPort}`, http: `http://127.0.0.1:${httpPort}` });
