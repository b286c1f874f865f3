/**
 * The Kubernetes permissions of the controllers, as data: the groups their EKS access entries
 * put them in, and the namespaced Roles and RoleBindings that give those groups exactly the
 * calls shared/adapters/aws/kubernetes-cluster.ts makes. Pure: the CDK app reads the group
 * names, `hms-sys rbac` renders the manifest.
 */

/** How much of the cluster a controller's needs call for. */
export type ClusterAccessLevel = 'read' | 'write';

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
 * write: the scaler and reconciler read and patch the scale subresource, read Deployment
 * status, and find and patch the HPA that owns a Deployment. read: the API's reads only.
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
  read: Object.freeze({
    group: 'hms-sys:reader',
    roleName: 'hms-sys-reader',
    rules: Object.freeze([
      rule('apps', 'deployments/scale', 'get'),
      rule('apps', 'deployments', 'get'),
      rule('autoscaling', 'horizontalpodautoscalers', 'list'),
    ]),
  }),
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
export type ManifestValue = string | readonly string[] | readonly ManifestObject[] | ManifestObject;
export interface ManifestObject {
  readonly [key: string]: ManifestValue;
}

/** Per namespace (duplicates dropped, order kept), a Role and a RoleBinding for each group. */
export function rbacObjects(namespaces: readonly string[]): ManifestObject[] {
  const unique = [...new Set(namespaces)];
  if (unique.length === 0) throw new RbacError('at least one namespace is required');
  const bad = unique.filter((name) => !isNamespaceName(name));
  if (bad.length > 0) throw new RbacError(`not DNS-1123 labels: ${bad.map((name) => JSON.stringify(name)).join(', ')}`);
  return unique.flatMap((namespace) =>
    [RBAC_GROUPS.write, RBAC_GROUPS.read].flatMap(({ group, roleName, rules }): ManifestObject[] => {
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
}

const HEADER = [
  '# hms-sys RBAC: the only Kubernetes permissions the controllers hold.',
  '# The EKS access entries put the controller roles in the groups below; these Roles and',
  '# RoleBindings decide what each group may do, namespace by namespace.',
  '# Apply it with kubectl before the first deploy, and again when namespaces change:',
  '#   npx hms-sys rbac --namespaces <ns1,ns2> | kubectl apply -f -',
];

/** The multi-document YAML of rbacObjects(namespaces), with a header saying how to apply it. */
export function rbacManifest(namespaces: readonly string[]): string {
  const documents = rbacObjects(namespaces).map((object) => ['---', ...renderMap(object, '')].join('\n'));
  return `${[...HEADER, ...documents].join('\n')}\n`;
}

// Block-style YAML for the shapes above: maps, lists of maps, lists of strings, strings.
function renderMap(object: ManifestObject, indent: string): string[] {
  return Object.entries(object).flatMap(([key, value]) => {
    if (typeof value === 'string') return [`${indent}${key}: ${scalar(value)}`];
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
