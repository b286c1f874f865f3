import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { KubernetesCluster, type KubernetesClusterOptions } from '#adapters/aws/kubernetes-cluster.ts';
import { startK8sSimulator, type K8sSimulator, type SimRequestEvent } from '#adapters/local/k8s-simulator.ts';
import type { WorkloadRef } from '#ports/cluster.ts';
import { ClusterConflictError, ClusterNotFoundError, ClusterUnavailableError } from '#ports/errors.ts';

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

function clusterOn(s: K8sSimulator, overrides: Partial<KubernetesClusterOptions> = {}): KubernetesCluster {
  return new KubernetesCluster({
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
    const after = await cluster.setScale(web, 5, before.resourceVersion);

    expect(before.replicas).toBe(2);
    expect(after.replicas).toBe(5);
    expect(after.resourceVersion).not.toBe(before.resourceVersion);
    expect(await cluster.getScale(web)).toEqual(after);
    expect(sim.state.deployment('apps', 'web')?.replicas).toBe(5);
  });

  it('sends a merge patch with the bearer token', async () => {
    const cluster = clusterOn(sim);
    const { resourceVersion } = await cluster.getScale(web);
    await cluster.setScale(web, 3, resourceVersion);
    expect(seen.map((e) => `${e.method} ${e.path} ${e.status}`)).toEqual([
      'GET /apis/apps/v1/namespaces/apps/deployments/web/scale 200',
      'PATCH /apis/apps/v1/namespaces/apps/deployments/web/scale 200',
    ]);
  });

  it('throws ClusterConflictError for a stale resourceVersion and keeps the newer write', async () => {
    const cluster = clusterOn(sim);
    const { resourceVersion } = await cluster.getScale(web);
    await cluster.setScale(web, 3, resourceVersion);

    await expect(cluster.setScale(web, 4, resourceVersion)).rejects.toBeInstanceOf(ClusterConflictError);
    expect(sim.state.deployment('apps', 'web')?.replicas).toBe(3);
    expect(seen.filter((e) => e.status === 409)).toHaveLength(1);
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
    const scale = await cluster.setScale(web, 6, resourceVersion);
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
    const error = await clusterOn(sim).getScale(web).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ClusterUnavailableError);
    expect((error as ClusterUnavailableError).status).toBe(500);
    expect(seen).toHaveLength(3);
  });

  it('rejects a wrong token without retrying and names the access entry', async () => {
    const error = await clusterOn(sim, { tokenFor: async () => 'wrong' }).getScale(web).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(ClusterUnavailableError);
    expect((error as ClusterUnavailableError).status).toBe(401);
    expect((error as Error).message).toMatch(/access entry/);
    expect(seen).toHaveLength(1);
  });

  it('names the missing RBAC permission on a 403', async () => {
    sim.injectFault({ method: 'PATCH', pathIncludes: '/scale', status: 403, times: 1 });
    const cluster = clusterOn(sim);
    const { resourceVersion } = await cluster.getScale(web);
    await expect(cluster.setScale(web, 3, resourceVersion)).rejects.toThrow(/'patch' on deployments\/scale in namespace apps/);
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
    await expect(cluster.setHpaMinReplicas(web, 'web-hpa', 4, hpa!.resourceVersion)).rejects.toBeInstanceOf(
      ClusterConflictError,
    );
  });

  it('the HPA reverts a direct scale write on the Deployment it manages', async () => {
    sim.seedHpa({ namespace: 'apps', name: 'web-hpa', deployment: 'web', minReplicas: 1, maxReplicas: 5 });
    const cluster = clusterOn(sim);
    const { resourceVersion } = await cluster.getScale(web);

    const written = await cluster.setScale(web, 4, resourceVersion);

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
    await cluster.setScale(web, 4, resourceVersion);

    expect(await cluster.podCounts(web)).toEqual({ desired: 4, ready: 2 });
    await vi.waitFor(async () => expect(await cluster.podCounts(web)).toEqual({ desired: 4, ready: 4 }), waitLong);
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
