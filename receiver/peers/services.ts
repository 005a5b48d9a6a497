// Service ClusterIP → Service, for peer naming: a list of every Service of the cluster, repeated
// every `intervalMs` (default 30 s). A list, not a watch: Services change rarely and a name up to
// one interval late is harmless for a peer label; the last good list is kept through API failures.
// Needs `list` on `services` (cluster-wide).
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { Logger } from '../log.js';
import type { NamedEndpoint } from './resolve.js';

interface RawService {
  metadata?: { name?: string; namespace?: string };
  spec?: { clusterIP?: string; clusterIPs?: string[] };
}

/** ClusterIP(s) → Service of one list answer; headless (None) and empty addresses are left out. */
export function serviceIndex(items: readonly unknown[]): Map<string, NamedEndpoint> {
  const out = new Map<string, NamedEndpoint>();
  for (const it of items as RawService[]) {
    const name = it?.metadata?.name;
    if (typeof name !== 'string' || name === '') continue;
    const ns = it.metadata?.namespace ?? 'default';
    for (const ip of new Set([it.spec?.clusterIP, ...(it.spec?.clusterIPs ?? [])])) {
      if (typeof ip === 'string' && ip !== '' && ip !== 'None') out.set(ip, { name, namespace: ns });
    }
  }
  return out;
}

export class ServiceDirectory {
  private index = new Map<string, NamedEndpoint>();
  private timer: NodeJS.Timeout | undefined;
  private readonly api: CoreV1Api;
  lastError: string | undefined;
  lists = 0;

  constructor(
    kc: KubeConfig,
    private readonly log: Logger,
    private readonly intervalMs = 30_000,
  ) {
    this.api = kc.makeApiClient(CoreV1Api);
  }

  lookup(address: string): NamedEndpoint | undefined {
    return this.index.get(address);
  }

  /** Lists once now (resolves when done or failed), then every interval in the background. */
  async start(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => {
      void this.refresh();
    }, this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  async refresh(): Promise<void> {
    try {
      const res = await this.api.listServiceForAllNamespaces({});
      this.index = serviceIndex(res.items ?? []);
      this.lists++;
      this.lastError = undefined;
    } catch (err) {
      const msg = (err as Error).message;
      if (msg !== this.lastError)
        this.log.warn('kubernetes: cannot list Services (peer names keep the last list)', { error: msg });
      this.lastError = msg;
    }
  }
}
