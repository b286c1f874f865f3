import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeCall } from '#adapters/aws/kubernetes-calls.ts';
import { CAPACITY_CALLS, KubernetesCapacity } from '#adapters/aws/kubernetes-capacity.ts';
import { CLUSTER_CALLS } from '#adapters/aws/kubernetes-cluster.ts';
import { MESH_APPLY_CREATES, MESH_CALLS } from '#adapters/aws/kubernetes-mesh.ts';
import { KubernetesRestarts, RESTART_CALLS } from '#adapters/aws/kubernetes-restarts.ts';
import { type K8sSimulator, startK8sSimulator } from '#adapters/local/k8s-simulator.ts';
import * as declarations from '#functions/index.ts';
import { PLACEHOLDER_NAMESPACE, SECRET_VERSION_ANNOTATION, type WorkloadRef } from '#ports/cluster.ts';
import { clusterAccessLevel } from '../../../infra/constructs/eks-access.ts';
import { CAPACITY_CLUSTER_ROLE, type ClusterAccessLevel, type PolicyRule, RBAC_GROUPS, rbacObjects } from '../../../infra/rbac.ts';

const ADAPTER_CALLS: Record<string, readonly KubeCall[]> = { ...CLUSTER_CALLS, ...CAPACITY_CALLS, ...RESTART_CALLS };
const key = (c: KubeCall) => `${c.scope} ${c.verb} ${c.group}/${c.resource}${c.subresource ? `/${c.subresource}` : ''}`;

/** The RBAC view of one request to the API server: verb, group, resource, subresource and scope. */
function callOf(method: string, url: string): string {
  const { pathname } = new URL(url, 'http://api');
  const match = /^\/(?:api\/v1|apis\/([^/]+)\/[^/]+)(?:\/namespaces\/([^/]+))?\/([^/]+)(?:\/([^/]+))?(?:\/([^/]+))?$/.exec(pathname);
  if (!match) throw new Error(`not a resource path: ${pathname}`);
  const [, group = '', namespace, resource = '', name, subresource] = match;
  const verbs: Record<string, KubeCall['verb']> = { POST: 'create', PATCH: 'patch', DELETE: 'delete' };
  const verb = verbs[method] ?? (name === undefined ? 'list' : 'get');
  const scope = namespace === undefined ? 'cluster' : namespace === PLACEHOLDER_NAMESPACE ? 'placeholder-namespace' : 'workload-namespace';
  return key({ verb, group, resource, scope, ...(subresource ? { subresource } : {}) });
}

describe('each Kubernetes adapter method makes exactly the calls its module declares', () => {
  const TOKEN = 'simulator-token';
  const web: WorkloadRef = { cluster: 'local', namespace: 'apps', deployment: 'web' };
  const api: WorkloadRef = { ...web, deployment: 'api' };
  const recorded = new Map<string, Set<string>>();
  let sim: K8sSimulator;

  beforeAll(async () => {
    const clock = { t: 0 };
    sim = await startK8sSimulator({ token: TOKEN, podReadyDelayMs: 1_000, hpaSyncMs: 60_000, now: () => clock.t });
    sim.seedDeployment({ namespace: 'apps', name: 'web', replicas: 2, podRequests: { cpu: '250m' } });
    sim.seedDeployment({ namespace: 'apps', name: 'api', replicas: 2 });
    sim.seedHpa({ namespace: 'apps', name: 'api-hpa', deployment: 'api', minReplicas: 2, maxReplicas: 10 });
    const options = { endpointFor: async () => ({ url: sim.url }), tokenFor: async () => TOKEN };
    const capacity = new KubernetesCapacity(options);
    const restarts = new KubernetesRestarts(options);
    let current: string | null = null;
    sim.onRequest((e) => {
      if (current) recorded.set(current, (recorded.get(current) ?? new Set()).add(callOf(e.method, e.path)));
    });
    const run = async (method: string, call: () => Promise<unknown>) => {
      current = method;
      await call();
      current = null;
    };
    const spec = { replicas: 3, podRequests: { vcpu: 0.25, memoryGiB: 0 } };

    await run('getScale', () => capacity.getScale(web));
    await run('setScale', () => capacity.setScale(web, 6)); // new pods, not Ready for 1 s of the virtual clock
    await run('getWorkload', () => capacity.getWorkload(web));
    await run('podCounts', () => capacity.podCounts(web));
    await run('findHpa', () => capacity.findHpa(api));
    const hpa = (await capacity.findHpa(api))!;
    await run('setHpaMinReplicas', () => capacity.setHpaMinReplicas(api, hpa.name, 4, hpa.resourceVersion));
    await run('ensurePlaceholders', () => capacity.ensurePlaceholders(web, spec)); // created
    await run('ensurePlaceholders', () => capacity.ensurePlaceholders(web, { ...spec, replicas: 5 })); // resized
    await run('placeholderReplicas', () => capacity.placeholderReplicas(web));
    await run('nodeCapacity', () => capacity.nodeCapacity('local'));
    await run('removePlaceholders', () => capacity.removePlaceholders(web));
    await run('restartWorkload', () => restarts.restartWorkload(web, { key: SECRET_VERSION_ANNOTATION, value: 'v2' }));
    await run('rolloutStatus', () => restarts.rolloutStatus(web));
    await run('templateAnnotation', () => restarts.templateAnnotation(web, SECRET_VERSION_ANNOTATION));
    await run('rollingOutIn', () => restarts.rollingOutIn('local', ['apps']));
  });
  afterAll(() => sim.close());

  it('every declared method was exercised', () => {
    expect([...recorded.keys()].sort()).toEqual(Object.keys(ADAPTER_CALLS).sort());
  });

  it.each(Object.keys(ADAPTER_CALLS))('%s', (method) => {
    expect([...recorded.get(method)!].sort()).toEqual(ADAPTER_CALLS[method]!.map(key).sort());
  });
});

const ROOT = path.resolve(import.meta.dirname, '../../..');
const ALIASES = Object.entries(JSON.parse(fs.readFileSync(`${ROOT}/package.json`, 'utf8')).imports as Record<string, string>).map(
  ([alias, target]) => [alias.replace('*', ''), target.replace('*', '')] as const,
);

/** The repository's .ts files a module reaches through its static and dynamic imports. */
function reachable(start: string): Set<string> {
  const seen = new Set<string>();
  const stack = [start];
  while (stack.length > 0) {
    const file = stack.pop()!;
    if (seen.has(file) || !fs.existsSync(file)) continue;
    seen.add(file);
    const source = fs.readFileSync(file, 'utf8');
    for (const m of source.matchAll(/(?:import|export)\s[^'";]*?from\s+'([^']+)'|import\(\s*'([^']+)'\s*\)/g)) {
      const spec = (m[1] ?? m[2])!;
      const alias = ALIASES.find(([prefix]) => spec.startsWith(prefix));
      const resolved = spec.startsWith('.')
        ? path.resolve(path.dirname(file), spec)
        : alias
          ? path.resolve(ROOT, alias[1] + spec.slice(alias[0].length))
          : null;
      if (resolved?.endsWith('.ts')) stack.push(resolved);
    }
  }
  return seen;
}

/** The Cluster port methods a function's code calls, found in every module its handler reaches. */
function clusterMethodsOf(name: string): Set<string> {
  const methods = new Set<string>();
  for (const file of reachable(`${ROOT}/functions/${name}/handler.ts`)) {
    for (const m of fs.readFileSync(file, 'utf8').matchAll(/\bcluster\.(\w+)\(/g)) if (m[1]! in ADAPTER_CALLS) methods.add(m[1]!);
  }
  return methods;
}

/**
 * What the mesh function's code asks of the cluster: each MeshCluster method it calls (ports.mesh),
 * with create for apply (server-side apply creates), and each Cluster method (ports.cluster), as
 * `scope verb group/resource[ resourceNames]` entries.
 */
function meshCallsOf(name: string): Set<string> {
  const calls = new Set<string>();
  const withNames = (c: KubeCall) => `${key(c)}${c.resourceNames ? ` ${c.resourceNames.join(',')}` : ''}`;
  for (const file of reachable(`${ROOT}/functions/${name}/handler.ts`)) {
    const source = fs.readFileSync(file, 'utf8');
    for (const [, method] of source.matchAll(/\bmesh\??\.(\w+)\(/g)) {
      if (!(method! in MESH_CALLS)) continue;
      for (const c of MESH_CALLS[method as keyof typeof MESH_CALLS]) calls.add(withNames(c));
      if (method === 'apply') for (const c of MESH_APPLY_CREATES) calls.add(withNames(c));
    }
    for (const [, method] of source.matchAll(/\bcluster\??\.(\w+)\(/g)) {
      if (method! in CLUSTER_CALLS) for (const c of CLUSTER_CALLS[method as keyof typeof CLUSTER_CALLS]) calls.add(withNames(c));
    }
  }
  return calls;
}

/** Rules as `scope verb group/resource` entries, the form the adapters' tables take. */
const entries = (rules: readonly PolicyRule[], scope: KubeCall['scope']) =>
  rules.flatMap((r) => r.apiGroups.flatMap((group) => r.resources.flatMap((resource) => r.verbs.map((verb) => `${scope} ${verb} ${group}/${resource}`))));

const functions = Object.values(declarations).filter((d) => fs.existsSync(`${ROOT}/functions/${d.name}/handler.ts`));

describe('hms-sys rbac grants each controller group exactly what its functions call', () => {
  const derived = new Map<ClusterAccessLevel, Set<string>>();
  for (const fn of functions) {
    const level = clusterAccessLevel(fn.needs);
    if (!level || level === 'mesh') continue;
    const calls = [...clusterMethodsOf(fn.name)].flatMap((method) => ADAPTER_CALLS[method]!.map(key));
    derived.set(level, new Set([...(derived.get(level) ?? []), ...calls]));
  }

  it('finds the functions of every group', () => {
    const byLevel = (level: ClusterAccessLevel) =>
      functions
        .filter((f) => clusterAccessLevel(f.needs) === level)
        .map((f) => f.name)
        .sort();
    expect(byLevel('write')).toEqual(['reconciler', 'scaler']);
    expect(byLevel('capacity')).toEqual(['burst-runner', 'cost-api']);
    expect(byLevel('restart')).toEqual(['consumer-restarter']);
    expect(byLevel('read')).toEqual(['api', 'meter']);
    expect(byLevel('mesh')).toEqual(['mesh', 'mesh-ops']);
  });

  it('the mesh group: the calls of the MeshCluster and Cluster methods the mesh and mesh-ops code makes, in the managed namespaces and Istio’s', () => {
    const withNames = (rules: readonly PolicyRule[], scope: KubeCall['scope']) =>
      rules.flatMap((r) =>
        r.apiGroups.flatMap((group) =>
          r.resources.flatMap((resource) =>
            r.verbs.map((verb) => `${scope} ${verb} ${group}/${resource}${r.resourceNames ? ` ${r.resourceNames.join(',')}` : ''}`),
          ),
        ),
      );
    const granted = [...withNames(RBAC_GROUPS.mesh.rules, 'workload-namespace'), ...withNames(RBAC_GROUPS.mesh.istioRules ?? [], 'istio-namespace')];
    expect(new Set(granted).size).toBe(granted.length);
    // Both functions are in the group (an access entry names one group): it grants the union of their calls.
    expect(granted.sort()).toEqual([...new Set([...meshCallsOf('mesh'), ...meshCallsOf('mesh-ops')])].sort());
  });

  it.each(['write', 'capacity', 'restart', 'read'] as const)('the %s group', (level) => {
    const group = RBAC_GROUPS[level];
    const granted = [
      ...entries(group.rules, 'workload-namespace'),
      ...entries(group.placeholderRules ?? [], 'placeholder-namespace'),
      ...(level === 'capacity' ? entries(CAPACITY_CLUSTER_ROLE.rules, 'cluster') : []),
    ];
    expect(new Set(granted).size).toBe(granted.length);
    expect(granted.sort()).toEqual([...derived.get(level)!].sort());
  });

  it('functions with no cluster need are wired with no Kubernetes adapter', () => {
    for (const fn of functions.filter((f) => !clusterAccessLevel(f.needs))) {
      const adapters = [...reachable(`${ROOT}/functions/${fn.name}/handler.ts`)].filter((f) => /kubernetes-(cluster|capacity|restarts)\.ts$/.test(f));
      expect({ fn: fn.name, adapters }).toEqual({ fn: fn.name, adapters: [] });
    }
  });

  it("the manifest binds the placeholders' Roles in their namespace only, and nothing else there", () => {
    const there = rbacObjects(['apps']).filter((o) => (o.metadata as { namespace?: string }).namespace === PLACEHOLDER_NAMESPACE);
    expect(there.map((o) => `${o.kind} ${(o.metadata as { name: string }).name}`).sort()).toEqual([
      'Role hms-sys-burster',
      'Role hms-sys-reader',
      'RoleBinding hms-sys-burster',
      'RoleBinding hms-sys-reader',
    ]);
  });
});
