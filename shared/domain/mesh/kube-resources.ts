/**
 * The Kubernetes and Istio kinds hms-sys's mesh control plane renders or reads, with where the API
 * serves them. The AWS adapter builds request paths from it, the simulator serves discovery and
 * routes from it, and the RBAC group hms-sys:mesh is derived from the calls made on it.
 * https://istio.io/latest/docs/reference/config/networking/ and .../security/ (v1 APIs, Istio 1.22+).
 */
export interface KubeResource {
  kind: string;
  /** '' for the core group. */
  group: string;
  version: string;
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames?: string[];
}

export const MESH_RESOURCES = {
  Deployment: { kind: 'Deployment', group: 'apps', version: 'v1', plural: 'deployments', singular: 'deployment', namespaced: true, shortNames: ['deploy'] },
  Service: { kind: 'Service', group: '', version: 'v1', plural: 'services', singular: 'service', namespaced: true, shortNames: ['svc'] },
  EndpointSlice: { kind: 'EndpointSlice', group: 'discovery.k8s.io', version: 'v1', plural: 'endpointslices', singular: 'endpointslice', namespaced: true },
  ConfigMap: { kind: 'ConfigMap', group: '', version: 'v1', plural: 'configmaps', singular: 'configmap', namespaced: true, shortNames: ['cm'] },
  Secret: { kind: 'Secret', group: '', version: 'v1', plural: 'secrets', singular: 'secret', namespaced: true },
  VirtualService: {
    kind: 'VirtualService',
    group: 'networking.istio.io',
    version: 'v1',
    plural: 'virtualservices',
    singular: 'virtualservice',
    namespaced: true,
    shortNames: ['vs'],
  },
  DestinationRule: {
    kind: 'DestinationRule',
    group: 'networking.istio.io',
    version: 'v1',
    plural: 'destinationrules',
    singular: 'destinationrule',
    namespaced: true,
    shortNames: ['dr'],
  },
  ServiceEntry: {
    kind: 'ServiceEntry',
    group: 'networking.istio.io',
    version: 'v1',
    plural: 'serviceentries',
    singular: 'serviceentry',
    namespaced: true,
    shortNames: ['se'],
  },
  PeerAuthentication: {
    kind: 'PeerAuthentication',
    group: 'security.istio.io',
    version: 'v1',
    plural: 'peerauthentications',
    singular: 'peerauthentication',
    namespaced: true,
    shortNames: ['pa'],
  },
  AuthorizationPolicy: {
    kind: 'AuthorizationPolicy',
    group: 'security.istio.io',
    version: 'v1',
    plural: 'authorizationpolicies',
    singular: 'authorizationpolicy',
    namespaced: true,
    shortNames: ['ap'],
  },
} as const satisfies Record<string, KubeResource>;

export type MeshKind = keyof typeof MESH_RESOURCES;

/** The kinds a manifest renders into, in the order they are applied (a Service before what routes to it). */
export const RENDERED_KINDS = [
  'Deployment',
  'Service',
  'ServiceEntry',
  'DestinationRule',
  'VirtualService',
  'PeerAuthentication',
  'AuthorizationPolicy',
] as const satisfies readonly MeshKind[];

export const apiVersionOf = (r: KubeResource): string => (r.group ? `${r.group}/${r.version}` : r.version);

/** The resource of an apiVersion and kind hms-sys knows, or undefined. */
export function resourceOf(apiVersion: string, kind: string): KubeResource | undefined {
  const found = (Object.values(MESH_RESOURCES) as KubeResource[]).find((r) => r.kind === kind);
  return found && apiVersionOf(found) === apiVersion ? found : undefined;
}

/** The collection path, e.g. /apis/networking.istio.io/v1/namespaces/ns/virtualservices. */
export function collectionPath(r: KubeResource, namespace: string): string {
  const base = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
  return r.namespaced ? `${base}/namespaces/${encodeURIComponent(namespace)}/${r.plural}` : `${base}/${r.plural}`;
}

export const objectPath = (r: KubeResource, namespace: string, name: string): string => `${collectionPath(r, namespace)}/${encodeURIComponent(name)}`;

/** Labels hms-sys puts on every object it renders; pruning and "never touch what we did not create" read them. */
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY_VALUE = 'hms-sys';
export const SERVICE_LABEL = 'hms-sys.io/service';
/** The field manager of every server-side apply hms-sys makes. */
export const FIELD_MANAGER = 'hms-sys';
/** Chapter 7's pod label that asks to join the mesh. */
export const MESH_JOIN_LABEL = 'hms/mesh';

/** The Istio label that joins a pod to the mesh in each mode (https://istio.io/latest/docs/setup/additional-setup/sidecar-injection/, .../ambient/usage/add-workloads/). */
export const MESH_MODE_LABELS = {
  sidecar: { 'sidecar.istio.io/inject': 'true' },
  ambient: { 'istio.io/dataplane-mode': 'ambient' },
} as const;

/** A Kubernetes object as JSON, with the metadata hms-sys reads. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    uid?: string;
    resourceVersion?: string;
    generation?: number;
    creationTimestamp?: string;
    managedFields?: unknown[];
    [key: string]: unknown;
  };
  [key: string]: unknown;
}
