/**
 * The Kubernetes permissions of the controllers, as data: the groups their EKS access entries
 * put them in, the namespaced Roles and RoleBindings and the one ClusterRole that give those
 * groups exactly the calls shared/adapters/aws/kubernetes-cluster.ts makes, and the PriorityClass
 * placeholder pods run under. Pure: the CDK app reads the group names, `hms-sys rbac` renders the manifest.
 */
import { PLACEHOLDER_PRIORITY_CLASS } from '#ports/cluster.ts';

/** How much of the cluster a controller's needs call for. */
export type ClusterAccessLevel = 'read' | 'write' | 'capacity' | 'restart';

/** One rule of a Role (rbac.authorization.k8s.io/v1 PolicyRule). */
export interface PolicyRule {
  readonly apiGroups: readonly string[];
  readonly resources: readonly string[];
  readonly verbs: readonly string[];
}

/** A Kubernetes group an access entry names, and the Role bound to it in each namespace. */
export interface RbacGroup {
  /** Group name on the access entry and in the RoleBinding subject; never `system:`-prefixed. */
  readonly group: string;
  /** Name of the Role and of the RoleBinding in each namespace. */
  readonly roleName: string;
  readonly rules: readonly PolicyRule[];
}

const rule = (apiGroup: string, resource: string, ...verbs: string[]): PolicyRule =>
  Object.freeze({ apiGroups: [apiGroup], resources: [resource], verbs });

/**
 * write: the scaler and reconciler read and patch the scale subresource, read Deployment status,
 * find and patch the HPA that owns a Deployment, and list a Deployment's pods.
 * capacity: the cost API and burst runner do the same, and also create, patch and delete the
 * placeholder Deployment `<name>-hms-warm`. Create cannot be limited by resourceNames (the name is
 * not known when RBAC is checked), and the placeholder names vary with the workloads, so patch and
 * delete are namespace-wide too; the adapter only changes a Deployment labelled as the workload's
 * placeholder, and deletes with a uid precondition. read: the API's and meter's reads only.
 * restart: what restarting a secret's consumers takes, and no more: read a Deployment, patch its
 * pod template annotation (which rolls its pods), and list the namespace's Deployments to count
 * rollouts under way. No scale, HPA or pod access.
 */
export const RBAC_GROUPS: Readonly<Record<ClusterAccessLevel, RbacGroup>> = Object.freeze({
  write: Object.freeze({
    group: 'hms-sys:scaler',
    roleName: 'hms-sys-scaler',
    rules: Object.freeze([
      rule('apps', 'deployments/scale', 'get', 'patch'),
      rule('apps', 'deployments', 'get'),
      rule('autoscaling', 'horizontalpodautoscalers', 'list', 'patch'),
      rule('', 'pods', 'list'),
    ]),
  }),
  capacity: Object.freeze({
    group: 'hms-sys:burster',
    roleName: 'hms-sys-burster',
    rules: Object.freeze([
      rule('apps', 'deployments/scale', 'get', 'patch'),
      rule('apps', 'deployments', 'get', 'create', 'patch', 'delete'),
      rule('autoscaling', 'horizontalpodautoscalers', 'list', 'patch'),
      rule('', 'pods', 'list'),
    ]),
  }),
  restart: Object.freeze({
    group: 'hms-sys:restarter',
    roleName: 'hms-sys-restarter',
    rules: Object.freeze([rule('apps', 'deployments', 'get', 'list', 'patch')]),
  }),
  read: Object.freeze({
    group: 'hms-sys:reader',
    roleName: 'hms-sys-reader',
    rules: Object.freeze([
      rule('apps', 'deployments/scale', 'get'),
      rule('apps', 'deployments', 'get'),
      rule('autoscaling', 'horizontalpodautoscalers', 'list'),
      rule('', 'pods', 'list'),
    ]),
  }),
});

/**
 * Cluster-wide reads for nodeCapacity, bound to the capacity group only: nodes are cluster-scoped,
 * and Nodes do not report how many pods they hold, so counting bound pods takes one cluster-wide
 * pod list. Read-only; no Secrets.
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
 * The cluster-wide objects once (the placeholders' PriorityClass, the capacity ClusterRole and its
 * binding), then per namespace (duplicates dropped, order kept) a Role and a RoleBinding for each group.
 */
export function rbacObjects(namespaces: readonly string[]): ManifestObject[] {
  const unique = [...new Set(namespaces)];
  if (unique.length === 0) throw new RbacError('at least one namespace is required');
  const bad = unique.filter((name) => !isNamespaceName(name));
  if (bad.length > 0) throw new RbacError(`not DNS-1123 labels: ${bad.map((name) => JSON.stringify(name)).join(', ')}`);
  const groups = [RBAC_GROUPS.capacity, RBAC_GROUPS.write, RBAC_GROUPS.restart, RBAC_GROUPS.read];
  const namespaced = unique.flatMap((namespace) =>
    groups.flatMap(({ group, roleName, rules }): ManifestObject[] => {
      const metadata = { name: roleName, namespace, labels: LABELS };
      return [
        { apiVersion: `${RBAC_API}/v1`, kind: 'Role', metadata, rules: rules.map((r) => ({ ...r })) },
        {
          apiVersion: `${RBAC_API}/v1`, kind: 'RoleBinding', metadata,
          subjects: [{ kind: 'Group', name: group, apiGroup: RBAC_API }],
          roleRef: { kind: 'Role', name: roleName, apiGroup: RBAC_API },
        },
      ];
    }),
  );
  const clusterMetadata = { name: CAPACITY_CLUSTER_ROLE.name, labels: LABELS };
  return [
    {
      apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass',
      metadata: { name: PLACEHOLDER_PRIORITY_CLASS, labels: LABELS },
      // Below the default 0, so every ordinary pod preempts placeholders (the cluster-autoscaler overprovisioning value).
      value: -10,
      globalDefault: false,
      description: 'hms-sys placeholder pods that hold warm node capacity before a burst; any other pod preempts them.',
    },
    { apiVersion: `${RBAC_API}/v1`, kind: 'ClusterRole', metadata: clusterMetadata, rules: CAPACITY_CLUSTER_ROLE.rules.map((r) => ({ ...r })) },
    {
      apiVersion: `${RBAC_API}/v1`, kind: 'ClusterRoleBinding', metadata: clusterMetadata,
      subjects: [{ kind: 'Group', name: RBAC_GROUPS.capacity.group, apiGroup: RBAC_API }],
      roleRef: { kind: 'ClusterRole', name: CAPACITY_CLUSTER_ROLE.name, apiGroup: RBAC_API },
    },
    ...namespaced,
  ];
}

const HEADER = [
  '# hms-sys RBAC: the only Kubernetes permissions the controllers hold.',
  '# The EKS access entries put the controller roles in the groups below; these Roles and',
  '# RoleBindings decide what each group may do, namespace by namespace, and one ClusterRole',
  '# lets them list nodes and pods for capacity checks. The PriorityClass is the one burst',
  '# placeholder pods run under, so that every other pod preempts them.',
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
    return [`${indent}${key}:`, ...(value as readonly ManifestObject[]).flatMap((item) =>
      renderMap(item, `${indent}    `).map((line, i) => (i === 0 ? `${indent}  - ${line.trimStart()}` : line)))];
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
