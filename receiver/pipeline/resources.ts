// The OTLP Resources the agent's data travels under (NAMING.md rule 6; semconv/registry/entities.yaml):
//  - the agent's own (service.name, service.instance.id, service.version, host.name, k8s.node.name and
//    the SDK's telemetry.sdk.*): the agent's own metrics;
//  - one per target, as kubeletstats does for pods: a pod's (k8s.pod.uid, k8s.pod.name,
//    k8s.namespace.name, k8s.node.name), the node's for the host target (k8s.node.name, host.name), a
//    plain namespace's (kubeskoop.netns.*). Each also carries kubeskoop.target.kind and the namespace's
//    inode, and the user's resource attributes (OTEL_RESOURCE_ATTRIBUTES, service.resource_attributes)
//    other than service.*, which describe the agent.
// /metrics keeps the target identity as labels: only OTLP moves it to the resource.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { defaultResource, resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import {
  ATTR_HOST_NAME,
  ATTR_K8S_NODE_NAME,
  ATTR_KUBESKOOP_TARGET_KIND,
  ATTR_SERVICE_INSTANCE_ID,
  ATTR_SERVICE_NAME,
  ATTR_SERVICE_VERSION,
} from '../../semconv/generated/registry.js';
import type { AgentConfig } from '../config/types.js';
import type { SampleAttributes } from '../probes/probe.js';

/**
 * service.instance.id: unique per agent process (semconv: unique per service.name instance). The
 * user's value (OTEL_RESOURCE_ATTRIBUTES or service.resource_attributes) wins. A sidecar is its pod's
 * instance, `<namespace>.<pod>` as semconv's k8s attribute guide builds it (the pod UID without a
 * name; a random UUID without either), so sidecars on one node never share an id. The node agent, one
 * per node, is its node's.
 */
export function serviceInstanceId(config: AgentConfig, env: Readonly<Record<string, string | undefined>>): string {
  const given = config.service.resourceAttributes[ATTR_SERVICE_INSTANCE_ID];
  if (given !== undefined && given !== '') return given;
  const v = (n: string): string | undefined => (env[n] !== undefined && env[n] !== '' ? env[n] : undefined);
  if (config.mode === 'sidecar') {
    const ns = v('POD_NAMESPACE');
    const pod = v('POD_NAME');
    if (ns !== undefined && pod !== undefined) return `${ns}.${pod}`;
    return v('POD_UID')?.toLowerCase() ?? randomUUID();
  }
  return config.nodeName ?? hostname();
}

/** The user's resource attributes that describe the environment (cluster, deployment), not the agent. */
function environmentAttributes(config: AgentConfig): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(config.service.resourceAttributes)) if (!k.startsWith('service.')) out[k] = v;
  return out;
}

export interface Resources {
  /** The agent's own resource. */
  readonly agent: Resource;
  /** The resource of a target, from the identity attributes the snapshot gives it (targetAttributes). */
  forTarget(identity: SampleAttributes): Resource;
}

export function createResources(
  config: AgentConfig,
  version: string,
  env: Readonly<Record<string, string | undefined>>,
): Resources {
  const node = config.nodeName !== undefined ? { [ATTR_K8S_NODE_NAME]: config.nodeName } : {};
  const agent = defaultResource().merge(
    resourceFromAttributes({
      [ATTR_SERVICE_VERSION]: version,
      [ATTR_HOST_NAME]: hostname(),
      ...node,
      ...config.service.resourceAttributes,
      // After the user's: the name comes from the config (OTEL_SERVICE_NAME over the file), the id is the
      // user's when given.
      [ATTR_SERVICE_NAME]: config.service.name,
      [ATTR_SERVICE_INSTANCE_ID]: serviceInstanceId(config, env),
    }),
  );
  const environment = environmentAttributes(config);
  // Targets come and go with pods; one Resource object per identity while it lives, so exports reuse it.
  let cache = new Map<string, Resource>();
  let previous = new Map<string, Resource>();
  return {
    agent,
    forTarget(identity) {
      const key = JSON.stringify(identity);
      let r = cache.get(key) ?? previous.get(key);
      if (r === undefined) {
        const host = identity[ATTR_KUBESKOOP_TARGET_KIND] === 'host' ? { [ATTR_HOST_NAME]: hostname() } : {};
        r = resourceFromAttributes(Object.assign({}, environment, node, host, identity));
      }
      cache.set(key, r);
      // Two generations: identities unseen for a whole generation are forgotten (bounded by the live targets).
      if (cache.size > 2 * Math.max(64, previous.size)) {
        previous = cache;
        cache = new Map();
      }
      return r;
    },
  };
}
