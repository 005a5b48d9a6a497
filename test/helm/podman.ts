// A rendered pod's container run with podman the way a kubelet and its runtime would run it: the
// pod spec and container spec from `helm template`, translated field by field into `podman run`
// flags. A field this translation does not know is an error (so a chart change cannot be silently
// ignored); a field with no meaning on one machine without a cluster is listed with the reason.
// podman runs through scripts/image.sh (runc, ulimits under this machine's hard limits).
import { chmodSync, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { REPO } from './chart.js';
import { run, type RunOptions, type RunResult } from '../support/proc.js';

export const IMAGE_SH = path.join(REPO, 'scripts/image.sh');

/** podman with scripts/image.sh's settings. */
export function podman(args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  return run(IMAGE_SH, ['podman', ...args], { timeoutMs: 120_000, ...opts });
}

export async function podmanOk(args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const r = await podman(args, opts);
  if (r.code !== 0) throw new Error(`podman ${args.join(' ')}: exit ${String(r.code)}: ${r.stderr.trim()}`);
  return r;
}

// Pod and container fields that mean nothing for one container on one machine without a cluster.
const POD_NOT_APPLICABLE: Record<string, string> = {
  serviceAccountName: 'no API server: the token is not mounted (automountServiceAccountToken)',
  automountServiceAccountToken: 'no API server; the agent runs without pod identity from the API',
  dnsPolicy: 'no cluster DNS',
  priorityClassName: 'scheduling', tolerations: 'scheduling', nodeSelector: 'scheduling', affinity: 'scheduling',
  imagePullSecrets: 'the image is local',
};
const POD_TRANSLATED = ['containers', 'volumes', 'hostPID', 'hostNetwork', 'securityContext', 'terminationGracePeriodSeconds'];

const CONTAINER_NOT_APPLICABLE: Record<string, string> = {
  image: 'replaced by the image under test', imagePullPolicy: 'the image is local',
  ports: 'containerPort only documents the port: with hostNetwork the agent listens on the host, else in the pod namespace',
  readinessProbe: 'the test polls the same httpGet (httpProbe())', livenessProbe: 'the test polls the same httpGet (httpProbe())',
};
const CONTAINER_TRANSLATED = ['name', 'command', 'args', 'env', 'resources', 'securityContext', 'volumeMounts'];

const SECURITY_TRANSLATED = ['runAsUser', 'runAsGroup', 'runAsNonRoot', 'privileged', 'allowPrivilegeEscalation',
  'readOnlyRootFilesystem', 'capabilities', 'seccompProfile', 'appArmorProfile'];

export interface RunSpecOptions {
  /** The image to run (instead of the spec's image). */
  image: string;
  /** podman container name. */
  name: string;
  /** Downward API values by fieldPath (spec.nodeName, metadata.name, …); a missing one is an error. */
  fieldRefs: Record<string, string>;
  /** ConfigMap data by name, for configMap volumes (from the rendered ConfigMaps). */
  configMaps: Record<string, Record<string, string>>;
  /** Directory where configMap and emptyDir volumes are made. */
  volumesDir: string;
  /** The pod's network namespace (a path, e.g. /run/netns/NAME) when the pod has no hostNetwork. */
  netnsPath?: string;
  /** The image's configured user (uid[:gid]), for runAsNonRoot when runAsUser is not set. */
  imageUser?: string;
}

function unknownKeys(obj: Record<string, unknown> | undefined, known: readonly string[], where: string): void {
  for (const k of Object.keys(obj ?? {})) {
    if (!known.includes(k)) throw new Error(`${where}.${k}: not translated to podman (test/helm/podman.ts)`);
  }
}

/** Kubernetes quantity → bytes ("384Mi", "1G", "128974848"). */
export function memoryBytes(q: string | number): number {
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(String(q));
  if (!m) throw new Error(`memory quantity ${String(q)}: not understood`);
  const mult: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, k: 1e3, M: 1e6, G: 1e9, T: 1e12 };
  return Math.round(Number(m[1]) * (m[2] ? mult[m[2]]! : 1));
}

/** Kubernetes CPU quantity → cores ("100m", "1", 0.5). */
export function cpuCores(q: string | number): number {
  const m = /^(\d+(?:\.\d+)?)(m)?$/.exec(String(q));
  if (!m) throw new Error(`cpu quantity ${String(q)}: not understood`);
  return Number(m[1]) / (m[2] ? 1000 : 1);
}

/** The httpGet of a readiness/liveness probe, its named port resolved through the container's ports. */
export function httpProbe(container: any, which: 'readinessProbe' | 'livenessProbe'): { path: string; port: number } {
  const g = container[which]?.httpGet;
  if (!g) throw new Error(`${container.name}: no ${which}.httpGet`);
  const port = typeof g.port === 'number' ? g.port : (container.ports ?? []).find((p: any) => p.name === g.port)?.containerPort;
  if (typeof port !== 'number') throw new Error(`${container.name}: ${which} port ${String(g.port)} is not a container port`);
  return { path: g.path, port };
}

/**
 * `podman run` arguments (after `run`) for `container` of `pod`. Makes the configMap and emptyDir
 * volume directories under volumesDir (as kubelet does under the pod's directory).
 */
export function podmanRunArgs(pod: any, container: any, o: RunSpecOptions): string[] {
  unknownKeys(pod, [...POD_TRANSLATED, ...Object.keys(POD_NOT_APPLICABLE)], 'pod spec');
  unknownKeys(container, [...CONTAINER_TRANSLATED, ...Object.keys(CONTAINER_NOT_APPLICABLE)], `container ${container.name}`);
  const a: string[] = ['--detach', '--name', o.name, '--label', `ksotel.test.pid=${process.pid}`];

  // namespaces
  a.push(pod.hostPID ? '--pid=host' : '--pid=private');
  if (pod.hostNetwork) a.push('--network=host');
  else {
    if (!o.netnsPath) throw new Error('the pod has no hostNetwork: give the pod\'s network namespace (netnsPath)');
    a.push(`--network=ns:${o.netnsPath}`);
  }
  if (pod.terminationGracePeriodSeconds !== undefined) a.push(`--stop-timeout=${Number(pod.terminationGracePeriodSeconds)}`);

  // security: the container's securityContext over the pod's (the fields both have)
  unknownKeys(container.securityContext, SECURITY_TRANSLATED, `container ${container.name}.securityContext`);
  unknownKeys(pod.securityContext, ['runAsUser', 'runAsGroup', 'runAsNonRoot', 'seccompProfile', 'appArmorProfile'], 'pod securityContext');
  const sc = { ...(pod.securityContext ?? {}), ...(container.securityContext ?? {}) };
  const uid = sc.runAsUser ?? (o.imageUser ? Number(o.imageUser.split(':')[0]) : undefined);
  if (sc.runAsUser !== undefined) a.push(`--user=${sc.runAsUser}${sc.runAsGroup !== undefined ? `:${sc.runAsGroup}` : ''}`);
  else if (sc.runAsGroup !== undefined) throw new Error('runAsGroup without runAsUser: not translated');
  if (sc.runAsNonRoot === true && (uid === undefined || uid === 0)) {
    // kubelet refuses to start such a container
    throw new Error(`container ${container.name}: runAsNonRoot but it would run as uid ${String(uid)}`);
  }
  if (sc.privileged === true) a.push('--privileged');
  if (sc.allowPrivilegeEscalation === false) a.push('--security-opt=no-new-privileges');
  // read-only root and no writable tmpfs the pod spec does not declare (podman adds /tmp, /run, …
  // by default with --read-only; a kubelet does not)
  if (sc.readOnlyRootFilesystem === true) a.push('--read-only', '--read-only-tmpfs=false');
  unknownKeys(sc.capabilities, ['add', 'drop'], 'securityContext.capabilities');
  for (const c of sc.capabilities?.drop ?? []) a.push(`--cap-drop=${String(c)}`);
  for (const c of sc.capabilities?.add ?? []) a.push(`--cap-add=${String(c)}`);
  const seccomp = sc.seccompProfile?.type;
  if (seccomp === 'Unconfined') a.push('--security-opt=seccomp=unconfined');
  else if (seccomp !== undefined && seccomp !== 'RuntimeDefault') throw new Error(`seccompProfile ${String(seccomp)}: not translated`);
  const apparmor = sc.appArmorProfile?.type;
  if (apparmor === 'Unconfined') a.push('--security-opt=apparmor=unconfined');
  else if (apparmor !== undefined && apparmor !== 'RuntimeDefault') throw new Error(`appArmorProfile ${String(apparmor)}: not translated`);

  // resources: limits are the cgroup's limits, the CPU request its share (as kubelet sets them)
  unknownKeys(container.resources, ['requests', 'limits'], 'resources');
  const lim = container.resources?.limits ?? {};
  const req = container.resources?.requests ?? {};
  unknownKeys(lim, ['cpu', 'memory'], 'resources.limits');
  unknownKeys(req, ['cpu', 'memory'], 'resources.requests');
  if (lim.memory !== undefined) a.push(`--memory=${memoryBytes(lim.memory)}b`);
  if (lim.cpu !== undefined) a.push(`--cpus=${cpuCores(lim.cpu)}`);
  if (req.cpu !== undefined) a.push(`--cpu-shares=${Math.max(2, Math.round(cpuCores(req.cpu) * 1024))}`);
  if (req.memory !== undefined) a.push(`--memory-reservation=${memoryBytes(req.memory)}b`);

  // environment: literal values and the downward API
  for (const e of container.env ?? []) {
    unknownKeys(e, ['name', 'value', 'valueFrom'], `env ${e.name}`);
    if (e.value !== undefined) { a.push('--env', `${e.name}=${String(e.value)}`); continue; }
    const ref = e.valueFrom?.fieldRef?.fieldPath;
    if (!ref || Object.keys(e.valueFrom).length !== 1) throw new Error(`env ${e.name}: valueFrom ${JSON.stringify(e.valueFrom)} not translated`);
    const v = o.fieldRefs[ref];
    if (v === undefined) throw new Error(`env ${e.name}: no test value for the downward API field ${ref}`);
    a.push('--env', `${e.name}=${v}`);
  }

  // volumes
  const volumes = new Map<string, any>((pod.volumes ?? []).map((v: any) => [v.name, v]));
  for (const m of container.volumeMounts ?? []) {
    unknownKeys(m, ['name', 'mountPath', 'readOnly', 'mountPropagation'], `volumeMount ${m.name}`);
    const v = volumes.get(m.name);
    if (!v) throw new Error(`volumeMount ${m.name}: no such volume`);
    const ro = m.readOnly === true;
    let src: string;
    if (v.configMap) {
      unknownKeys(v.configMap, ['name'], `volume ${v.name}.configMap`);
      const data = o.configMaps[v.configMap.name];
      if (!data) throw new Error(`volume ${v.name}: no ConfigMap ${v.configMap.name} given`);
      src = path.join(o.volumesDir, v.name);
      mkdirSync(src, { recursive: true });
      for (const [k, text] of Object.entries(data)) writeFileSync(path.join(src, k), text, { mode: 0o644 });
      chmodSync(src, 0o755);
      // a kubelet mounts configMap volumes read-only whatever the mount says
      a.push('--mount', `type=bind,src=${src},dst=${m.mountPath},ro=true`);
      continue;
    } else if (v.emptyDir) {
      unknownKeys(v.emptyDir, ['sizeLimit', 'medium'], `volume ${v.name}.emptyDir`);
      if (v.emptyDir.medium === 'Memory') {
        const size = v.emptyDir.sizeLimit !== undefined ? `,tmpfs-size=${memoryBytes(v.emptyDir.sizeLimit)}` : '';
        a.push('--mount', `type=tmpfs,dst=${m.mountPath}${size}${ro ? ',ro=true' : ''}`);
        continue;
      }
      // on disk, world-writable as kubelet makes it (sizeLimit is enforced by eviction, not here)
      src = path.join(o.volumesDir, v.name);
      mkdirSync(src, { recursive: true });
      chmodSync(src, 0o777);
    } else if (v.hostPath) {
      unknownKeys(v.hostPath, ['path', 'type'], `volume ${v.name}.hostPath`);
      src = v.hostPath.path;
      const type = v.hostPath.type ?? '';
      if (type === 'DirectoryOrCreate') mkdirSync(src, { recursive: true, mode: 0o755 });
      else if (type === 'Directory' && !(existsSync(src) && statSync(src).isDirectory())) throw new Error(`volume ${v.name}: hostPath ${src} is not a directory`);
      else if (type !== 'Directory' && type !== '') throw new Error(`volume ${v.name}: hostPath type ${String(type)} not translated`);
    } else {
      throw new Error(`volume ${v.name}: ${Object.keys(v).filter((k) => k !== 'name').join(',')} not translated`);
    }
    const propagation: Record<string, string> = { None: 'rprivate', HostToContainer: 'rslave', Bidirectional: 'rshared' };
    const prop = propagation[m.mountPropagation ?? 'None'];
    if (!prop) throw new Error(`volumeMount ${m.name}: mountPropagation ${String(m.mountPropagation)} not translated`);
    a.push('--mount', `type=bind,src=${src},dst=${m.mountPath},ro=${String(ro)},bind-propagation=${prop}`);
  }

  // command replaces the image's ENTRYPOINT, args its CMD
  if (container.command !== undefined) a.push(`--entrypoint=${JSON.stringify(container.command)}`);
  a.push(o.image);
  if (container.args !== undefined) a.push(...(container.args as unknown[]).map(String));
  return a;
}

/** What each field of a pod spec the translation leaves out means here (for messages and docs). */
export const NOT_APPLICABLE = { pod: POD_NOT_APPLICABLE, container: CONTAINER_NOT_APPLICABLE };
