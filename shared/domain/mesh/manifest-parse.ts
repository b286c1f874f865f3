import type * as z from 'zod/mini';
import { UnprocessableError, ValidationError } from '../errors.ts';
import { type CircuitBreakerSpec, MESH_API_VERSION, type MeshService, type MeshServiceSpec, type ParsedManifest, type TrafficPolicy } from './canonical.ts';
import { MESH_JOIN_LABEL } from './kube-resources.ts';
import { DEFAULT_CPU_PERCENT, DEFAULT_RESET_SECONDS, durationToMs } from './manifest-fields.ts';
import { canonicalPolicy, canonicalService, chapter7Pod, chapter7Policy, chapter10Mesh, chapter12Service, kubernetesDeployment } from './manifest-formats.ts';
import { checkPodLabels } from './manifest-labels.ts';
import { fieldUnder, parseFile } from './manifest-paths.ts';
import { checkMediaType, loadYaml } from './manifest-yaml.ts';

export interface ParseManifestOptions {
  /** The namespace of a manifest that names none. */
  defaultNamespace: string;
  /** The request's Content-Type, when the file came over HTTP. */
  contentType?: string;
  /** When given, a manifest's namespace must be one of these (422 naming the namespace field). */
  managedNamespaces?: readonly string[];
}

/** The port of a Pod or Deployment whose container lists none. */
export const DEFAULT_POD_PORT = 80;

/**
 * Reads a mesh manifest in any accepted format (chapter 12's service file, chapter 10's service+mesh
 * file, chapter 7's TrafficPolicy and `hms/mesh: enabled` Pod, a meshed Deployment, or the canonical
 * hms-sys.io/v1 form) and returns its canonical form. Bad input throws a ValidationError naming the
 * field as the file writes it (400), PayloadTooLargeError over 64 KiB (413) or UnprocessableError (422).
 */
export function parseManifest(text: string, options: ParseManifestOptions): ParsedManifest {
  checkMediaType(options.contentType);
  const raw = loadYaml(text, options.contentType);
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ValidationError('a manifest is a YAML mapping (key: value lines), not a list or a single value', null, 'invalid_manifest');
  }
  const file = raw as Record<string, unknown>;
  const parsed = dispatch(file, options.defaultNamespace);
  const namespace = parsed.manifest.document.metadata.namespace;
  if (options.managedNamespaces && !options.managedNamespaces.includes(namespace)) {
    throw new UnprocessableError(
      'namespace_not_managed',
      `namespace ${namespace} is not one hms-sys manages (${options.managedNamespaces.join(', ')})`,
      parsed.namespaceField,
    );
  }
  return parsed.manifest;
}

interface Dispatched {
  manifest: ParsedManifest;
  /** Where the file writes the namespace (or would). */
  namespaceField: string;
}

/** The apiVersions hms-sys reads each kind under. */
const API_VERSIONS_OF: Record<string, string[]> = {
  MeshService: [MESH_API_VERSION],
  TrafficPolicy: [MESH_API_VERSION, 'hms/v1'],
  Pod: ['v1'],
  Deployment: ['apps/v1'],
};

function dispatch(file: Record<string, unknown>, defaultNamespace: string): Dispatched {
  const { apiVersion, kind } = file;
  if (apiVersion === undefined && kind === undefined) {
    if ('service' in file || 'mesh' in file) return chapter10(parseFile(chapter10Mesh, file), defaultNamespace);
    if ('name' in file) return chapter12(parseFile(chapter12Service, file), defaultNamespace);
    throw new ValidationError(
      'not a manifest hms-sys knows: write a service file (name, image, port), a service+mesh file, or a file with apiVersion and kind',
      null,
      'invalid_manifest',
    );
  }
  if (typeof apiVersion !== 'string') throw new ValidationError('apiVersion is required and must be a string', 'apiVersion');
  if (typeof kind !== 'string') throw new ValidationError('kind is required and must be a string', 'kind');
  if (apiVersion === MESH_API_VERSION && kind === 'MeshService') return canonical(parseFile(canonicalService, file), defaultNamespace);
  if (apiVersion === MESH_API_VERSION && kind === 'TrafficPolicy') return policy('canonical', parseFile(canonicalPolicy, file), defaultNamespace);
  if (apiVersion === 'hms/v1' && kind === 'TrafficPolicy') return policy('chapter-7-traffic-policy', parseFile(chapter7Policy, file), defaultNamespace);
  if (apiVersion === 'v1' && kind === 'Pod') return pod(parseFile(chapter7Pod, file), defaultNamespace);
  if (apiVersion === 'apps/v1' && kind === 'Deployment') return deployment(parseFile(kubernetesDeployment, file), defaultNamespace);
  if (apiVersion === MESH_API_VERSION || apiVersion === 'hms/v1') {
    throw new ValidationError(
      `kind must be ${apiVersion === 'hms/v1' ? 'TrafficPolicy' : 'MeshService or TrafficPolicy'} for apiVersion ${apiVersion}`,
      'kind',
    );
  }
  // A kind hms-sys knows under another apiVersion: the apiVersion is what is wrong.
  const versions = API_VERSIONS_OF[kind];
  if (versions) {
    throw new UnprocessableError('unsupported_api_version', `apiVersion must be ${versions.join(' or ')} for kind ${kind} (it is ${apiVersion})`, 'apiVersion');
  }
  throw new UnprocessableError(
    'unsupported_kind',
    `${apiVersion} ${kind} is not a kind hms-sys applies: use ${MESH_API_VERSION} MeshService or TrafficPolicy, hms/v1 TrafficPolicy, v1 Pod or apps/v1 Deployment`,
    'kind',
  );
}

const serviceDoc = (name: string, namespace: string, spec: MeshServiceSpec): MeshService => ({
  apiVersion: MESH_API_VERSION,
  kind: 'MeshService',
  metadata: { name, namespace },
  spec,
});

/** Leaves optional keys out rather than writing `undefined`, so the canonical form compares and serialises cleanly. */
function defined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

const scalingOf = (s: { min: number; max: number; cpuPercent?: number | undefined } | undefined) =>
  s ? { min: s.min, max: s.max, cpuPercent: s.cpuPercent ?? DEFAULT_CPU_PERCENT } : undefined;

const routesOf = (list: { path: string; methods?: MeshServiceSpec['routes'][number]['methods'] | undefined }[] | undefined) =>
  (list ?? []).map((r) => ({ path: r.path, methods: [...new Set(r.methods ?? [])] }));

const ms = (value: number | string | undefined, unitMs: number): number | undefined => (value === undefined ? undefined : durationToMs(value, unitMs));

/** A breaker with failures or an error percentage gets the reset window chapter 10 uses when it names none. */
function breakerOf(cb: CircuitBreakerSpec): CircuitBreakerSpec | undefined {
  const spec = defined(cb);
  if (Object.keys(spec).length === 0) return undefined;
  if (spec.resetSeconds === undefined && (spec.consecutiveFailures !== undefined || spec.errorPercent !== undefined)) spec.resetSeconds = DEFAULT_RESET_SECONDS;
  return spec;
}

function chapter12(file: z.infer<typeof chapter12Service>, defaultNamespace: string): Dispatched {
  const spec = defined<MeshServiceSpec>({
    version: file.version,
    image: file.image,
    port: file.port,
    routes: routesOf(file.routes),
    scaling: scalingOf(file.scaling),
    mtls: 'STRICT',
    allowFrom: [],
    podLabels: {},
  });
  return { manifest: { format: 'chapter-12-service', document: serviceDoc(file.name, file.namespace ?? defaultNamespace, spec) }, namespaceField: 'namespace' };
}

function chapter10(file: z.infer<typeof chapter10Mesh>, defaultNamespace: string): Dispatched {
  const { service, mesh } = file;
  const cb = mesh?.circuit_breaker;
  const spec = defined<MeshServiceSpec>({
    version: service.version,
    image: service.image,
    port: service.port,
    routes: routesOf(service.routes),
    scaling: scalingOf(service.scaling),
    retries: mesh?.retries,
    timeoutMs: ms(mesh?.timeoutMs, 1),
    circuitBreaker: cb
      ? breakerOf({ consecutiveFailures: cb.max_failures, resetSeconds: seconds(cb.reset_seconds), maxConnections: cb.maxConnections })
      : undefined,
    // Chapter 10's `required` is STRICT, and so is a file that says nothing (zero trust); only `permissive` relaxes it.
    mtls: mesh?.policy?.mTLS === 'permissive' ? 'PERMISSIVE' : 'STRICT',
    allowFrom: [...new Set(mesh?.policy?.allowFrom ?? [])],
    podLabels: {},
  });
  return {
    manifest: { format: 'chapter-10-mesh', document: serviceDoc(service.name, service.namespace ?? defaultNamespace, spec) },
    namespaceField: 'service.namespace',
  };
}

const seconds = (value: number | string | undefined): number | undefined => {
  const millis = ms(value, 1_000);
  return millis === undefined ? undefined : millis / 1_000;
};

function canonical(file: z.infer<typeof canonicalService>, defaultNamespace: string): Dispatched {
  const s = file.spec;
  const podLabels = checkPodLabels(s.podLabels ?? {}, 'spec.podLabels', { name: file.metadata.name, version: s.version });
  const spec = defined<MeshServiceSpec>({
    version: s.version,
    image: s.image,
    port: s.port,
    routes: routesOf(s.routes),
    scaling: scalingOf(s.scaling),
    retries: s.retries,
    timeoutMs: s.timeoutMs,
    circuitBreaker: s.circuitBreaker ? breakerOf(s.circuitBreaker) : undefined,
    mtls: s.mtls ?? 'STRICT',
    allowFrom: [...new Set(s.allowFrom ?? [])],
    podLabels,
  });
  return {
    manifest: { format: 'canonical', document: serviceDoc(file.metadata.name, file.metadata.namespace ?? defaultNamespace, spec) },
    namespaceField: 'metadata.namespace',
  };
}

/** TrafficPolicy names that are a path of their own under /policies. */
export const RESERVED_POLICY_NAMES: readonly string[] = ['pause'];

type PolicyFile = z.infer<typeof chapter7Policy> | z.infer<typeof canonicalPolicy>;

function policy(format: 'canonical' | 'chapter-7-traffic-policy', file: PolicyFile, defaultNamespace: string): Dispatched {
  const s = file.spec;
  if (RESERVED_POLICY_NAMES.includes(file.metadata.name))
    throw new ValidationError(
      `metadata.name ${file.metadata.name} is reserved: /policies/${file.metadata.name} is the pause API (POST /policies/pause, DELETE /policies/pause/{service}), so a TrafficPolicy of that name could never be deleted; pick another name`,
      'metadata.name',
      'reserved_name',
    );
  if (s.source === s.destination)
    throw new ValidationError('spec.destination must differ from spec.source: a service does not police calls to itself', 'spec.destination');
  const cb = s.circuitBreaker;
  const document: TrafficPolicy = {
    apiVersion: MESH_API_VERSION,
    kind: 'TrafficPolicy',
    metadata: { name: file.metadata.name, namespace: file.metadata.namespace ?? defaultNamespace },
    spec: defined({
      source: s.source,
      destination: s.destination,
      retries: s.retries,
      timeoutMs: ms(s.timeoutMs, 1),
      circuitBreaker: cb ? breakerOf({ ...cb, resetSeconds: seconds(cb.resetSeconds) }) : undefined,
    }),
  };
  return { manifest: { format, document }, namespaceField: 'metadata.namespace' };
}

type PodFile = z.infer<typeof chapter7Pod>;
type Container = PodFile['spec']['containers'][number];

/** Chapter 7's pods and Deployments join the mesh only with `hms/mesh: enabled`; `app`, if set, is the name. */
function meshedWorkload(name: string, podLabels: Record<string, string>, field: string, container: Container) {
  const join = podLabels[MESH_JOIN_LABEL];
  if (join !== 'enabled') {
    throw new UnprocessableError(
      'not_in_mesh',
      `${fieldUnder(field, MESH_JOIN_LABEL)} must be "enabled" for the workload to join the mesh (it is ${join === undefined ? 'missing' : `"${join}"`})`,
      fieldUnder(field, MESH_JOIN_LABEL),
    );
  }
  if (podLabels.app !== undefined && podLabels.app !== name) {
    throw new ValidationError(`${field}.app must equal the name ${name}: hms-sys labels the pods app=${name}`, `${field}.app`);
  }
  const { [MESH_JOIN_LABEL]: _join, ...others } = podLabels;
  const extra = checkPodLabels(others, field, { name, version: podLabels.version });
  return defined<MeshServiceSpec>({
    version: podLabels.version,
    image: container.image,
    port: container.ports?.[0]?.containerPort ?? DEFAULT_POD_PORT,
    routes: [],
    mtls: 'STRICT',
    allowFrom: [],
    podLabels: extra,
  });
}

function pod(file: PodFile, defaultNamespace: string): Dispatched {
  const [container] = file.spec.containers;
  if (!container) throw new ValidationError('spec.containers must list the container', 'spec.containers');
  const spec = meshedWorkload(file.metadata.name, file.metadata.labels, 'metadata.labels', container);
  return {
    manifest: { format: 'chapter-7-pod', document: serviceDoc(file.metadata.name, file.metadata.namespace ?? defaultNamespace, spec) },
    namespaceField: 'metadata.namespace',
  };
}

function deployment(file: z.infer<typeof kubernetesDeployment>, defaultNamespace: string): Dispatched {
  const { name } = file.metadata;
  const template = file.spec.template;
  const [container] = template.spec.containers;
  if (!container) throw new ValidationError('spec.template.spec.containers must list the container', 'spec.template.spec.containers');
  const spec = meshedWorkload(name, template.metadata.labels, 'spec.template.metadata.labels', container);
  const selector = file.spec.selector?.matchLabels;
  if (selector && (Object.keys(selector).length !== 1 || selector.app !== name)) {
    throw new ValidationError(
      `spec.selector.matchLabels must be {app: ${name}}, the selector hms-sys renders (a selector cannot change later)`,
      'spec.selector.matchLabels',
    );
  }
  for (const [key, value] of Object.entries(file.metadata.labels ?? {})) {
    if (template.metadata.labels[key] !== value) {
      const at = fieldUnder('metadata.labels', key);
      throw new ValidationError(`${at} must also be a pod template label with the same value`, at);
    }
  }
  // hms-sys never applies replicas (the autoscale rule owns the count): a fixed count becomes scaling min = max.
  if (file.spec.replicas !== undefined) spec.scaling = { min: file.spec.replicas, max: file.spec.replicas, cpuPercent: DEFAULT_CPU_PERCENT };
  return {
    manifest: { format: 'kubernetes-deployment', document: serviceDoc(name, file.metadata.namespace ?? defaultNamespace, spec) },
    namespaceField: 'metadata.namespace',
  };
}
