import { describe, expect, test } from 'vitest';
import { PLACEHOLDER_NAMESPACE, PLACEHOLDER_PRIORITY_CLASS } from '#ports/cluster.ts';
import { CAPACITY_CLUSTER_ROLE, kubernetesGroup, RBAC_GROUPS, RbacError, rbacManifest, rbacObjects } from '../../../infra/rbac.ts';

interface Line {
  indent: number;
  text: string;
}
type Doc = Record<string, any>;

/** Parses the YAML subset rbacManifest writes: maps, "- " lists of maps, [a, b] lists, plain or "quoted" strings, integers, booleans. */
function parseManifest(text: string): Doc[] {
  return text
    .split(/^---$/m)
    .map((chunk) =>
      chunk
        .split('\n')
        .filter((l) => l.trim() !== '' && !l.trimStart().startsWith('#'))
        .map((l) => ({ indent: l.length - l.trimStart().length, text: l.trim() })),
    )
    .filter((lines) => lines.length > 0)
    .map((lines) => {
      const [doc, end] = parseMap(lines, 0, 0);
      if (end !== lines.length) throw new Error(`unparsed line: ${lines[end]!.text}`);
      return doc;
    });
}
function parseMap(lines: Line[], start: number, indent: number): [Doc, number] {
  const map: Doc = {};
  let i = start;
  while (i < lines.length && lines[i]!.indent === indent && !lines[i]!.text.startsWith('- ')) {
    const match = /^([^:\s]+):(?: (.+))?$/.exec(lines[i]!.text);
    if (!match) throw new Error(`not a key: ${lines[i]!.text}`);
    i += 1;
    if (match[2] !== undefined) map[match[1]!] = value(match[2]);
    else [map[match[1]!], i] = lines[i]!.text.startsWith('- ') ? parseList(lines, i, lines[i]!.indent) : parseMap(lines, i, lines[i]!.indent);
  }
  return [map, i];
}
function parseList(lines: Line[], start: number, indent: number): [Doc[], number] {
  const list: Doc[] = [];
  let i = start;
  while (i < lines.length && lines[i]!.indent === indent && lines[i]!.text.startsWith('- ')) {
    lines[i] = { indent: indent + 2, text: lines[i]!.text.slice(2) };
    const [item, next] = parseMap(lines, i, indent + 2);
    list.push(item);
    i = next;
  }
  return [list, i];
}
function value(raw: string): unknown {
  if (/^-?\d+$/.test(raw)) return Number(raw);
  if (raw === 'true' || raw === 'false') return raw === 'true';
  const scalar = (s: string) => (s.startsWith('"') ? JSON.parse(s) : s);
  return raw.startsWith('[')
    ? raw
        .slice(1, -1)
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '')
        .map(scalar)
    : scalar(raw);
}

const NAMESPACES = ['benefits', 'fema'];
const manifest = rbacManifest(NAMESPACES);
const docs = parseManifest(manifest);
const find = (kind: string, namespace: string, name: string) =>
  docs.filter((d) => d.kind === kind && d.metadata.namespace === namespace && d.metadata.name === name);
const clusterScoped = (kind: string) => docs.filter((d) => d.kind === kind);

describe('rbacManifest', () => {
  test('the YAML parses back to exactly the objects it is rendered from', () => {
    expect(docs).toEqual(JSON.parse(JSON.stringify(rbacObjects(NAMESPACES))));
  });

  test("a Role and a RoleBinding per group per namespace, the placeholders' namespace with its two, none in Istio's, then the cluster-wide objects", () => {
    expect(docs).toHaveLength(NAMESPACES.length * 5 * 2 + 2 * 2 + 4);
    for (const doc of docs.filter((d) => d.kind !== 'PriorityClass' && d.kind !== 'Namespace')) expect(doc.apiVersion).toBe('rbac.authorization.k8s.io/v1');
    for (const namespace of NAMESPACES) {
      for (const { roleName } of Object.values(RBAC_GROUPS)) {
        expect(find('Role', namespace, roleName)).toHaveLength(1);
        expect(find('RoleBinding', namespace, roleName)).toHaveLength(1);
      }
    }
    expect(docs.map((d) => d.kind).sort()).toEqual(
      ['ClusterRole', 'ClusterRoleBinding', 'Namespace', 'PriorityClass', ...Array(12).fill('Role'), ...Array(12).fill('RoleBinding')].sort(),
    );
  });

  test('the scaler Role reads the Deployment, reads and patches its scale and patches its HPA: no pod access', () => {
    for (const namespace of NAMESPACES) {
      expect(find('Role', namespace, 'hms-sys-scaler')[0]!.rules).toEqual([
        { apiGroups: ['apps'], resources: ['deployments/scale'], verbs: ['get', 'patch'] },
        { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get'] },
        { apiGroups: ['autoscaling'], resources: ['horizontalpodautoscalers'], verbs: ['list', 'patch'] },
      ]);
    }
  });

  test("the burster creates, patches and deletes Deployments only in the placeholders' namespace", () => {
    for (const namespace of NAMESPACES) {
      expect(find('Role', namespace, 'hms-sys-burster')[0]!.rules).toEqual([
        { apiGroups: ['apps'], resources: ['deployments/scale'], verbs: ['get', 'patch'] },
        { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get'] },
        { apiGroups: ['autoscaling'], resources: ['horizontalpodautoscalers'], verbs: ['list', 'patch'] },
        { apiGroups: [''], resources: ['pods'], verbs: ['list'] },
      ]);
    }
    expect(find('Role', PLACEHOLDER_NAMESPACE, 'hms-sys-burster')[0]!.rules).toEqual([
      { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'create', 'patch', 'delete'] },
    ]);
    expect(clusterScoped('Namespace')).toEqual([
      {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: PLACEHOLDER_NAMESPACE, labels: { 'app.kubernetes.io/part-of': 'hms-sys', 'pod-security.kubernetes.io/enforce': 'restricted' } },
      },
    ]);
  });

  test('the reader Role can only read, and no HPA', () => {
    for (const namespace of NAMESPACES) {
      expect(find('Role', namespace, 'hms-sys-reader')[0]!.rules).toEqual([
        { apiGroups: ['apps'], resources: ['deployments/scale'], verbs: ['get'] },
        { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get'] },
        { apiGroups: [''], resources: ['pods'], verbs: ['list'] },
      ]);
    }
    expect(find('Role', PLACEHOLDER_NAMESPACE, 'hms-sys-reader')[0]!.rules).toEqual([{ apiGroups: ['apps'], resources: ['deployments'], verbs: ['get'] }]);
  });

  test("the placeholders' namespace cannot be given as a workload namespace", () => {
    expect(() => rbacManifest(['apps', PLACEHOLDER_NAMESPACE])).toThrow(RbacError);
  });

  test('the restarter Role only reads, lists and patches Deployments: no scale, HPA or pod access', () => {
    for (const namespace of NAMESPACES) {
      expect(find('Role', namespace, 'hms-sys-restarter')[0]!.rules).toEqual([
        { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'list', 'patch'] },
      ]);
    }
  });

  test('the one ClusterRole only lists nodes and pods, and binds only the burster group', () => {
    const [role] = clusterScoped('ClusterRole');
    expect(role!.metadata).toEqual({ name: CAPACITY_CLUSTER_ROLE.name, labels: { 'app.kubernetes.io/part-of': 'hms-sys' } });
    expect(role!.rules).toEqual([
      { apiGroups: [''], resources: ['nodes'], verbs: ['list'] },
      { apiGroups: [''], resources: ['pods'], verbs: ['list'] },
    ]);
    const [binding] = clusterScoped('ClusterRoleBinding');
    expect(binding!.roleRef).toEqual({ kind: 'ClusterRole', name: CAPACITY_CLUSTER_ROLE.name, apiGroup: 'rbac.authorization.k8s.io' });
    expect(binding!.subjects.map((s: { name: string }) => s.name)).toEqual(['hms-sys:burster']);
  });

  test("the placeholders' PriorityClass is below the default priority, not the global default, and preemptible", () => {
    const [priorityClass] = clusterScoped('PriorityClass');
    expect(priorityClass).toMatchObject({
      apiVersion: 'scheduling.k8s.io/v1',
      metadata: { name: PLACEHOLDER_PRIORITY_CLASS },
      value: -10,
      globalDefault: false,
    });
    expect(priorityClass!.description).toMatch(/placeholder/);
    expect(manifest).toContain('value: -10\n');
    expect(manifest).toContain('globalDefault: false\n');
  });

  test('nothing grants secrets (not even the mesh CA: cacerts holds its signing key), wildcards, escalation or verbs beyond get, list, patch, create and delete', () => {
    expect(manifest).not.toContain('*');
    const secretRules = docs.flatMap((d) => (d.rules ?? []).filter((r: { resources: string[] }) => r.resources.some((x) => /secret/i.test(x))));
    expect(secretRules).toEqual([]);
    expect(manifest).not.toMatch(/escalate|bind|impersonate/);
    const verbs = new Set(docs.flatMap((d) => (d.rules ?? []).flatMap((r: { verbs: string[] }) => r.verbs)));
    expect([...verbs].sort()).toEqual(['create', 'delete', 'get', 'list', 'patch']);
    const clusterWide = clusterScoped('ClusterRole').flatMap((d) => d.rules);
    expect(clusterWide.every((r: { verbs: string[] }) => r.verbs.join() === 'list')).toBe(true);
  });

  test('only the burster and mesh Roles create or delete Deployments, and the reader patches nothing', () => {
    const writers = (verbs: string[]) =>
      new Set(
        docs
          .filter((d) => d.kind === 'Role')
          .filter((d) => d.rules.some((r: { verbs: string[] }) => r.verbs.some((v) => verbs.includes(v))))
          .map((d) => d.metadata.name),
      );
    expect(writers(['create', 'delete'])).toEqual(new Set(['hms-sys-burster', 'hms-sys-mesh']));
    expect(writers(['patch'])).toEqual(new Set(['hms-sys-burster', 'hms-sys-scaler', 'hms-sys-restarter', 'hms-sys-mesh']));
  });

  test('the mesh Role applies, reads, lists and prunes the rendered kinds, lists EndpointSlices, and reads one ConfigMap: no pods, no Secret', () => {
    const verbs = ['get', 'list', 'create', 'patch', 'delete'];
    for (const namespace of NAMESPACES) {
      expect(find('Role', namespace, 'hms-sys-mesh')[0]!.rules).toEqual([
        { apiGroups: ['apps'], resources: ['deployments'], verbs },
        { apiGroups: ['apps'], resources: ['deployments/scale'], verbs: ['get', 'patch'] },
        { apiGroups: [''], resources: ['services'], verbs },
        { apiGroups: ['networking.istio.io'], resources: ['virtualservices', 'destinationrules', 'serviceentries'], verbs },
        { apiGroups: ['security.istio.io'], resources: ['peerauthentications', 'authorizationpolicies'], verbs },
        { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['list'] },
        { apiGroups: [''], resources: ['configmaps'], verbs: ['get'], resourceNames: ['istio-ca-root-cert'] },
      ]);
      expect(find('RoleBinding', namespace, 'hms-sys-mesh')[0]!.subjects).toEqual([
        { kind: 'Group', name: 'hms-sys:mesh', apiGroup: 'rbac.authorization.k8s.io' },
      ]);
    }
    expect(kubernetesGroup('mesh')).toBe('hms-sys:mesh');
    // Nothing in Istio's namespace: the cacerts Secret there holds the mesh CA's key (ca-key.pem).
    expect(docs.filter((d) => d.metadata.namespace === 'istio-system')).toEqual([]);
  });

  test("Istio's namespace cannot be given as a workload namespace", () => {
    expect(() => rbacManifest(['apps', 'istio-system'])).toThrow(RbacError);
  });

  test("each RoleBinding binds its own namespace's Role to the group the access entry names", () => {
    const expected = { capacity: 'hms-sys:burster', write: 'hms-sys:scaler', restart: 'hms-sys:restarter', read: 'hms-sys:reader' } as const;
    for (const level of ['capacity', 'write', 'restart', 'read'] as const) {
      const { roleName } = RBAC_GROUPS[level];
      expect(kubernetesGroup(level)).toBe(expected[level]);
      for (const namespace of NAMESPACES) {
        const [binding] = find('RoleBinding', namespace, roleName);
        expect(binding!.subjects).toEqual([{ kind: 'Group', name: expected[level], apiGroup: 'rbac.authorization.k8s.io' }]);
        expect(binding!.roleRef).toEqual({ kind: 'Role', name: roleName, apiGroup: 'rbac.authorization.k8s.io' });
      }
    }
  });

  test('group names avoid the prefixes EKS access entries and Kubernetes reserve', () => {
    for (const { group } of Object.values(RBAC_GROUPS)) expect(group).not.toMatch(/^(system|eks|aws|amazon|iam):/);
  });

  test('the header says to apply it with kubectl before the first deploy', () => {
    expect(manifest.split('---')[0]).toMatch(/^# .*\n(# .*\n)*$/);
    expect(manifest).toContain('kubectl apply -f -');
    expect(manifest).toMatch(/before the first deploy/);
  });

  test('the same namespaces give the same text, and a repeated namespace is rendered once', () => {
    expect(rbacManifest(NAMESPACES)).toBe(manifest);
    expect(rbacManifest(['benefits', 'fema', 'benefits'])).toBe(manifest);
  });

  test('a name that could be mistaken for another YAML type stays a string', () => {
    const role = parseManifest(rbacManifest(['123'])).find((d) => d.kind === 'Role' && ![PLACEHOLDER_NAMESPACE, 'istio-system'].includes(d.metadata.namespace));
    expect(role!.metadata.namespace).toBe('123');
    expect(rbacManifest(['on'])).toContain('namespace: "on"');
  });

  test.each([[[]], [['Benefits']], [['']], [['-fema']], [['fema-']], [['a_b']], [['a'.repeat(64)]], [['ok', 'x\nkind: ClusterRole']]])(
    'rejects %j: not a list of DNS-1123 labels',
    (namespaces) => {
      expect(() => rbacManifest(namespaces)).toThrow(RbacError);
    },
  );

  test('accepts a 63-character namespace', () => {
    expect(rbacManifest(['a'.repeat(63)])).toContain(`namespace: ${'a'.repeat(63)}`);
  });
});
