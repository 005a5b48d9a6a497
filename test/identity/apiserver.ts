// A real HTTP server on loopback that speaks the Kubernetes API's list/watch protocol, as much
// of it as the agent uses, for pods, Services and Nodes: GET /api/v1/{pods,services,nodes}
// (fieldSelector spec.nodeName= for pods, limit/continue paging,
// resourceVersion), ?watch=true (chunked JSON lines: ADDED/MODIFIED/DELETED/BOOKMARK/ERROR, replay
// from a resourceVersion, timeoutSeconds, allowWatchBookmarks), 410 Gone for a resourceVersion
// older than the retained history (as an ERROR event, like kube-apiserver, or as an HTTP status),
// HTTPS with a CA made for the test (the client refuses plain HTTP), bearer-token auth. It can be stopped and started again on the same port (an API outage).
// It also answers TokenReview (POST /apis/authentication.k8s.io/v1/tokenreviews) and SubjectAccessReview
// (POST /apis/authorization.k8s.io/v1/subjectaccessreviews) as kube-apiserver does: 201 with the review's
// status, the same JSON shapes, 403 Forbidden (a Status) when the caller may not create reviews, 422 for an
// invalid spec. Tokens name users (addToken); access follows RBAC ClusterRoles and ClusterRoleBindings loaded
// with loadRbac (e.g. from the rendered Helm chart), evaluated with RBAC's rules for verbs, resources and
// non-resource URLs (a trailing * is a prefix); system:masters may do anything. A client certificate
// signed by its CA authenticates as its CN, with its O as groups, as kube-apiserver's x509 authenticator.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import { execFileSync } from 'node:child_process';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface PodSpec {
  name: string;
  namespace?: string;
  uid?: string;
  nodeName: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  hostNetwork?: boolean;
  /** name → 64-hex id (reported as containerd://<id>) */
  containers?: Record<string, string>;
  /** status.podIPs (the first is also status.podIP) */
  podIPs?: string[];
}

interface Stored {
  obj: Record<string, any>;
  rv: number;
}

/** A user as TokenReview names one (status.user). */
export interface ApiUser {
  username: string;
  uid?: string;
  groups?: string[];
  extra?: Record<string, string[]>;
}

interface RbacRule {
  apiGroups?: string[];
  resources?: string[];
  verbs: string[];
  nonResourceURLs?: string[];
}
interface RbacSubject {
  kind: string;
  name: string;
  namespace?: string;
}
/** What a request asks, as a SubjectAccessReview spec says it. */
export type AccessAttributes =
  | { nonResource: true; path: string; verb: string }
  | { nonResource: false; group: string; resource: string; verb: string; namespace?: string };

/** A new P-256 key, unencrypted (openssl req's arguments). */
const NEW_EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

function openssl(args: string[]): void {
  execFileSync('openssl', args, { stdio: 'ignore', timeout: 30_000 });
}

/** The user a ServiceAccount's token authenticates as, with the groups kube-apiserver gives it. */
export function serviceAccountUser(namespace: string, name: string): ApiUser {
  return {
    username: `system:serviceaccount:${namespace}:${name}`,
    uid: randomUUID(),
    groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'],
    extra: {
      'authentication.kubernetes.io/pod-name': [`${name}-0`],
      'authentication.kubernetes.io/pod-uid': [randomUUID()],
    },
  };
}
/** The kinds served, by resource (the path's last part). */
type Resource = 'pods' | 'services' | 'nodes';
const KINDS: Readonly<Record<Resource, string>> = { pods: 'Pod', services: 'Service', nodes: 'Node' };

interface HistoryEntry {
  resource: Resource;
  rv: number;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  obj: Record<string, any>;
}
interface LiveWatch {
  resource: Resource;
  res: ServerResponse;
  node?: string;
  bookmarks: boolean;
  timer?: NodeJS.Timeout;
  bookmarkTimer?: NodeJS.Timeout;
}

export interface ApiServerOptions {
  /** Who the agent's token (`token`) is; default the ServiceAccount kubeskoop/kubeskoop-otel. */
  agentUser?: ApiUser;
  /** How a too-old resourceVersion is refused on watch: an ERROR event (kube-apiserver) or HTTP 410. */
  goneAs?: 'event' | 'status';
  /** Send a bookmark to each watch that asked for them this often (default 250 ms). */
  bookmarkIntervalMs?: number;
}

export class TestApiServer {
  readonly token = randomBytes(16).toString('hex');
  port = 0;
  private server: Server | undefined;
  private sockets = new Set<Socket>();
  private pods = new Map<string, Stored>();
  private services = new Map<string, Stored>();
  private nodes = new Map<string, Stored>();
  private history: HistoryEntry[] = [];
  private rv = 100;
  /** Oldest resourceVersion a watch may resume from; older → 410. */
  private minRv = 100;
  private watches = new Set<LiveWatch>();
  private dir = mkdtempSync(path.join(tmpdir(), 'ksotel-apiserver-'));
  goneAs: 'event' | 'status';
  bookmarkIntervalMs: number;
  /** While true, watch requests are accepted but never answered with an event (a silent watch). */
  silentWatches = false;
  /** While true, every watch is refused with 410 Gone, whatever its resourceVersion (a broken server). */
  alwaysGone = false;
  /** While true, review requests are read and never answered (an API that hangs). */
  reviewsHang = false;
  readonly counts = {
    lists: 0,
    listPages: 0,
    watches: 0,
    gone: 0,
    unauthorized: 0,
    bookmarks: 0,
    tokenReviews: 0,
    accessReviews: 0,
    reviewsForbidden: 0,
    serviceLists: 0,
    nodeLists: 0,
    /** watches of Services and Nodes (`watches` counts the pod watches) */
    otherWatches: 0,
  };
  /** token → user, for the tokens addToken made. */
  private users = new Map<string, ApiUser>();
  /** Who the agent's token (`token`, which a test may replace) is: the chart's ServiceAccount by default. */
  private readonly agentIdentity: ApiUser;
  private clusterRoles = new Map<string, RbacRule[]>();
  private clusterRoleBindings: { name: string; role: string; subjects: RbacSubject[] }[] = [];
  private rbacLoaded = false;
  private hanging = new Set<ServerResponse>();

  constructor(opts: ApiServerOptions = {}) {
    this.goneAs = opts.goneAs ?? 'event';
    this.bookmarkIntervalMs = opts.bookmarkIntervalMs ?? 250;
    this.agentIdentity = opts.agentUser ?? serviceAccountUser('kubeskoop', 'kubeskoop-otel');
  }

  /** A new bearer token that authenticates as `user`. */
  addToken(user: ApiUser): string {
    const token = randomBytes(24).toString('base64url');
    this.users.set(token, user);
    return token;
  }

  /** The user the agent's own token (`token`) authenticates as. */
  get agentUser(): ApiUser {
    return this.agentIdentity;
  }

  private userOf(token: string | undefined): ApiUser | undefined {
    if (token === undefined) return undefined;
    return token === this.token ? this.agentIdentity : this.users.get(token);
  }

  /** RBAC from manifests (ClusterRole, ClusterRoleBinding; other kinds ignored). From then on the
   *  agent's own token may create reviews only if a binding allows it, as in a real cluster. */
  loadRbac(objects: readonly Record<string, any>[]): void {
    for (const o of objects) {
      if (o?.kind === 'ClusterRole') this.clusterRoles.set(o.metadata.name, (o.rules ?? []) as RbacRule[]);
      if (o?.kind === 'ClusterRoleBinding' && o.roleRef?.kind === 'ClusterRole') {
        const subjects = (o.subjects ?? []) as RbacSubject[];
        this.clusterRoleBindings.push({ name: o.metadata.name, role: o.roleRef.name, subjects });
      }
    }
    this.rbacLoaded = true;
  }

  /** RBAC's decision for a user (kube-apiserver's rbac authorizer, cluster-scoped part): why it is allowed,
   *  naming the binding, or undefined. */
  authorize(user: ApiUser, a: AccessAttributes): string | undefined {
    if ((user.groups ?? []).includes('system:masters')) return 'system:masters';
    const has = (list: string[] | undefined, v: string): boolean => (list ?? []).some((x) => x === '*' || x === v);
    const urlMatches = (list: string[] | undefined, path: string): boolean =>
      (list ?? []).some((u) => u === '*' || u === path || (u.endsWith('*') && path.startsWith(u.slice(0, -1))));
    const subjectMatches = (s: RbacSubject): boolean =>
      (s.kind === 'User' && s.name === user.username) ||
      (s.kind === 'Group' && (user.groups ?? []).includes(s.name)) ||
      (s.kind === 'ServiceAccount' && user.username === `system:serviceaccount:${s.namespace ?? ''}:${s.name}`);
    for (const b of this.clusterRoleBindings) {
      const subject = b.subjects.find(subjectMatches);
      if (!subject) continue;
      const rules = this.clusterRoles.get(b.role) ?? [];
      const ok = rules.some(
        (r) =>
          has(r.verbs, a.verb) &&
          (a.nonResource
            ? urlMatches(r.nonResourceURLs, a.path)
            : r.nonResourceURLs === undefined && has(r.apiGroups, a.group) && has(r.resources, a.resource)),
      );
      if (ok) {
        const who =
          subject.kind === 'ServiceAccount'
            ? `ServiceAccount "${subject.name}/${subject.namespace ?? ''}"`
            : `${subject.kind} "${subject.name}"`;
        return `RBAC: allowed by ClusterRoleBinding "${b.name}" of ClusterRole "${b.role}" to ${who}`;
      }
    }
    return undefined;
  }

  private tls: { key: Buffer; cert: Buffer; ca: Buffer } | undefined;

  /** A CA and a server certificate for 127.0.0.1, made with openssl once per server. */
  private certificates(): { key: Buffer; cert: Buffer; ca: Buffer } {
    if (this.tls) return this.tls;
    const [caKey, caCrt] = [this.file('ca.key'), this.file('ca.crt')];
    openssl([
      'req',
      '-x509',
      ...NEW_EC_KEY,
      '-keyout',
      caKey,
      '-out',
      caCrt,
      '-days',
      '2',
      '-subj',
      '/CN=ksotel-test-ca',
    ]);
    const server = this.issue(
      'server',
      '/CN=kube-apiserver',
      'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n',
    );
    this.tls = { ...server, ca: readFileSync(caCrt) };
    return this.tls;
  }

  private file(name: string): string {
    return path.join(this.dir, name);
  }

  /** A key and a certificate for `subject` with `extensions` (an openssl extfile), signed by the CA. */
  private issue(name: string, subject: string, extensions: string): { cert: Buffer; key: Buffer } {
    const key = this.file(`${name}.key`);
    const csr = this.file(`${name}.csr`);
    const crt = this.file(`${name}.crt`);
    const ext = this.file(`${name}.cnf`);
    openssl(['req', ...NEW_EC_KEY, '-keyout', key, '-out', csr, '-subj', subject]);
    writeFileSync(ext, extensions);
    const ca = ['-CA', this.file('ca.crt'), '-CAkey', this.file('ca.key'), '-CAcreateserial'];
    openssl(['x509', '-req', '-in', csr, ...ca, '-out', crt, '-days', '2', '-extfile', ext]);
    return { cert: readFileSync(crt), key: readFileSync(key) };
  }

  /** A client certificate and key (PEM) signed by the CA, for a user named by its CN (and groups by O). */
  clientCertificate(username: string, groups: readonly string[] = []): { cert: Buffer; key: Buffer } {
    this.certificates();
    const id = createHash('sha256').update(username).digest('hex').slice(0, 12);
    const subject = `/CN=${username}${groups.map((g) => `/O=${g}`).join('')}`;
    return this.issue(`client-${id}`, subject, 'extendedKeyUsage=clientAuth\n');
  }

  /** The user of a verified client certificate: CN, and O as groups. */
  private certificateUser(socket: TLSSocket): ApiUser | undefined {
    if (!socket.authorized) return undefined;
    const subject = socket.getPeerCertificate().subject as Record<string, string | string[]> | undefined;
    const cn = subject?.CN;
    if (typeof cn !== 'string') return undefined;
    const o = subject?.O;
    return { username: cn, groups: [...(o === undefined ? [] : Array.isArray(o) ? o : [o]), 'system:authenticated'] };
  }

  /** The CA that signed the server's certificate (PEM). */
  caPem(): Buffer {
    return this.certificates().ca;
  }

  get url(): string {
    return `https://127.0.0.1:${this.port}`;
  }

  get resourceVersion(): number {
    return this.rv;
  }

  /** Review requests read and left unanswered (reviewsHang). */
  get pendingReviews(): number {
    return this.hanging.size;
  }

  get liveWatches(): number {
    return this.watches.size;
  }

  /** A kubeconfig file pointing at this server with its token (or another one given). */
  kubeconfig(token = this.token): string {
    const suffix = token === this.token ? '' : `-${createHash('sha256').update(token).digest('hex').slice(0, 12)}`;
    const file = path.join(this.dir, `kubeconfig${suffix}`);
    writeFileSync(
      file,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters:',
        '- name: test',
        '  cluster:',
        `    server: ${this.url}`,
        `    certificate-authority-data: ${this.certificates().ca.toString('base64')}`,
        'users:',
        '- name: agent',
        '  user:',
        `    token: ${token}`,
        'contexts:',
        '- name: test',
        '  context:',
        '    cluster: test',
        '    user: agent',
        'current-context: test',
        '',
      ].join('\n'),
    );
    return file;
  }

  async start(port = this.port): Promise<void> {
    if (this.server) return;
    const { key, cert, ca } = this.certificates();
    const server: Server = createServer(
      // a client certificate is asked for and checked against the CA, not required (tokens need none)
      { key, cert, ca, requestCert: true, rejectUnauthorized: false },
      (req, res) => this.handle(req, res),
    );
    server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    const addr = server.address();
    this.port = typeof addr === 'object' && addr ? addr.port : port;
    this.server = server;
  }

  /** An outage: the listener closes and every connection is cut. */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    for (const w of this.watches) this.endWatch(w);
    this.hanging.clear();
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  }

  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Forget history: every watch resuming from before now gets 410 Gone; open watches are ended. */
  compact(endOpenWatches = true): void {
    this.minRv = this.rv;
    this.history = [];
    if (endOpenWatches) for (const w of this.watches) this.endWatch(w);
  }

  private key(ns: string, name: string): string {
    return `${ns}/${name}`;
  }

  private store(resource: Resource): Map<string, Stored> {
    return resource === 'pods' ? this.pods : resource === 'services' ? this.services : this.nodes;
  }

  /** Create or replace (MODIFIED) an object of a kind other than Pod. */
  private upsertObject(resource: Resource, k: string, make: (md: Record<string, any>) => Record<string, any>): void {
    const m = this.store(resource);
    const existing = m.get(k);
    const rv = ++this.rv;
    const obj = make({ uid: existing?.obj.metadata.uid ?? randomUUID(), resourceVersion: String(rv) });
    m.set(k, { obj, rv });
    this.publish({ resource, rv, type: existing ? 'MODIFIED' : 'ADDED', obj });
  }

  private deleteObject(resource: Resource, k: string): boolean {
    const m = this.store(resource);
    const s = m.get(k);
    if (!s) return false;
    m.delete(k);
    const rv = ++this.rv;
    const obj = {
      ...s.obj,
      metadata: { ...s.obj.metadata, resourceVersion: String(rv), deletionTimestamp: new Date().toISOString() },
    };
    this.publish({ resource, rv, type: 'DELETED', obj });
    return true;
  }

  /** A Service with these ClusterIPs (ADDED, or MODIFIED when it exists). */
  upsertService(name: string, namespace: string, clusterIPs: string[]): void {
    this.upsertObject('services', this.key(namespace, name), (md) => ({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name, namespace, ...md },
      spec: { clusterIP: clusterIPs[0] ?? 'None', clusterIPs },
    }));
  }

  deleteService(namespace: string, name: string): boolean {
    return this.deleteObject('services', this.key(namespace, name));
  }

  /** A Node with these InternalIPs (ADDED, or MODIFIED when it exists). */
  upsertNode(name: string, internalIPs: string[]): void {
    this.upsertObject('nodes', name, (md) => ({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name, ...md },
      status: {
        addresses: [
          ...internalIPs.map((address) => ({ type: 'InternalIP', address })),
          { type: 'Hostname', address: name },
        ],
      },
    }));
  }

  deleteNode(name: string): boolean {
    return this.deleteObject('nodes', name);
  }

  /** Create, or replace (MODIFIED) when a pod with that UID or namespace/name exists. */

  upsertPod(spec: PodSpec): Record<string, any> {
    const ns = spec.namespace ?? 'default';
    const existingByUid = spec.uid
      ? [...this.pods.entries()].find(([, s]) => s.obj.metadata.uid === spec.uid)
      : undefined;
    const existing = existingByUid ?? [...this.pods.entries()].find(([k]) => k === this.key(ns, spec.name));
    const uid = spec.uid ?? existing?.[1].obj.metadata.uid ?? randomUUID();
    if (existing) this.pods.delete(existing[0]);
    const rv = ++this.rv;
    const containers = Object.entries(spec.containers ?? {});
    const obj = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: spec.name,
        namespace: ns,
        uid,
        resourceVersion: String(rv),
        creationTimestamp: new Date().toISOString(),
        labels: spec.labels ?? {},
        annotations: spec.annotations ?? {},
      },
      spec: {
        nodeName: spec.nodeName,
        hostNetwork: spec.hostNetwork ?? false,
        containers: containers.map(([name]) => ({ name, image: `registry.test/${name}:1` })),
      },
      status: {
        phase: 'Running',
        ...(spec.podIPs?.length ? { podIP: spec.podIPs[0], podIPs: spec.podIPs.map((ip) => ({ ip })) } : {}),
        containerStatuses: containers.map(([name, id]) => ({
          name,
          containerID: `containerd://${id}`,
          ready: true,
          restartCount: 0,
          image: `registry.test/${name}:1`,
          imageID: `sha256:${id}`,
        })),
      },
    };
    this.pods.set(this.key(ns, spec.name), { obj, rv });
    this.publish({ resource: 'pods', rv, type: existing ? 'MODIFIED' : 'ADDED', obj });
    return obj;
  }

  deletePod(namespace: string, name: string): boolean {
    const k = this.key(namespace, name);
    const s = this.pods.get(k);
    if (!s) return false;
    this.pods.delete(k);
    const rv = ++this.rv;
    const obj = {
      ...s.obj,
      metadata: { ...s.obj.metadata, resourceVersion: String(rv), deletionTimestamp: new Date().toISOString() },
    };
    this.publish({ resource: 'pods', rv, type: 'DELETED', obj });
    return true;
  }

  podCount(): number {
    return this.pods.size;
  }

  private publish(e: HistoryEntry): void {
    this.history.push(e);
    if (this.history.length > 100_000) this.history.splice(0, this.history.length - 100_000);
    for (const w of this.watches) this.send(w, e);
  }

  private matches(node: string | undefined, obj: Record<string, any>): boolean {
    return node === undefined || obj.spec?.nodeName === node;
  }

  private send(w: LiveWatch, e: HistoryEntry): void {
    if (this.silentWatches || e.resource !== w.resource || !this.matches(w.node, e.obj)) return;
    w.res.write(`${JSON.stringify({ type: e.type, object: e.obj })}\n`);
  }

  private endWatch(w: LiveWatch): void {
    if (w.timer) clearTimeout(w.timer);
    if (w.bookmarkTimer) clearInterval(w.bookmarkTimer);
    this.watches.delete(w);
    w.res.end();
  }

  private status(res: ServerResponse, code: number, reason: string, message: string): void {
    res.writeHead(code, { 'Content-Type': 'application/json' });
    res.end(
      JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code }),
    );
  }

  private nodeOf(q: URLSearchParams): string | undefined | null {
    const fs = q.get('fieldSelector');
    if (fs === null || fs === '') return undefined;
    const m = /^spec\.nodeName=(.*)$/.exec(fs);
    return m ? m[1] : null;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://x');
    const m = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '');
    const caller = m ? this.userOf(m[1]) : this.certificateUser(req.socket as TLSSocket);
    if (!caller) {
      this.counts.unauthorized++;
      this.status(res, 401, 'Unauthorized', 'Unauthorized');
      return;
    }
    const review = /^\/apis\/(authentication|authorization)\.k8s\.io\/v1\/(tokenreviews|subjectaccessreviews)$/.exec(
      url.pathname,
    );
    if (review && (review[1] === 'authentication') === (review[2] === 'tokenreviews')) {
      this.review(req, res, caller, review[2] as 'tokenreviews' | 'subjectaccessreviews');
      return;
    }
    const resource = /^\/api\/v1\/(pods|services|nodes)$/.exec(url.pathname)?.[1] as Resource | undefined;
    if (req.method !== 'GET' || resource === undefined) {
      this.status(
        res,
        404,
        'NotFound',
        `the server could not find the requested resource (${req.method} ${url.pathname})`,
      );
      return;
    }
    const q = url.searchParams;
    const node = resource === 'pods' ? this.nodeOf(q) : undefined;
    if (node === null) {
      this.status(res, 400, 'BadRequest', `unable to parse requested fieldSelector: ${q.get('fieldSelector') ?? ''}`);
      return;
    }
    if (q.get('watch') === 'true' || q.get('watch') === '1') this.watch(req, res, q, node, resource);
    else this.list(res, q, node, resource);
  }

  private review(
    req: IncomingMessage,
    res: ServerResponse,
    caller: ApiUser,
    resource: 'tokenreviews' | 'subjectaccessreviews',
  ): void {
    const group = resource === 'tokenreviews' ? 'authentication.k8s.io' : 'authorization.k8s.io';
    const kind = resource === 'tokenreviews' ? 'TokenReview' : 'SubjectAccessReview';
    if (req.method !== 'POST') {
      this.status(res, 405, 'MethodNotAllowed', `the server does not allow this method on the requested resource`);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (b: Buffer) => {
      size += b.length;
      if (size <= 3 * 1024 * 1024) chunks.push(b);
    });
    req.on('end', () => {
      if (this.reviewsHang) {
        this.hanging.add(res);
        res.on('close', () => this.hanging.delete(res));
        return;
      }
      // The agent's own permission to ask, as RBAC decides it (only the agent's token without RBAC loaded).
      const mayCreate = this.rbacLoaded
        ? this.authorize(caller, { nonResource: false, group, resource, verb: 'create' }) !== undefined
        : caller === this.agentUser || (caller.groups ?? []).includes('system:masters');
      if (!mayCreate) {
        this.counts.reviewsForbidden++;
        res.writeHead(403, { 'Content-Type': 'application/json' });
        res.end(
          JSON.stringify({
            kind: 'Status',
            apiVersion: 'v1',
            metadata: {},
            status: 'Failure',
            message:
              `${resource}.${group} is forbidden: User "${caller.username}" cannot create resource "${resource}" ` +
              `in API group "${group}" at the cluster scope`,
            reason: 'Forbidden',
            details: { group, kind: resource },
            code: 403,
          }),
        );
        return;
      }
      let body: Record<string, any>;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, any>;
      } catch (e) {
        const why = (e as Error).message;
        this.status(res, 400, 'BadRequest', `the object provided is unrecognized (must be of type ${kind}): ${why}`);
        return;
      }
      if (body.kind !== kind || body.apiVersion !== `${group}/v1`) {
        this.status(res, 400, 'BadRequest', `the object provided is unrecognized (must be of type ${kind})`);
        return;
      }
      const spec = (body.spec ?? {}) as Record<string, any>;
      const answer = (status: Record<string, unknown>): void => {
        res.writeHead(201, { 'Content-Type': 'application/json' });
        const apiVersion = `${group}/v1`;
        res.end(JSON.stringify({ kind, apiVersion, metadata: { creationTimestamp: null }, spec, status }));
      };
      if (resource === 'tokenreviews') {
        this.counts.tokenReviews++;
        const user = typeof spec.token === 'string' ? this.userOf(spec.token) : undefined;
        answer(
          user
            ? { authenticated: true, user, audiences: ['https://kubernetes.default.svc.cluster.local'] }
            : { user: {}, error: '[invalid bearer token, square/go-jose: error in cryptographic primitive]' },
        );
        return;
      }
      this.counts.accessReviews++;
      const nr = spec.nonResourceAttributes as { path?: string; verb?: string } | undefined;
      type ResourceAttributes = { group?: string; resource?: string; verb?: string; namespace?: string };
      const ra = spec.resourceAttributes as ResourceAttributes | undefined;
      if ((nr === undefined) === (ra === undefined) || (!spec.user && !(spec.groups ?? []).length)) {
        this.status(
          res,
          422,
          'Invalid',
          `${kind}.${group} "" is invalid: spec: ` +
            `Invalid value: ${JSON.stringify(spec)}: ` +
            (!spec.user && !(spec.groups ?? []).length
              ? 'at least one of user or group must be specified'
              : 'exactly one of nonResourceAttributes or resourceAttributes must be specified'),
        );
        return;
      }
      const user: ApiUser = { username: spec.user ?? '', groups: spec.groups ?? [] };
      const reason = nr
        ? this.authorize(user, { nonResource: true, path: nr.path ?? '', verb: nr.verb ?? '' })
        : this.authorize(user, {
            nonResource: false,
            group: ra!.group ?? '',
            resource: ra!.resource ?? '',
            verb: ra!.verb ?? '',
            ...(ra!.namespace ? { namespace: ra!.namespace } : {}),
          });
      answer(reason !== undefined ? { allowed: true, reason } : { allowed: false });
    });
  }

  private list(res: ServerResponse, q: URLSearchParams, node: string | undefined, resource: Resource): void {
    if (resource === 'services') this.counts.serviceLists++;
    if (resource === 'nodes') this.counts.nodeLists++;
    const store = this.store(resource);
    if (resource === 'pods') this.counts.listPages++;
    const limit = Number(q.get('limit') ?? '0');
    let offset = 0;
    let rv = this.rv;
    let items: Record<string, any>[];
    const cont = q.get('continue');
    if (cont) {
      let tok: { rv: number; offset: number; keys: string[] };
      try {
        tok = JSON.parse(Buffer.from(cont, 'base64url').toString('utf8'));
      } catch {
        this.status(res, 400, 'BadRequest', 'invalid continue token');
        return;
      }
      if (tok.rv < this.minRv) {
        this.counts.gone++;
        this.status(
          res,
          410,
          'Expired',
          'The provided continue parameter is too old to display a consistent list result.',
        );
        return;
      }
      rv = tok.rv;
      offset = tok.offset;
      // A consistent snapshot would need MVCC; the keys of the first page's snapshot are enough here.
      items = tok.keys.map((k) => store.get(k)?.obj).filter((o): o is Record<string, any> => o !== undefined);
    } else {
      if (resource === 'pods') this.counts.lists++;
      items = [...store.values()].map((s) => s.obj).filter((o) => this.matches(node, o));
    }
    const keys = cont
      ? (JSON.parse(Buffer.from(cont, 'base64url').toString('utf8')).keys as string[])
      : items.map((o) => (resource === 'nodes' ? o.metadata.name : this.key(o.metadata.namespace, o.metadata.name)));
    const pageItems = limit > 0 ? items.slice(cont ? offset : 0, (cont ? offset : 0) + limit) : items;
    const next =
      limit > 0 && (cont ? offset : 0) + limit < items.length
        ? Buffer.from(JSON.stringify({ rv, offset: (cont ? offset : 0) + limit, keys })).toString('base64url')
        : undefined;
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(
      JSON.stringify({
        kind: `${KINDS[resource]}List`,
        apiVersion: 'v1',
        metadata: { resourceVersion: String(rv), ...(next ? { continue: next } : {}) },
        items: pageItems,
      }),
    );
  }

  private watch(
    req: IncomingMessage,
    res: ServerResponse,
    q: URLSearchParams,
    node: string | undefined,
    resource: Resource,
  ): void {
    if (resource === 'pods') this.counts.watches++;
    else this.counts.otherWatches++;
    const rvParam = q.get('resourceVersion') ?? '';
    const from = rvParam === '' || rvParam === '0' ? undefined : Number(rvParam);
    if (this.alwaysGone || (from !== undefined && (!Number.isFinite(from) || from < this.minRv))) {
      this.counts.gone++;
      const message = `too old resource version: ${rvParam} (${this.minRv})`;
      if (this.goneAs === 'status') {
        this.status(res, 410, 'Expired', message);
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(
        `${JSON.stringify({ type: 'ERROR', object: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason: 'Expired', code: 410 } })}\n`,
      );
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
    res.flushHeaders();
    const w: LiveWatch = { resource, res, node, bookmarks: q.get('allowWatchBookmarks') === 'true' };
    this.watches.add(w);
    if (from === undefined) {
      for (const s of this.store(resource).values()) this.send(w, { resource, rv: s.rv, type: 'ADDED', obj: s.obj });
    } else {
      for (const e of this.history) if (e.rv > from) this.send(w, e);
    }
    const timeoutSeconds = Number(q.get('timeoutSeconds') ?? '0');
    if (timeoutSeconds > 0) w.timer = setTimeout(() => this.endWatch(w), timeoutSeconds * 1000);
    if (w.bookmarks) {
      w.bookmarkTimer = setInterval(() => {
        if (this.silentWatches) return;
        this.counts.bookmarks++;
        res.write(
          `${JSON.stringify({ type: 'BOOKMARK', object: { kind: KINDS[resource], apiVersion: 'v1', metadata: { resourceVersion: String(this.rv) } } })}\n`,
        );
      }, this.bookmarkIntervalMs);
    }
    const cleanup = (): void => {
      if (w.timer) clearTimeout(w.timer);
      if (w.bookmarkTimer) clearInterval(w.bookmarkTimer);
      this.watches.delete(w);
    };
    req.on('close', cleanup);
    res.on('close', cleanup);
  }
}
