// What protects the endpoints, made once at start from the config: the web config file (loaded and
// checked: a bad one is a ConfigError, exit 2) and, with server.authorization kubernetes, the
// TokenReview/SubjectAccessReview checker.
import { ConfigError } from '../config/errors.js';
import type { AgentConfig } from '../config/types.js';
import type { Logger } from '../log.js';
import type { ServerSecurity } from './http.js';
import { KubernetesAuthorizer, kubernetesReviewApi } from './kubernetes-auth.js';
import { loadWebConfig } from './web-config.js';

const isLoopback = (address: string): boolean => /^(127\.|::1$|localhost$)/.test(address);

export async function serverSecurity(config: AgentConfig, log: Logger): Promise<ServerSecurity> {
  const file = config.server.webConfigFile;
  const web = file !== undefined ? loadWebConfig(file) : undefined;
  const kubernetes = config.server.authorization === 'kubernetes';
  if (web && web.config.users.size > 0 && kubernetes) {
    // Both read the Authorization header: a scraper can send a password or a token, not both.
    throw new ConfigError([
      `${file}: at basic_auth_users: found users while server.authorization is kubernetes, ` +
        'expected one of the two (both use the Authorization header)',
    ]);
  }
  let authorizer: KubernetesAuthorizer | undefined;
  if (kubernetes) {
    try {
      authorizer = new KubernetesAuthorizer(
        await kubernetesReviewApi(config.kubernetes?.kubeconfig),
        log.child({ component: 'authorization' }),
      );
    } catch (err) {
      throw new ConfigError([
        'server.authorization: found kubernetes, but the Kubernetes API is not usable: ' +
          `${(err as Error).message.split('\n')[0]}` +
          ' (expected the in-cluster service account or kubernetes.kubeconfig)',
      ]);
    }
  }
  const credentials =
    (web?.config.users.size ?? 0) > 0 ? 'basic auth passwords' : kubernetes ? 'bearer tokens' : undefined;
  if (credentials && !web?.tls && !isLoopback(config.server.address)) {
    log.warn(
      `${credentials} travel in clear text: the endpoints are plain HTTP on ${config.server.address}; ` +
        'set tls_server_config in the web config file',
    );
  }
  if (web || kubernetes) {
    log.info('endpoint security', {
      tls: Boolean(web?.tls),
      clientAuth: web?.config.tls?.clientAuth ?? null,
      basicAuthUsers: web?.config.users.size ?? 0,
      authorization: config.server.authorization ?? 'none',
      ...(web?.tls ? { certificate: web.tls.subject, notAfter: web.tls.notAfter } : {}),
    });
  }
  return {
    ...(web ? { web, reloadWeb: () => loadWebConfig(file!) } : {}),
    ...(authorizer ? { authorizer } : {}),
    log: log.child({ component: 'server' }),
  };
}
