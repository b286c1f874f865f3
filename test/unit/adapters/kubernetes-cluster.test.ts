import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { KubernetesCapacity } from '#adapters/aws/kubernetes-capacity.ts';
import type { KubernetesClusterOptions } from '#adapters/aws/kubernetes-cluster.ts';
import { type K8sSimulator, type SimRequestEvent, startK8sSimulator } from '#adapters/local/k8s-simulator.ts';
import { PLACEHOLDER_NAMESPACE, PLACEHOLDER_PRIORITY_CLASS, type WorkloadRef } from '#ports/cluster.ts';
import { ClusterConflictError, ClusterNotFoundError, ClusterUnavailableError, PortError } from '#ports/errors.ts';

const TOKEN = 'simulator-token';
const web: WorkloadRef = { cluster: 'local', namespace: 'apps', deployment: 'web' };
const waitLong = { timeout: 5_000, interval: 20 };

let sim: K8sSimulator;
let seen: SimRequestEvent[];

async function startSim(podReadyDelayMs = 50): Promise<void> {
  sim = await startK8sSimulator({ token: TOKEN, podReadyDelayMs, hpaSyncMs: 50 });
  sim.seedDeployment({ namespace: 'apps', name: 'web', replicas: 2 });
  seen = [];
  sim.onRequest((event) => seen.push(event));
}

/** The capacity adapter: the Cluster port's calls plus placeholders and nodes. */
function clusterOn(s: K8sSimulator, overrides: Partial<KubernetesClusterOptions> = {}): KubernetesCapacity {
  return new KubernetesCapacity({
    endpointFor: async () => ({ url: s.url }),
    tokenFor: async () => TOKEN,
    timeoutMs: 200,
    policy: { attempts: 3, baseMs: 1, capMs: 5 },
    ...overrides,
  });
}

describe('KubernetesCluster against the simulator', () => {
  beforeEach(() => startSim());
  afterEach(() => sim.close());

  it('reads and writes the scale subresource', async () => {
    const cluster = clusterOn(sim);
    const before = await cluster.getScale(web);
    const after = await cluster.setScale(web, 5);

    expect(before.replicas).toBe(2);
    expect(after.replicas).toBe(5);
    expect(after.resourceVersion).not.toBe(before.resourceVersion);
    // The new pods change the Deployment's status, and with it its resourceVersion again.
    expect((await cluster.getScale(web)).replicas).toBe(5);
    expect(sim.state.deployment('apps', 'web')?.replicas).toBe(5);
  });

  it('sends a merge patch with the bearer token', async () => {
    const cluster = clusterOn(sim);
    await cluster.getScale(web);
    await cluster.setScale(web, 3);
    expect(seen.map((e) => `${e.method} ${e.path} ${e.status}`)).toEqual([
      'GET /apis/apps/v1/namespaces/apps/deployments/web/scale 200',
      'PATCH /apis/apps/v1/namespaces/apps/deployments/web/scale 200',
    ]);
  });

  it('writes an absolute count with no resourceVersion precondition, so a later write lands after another', async () => {
    const cluster = clusterOn(sim);
    await cluster.setScale(web, 3);
    await cluster.setScale(web, 4);
    expect(sim.state.deployment('apps', 'web')?.replicas).toBe(4);
    expect(seen.map((e) => e.status)).toEqual([200, 200]);
  });

  it('retries a 429 and succeeds', async () => {
    sim.injectFault({ method: 'GET', pathIncludes: '/scale', status: 429, times: 1 });
    const scale = await clusterOn(sim).getScale(web);
    expect(scale.replicas).toBe(2);
    expect(seen.map((e) => e.status)).toEqual([429, 200]);
  });

  it('retries a 500 on a write and succeeds', async () => {
    const cluster = clusterOn(sim);
    const { resourceVersion } = await cluster.getScale(web);
    sim.injectFault({ method: 'PATCH', pathIncludes: '/scale', status: 500, times: 1 });
    const scale = await cluster.setScale(web, 6);
    expect(scale.replicas).toBe(6);
    expect(seen.map((e) => e.status)).toEqual([200, 500, 200]);
  });

  it('retries after a request times out', async () => {
    sim.injectFault({ pathIncludes: '/deployments/web/scale', timeout: true, times: 1 });
    const scale = await clusterOn(sim).getScale(web);
    expect(scale.replicas).toBe(2);
    expect(seen.map((e) => e.status)).toEqual([0, 200]);
  });

  it('waits as long as Retry-After asks, up to the policy cap', async () => {
    const sleeps: number[] = [];
    const sleep = async (ms: number) => void sleeps.push(ms);
    const throttleOnce = () => sim.injectFault({ pathIncludes: '/scale', status: 429, retryAfterSeconds: 2, times: 1 });

    throttleOnce();
    await clusterOn(sim, { sleep, policy: { attempts: 3, baseMs: 1, capMs: 60_000 } }).getScale(web);
    throttleOnce();
    await clusterOn(sim, { sleep, policy: { attempts: 3, baseMs: 1, capMs: 500 } }).getScale(web);
    expect(sleeps).toEqual([2_000, 500]);
  });

  it('throws ClusterUnavailableError with the last status once retries are spent', async () => {
    sim.injectFault({ pathIncludes: '/scale', status: 500, times: 10 });
    const error = await clusterOn(sim)
      .getScale(web)
      .catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ClusterUnavailableError);
    expect((error as ClusterUnavailableError).status).toBe(500);
    expect(seen).toHaveLength(3);
  });

  it('rejects a wrong token without retrying and names the access entry', async () => {
    const error = await clusterOn(sim, { tokenFor: async () => 'wrong' })
      .getScale(web)
      .catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ClusterUnavailableError);
    expect((error as ClusterUnavailableError).status).toBe(401);
    expect((error as Error).message).toMatch(/access entry/);
    expect(seen).toHaveLength(1);
  });

  it('names the missing RBAC permission on a 403', async () => {
    sim.injectFault({ method: 'PATCH', pathIncludes: '/scale', status: 403, times: 1 });
    const cluster = clusterOn(sim);
    const { resourceVersion } = await cluster.getScale(web);
    await expect(cluster.setScale(web, 3)).rejects.toThrow(/'patch' on deployments\/scale in namespace apps/);
    expect(seen).toHaveLength(2);
  });

  it('throws ClusterNotFoundError for a missing Deployment', async () => {
    const missing = { ...web, deployment: 'nope' };
    await expect(clusterOn(sim).getScale(missing)).rejects.toBeInstanceOf(ClusterNotFoundError);
  });

  it('URL-encodes names in paths', async () => {
    const odd = { ...web, namespace: 'a/b', deployment: 'web?x' };
    await expect(clusterOn(sim).getScale(odd)).rejects.toBeInstanceOf(ClusterNotFoundError);
    expect(seen[0]?.path).toBe('/apis/apps/v1/namespaces/a%2Fb/deployments/web%3Fx/scale');
  });

  it('finds the HPA that targets the Deployment and ignores others', async () => {
    sim.seedDeployment({ namespace: 'apps', name: 'api', replicas: 1 });
    sim.seedHpa({ namespace: 'apps', name: 'api-hpa', deployment: 'api', minReplicas: 1, maxReplicas: 3 });
    const cluster = clusterOn(sim);
    expect(await cluster.findHpa(web)).toBeNull();

    sim.seedHpa({ namespace: 'apps', name: 'web-hpa', deployment: 'web', minReplicas: 2, maxReplicas: 10 });
    expect(await cluster.findHpa(web)).toMatchObject({ name: 'web-hpa', minReplicas: 2, maxReplicas: 10 });
  });

  it('raising the HPA minReplicas raises the Deployment replicas', async () => {
    sim.seedHpa({ namespace: 'apps', name: 'web-hpa', deployment: 'web', minReplicas: 2, maxReplicas: 10 });
    const cluster = clusterOn(sim);
    const hpa = await cluster.findHpa(web);

    const updated = await cluster.setHpaMinReplicas(web, hpa!.name, 6, hpa!.resourceVersion);

    expect(updated.minReplicas).toBe(6);
    expect(updated.resourceVersion).not.toBe(hpa!.resourceVersion);
    await vi.waitFor(async () => expect((await cluster.getScale(web)).replicas).toBe(6), waitLong);
  });

  it('a stale HPA resourceVersion throws ClusterConflictError', async () => {
    sim.seedHpa({ namespace: 'apps', name: 'web-hpa', deployment: 'web', minReplicas: 2, maxReplicas: 10 });
    const cluster = clusterOn(sim);
    const hpa = await cluster.findHpa(web);
    await cluster.setHpaMinReplicas(web, 'web-hpa', 3, hpa!.resourceVersion);
    await expect(cluster.setHpaMinReplicas(web, 'web-hpa', 4, hpa!.resourceVersion)).rejects.toBeInstanceOf(ClusterConflictError);
  });

  it('the HPA reverts a direct scale write on the Deployment it manages', async () => {
    sim.seedHpa({ namespace: 'apps', name: 'web-hpa', deployment: 'web', minReplicas: 1, maxReplicas: 5 });
    const cluster = clusterOn(sim);
    const { resourceVersion } = await cluster.getScale(web);

    const written = await cluster.setScale(web, 4);

    expect(written.replicas).toBe(4);
    await vi.waitFor(async () => expect((await cluster.getScale(web)).replicas).toBe(2), waitLong);
  });
});

describe('pod readiness in the simulator', () => {
  beforeEach(() => startSim(1_000));
  afterEach(() => sim.close());

  it('new pods become ready after the delay', async () => {
    const cluster = clusterOn(sim);
    const { resourceVersion } = await cluster.getScale(web);
    await cluster.setScale(web, 4);

    expect(await cluster.podCounts(web)).toEqual({ desired: 4, ready: 2, pending: 0 });
    await vi.waitFor(async () => expect(await cluster.podCounts(web)).toEqual({ desired: 4, ready: 4, pending: 0 }), waitLong);
  });
});

describe('the simulator speaks the Kubernetes API', () => {
  beforeEach(() => startSim());
  afterEach(() => sim.close());

  const call = (path: string, init: RequestInit = {}, token = TOKEN) =>
    fetch(sim.url + path, { ...init, headers: { Authorization: `Bearer ${token}`, ...init.headers } });

  it('answers a missing token with a 401 Status', async () => {
    const response = await fetch(`${sim.url}/apis/apps/v1/namespaces/apps/deployments`);
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ kind: 'Status', reason: 'Unauthorized', code: 401 });
  });

  it('answers a stale patch with a Conflict Status', async () => {
    const response = await call('/apis/apps/v1/namespaces/apps/deployments/web/scale', {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/merge-patch+json' },
      body: JSON.stringify({ metadata: { resourceVersion: '0' }, spec: { replicas: 9 } }),
    });
    expect(response.status).toBe(409);
    expect(await response.json()).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'Conflict' });
  });

  it('validates a dry run without persisting it', async () => {
    const before = sim.state.deployment('apps', 'web')!.resourceVersion;
    const response = await call('/apis/apps/v1/namespaces/apps/deployments/web/scale?dryRun=All', {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/merge-patch+json' },
      body: JSON.stringify({ spec: { replicas: 7 } }),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ kind: 'Scale', apiVersion: 'autoscaling/v1', spec: { replicas: 7 } });
    expect(sim.state.deployment('apps', 'web')).toMatchObject({ replicas: 2, resourceVersion: before });
  });

  it('creates a Deployment and lists its pods by label', async () => {
    const created = await call('/apis/apps/v1/namespaces/apps/deployments', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'worker' },
        spec: { replicas: 3, template: { metadata: { labels: { app: 'worker' } } } },
      }),
    });
    expect(created.status).toBe(201);

    const pods = (await (await call('/api/v1/namespaces/apps/pods?labelSelector=app%3Dworker')).json()) as {
      kind: string;
      items: { metadata: { labels: Record<string, string> }; status: { phase: string } }[];
    };
    expect(pods.kind).toBe('PodList');
    expect(pods.items).toHaveLength(3);
    expect(pods.items.every((p) => p.metadata.labels.app === 'worker')).toBe(true);
  });

  it('rejects malformed JSON with 400 and unknown routes with 404', async () => {
    const malformed = await call('/apis/apps/v1/namespaces/apps/deployments', { method: 'POST', body: '{not json' });
    const unknown = await call('/apis/batch/v1/namespaces/apps/jobs');
    expect(malformed.status).toBe(400);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ kind: 'Status', reason: 'NotFound' });
  });
});

/** A simulator on a virtual clock with the benchmark capacity: pods Ready 20 s after scheduling, nodes 90 s, 30 pods a node. */
async function startVirtualSim(capacity: { maxNodes?: number } = {}) {
  const clock = { t: 0 };
  sim = await startK8sSimulator({
    token: TOKEN,
    podReadyDelayMs: 20_000,
    hpaSyncMs: 3_600_000,
    now: () => clock.t,
    capacity: { podsPerNode: 30, nodeProvisioningDelayMs: 90_000, batchWindowMs: 1_000, ...capacity },
  });
  seen = [];
  sim.onRequest((event) => seen.push(event));
  return clock;
}

describe('workloads, pending pods, placeholders and node capacity over the API', () => {
  afterEach(() => sim.close());
  const portal: WorkloadRef = { cluster: 'local', namespace: 'fema', deployment: 'fema-portal' };
  const warm = () => sim.state.deployment(PLACEHOLDER_NAMESPACE, 'fema-fema-portal-20276025-hms-warm');
  const requests = { vcpu: 0.5, memoryGiB: 1 };

  it("reads a Deployment's replicas and the summed requests of its pod template", async () => {
    await startVirtualSim();
    sim.seedDeployment({ namespace: 'fema', name: 'fema-portal', replicas: 10, podRequests: { cpu: '500m', memory: '1Gi' } });
    expect(await clusterOn(sim).getWorkload(portal)).toEqual({ replicas: 10, readyReplicas: 10, podRequests: requests });
    expect(seen.map((e) => `${e.method} ${e.path}`)).toEqual(['GET /apis/apps/v1/namespaces/fema/deployments/fema-portal']);
  });

  it("sums several containers' requests of a Deployment created through the API", async () => {
    await startVirtualSim();
    const created = await fetch(`${sim.url}/apis/apps/v1/namespaces/fema/deployments`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        metadata: { name: 'fema-portal' },
        spec: {
          replicas: 2,
          template: {
            metadata: { labels: { app: 'fema-portal' } },
            spec: {
              containers: [
                { name: 'app', image: 'portal:1', resources: { requests: { cpu: '250m', memory: '512Mi' } } },
                { name: 'proxy', image: 'envoy:1', resources: { requests: { cpu: '1', memory: '1G' } } },
              ],
            },
          },
        },
      }),
    });
    expect(created.status).toBe(201);
    const workload = await clusterOn(sim).getWorkload(portal);
    expect(workload.podRequests.vcpu).toBe(1.25);
    expect(workload.podRequests.memoryGiB).toBeCloseTo(0.5 + 1e9 / 2 ** 30, 9);
  });

  it('counts the pods no node holds as pending until a node is Ready, then Ready 20 s later', async () => {
    const clock = await startVirtualSim();
    sim.seedDeployment({ namespace: 'fema', name: 'fema-portal', replicas: 2 });
    const cluster = clusterOn(sim);
    expect(await cluster.podCounts(portal)).toEqual({ desired: 2, ready: 2, pending: 0 });
    expect(seen.filter((e) => e.path.startsWith('/api/v1/'))).toEqual([]);

    await cluster.setScale(portal, 40);
    expect(await cluster.podCounts(portal)).toEqual({ desired: 40, ready: 2, pending: 10 });
    // Counted as Table rows with no objects (tablePage refuses anything but a Table): no pod spec is read.
    expect(seen.at(-1)?.path).toBe(
      '/api/v1/namespaces/fema/pods?labelSelector=app%3Dfema-portal&fieldSelector=status.phase%3DPending%2Cspec.nodeName%3D&includeObject=None&limit=500',
    );

    clock.t = 20_000;
    expect(await cluster.podCounts(portal)).toEqual({ desired: 40, ready: 30, pending: 10 });
    clock.t = 90_000;
    expect(await cluster.podCounts(portal)).toEqual({ desired: 40, ready: 30, pending: 0 });
    clock.t = 110_000;
    expect(await cluster.podCounts(portal)).toEqual({ desired: 40, ready: 40, pending: 0 });
  });

  it('creates the placeholder Deployment once, and resizes it only when asked for something else', async () => {
    await startVirtualSim();
    sim.seedDeployment({ namespace: 'fema', name: 'fema-portal', replicas: 10 });
    const cluster = clusterOn(sim);

    await cluster.ensurePlaceholders(portal, { replicas: 20, podRequests: requests });
    await cluster.ensurePlaceholders(portal, { replicas: 20, podRequests: requests });
    expect(warm()).toMatchObject({
      replicas: 20,
      priorityClassName: PLACEHOLDER_PRIORITY_CLASS,
      priority: -10,
      terminationGracePeriodSeconds: 0,
      labels: { 'app.kubernetes.io/managed-by': 'hms-sys', 'hms.sys/placeholder-for': 'fema-portal', 'hms.sys/placeholder-namespace': 'fema' },
      containers: [{ name: 'pause', image: 'registry.k8s.io/pause:3.10', requests: { cpu: '500m', memory: '1024Mi' } }],
    });

    await cluster.ensurePlaceholders(portal, { replicas: 5, podRequests: { vcpu: 1, memoryGiB: 2 } });
    expect(warm()).toMatchObject({ replicas: 5, containers: [{ requests: { cpu: '1000m', memory: '2048Mi' } }] });
    expect(sim.state.podsOf(PLACEHOLDER_NAMESPACE, 'fema-fema-portal-20276025-hms-warm')).toHaveLength(5);
    expect(sim.state.deployment('fema', 'fema-portal-hms-warm')).toBeUndefined();
    expect(await cluster.placeholderReplicas(portal)).toBe(5);
    expect(seen.map((e) => `${e.method} ${e.status}`)).toEqual([
      'GET 404',
      'POST 201', // created
      'GET 200', // already as asked
      'GET 200',
      'PATCH 200', // resized
      'GET 200', // placeholderReplicas
    ]);
    expect(seen.every((e) => e.path.startsWith(`/apis/apps/v1/namespaces/${PLACEHOLDER_NAMESPACE}/deployments`))).toBe(true);
  });

  it('removes the placeholders and their pods; removing them again is fine', async () => {
    await startVirtualSim();
    sim.seedDeployment({ namespace: 'fema', name: 'fema-portal', replicas: 10 });
    const cluster = clusterOn(sim);
    await cluster.ensurePlaceholders(portal, { replicas: 20, podRequests: requests });

    await cluster.removePlaceholders(portal);
    await cluster.removePlaceholders(portal);
    expect(warm()).toBeUndefined();
    expect(sim.state.podsOf(PLACEHOLDER_NAMESPACE, 'fema-fema-portal-20276025-hms-warm')).toEqual([]);
    expect(await cluster.placeholderReplicas(portal)).toBe(0);
    expect(sim.state.deployment('fema', 'fema-portal')?.replicas).toBe(10);
    expect(seen.slice(2).map((e) => `${e.method} ${e.status}`)).toEqual(['GET 200', 'DELETE 200', 'GET 404', 'GET 404']);
  });

  it("leaves alone a Deployment of the placeholder's name that hms-sys did not make", async () => {
    await startVirtualSim();
    sim.seedDeployment({ namespace: PLACEHOLDER_NAMESPACE, name: 'fema-fema-portal-20276025-hms-warm', replicas: 3 });
    const cluster = clusterOn(sim);
    await expect(cluster.ensurePlaceholders(portal, { replicas: 1, podRequests: requests })).rejects.toThrow(PortError);
    await expect(cluster.removePlaceholders(portal)).rejects.toThrow(/not the hms-sys placeholder for fema\/fema-portal/);
    expect(warm()?.replicas).toBe(3);
    expect(seen.map((e) => e.method)).toEqual(['GET', 'GET']);
  });

  it("placeholders hold warm nodes that the workload's pods then take over at once", async () => {
    const clock = await startVirtualSim();
    sim.seedDeployment({ namespace: 'fema', name: 'fema-portal', replicas: 10 });
    const cluster = clusterOn(sim);
    await cluster.ensurePlaceholders(portal, { replicas: 50, podRequests: requests });
    clock.t = 90_000;
    expect(await cluster.nodeCapacity('local')).toEqual({ nodes: 2, podsPerNode: 30, podsScheduled: 60 });

    await cluster.setScale(portal, 60);
    expect(await cluster.podCounts(portal)).toEqual({ desired: 60, ready: 10, pending: 0 });
    await cluster.removePlaceholders(portal);
    clock.t = 110_000;
    expect(await cluster.podCounts(portal)).toEqual({ desired: 60, ready: 60, pending: 0 });
  });

  it('counts Ready nodes, their pod slots and the pods bound to them, page by page', async () => {
    const clock = await startVirtualSim();
    sim.seedDeployment({ namespace: 'fema', name: 'fema-portal', replicas: 400 });
    sim.seedDeployment({ namespace: 'benefits', name: 'eligibility-api', replicas: 200 });
    const cluster = clusterOn(sim);
    expect(await cluster.nodeCapacity('local')).toEqual({ nodes: 20, podsPerNode: 30, podsScheduled: 600 });
    expect(seen.filter((e) => e.path.startsWith('/api/v1/pods?')).map((e) => e.path.includes('continue='))).toEqual([false, true]);

    // Pods waiting for a node that is still launching are neither on a Ready node nor scheduled.
    await cluster.setScale(portal, 430);
    clock.t = 10_000;
    expect(await cluster.nodeCapacity('local')).toEqual({ nodes: 20, podsPerNode: 30, podsScheduled: 600 });
    expect(sim.state.nodes()).toHaveLength(21);
    clock.t = 90_000;
    expect(await cluster.nodeCapacity('local')).toEqual({ nodes: 21, podsPerNode: 30, podsScheduled: 630 });
  });

  it('answers an empty cluster with zeros, without listing pods', async () => {
    await startVirtualSim();
    expect(await clusterOn(sim).nodeCapacity('local')).toEqual({ nodes: 0, podsPerNode: 0, podsScheduled: 0 });
    expect(seen.map((e) => e.path)).toEqual(['/api/v1/nodes?limit=500']);
  });

  it('names the cluster-wide permission on a 403 for nodes, and the namespaced one for placeholders', async () => {
    await startVirtualSim();
    sim.seedDeployment({ namespace: 'fema', name: 'fema-portal', replicas: 1 });
    sim.injectFault({ pathIncludes: '/api/v1/nodes', status: 403, times: 1 });
    sim.injectFault({ method: 'POST', pathIncludes: '/deployments', status: 403, times: 1 });
    const cluster = clusterOn(sim);
    await expect(cluster.nodeCapacity('local')).rejects.toThrow(/'list' on nodes \(cluster-wide\); apply the hms-sys ClusterRole/);
    await expect(cluster.ensurePlaceholders(portal, { replicas: 1, podRequests: requests })).rejects.toThrow(
      /'create' on deployments in namespace hms-sys-placeholders/,
    );
  });

  it('retries a 503 on the pod list', async () => {
    await startVirtualSim();
    sim.seedDeployment({ namespace: 'fema', name: 'fema-portal', replicas: 40 });
    sim.injectFault({ pathIncludes: '/api/v1/pods', status: 503, times: 1 });
    expect(await clusterOn(sim).nodeCapacity('local')).toEqual({ nodes: 2, podsPerNode: 30, podsScheduled: 40 });
  });
});

describe("the simulator's nodes, pods and PriorityClasses speak the Kubernetes API", () => {
  afterEach(() => sim.close());
  const call = async (path: string, init: RequestInit = {}) =>
    fetch(sim.url + path, { ...init, headers: { Authorization: `Bearer ${TOKEN}`, ...init.headers } });

  it('lists nodes with allocatable pods and a Ready condition; a launching node is NotReady and tainted', async () => {
    const clock = await startVirtualSim();
    sim.seedDeployment({ namespace: 'fema', name: 'fema-portal', replicas: 40 });
    const cluster = clusterOn(sim);
    const portal = { cluster: 'local', namespace: 'fema', deployment: 'fema-portal' };
    await cluster.setScale(portal, 70);
    clock.t = 1_000;
    const list = (await (await call('/api/v1/nodes')).json()) as {
      kind: string;
      items: {
        metadata: { name: string };
        spec: { unschedulable?: boolean; taints?: unknown[] };
        status: { allocatable: { pods: string }; conditions: { type: string; status: string }[] };
      }[];
    };
    expect(list.kind).toBe('NodeList');
    expect(list.items).toHaveLength(3);
    expect(list.items.map((n) => n.status.allocatable.pods)).toEqual(['30', '30', '30']);
    expect(list.items.map((n) => n.status.conditions.find((c) => c.type === 'Ready')?.status)).toEqual(['True', 'True', 'False']);
    expect(list.items.map((n) => n.spec.unschedulable ?? false)).toEqual([false, false, false]);
    expect(list.items[2]!.spec.taints).toEqual([{ key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' }]);
  });

  it('shows a Pending pod without a node, and a Running one with its node and Ready condition', async () => {
    await startVirtualSim({ maxNodes: 1 });
    sim.seedDeployment({ namespace: 'fema', name: 'fema-portal', replicas: 31 });
    const list = (await (await call('/api/v1/namespaces/fema/pods')).json()) as {
      items: { spec: { nodeName?: string; priority: number }; status: { phase: string; conditions: { type: string; status: string }[] } }[];
    };
    const pending = list.items.filter((p) => p.status.phase === 'Pending');
    const running = list.items.filter((p) => p.status.phase === 'Running');
    expect([pending.length, running.length]).toEqual([1, 30]);
    expect(pending[0]!.spec.nodeName).toBeUndefined();
    expect(pending[0]!.status.conditions).toContainEqual(expect.objectContaining({ type: 'PodScheduled', status: 'False', reason: 'Unschedulable' }));
    expect(running[0]!.spec.nodeName).toBe('sim-node-001');
    expect(running[0]!.status.conditions).toContainEqual({ type: 'Ready', status: 'True' });

    const bound = (await (await call('/api/v1/pods?fieldSelector=spec.nodeName%21%3D')).json()) as { items: unknown[] };
    expect(bound.items).toHaveLength(30);
    const bad = await call('/api/v1/pods?fieldSelector=spec.hostname%3Dx');
    expect(bad.status).toBe(400);
  });

  it('lists pods as a Table when asked, with metadata only by default, nothing with includeObject=None, and 406 for a Table only in another version', async () => {
    await startVirtualSim();
    sim.seedDeployment({ namespace: 'fema', name: 'fema-portal', replicas: 3 });
    const TABLE = 'application/json;as=Table;g=meta.k8s.io;v=v1';
    const table = async (path: string, accept = TABLE) =>
      (await (await call(path, { headers: { Accept: accept } })).json()) as {
        kind: string;
        rows: { cells: unknown[]; object?: { kind: string; spec?: unknown } }[];
      };
    const meta = await table('/api/v1/pods');
    expect(meta.kind).toBe('Table');
    expect(meta.rows).toHaveLength(3);
    expect(meta.rows[0]!.object).toMatchObject({ kind: 'PartialObjectMetadata' });
    expect(meta.rows[0]!.object!.spec).toBeUndefined();
    const none = await table('/api/v1/pods?includeObject=None&fieldSelector=spec.nodeName%21%3D');
    expect(none.rows.map((r) => Object.keys(r))).toEqual([['cells'], ['cells'], ['cells']]);
    expect((await table('/api/v1/pods', `${TABLE},application/json`)).kind).toBe('Table');
    expect((await table('/api/v1/pods', 'application/json')).kind).toBe('PodList');
    expect((await call('/api/v1/pods', { headers: { Accept: 'application/json;as=Table;g=meta.k8s.io;v=v2' } })).status).toBe(406);
  });

  it("serves the placeholders' PriorityClass", async () => {
    await startVirtualSim();
    const response = await call(`/apis/scheduling.k8s.io/v1/priorityclasses/${PLACEHOLDER_PRIORITY_CLASS}`);
    expect(await response.json()).toMatchObject({ kind: 'PriorityClass', apiVersion: 'scheduling.k8s.io/v1', value: -10, globalDefault: false });
    expect((await call('/apis/scheduling.k8s.io/v1/priorityclasses/other')).status).toBe(404);
  });

  it('answers a second create with AlreadyExists, a delete of nothing with NotFound, and a wrong uid with Conflict', async () => {
    await startVirtualSim();
    const create = () =>
      call('/apis/apps/v1/namespaces/fema/deployments', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ metadata: { name: 'w' }, spec: { replicas: 1, template: { metadata: { labels: { app: 'w' } } } } }),
      });
    expect((await create()).status).toBe(201);
    const again = await create();
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ reason: 'AlreadyExists' });

    const wrongUid = await call('/apis/apps/v1/namespaces/fema/deployments/w', {
      method: 'DELETE',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ kind: 'DeleteOptions', apiVersion: 'v1', preconditions: { uid: 'not-it' } }),
    });
    expect(wrongUid.status).toBe(409);
    expect((await call('/apis/apps/v1/namespaces/fema/deployments/w', { method: 'DELETE' })).status).toBe(200);
    const gone = await call('/apis/apps/v1/namespaces/fema/deployments/w', { method: 'DELETE' });
    expect(gone.status).toBe(404);
    expect(await gone.json()).toMatchObject({ reason: 'NotFound' });
  });

  it("merge-patches a Deployment's replicas and container requests", async () => {
    await startVirtualSim();
    sim.seedDeployment({ namespace: 'fema', name: 'fema-portal', replicas: 2, podRequests: { cpu: '250m' } });
    const patched = await call('/apis/apps/v1/namespaces/fema/deployments/fema-portal', {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/merge-patch+json' },
      body: JSON.stringify({
        spec: {
          replicas: 4,
          template: { spec: { containers: [{ name: 'fema-portal', image: 'p:2', resources: { requests: { cpu: '1', memory: '2Gi' } } }] } },
        },
      }),
    });
    expect(patched.status).toBe(200);
    expect(await patched.json()).toMatchObject({
      spec: { replicas: 4, template: { spec: { containers: [{ resources: { requests: { cpu: '1', memory: '2Gi' } } }] } } },
      status: { replicas: 4, readyReplicas: 2, availableReplicas: 2 },
    });
    const invalid = await call('/apis/apps/v1/namespaces/fema/deployments/fema-portal', {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/merge-patch+json' },
      body: JSON.stringify({ spec: { template: { spec: { priorityClassName: 'unknown' } } } }),
    });
    expect(invalid.status).toBe(422);
  });
});
