// The Kubernetes API as the agent uses it: where the server is and how to authenticate (a kubeconfig
// file, the in-cluster service account, or the default kubeconfig), JSON requests, and a watch's
// stream of events.
//
// Written here rather than taken from @kubernetes/client-node: that library's configuration module
// imports every generated API and model, ~26 MiB of V8 heap and 36–39 MiB of RSS once loaded (1.4.0,
// Node 20), about as much as the agent's whole data at 250 pods, for the five calls the agent makes (list
// and watch pods, Services and Nodes; create a TokenReview and a SubjectAccessReview). What is here
// is what those calls need from a kubeconfig, as kubectl reads it.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { VERSION } from '../version.js';

/** An answer of the API other than 2xx: its status code and body (a Status object's JSON, usually). */
export class KubeApiError extends Error {
  /** The same as statusCode: describeApiError (kubernetes-auth.ts) reads `code`, list-watch either. */
  readonly code: number;
  constructor(
    readonly statusCode: number,
    readonly body: string,
    what: string,
  ) {
    let reason = '';
    try {
      reason = String((JSON.parse(body) as { message?: unknown }).message ?? '');
    } catch {
      reason = body.slice(0, 200);
    }
    super(`HTTP ${statusCode} from ${what}${reason ? `: ${reason}` : ''}`);
    this.code = statusCode;
  }
}

type Query = Readonly<Record<string, string | number | boolean | undefined>>;

/** How a request authenticates, as it stands now (a token file is re-read, an exec plugin re-run). */
interface Credentials {
  readonly token?: string;
  readonly basic?: string;
  readonly cert?: Buffer;
  readonly key?: Buffer;
}

/** Where the server is and how to trust it. */
interface ClusterTls {
  readonly server: URL;
  readonly ca?: Buffer;
  readonly insecure: boolean;
  readonly serverName?: string;
}

/** A connection to one API server: JSON requests and watches. */
export class KubeApi {
  readonly server: string;
  private agent: http.Agent | undefined;
  private agentCredentials: Credentials | undefined;

  constructor(
    private readonly cluster: ClusterTls,
    private readonly credentials: () => Promise<Credentials>,
  ) {
    this.server = cluster.server.href.replace(/\/$/, '');
  }

  /** A request with a JSON answer; a status other than 2xx throws a KubeApiError. */
  async request<T>(
    method: 'GET' | 'POST',
    apiPath: string,
    opts: { query?: Query; body?: unknown; signal?: AbortSignal } = {},
  ): Promise<T> {
    const res = await this.open(method, apiPath, opts.query, opts.body, opts.signal);
    const text = await readBody(res);
    const what = `${method} ${apiPath}`;
    if (res.statusCode === undefined || res.statusCode < 200 || res.statusCode > 299)
      throw new KubeApiError(res.statusCode ?? 0, text, what);
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new Error(`the Kubernetes API answered ${what} with something that is not JSON: ${text.slice(0, 80)}`);
    }
  }

  /** A watch: `onEvent` per event line (type, object) until the server ends it (`done(null)`), it
   *  fails (`done(error)`) or the returned controller aborts it. Resolves once the server answered. */
  async watch(
    apiPath: string,
    query: Query,
    onEvent: (type: string, object: unknown) => void,
    done: (err: unknown) => void,
  ): Promise<AbortController> {
    const ctl = new AbortController();
    let ended = false;
    const end = (err: unknown): void => {
      if (ended) return;
      ended = true;
      done(err ?? null);
    };
    try {
      const res = await this.open('GET', apiPath, Object.assign({}, query, { watch: true }), undefined, ctl.signal);
      if (res.statusCode !== 200) {
        end(new KubeApiError(res.statusCode ?? 0, await readBody(res), `watch of ${apiPath}`));
        return ctl;
      }
      res.on('error', end);
      ctl.signal.addEventListener('abort', () => {
        end(new Error(`watch of ${apiPath} aborted`));
        res.destroy();
      });
      res.setEncoding('utf8');
      let rest = '';
      const onData = (chunk: string): void => {
        rest += chunk;
        for (let nl = rest.indexOf('\n'); nl >= 0 && !ended; nl = rest.indexOf('\n')) {
          const line = rest.slice(0, nl);
          rest = rest.slice(nl + 1);
          if (line.trim() === '') continue;
          let event: { type?: unknown; object?: unknown };
          try {
            event = JSON.parse(line) as typeof event;
          } catch {
            end(new Error(`watch of ${apiPath}: a line that is not JSON: ${line.slice(0, 80)}`));
            ctl.abort();
            return;
          }
          onEvent(String(event.type), event.object);
        }
      };
      res.on('end', () => end(null));
      // Events from the next turn on: the caller has the controller by then (an event may abort).
      setImmediate(() => res.on('data', onData));
    } catch (err) {
      end(err);
    }
    return ctl;
  }

  private async open(
    method: string,
    apiPath: string,
    query: Query | undefined,
    body: unknown,
    signal: AbortSignal | undefined,
  ): Promise<http.IncomingMessage> {
    const creds = await this.credentials();
    const url = new URL(this.cluster.server.href);
    url.pathname = url.pathname.replace(/\/$/, '') + apiPath;
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const headers: Record<string, string | number> = {
      Accept: 'application/json',
      'User-Agent': `kubeskoop-otel/${VERSION}`,
    };
    if (creds.token !== undefined) headers.Authorization = `Bearer ${creds.token}`;
    else if (creds.basic !== undefined) headers.Authorization = `Basic ${creds.basic}`;
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    if (payload) {
      headers['Content-Type'] = 'application/json';
      headers['Content-Length'] = payload.length;
    }
    const agent = this.agentFor(creds);
    const transport = url.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const req = transport.request(url, { method, headers, agent }, resolve);
      req.on('error', reject);
      // Aborted before the answer: the request fails; after it, its reader ends it (watch).
      signal?.addEventListener('abort', () => req.destroy(new Error(`${method} ${apiPath} aborted`)), { once: true });
      req.end(payload);
    });
  }

  /** One keep-alive agent, made again when the client certificate changes (an exec plugin's). */
  private agentFor(creds: Credentials): http.Agent {
    const last = this.agentCredentials;
    if (this.agent && last && last.cert === creds.cert && last.key === creds.key) return this.agent;
    this.agent?.destroy();
    const { server, ca, insecure, serverName } = this.cluster;
    this.agent =
      server.protocol === 'https:'
        ? new https.Agent({
            keepAlive: true,
            ...(ca ? { ca } : {}),
            ...(creds.cert ? { cert: creds.cert } : {}),
            ...(creds.key ? { key: creds.key } : {}),
            rejectUnauthorized: !insecure,
            ...(serverName ? { servername: serverName } : {}),
          })
        : new http.Agent({ keepAlive: true });
    this.agentCredentials = creds;
    return this.agent;
  }
}

function readBody(res: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.on('error', reject);
  });
}

/** Where the service account's files are mounted in a pod. */
const SERVICE_ACCOUNT_DIR = 'var/run/secrets/kubernetes.io/serviceaccount';
/** A token file is read again after this long: kubelet rotates bound service account tokens. */
const TOKEN_FILE_TTL_MS = 60_000;

/** How the agent reaches the API (the pod watch, the Service and Node watches, and the endpoint's
 *  TokenReview/SubjectAccessReview checks): a kubeconfig file when given, else the in-cluster service
 *  account, else the default kubeconfig ($KUBECONFIG, else ~/.kube/config). */
export function loadKubeConfig(opts: { readonly kubeconfig?: string; readonly serviceAccountRoot?: string }): KubeApi {
  if (opts.kubeconfig) return fromKubeconfig([opts.kubeconfig]);
  if (process.env.KUBERNETES_SERVICE_HOST) return inCluster(opts.serviceAccountRoot ?? '/');
  const listed = (process.env.KUBECONFIG ?? '').split(path.delimiter).filter((f) => f !== '');
  const files = (listed.length > 0 ? listed : [path.join(os.homedir(), '.kube', 'config')]).filter((f) =>
    existsSync(f),
  );
  if (files.length === 0)
    throw new Error(
      `no Kubernetes API to use: no kubeconfig given, not in a cluster (KUBERNETES_SERVICE_HOST is unset), and no kubeconfig at ${
        listed.length > 0 ? `$KUBECONFIG (${listed.join(path.delimiter)})` : path.join(os.homedir(), '.kube', 'config')
      }`,
    );
  return fromKubeconfig(files);
}

/** The service account of the pod the agent runs in (as client-go's rest.InClusterConfig). */
function inCluster(root: string): KubeApi {
  const host = process.env.KUBERNETES_SERVICE_HOST!;
  const port = process.env.KUBERNETES_SERVICE_PORT ?? '443';
  const dir = path.join(root, SERVICE_ACCOUNT_DIR);
  const caFile = path.join(dir, 'ca.crt');
  const server = new URL(`https://${host.includes(':') ? `[${host}]` : host}:${port}`);
  const token = tokenFile(path.join(dir, 'token'));
  return new KubeApi({ server, ca: readFile(caFile, 'the service account CA'), insecure: false }, () =>
    Promise.resolve({ token: token() }),
  );
}

function readFile(file: string, what: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new Error(`cannot read ${what} ${file}: ${(err as Error).message}`, { cause: err });
  }
}

function tokenFile(file: string): () => string {
  let token = '';
  let readAt = -Infinity;
  return () => {
    if (Date.now() - readAt > TOKEN_FILE_TTL_MS) {
      token = readFile(file, 'the token file').toString('utf8').trim();
      readAt = Date.now();
    }
    return token;
  };
}

type Fields = Record<string, unknown>;
interface Named {
  readonly name: string;
  readonly fields: Fields;
  /** The kubeconfig file it came from: relative paths in it are relative to that file's directory. */
  readonly file: string;
}

/** Clusters, users and contexts of one or more kubeconfig files, merged as kubectl merges
 *  $KUBECONFIG: the first file to name an entry, and the first current-context, win. */
function fromKubeconfig(files: readonly string[]): KubeApi {
  const clusters: Named[] = [];
  const users: Named[] = [];
  const contexts: Named[] = [];
  let current: { name: string; file: string } | undefined;
  for (const file of files) {
    let doc: unknown;
    try {
      doc = parseYaml(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new Error(`kubeconfig ${file}: ${(err as Error).message.split('\n')[0]}`, { cause: err });
    }
    const d = (doc ?? {}) as Fields;
    const named = (key: string, inner: string, into: Named[]): void => {
      const list = d[key] ?? [];
      if (!Array.isArray(list)) throw new Error(`kubeconfig ${file}: ${key} is not a list`);
      for (const e of list as Fields[]) {
        if (typeof e?.name !== 'string') throw new Error(`kubeconfig ${file}: an entry of ${key} has no name`);
        into.push({ name: e.name, fields: (e[inner] ?? {}) as Fields, file });
      }
    };
    named('clusters', 'cluster', clusters);
    named('users', 'user', users);
    named('contexts', 'context', contexts);
    const cc = d['current-context'];
    if (current === undefined && typeof cc === 'string' && cc !== '') current = { name: cc, file };
  }
  const where = files.join(path.delimiter);
  if (current === undefined) throw new Error(`kubeconfig ${where}: no current-context`);
  const context = contexts.find((c) => c.name === current.name);
  if (!context) throw new Error(`kubeconfig ${current.file}: current-context ${current.name} is not in contexts`);
  const clusterName = context.fields.cluster;
  const cluster = clusters.find((c) => c.name === clusterName);
  if (!cluster)
    throw new Error(`kubeconfig ${context.file}: context ${context.name}: no cluster ${String(clusterName)}`);
  const userName = context.fields.user;
  let user: Named | undefined;
  if (userName !== undefined && userName !== '') {
    user = users.find((u) => u.name === userName);
    if (!user) throw new Error(`kubeconfig ${context.file}: context ${context.name}: no user ${String(userName)}`);
  }
  return new KubeApi(clusterTls(cluster), userCredentials(user));
}

function clusterTls(c: Named): ClusterTls {
  const at = `kubeconfig ${c.file}: cluster ${c.name}`;
  const f = c.fields;
  if (typeof f.server !== 'string' || f.server === '') throw new Error(`${at}: no server`);
  let server: URL;
  try {
    server = new URL(f.server);
  } catch {
    throw new Error(`${at}: server ${f.server} is not a URL`);
  }
  if (server.protocol !== 'https:' && server.protocol !== 'http:')
    throw new Error(`${at}: server ${f.server} is neither https:// nor http://`);
  if (f['proxy-url'] !== undefined) throw new Error(`${at}: proxy-url is not supported`);
  const ca = bytes(c, 'certificate-authority');
  return {
    server,
    ...(ca ? { ca } : {}),
    insecure: f['insecure-skip-tls-verify'] === true,
    ...(typeof f['tls-server-name'] === 'string' ? { serverName: f['tls-server-name'] } : {}),
  };
}

/** `<field>-data` (base64) or `<field>` (a file, relative to the kubeconfig's directory). */
function bytes(e: Named, field: string): Buffer | undefined {
  const data = e.fields[`${field}-data`];
  if (typeof data === 'string' && data !== '') return Buffer.from(data, 'base64');
  const file = e.fields[field];
  if (typeof file !== 'string' || file === '') return undefined;
  return readFile(path.resolve(path.dirname(e.file), file), `${field} of ${e.name} in kubeconfig ${e.file}:`);
}

function userCredentials(u: Named | undefined): () => Promise<Credentials> {
  if (u === undefined) return () => Promise.resolve({});
  const at = `kubeconfig ${u.file}: user ${u.name}`;
  const f = u.fields;
  for (const unsupported of ['auth-provider', 'as', 'as-groups', 'as-uid'])
    if (f[unsupported] !== undefined)
      throw new Error(`${at}: ${unsupported} is not supported (use a token, a client certificate or an exec plugin)`);
  const cert = bytes(u, 'client-certificate');
  const key = bytes(u, 'client-key');
  if ((cert === undefined) !== (key === undefined))
    throw new Error(`${at}: a client certificate needs both client-certificate and client-key`);
  const tls = cert && key ? { cert, key } : {};
  if (typeof f.token === 'string' && f.token !== '') {
    const token = f.token;
    return () => Promise.resolve(Object.assign({}, tls, { token }));
  }
  if (typeof f.tokenFile === 'string' && f.tokenFile !== '') {
    const token = tokenFile(path.resolve(path.dirname(u.file), f.tokenFile));
    return () => Promise.resolve(Object.assign({}, tls, { token: token() }));
  }
  if (typeof f.username === 'string' && typeof f.password === 'string') {
    const basic = Buffer.from(`${f.username}:${f.password}`).toString('base64');
    return () => Promise.resolve(Object.assign({}, tls, { basic }));
  }
  if (f.exec !== undefined) return execCredentials(at, f.exec as Fields, tls);
  return () => Promise.resolve(tls);
}

/** A client-go credential plugin (users[].user.exec): run it, use its ExecCredential status until it
 *  expires (kept a minute short of it), run it again then. */
function execCredentials(at: string, exec: Fields, tls: Credentials): () => Promise<Credentials> {
  const command = exec.command;
  if (typeof command !== 'string' || command === '') throw new Error(`${at}: exec has no command`);
  const args = Array.isArray(exec.args) ? exec.args.map(String) : [];
  const env: Record<string, string> = {};
  for (const e of Array.isArray(exec.env) ? (exec.env as Fields[]) : []) env[String(e.name)] = String(e.value);
  const apiVersion = typeof exec.apiVersion === 'string' ? exec.apiVersion : 'client.authentication.k8s.io/v1';
  let cached: { creds: Credentials; until: number } | undefined;
  let running: Promise<Credentials> | undefined;
  const run = (): Promise<Credentials> =>
    new Promise((resolve, reject) => {
      const info = { apiVersion, kind: 'ExecCredential', spec: { interactive: false } };
      execFile(
        command,
        args,
        { env: Object.assign({}, process.env, env, { KUBERNETES_EXEC_INFO: JSON.stringify(info) }), timeout: 30_000 },
        (err, stdout, stderr) => {
          if (err) {
            reject(new Error(`${at}: exec ${command} failed: ${String(stderr).trim().split('\n')[0] || err.message}`));
            return;
          }
          let status: Fields;
          try {
            status = ((JSON.parse(stdout) as Fields).status ?? {}) as Fields;
          } catch {
            reject(new Error(`${at}: exec ${command} printed no ExecCredential JSON`));
            return;
          }
          const creds: Credentials = Object.assign(
            {},
            tls,
            typeof status.token === 'string' ? { token: status.token } : {},
            typeof status.clientCertificateData === 'string' ? { cert: Buffer.from(status.clientCertificateData) } : {},
            typeof status.clientKeyData === 'string' ? { key: Buffer.from(status.clientKeyData) } : {},
          );
          const expires =
            typeof status.expirationTimestamp === 'string' ? Date.parse(status.expirationTimestamp) : Infinity;
          cached = { creds, until: Number.isNaN(expires) ? Infinity : expires - 60_000 };
          resolve(creds);
        },
      );
    });
  return () => {
    if (cached && Date.now() < cached.until) return Promise.resolve(cached.creds);
    return (running ??= run().finally(() => (running = undefined)));
  };
}
