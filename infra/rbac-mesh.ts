/**
 * The mesh function's Kubernetes group, hms-sys:mesh: what shared/adapters/aws/kubernetes-mesh.ts
 * sends (MESH_CALLS, MESH_APPLY_CREATES) and the Cluster calls the mesh use cases make, as RBAC
 * rules; test/unit/infra/rbac-derivation.test.ts derives them from the code and compares.
 */
import type { PolicyRule, RbacGroup } from './rbac.ts';

/** Istio's namespace (HMS_ISTIO_NAMESPACE's default): no workload namespace, and no Role of hms-sys's. */
export const ISTIO_NAMESPACE = 'istio-system';

/** Every verb server-side apply, pruning and reading back take: an apply that creates is authorized as create too. */
const APPLY_VERBS = ['get', 'list', 'create', 'patch', 'delete'] as const;

const rules = (apiGroup: string, resources: string[], verbs: readonly string[], resourceNames?: string[]): PolicyRule =>
  Object.freeze({ apiGroups: [apiGroup], resources, verbs: [...verbs], ...(resourceNames ? { resourceNames } : {}) });

/**
 * In each managed namespace: the Deployment, Service, ServiceEntry, DestinationRule, VirtualService,
 * PeerAuthentication and AuthorizationPolicy of a manifest, applied, read back, listed by label and
 * pruned; the Deployment's scale, raised to scaling.min; EndpointSlices listed for Ready endpoints
 * (pods ready are read from the Deployment's status, so no pod is listed); and one ConfigMap,
 * istiod's istio-ca-root-cert, read for the root CA's expiry. Nothing in Istio's namespace: its
 * cacerts Secret holds the mesh CA's signing key (ca-key.pem), and RBAC cannot grant a get of some
 * keys of a Secret, so hms-sys reads no Secret at all. No pod access, nothing cluster-wide.
 */
export const MESH_GROUP: RbacGroup = Object.freeze({
  group: 'hms-sys:mesh',
  roleName: 'hms-sys-mesh',
  rules: Object.freeze([
    rules('apps', ['deployments'], APPLY_VERBS),
    rules('apps', ['deployments/scale'], ['get', 'patch']),
    rules('', ['services'], APPLY_VERBS),
    rules('networking.istio.io', ['virtualservices', 'destinationrules', 'serviceentries'], APPLY_VERBS),
    rules('security.istio.io', ['peerauthentications', 'authorizationpolicies'], APPLY_VERBS),
    rules('discovery.k8s.io', ['endpointslices'], ['list']),
    rules('', ['configmaps'], ['get'], ['istio-ca-root-cert']),
  ]),
});
