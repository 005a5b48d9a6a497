// server.authorization: kubernetes — what kube-rbac-proxy does in front of node_exporter in
// kube-prometheus, done in the agent: the caller's bearer token is checked with a TokenReview
// (authentication.k8s.io/v1), the user it names is authorised with a SubjectAccessReview
// (authorization.k8s.io/v1) for `get` on the request path as a non-resource URL (/metrics), and
// both answers are cached as kube-rbac-proxy and the kubelet cache them. A caller without a token
// but with a client certificate the web config verified is the certificate's CN, groups its O.
//
// The API being slow or down never holds a scrape for long and never holds another caller's:
// each review has a deadline, reviews of one token are shared, at most MAX_IN_FLIGHT run at once,
// and a caller whose answer is cached is served from the cache whatever the API does.
import { createHash } from 'node:crypto';
import type { Logger } from '../log.js';

export interface UserInfo {
  readonly username: string;
  readonly uid?: string;
  readonly groups?: readonly string[];
  readonly extra?: Readonly<Record<string, readonly string[]>>;
}

export type AccessDecision =
  | { readonly kind: 'allowed'; readonly user: string }
  /** 401: no credentials, or the API says the token is not valid. */
  | { readonly kind: 'unauthenticated'; readonly reason: string }
  /** 403: a valid user without `get` on the path. */
  | { readonly kind: 'forbidden'; readonly user: string; readonly reason: string }
  /** 503: the API could not answer (down, slow, refused the agent, too many reviews at once). */
  | { readonly kind: 'unavailable'; readonly reason: string };

/** The two API calls; the real one is made from the agent's kubeconfig or service account. */
export interface ReviewApi {
  tokenReview(token: string, signal: AbortSignal): Promise<{ authenticated: boolean; user?: UserInfo; error?: string }>;
  accessReview(
    user: UserInfo,
    path: string,
    verb: string,
    signal: AbortSignal,
  ): Promise<{ allowed: boolean; reason?: string }>;
}

/** Cache lifetimes: kube-rbac-proxy's (token 2 min; access allowed 5 min, denied 30 s, as the kubelet's
 *  webhook authorizer). A token found invalid is asked about again after 30 s. */
export const CACHE_TTL_MS = {
  authenticated: 120_000,
  unauthenticated: 30_000,
  allowed: 300_000,
  denied: 30_000,
} as const;
/** Entries per cache (token reviews, access reviews): a flood of made-up tokens cannot grow memory. */
const CACHE_ENTRIES = 1024;
/** API calls at once; beyond, a request that needs one is answered 503 at once. */
const MAX_IN_FLIGHT = 32;
/** Deadline of one API call. */
const REVIEW_TIMEOUT_MS = 5000;

class TtlCache<V> {
  private readonly map = new Map<string, { value: V; expires: number }>();
  constructor(private readonly max: number) {}
  get(key: string): V | undefined {
    const e = this.map.get(key);
    if (!e) return undefined;
    if (e.expires <= Date.now()) {
      this.map.delete(key);
      return undefined;
    }
    return e.value;
  }
  set(key: string, value: V, ttlMs: number): void {
    this.map.delete(key);
    if (this.map.size >= this.max) this.map.delete(this.map.keys().next().value as string);
    this.map.set(key, { value, expires: Date.now() + ttlMs });
  }
  get size(): number {
    return this.map.size;
  }
}

/** The bearer token of `Authorization: Bearer <token>`; undefined when absent or another scheme. */
export function bearerToken(header: string | undefined): string | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return m ? m[1] : undefined;
}

/** The HTTP method as the verb of a non-resource request (only GET and HEAD reach here). */
export function nonResourceVerb(method: string): string {
  return method === 'GET' || method === 'HEAD' ? 'get' : method.toLowerCase();
}

const sha = (s: string): string => createHash('sha256').update(s).digest('base64');

type TokenResult = { ok: true; user: UserInfo } | { ok: false; reason: string };

export class KubernetesAuthorizer {
  private readonly tokens = new TtlCache<TokenResult>(CACHE_ENTRIES);
  private readonly access = new TtlCache<{ allowed: boolean; reason: string }>(CACHE_ENTRIES);
  private readonly pending = new Map<string, Promise<unknown>>();
  private inFlight = 0;
  private failing = false;
  private readonly counts = {
    allowed: 0,
    unauthenticated: 0,
    forbidden: 0,
    unavailable: 0,
    tokenReviews: 0,
    accessReviews: 0,
    cacheHits: 0,
  };
  private lastError: string | undefined;

  constructor(
    private readonly api: ReviewApi,
    private readonly log: Logger,
  ) {}

  /** Decides one request. `certUser`: the identity of a verified client certificate, if any. */
  async decide(
    authorization: string | undefined,
    certUser: UserInfo | undefined,
    path: string,
    method: string,
  ): Promise<AccessDecision> {
    const d = await this.decideInner(authorization, certUser, path, method);
    this.counts[d.kind]++;
    return d;
  }

  private async decideInner(
    authorization: string | undefined,
    certUser: UserInfo | undefined,
    path: string,
    method: string,
  ): Promise<AccessDecision> {
    const token = bearerToken(authorization);
    let user: UserInfo;
    if (token !== undefined) {
      const t = await this.reviewToken(token);
      if ('unavailable' in t) return { kind: 'unavailable', reason: t.unavailable };
      if (!t.ok) return { kind: 'unauthenticated', reason: t.reason };
      user = t.user;
    } else if (certUser) {
      user = certUser;
    } else {
      return {
        kind: 'unauthenticated',
        reason: authorization ? 'the Authorization header is not a bearer token' : 'no bearer token',
      };
    }
    const a = await this.reviewAccess(user, path, nonResourceVerb(method));
    if ('unavailable' in a) return { kind: 'unavailable', reason: a.unavailable };
    return a.allowed
      ? { kind: 'allowed', user: user.username }
      : { kind: 'forbidden', user: user.username, reason: a.reason };
  }

  private async reviewToken(token: string): Promise<TokenResult | { unavailable: string }> {
    const key = sha(token);
    const cached = this.tokens.get(key);
    if (cached) {
      this.counts.cacheHits++;
      return cached;
    }
    return this.once(`t:${key}`, async (signal) => {
      this.counts.tokenReviews++;
      const r = await this.api.tokenReview(token, signal);
      const result: TokenResult =
        r.authenticated && r.user && r.user.username !== ''
          ? { ok: true, user: r.user }
          : { ok: false, reason: r.error ?? 'the token is not valid' };
      this.tokens.set(key, result, result.ok ? CACHE_TTL_MS.authenticated : CACHE_TTL_MS.unauthenticated);
      return result;
    });
  }

  private async reviewAccess(
    user: UserInfo,
    path: string,
    verb: string,
  ): Promise<{ allowed: boolean; reason: string } | { unavailable: string }> {
    const key = sha(
      JSON.stringify([user.username, user.uid ?? '', [...(user.groups ?? [])].sort(), user.extra ?? {}, path, verb]),
    );
    const cached = this.access.get(key);
    if (cached) {
      this.counts.cacheHits++;
      return cached;
    }
    return this.once(`a:${key}`, async (signal) => {
      this.counts.accessReviews++;
      const r = await this.api.accessReview(user, path, verb, signal);
      const result = { allowed: r.allowed, reason: r.reason ?? '' };
      this.access.set(key, result, r.allowed ? CACHE_TTL_MS.allowed : CACHE_TTL_MS.denied);
      return result;
    });
  }

  /** One call per key at a time, bounded in number and time; a failure is not cached. */
  private once<T>(key: string, call: (signal: AbortSignal) => Promise<T>): Promise<T | { unavailable: string }> {
    const shared = this.pending.get(key) as Promise<T | { unavailable: string }> | undefined;
    if (shared) return shared;
    if (this.inFlight >= MAX_IN_FLIGHT)
      return Promise.resolve({ unavailable: `${MAX_IN_FLIGHT} reviews already waiting for the Kubernetes API` });
    this.inFlight++;
    const signal = AbortSignal.timeout(REVIEW_TIMEOUT_MS);
    const p = call(signal)
      .then(
        (v) => {
          if (this.failing) {
            this.failing = false;
            this.log.info('Kubernetes API reviews answer again');
          }
          return v;
        },
        (err: unknown) => {
          const reason = signal.aborted
            ? `the Kubernetes API did not answer within ${REVIEW_TIMEOUT_MS} ms`
            : describeApiError(err);
          this.lastError = reason;
          if (!this.failing) {
            this.failing = true;
            this.log.warn('Kubernetes API reviews fail; callers without a cached answer get 503', { error: reason });
          }
          return { unavailable: reason };
        },
      )
      .finally(() => {
        this.inFlight--;
        this.pending.delete(key);
      });
    this.pending.set(key, p);
    return p;
  }

  status(): Record<string, unknown> {
    return {
      ...this.counts,
      cachedTokens: this.tokens.size,
      cachedAccess: this.access.size,
      inFlight: this.inFlight,
      failing: this.failing,
      lastError: this.lastError ?? null,
    };
  }
}

/** An API error in one line: status code and the API's own message (never a token). */
export function describeApiError(err: unknown): string {
  const e = err as
    { code?: unknown; body?: unknown; message?: string; cause?: { code?: string; message?: string } } | undefined;
  if (typeof e?.code === 'number') {
    let body = e.body as { message?: string } | string | undefined;
    if (typeof body === 'string') {
      try {
        body = JSON.parse(body) as { message?: string };
      } catch {
        /* plain text */
      }
    }
    const msg =
      typeof body === 'object' && body?.message ? body.message : typeof body === 'string' ? body.slice(0, 200) : '';
    return `the Kubernetes API answered ${e.code}${msg ? `: ${msg}` : ''}`;
  }
  const cause = e?.cause?.code ?? e?.cause?.message;
  return `cannot reach the Kubernetes API: ${String(e?.message ?? err).split('\n')[0]}${cause ? ` (${cause})` : ''}`;
}

/** The review calls, from the same kubeconfig or service account as the pod watch. */
export async function kubernetesReviewApi(kubeconfig: string | undefined): Promise<ReviewApi> {
  const { loadKubeConfig } = await import('../targets/kube-api.js');
  const api = loadKubeConfig({ ...(kubeconfig !== undefined ? { kubeconfig } : {}) });
  interface TokenReviewStatus {
    authenticated?: boolean;
    user?: { username?: string; uid?: string; groups?: string[]; extra?: Record<string, string[]> };
    error?: string;
  }
  return {
    async tokenReview(token, signal) {
      const r = await api.request<{ status?: TokenReviewStatus }>(
        'POST',
        '/apis/authentication.k8s.io/v1/tokenreviews',
        {
          body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } },
          signal,
        },
      );
      const u = r.status?.user;
      return {
        authenticated: r.status?.authenticated === true,
        ...(u?.username
          ? {
              user: {
                username: u.username,
                ...(u.uid ? { uid: u.uid } : {}),
                groups: u.groups ?? [],
                extra: u.extra ?? {},
              },
            }
          : {}),
        ...(r.status?.error ? { error: r.status.error } : {}),
      };
    },
    async accessReview(user, path, verb, signal) {
      const r = await api.request<{ status?: { allowed?: boolean; reason?: string } }>(
        'POST',
        '/apis/authorization.k8s.io/v1/subjectaccessreviews',
        {
          body: {
            apiVersion: 'authorization.k8s.io/v1',
            kind: 'SubjectAccessReview',
            spec: {
              user: user.username,
              ...(user.uid ? { uid: user.uid } : {}),
              groups: [...(user.groups ?? [])],
              extra: Object.fromEntries(Object.entries(user.extra ?? {}).map(([k, v]) => [k, [...v]])),
              nonResourceAttributes: { path, verb },
            },
          },
          signal,
        },
      );
      return { allowed: r.status?.allowed === true, ...(r.status?.reason ? { reason: r.status.reason } : {}) };
    },
  };
}
