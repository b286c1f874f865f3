/**
 * The Kubernetes permissions of the controllers, as data: the groups their EKS access entries
 * put them in, the Roles and RoleBindings in each workload namespace and in the placeholders'
 * namespace, the one ClusterRole, the placeholders' namespace itself and the PriorityClass
 * placeholder pods run under. Each group holds exactly the calls the adapters its functions are
 * wired with make (shared/adapters/aws/kubernetes-*.ts export them; test/unit/infra/rbac-derivation.test.ts
 * derives and compares). Pure: the CDK app reads the group names, `hms-sys rbac` renders the manifest.
 */
import { PLACEHOLDER_NAMESPACE, PLACEHOLDER_PRIORITY_CLASS } from '#ports/cluster.ts';
import { ISTIO_NAMESPACE, MESH_GROUP } from './rbac-mesh.ts';

/** How much of the cluster a controller's needs call for. */
export type ClusterAccessLevel = 'read' | 'write' | 'capacity' | 'restart' | 'mesh';

/** One rule of a Role (rbac.authorization.k8s.io/v1 PolicyRule). */
export interface PolicyRule {
  readonly apiGroups: readonly string[];
  readonly resources: readonly string[];
  readonly verbs: readonly string[];
  /** Only these objects (get, patch, delete; never list or create, which RBAC cannot limit by name). */
  readonly resourceNames?: readonly string[];
}

/** A Kubernetes group an access entry names, and the Roles bound to it. */
export interface RbacGroup {
  /** Group name on the access entry and in the RoleBinding subject; never `system:`-prefixed. */
  readonly group: string;
  /** Name of the Role and of the RoleBinding in each namespace. */
  readonly roleName: string;
  /** The Role in each workload namespace. */
  readonly rules: readonly PolicyRule[];
  /** The Role in the placeholders' namespace, for the groups that touch placeholder Deployments. */
  readonly placeholderRules?: readonly PolicyRule[];
  /** The Role in Istio's namespace, for the group that reads the mesh's CA there. */
  readonly istioRules?: readonly PolicyRule[];
}

const rule = (apiGroup: string, resource: string, ...verbs: string[]): PolicyRule => Object.freeze({ apiGroups: [apiGroup], resources: [resource], verbs });

/**
 * write (scaler, reconciler): read the Deployment (spec and Ready pods), read and patch its scale
 * subresource (the reconciler's audit drainer reads the level a crashed scale left), find and
 * patch the HPA that owns it. No pod access.
 * capacity (cost API, burst runner): also read the scale, list the workload's Pending pods, and
 * in the placeholders' namespace only, create, patch and delete placeholder Deployments. Create
 * cannot be limited by resourceNames (the name is not known when RBAC is checked), so the
 * namespace is the limit: no Deployment of a workload namespace can be created or rewritten.
 * restart (consumer restarter): read a Deployment, patch its pod template annotation (which rolls
 * its pods), and list the namespace's Deployments to count rollouts under way.
 * read (API, meter): read the scale, the Deployment and its Pending pods, and a placeholder's size.
 * mesh (mesh function): the objects a manifest renders, by server-side apply (infra/rbac-mesh.ts).
 */
export const RBAC_GROUPS: Readonly<Record<ClusterAccessLevel, RbacGroup>> = Object.freeze({
  write: Object.freeze({
    group: 'hms-sys:scaler',
    roleName: 'hms-sys-scaler',
    rules: Object.freeze([
      rule('apps', 'deployments/scale', 'get', 'patch'),
      rule('apps', 'deployments', 'get'),
      rule('autoscaling', 'horizontalpodautoscalers', 'list', 'patch'),
    ]),
  }),
  capacity: Object.freeze({
    group: 'hms-sys:burster',
    roleName: 'hms-sys-burster',
    rules: Object.freeze([
      rule('apps', 'deployments/scale', 'get', 'patch'),
      rule('apps', 'deployments', 'get'),
      rule('autoscaling', 'horizontalpodautoscalers', 'list', 'patch'),
      rule('', 'pods', 'list'),
    ]),
    placeholderRules: Object.freeze([rule('apps', 'deployments', 'get', 'create', 'patch', 'delete')]),
  }),
  restart: Object.freeze({
    group: 'hms-sys:restarter',
    roleName: 'hms-sys-restarter',
    rules: Object.freeze([rule('apps', 'deployments', 'get', 'list', 'patch')]),
  }),
  read: Object.freeze({
    group: 'hms-sys:reader',
    roleName: 'hms-sys-reader',
    rules: Object.freeze([rule('apps', 'deployments/scale', 'get'), rule('apps', 'deployments', 'get'), rule('', 'pods', 'list')]),
    placeholderRules: Object.freeze([rule('apps', 'deployments', 'get')]),
  }),
  mesh: MESH_GROUP,
});

/**
 * Cluster-wide reads for nodeCapacity, bound to the capacity group only: nodes are cluster-scoped,
 * and Nodes do not report how many pods they hold, so counting bound pods takes one cluster-wide
 * pod list. RBAC cannot grant a narrower view of pods than `list`; the adapter asks for a Table
 * without objects (no pod spec, no env values on the wire). Read-only; no Secrets.
 */
export const CAPACITY_CLUSTER_ROLE = Object.freeze({
  name: 'hms-sys-capacity-reader',
  rules: Object.freeze([rule('', 'nodes', 'list'), rule('', 'pods', 'list')]),
});

/** The Kubernetes group for an access level, as the EKS access entry lists it. */
export function kubernetesGroup(level: ClusterAccessLevel): string {
  return RBAC_GROUPS[level].group;
}

export class RbacError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RbacError';
  }
}

const DNS_1123_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** A namespace name must be a DNS-1123 label: a-z, 0-9 and '-', alphanumeric at both ends, at most 63 characters. */
export function isNamespaceName(name: string): boolean {
  return DNS_1123_LABEL.test(name);
}

const RBAC_API = 'rbac.authorization.k8s.io';
const LABELS = Object.freeze({ 'app.kubernetes.io/part-of': 'hms-sys' });

/** Plain data a manifest document is rendered from. */
export type ManifestValue = string | number | boolean | readonly string[] | readonly ManifestObject[] | ManifestObject;
export interface ManifestObject {
  readonly [key: string]: ManifestValue;
}

/**
 * The cluster-wide objects once (the placeholders' namespace and PriorityClass, the capacity
 * ClusterRole and its binding), the Roles and RoleBindings of the placeholders' namespace, then
 * per workload namespace (duplicates dropped, order kept) a Role and a RoleBinding for each group.
 */
export function rbacObjects(namespaces: readonly string[]): ManifestObject[] {
  const unique = [...new Set(namespaces)];
  if (unique.length === 0) throw new RbacError('at least one namespace is required');
  const bad = unique.filter((name) => !isNamespaceName(name));
  if (bad.length > 0) throw new RbacError(`not DNS-1123 labels: ${bad.map((name) => JSON.stringify(name)).join(', ')}`);
  if (unique.includes(PLACEHOLDER_NAMESPACE)) throw new RbacError(`${PLACEHOLDER_NAMESPACE} holds hms-sys placeholders only; it cannot hold workloads`);
  if (unique.includes(ISTIO_NAMESPACE)) throw new RbacError(`${ISTIO_NAMESPACE} is Istio's own namespace; it cannot hold workloads`);
  const groups = [RBAC_GROUPS.capacity, RBAC_GROUPS.write, RBAC_GROUPS.restart, RBAC_GROUPS.read, RBAC_GROUPS.mesh];
  const roleAndBinding = (namespace: string, { group, roleName }: RbacGroup, rules: readonly PolicyRule[]): ManifestObject[] => {
    const metadata = { name: roleName, namespace, labels: LABELS };
    return [
      { apiVersion: `${RBAC_API}/v1`, kind: 'Role', metadata, rules: rules.map((r) => ({ ...r }) as ManifestObject) },
      {
        apiVersion: `${RBAC_API}/v1`,
        kind: 'RoleBinding',
        metadata,
        subjects: [{ kind: 'Group', name: group, apiGroup: RBAC_API }],
        roleRef: { kind: 'Role', name: roleName, apiGroup: RBAC_API },
      },
    ];
  };
  const namespaced = unique.flatMap((namespace) => groups.flatMap((g) => roleAndBinding(namespace, g, g.rules)));
  const placeholders = groups.flatMap((g) => (g.placeholderRules ? roleAndBinding(PLACEHOLDER_NAMESPACE, g, g.placeholderRules) : []));
  const istio = groups.flatMap((g) => (g.istioRules ? roleAndBinding(ISTIO_NAMESPACE, g, g.istioRules) : []));
  const clusterMetadata = { name: CAPACITY_CLUSTER_ROLE.name, labels: LABELS };
  return [
    {
      apiVersion: 'v1',
      kind: 'Namespace',
      // Placeholder pods run pause as non-root with nothing added, so the restricted Pod Security Standard holds them.
      metadata: { name: PLACEHOLDER_NAMESPACE, labels: { ...LABELS, 'pod-security.kubernetes.io/enforce': 'restricted' } },
    },
    {
      apiVersion: 'scheduling.k8s.io/v1',
      kind: 'PriorityClass',
      metadata: { name: PLACEHOLDER_PRIORITY_CLASS, labels: LABELS },
      // Below the default 0, so every ordinary pod preempts placeholders (the cluster-autoscaler overprovisioning value).
      value: -10,
      globalDefault: false,
      description: 'hms-sys placeholder pods that hold warm node capacity before a burst; any other pod preempts them.',
    },
    { apiVersion: `${RBAC_API}/v1`, kind: 'ClusterRole', metadata: clusterMetadata, rules: CAPACITY_CLUSTER_ROLE.rules.map((r) => ({ ...r })) },
    {
      apiVersion: `${RBAC_API}/v1`,
      kind: 'ClusterRoleBinding',
      metadata: clusterMetadata,
      subjects: [{ kind: 'Group', name: RBAC_GROUPS.capacity.group, apiGroup: RBAC_API }],
      roleRef: { kind: 'ClusterRole', name: CAPACITY_CLUSTER_ROLE.name, apiGroup: RBAC_API },
    },
    ...placeholders,
    ...istio,
    ...namespaced,
  ];
}

const HEADER = [
  '# hms-sys RBAC: the only Kubernetes permissions the controllers hold.',
  '# The EKS access entries put the controller roles in the groups below; these Roles and',
  '# RoleBindings decide what each group may do, namespace by namespace, and one ClusterRole',
  '# lets them list nodes and pods for capacity checks. Burst placeholder Deployments live in',
  `# their own namespace, ${PLACEHOLDER_NAMESPACE}, the only one where hms-sys may create Deployments;`,
  '# the PriorityClass is the one placeholder pods run under, so that every other pod preempts them.',
  `# The mesh group applies the Kubernetes and Istio objects of manifests; it has nothing in ${ISTIO_NAMESPACE} and reads no Secret.`,
  '# Apply it with kubectl before the first deploy, and again when namespaces change:',
  '#   npx hms-sys rbac --namespaces <ns1,ns2> | kubectl apply -f -',
];

/** The multi-document YAML of rbacObjects(namespaces), with a header saying how to apply it. */
export function rbacManifest(namespaces: readonly string[]): string {
  const documents = rbacObjects(namespaces).map((object) => ['---', ...renderMap(object, '')].join('\n'));
  return `${[...HEADER, ...documents].join('\n')}\n`;
}

// Block-style YAML for the shapes above: maps, lists of maps, lists of strings, strings, numbers, booleans.
function renderMap(object: ManifestObject, indent: string): string[] {
  return Object.entries(object).flatMap(([key, value]) => {
    if (typeof value === 'string') return [`${indent}${key}: ${scalar(value)}`];
    if (typeof value === 'number' || typeof value === 'boolean') return [`${indent}${key}: ${String(value)}`];
    if (!isList(value)) return [`${indent}${key}:`, ...renderMap(value, `${indent}  `)];
    if (value.length === 0 || typeof value[0] === 'string') {
      return [`${indent}${key}: [${(value as readonly string[]).map(scalar).join(', ')}]`];
    }
    return [
      `${indent}${key}:`,
      ...(value as readonly ManifestObject[]).flatMap((item) =>
        renderMap(item, `${indent}    `).map((line, i) => (i === 0 ? `${indent}  - ${line.trimStart()}` : line)),
      ),
    ];
  });
}

function isList(value: ManifestValue): value is readonly string[] | readonly ManifestObject[] {
  return Array.isArray(value);
}

const PLAIN = /^[A-Za-z][A-Za-z0-9./-]*$/;
const RESERVED = /^(y|n|yes|no|on|off|true|false|null)$/i;

/** Plain when unambiguous, otherwise a JSON string (a valid YAML double-quoted scalar). */
function scalar(value: string): string {
  return PLAIN.test(value) && !RESERVED.test(value) ? value : JSON.stringify(value);
}
