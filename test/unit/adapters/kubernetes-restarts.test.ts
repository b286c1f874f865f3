import { afterEach, describe, expect, it } from 'vitest';
import type { KubernetesClusterOptions } from '#adapters/aws/kubernetes-cluster.ts';
import { KubernetesRestarts } from '#adapters/aws/kubernetes-restarts.ts';
import { type K8sSimulator, type SimRequestEvent, startK8sSimulator } from '#adapters/local/k8s-simulator.ts';
import { SECRET_VERSION_ANNOTATION, type WorkloadRef } from '#ports/cluster.ts';
import { ClusterConflictError, ClusterNotFoundError, ClusterUnavailableError } from '#ports/errors.ts';

const TOKEN = 'simulator-token';
const POD_READY_MS = 20_000;
const web: WorkloadRef = { cluster: 'local', namespace: 'apps', deployment: 'web' };
const version = (value: string) => ({ key: SECRET_VERSION_ANNOTATION, value });

let sim: K8sSimulator;
let seen: SimRequestEvent[];
let clock: { t: number };

/** A simulator on a virtual clock: pods are Ready 20 s after they are scheduled. */
async function startSim(): Promise<void> {
  clock = { t: 0 };
  sim = await startK8sSimulator({ token: TOKEN, podReadyDelayMs: POD_READY_MS, hpaSyncMs: 3_600_000, now: () => clock.t });
  seen = [];
  sim.onRequest((event) => seen.push(event));
}

function restartsOn(s: K8sSimulator, overrides: Partial<KubernetesClusterOptions> = {}): KubernetesRestarts {
  return new KubernetesRestarts({
    endpointFor: async () => ({ url: s.url }),
    tokenFor: async () => TOKEN,
    timeoutMs: 1_000,
    policy: { attempts: 3, baseMs: 1, capMs: 5 },
    ...overrides,
  });
}

/** A raw API call to the simulator, as another writer would make it. */
const call = (path: string, init: RequestInit = {}) => fetch(`${sim.url}${path}`, { ...init, headers: { Authorization: `Bearer ${TOKEN}`, ...init.headers } });

const requests = () => seen.map((e) => `${e.method} ${e.path} ${e.status}`);

describe('KubernetesRestarts.restartWorkload against the simulator', () => {
  afterEach(() => sim.close());

  it('merge-patches the pod template annotation, which rolls the pods', async () => {
    await startSim();
    sim.seedDeployment({ namespace: 'apps', name: 'web', replicas: 2 });
    expect(await restartsOn(sim).restartWorkload(web, version('v2'))).toBe('restarted');

    expect(requests()).toEqual(['GET /apis/apps/v1/namespaces/apps/deployments/web 200', 'PATCH /apis/apps/v1/namespaces/apps/deployments/web 200']);
    expect(sim.state.templateAnnotations('apps', 'web')).toEqual({ [SECRET_VERSION_ANNOTATION]: 'v2' });
    expect(sim.state.restarts('apps', 'web')).toBe(1);
    clock.t = 3 * POD_READY_MS;
    sim.state.advance();
    expect(sim.state.podsOf('apps', 'web').map((p) => p.revision)).toEqual([2, 2]);
  });

  it('answers unchanged and sends no PATCH when the template already holds that value', async () => {
    await startSim();
    sim.seedDeployment({ namespace: 'apps', name: 'web', replicas: 2, templateAnnotations: { [SECRET_VERSION_ANNOTATION]: 'v1' } });
    const cluster = restartsOn(sim);

    expect(await cluster.restartWorkload(web, version('v1'))).toBe('unchanged');
    expect(await cluster.restartWorkload(web, version('v2'))).toBe('restarted');
    expect(await cluster.restartWorkload(web, version('v2'))).toBe('unchanged');

    expect(seen.map((e) => e.method)).toEqual(['GET', 'GET', 'PATCH', 'GET']);
    expect(sim.state.restarts('apps', 'web')).toBe(1);
  });

  it('reads one pod template annotation back with a single GET, null when absent, and not-found for a missing Deployment', async () => {
    await startSim();
    sim.seedDeployment({ namespace: 'apps', name: 'web', replicas: 2, templateAnnotations: { [SECRET_VERSION_ANNOTATION]: 'v1' } });
    const cluster = restartsOn(sim);

    expect(await cluster.templateAnnotation(web, SECRET_VERSION_ANNOTATION)).toBe('v1');
    expect(await cluster.templateAnnotation(web, 'other')).toBeNull();
    await expect(cluster.templateAnnotation({ ...web, deployment: 'gone' }, SECRET_VERSION_ANNOTATION)).rejects.toBeInstanceOf(ClusterNotFoundError);
    expect(seen.map((e) => `${e.method} ${e.status}`)).toEqual(['GET 200', 'GET 200', 'GET 404']);
  });

  it("keeps the template's other annotations", async () => {
    await startSim();
    sim.seedDeployment({ namespace: 'apps', name: 'web', replicas: 1, templateAnnotations: { 'prometheus.io/scrape': 'true' } });
    await restartsOn(sim).restartWorkload(web, version('v7'));
    expect(sim.state.templateAnnotations('apps', 'web')).toEqual({ 'prometheus.io/scrape': 'true', [SECRET_VERSION_ANNOTATION]: 'v7' });
  });

  it('throws ClusterConflictError when another write lands between its read and its patch, and changes nothing', async () => {
    await startSim();
    sim.seedDeployment({ namespace: 'apps', name: 'web', replicas: 2 });
    let connects = 0;
    const cluster = restartsOn(sim, {
      // The adapter connects before each request: before its PATCH, another writer scales the Deployment.
      endpointFor: async () => {
        connects += 1;
        if (connects === 2) {
          const scaled = await call('/apis/apps/v1/namespaces/apps/deployments/web/scale', {
            method: 'PATCH',
            headers: { 'Content-Type': 'application/merge-patch+json' },
            body: JSON.stringify({ spec: { replicas: 3 } }),
          });
          expect(scaled.status).toBe(200);
        }
        return { url: sim.url };
      },
    });

    await expect(cluster.restartWorkload(web, version('v2'))).rejects.toBeInstanceOf(ClusterConflictError);
    expect(requests()).toEqual([
      'GET /apis/apps/v1/namespaces/apps/deployments/web 200',
      'PATCH /apis/apps/v1/namespaces/apps/deployments/web/scale 200',
      'PATCH /apis/apps/v1/namespaces/apps/deployments/web 409',
    ]);
    expect(sim.state.templateAnnotations('apps', 'web')).toEqual({});
    expect(sim.state.deployment('apps', 'web')?.replicas).toBe(3);

    // Reading again, the caller's retry goes through.
    expect(await cluster.restartWorkload(web, version('v2'))).toBe('restarted');
    expect(sim.state.restarts('apps', 'web')).toBe(1);
  });

  it('names the missing permission on a 403, and throws ClusterNotFoundError for an unknown Deployment', async () => {
    await startSim();
    sim.seedDeployment({ namespace: 'apps', name: 'web', replicas: 1 });
    const cluster = restartsOn(sim);
    sim.injectFault({ method: 'PATCH', pathIncludes: '/deployments/web', status: 403, times: 1 });
    const denied = cluster.restartWorkload(web, version('v2'));
    await expect(denied).rejects.toBeInstanceOf(ClusterUnavailableError);
    await expect(denied).rejects.toThrow(/Missing access: 'patch' on deployments in namespace apps/);

    sim.injectFault({ method: 'GET', pathIncludes: '/deployments/web', status: 403, times: 1 });
    await expect(cluster.rolloutStatus(web)).rejects.toThrow(/Missing access: 'get' on deployments in namespace apps/);
    await expect(cluster.restartWorkload({ ...web, deployment: 'gone' }, version('v2'))).rejects.toBeInstanceOf(ClusterNotFoundError);
  });
});

describe('KubernetesRestarts.rolloutStatus and rollingOutIn against the simulator', () => {
  afterEach(() => sim.close());

  it('follows a rolling restart of 4 pods until it is done', async () => {
    await startSim();
    sim.seedDeployment({ namespace: 'apps', name: 'web', replicas: 4 });
    const cluster = restartsOn(sim);
    expect(await cluster.rolloutStatus(web)).toEqual({ desired: 4, updated: 4, ready: 4, available: 4, done: true });

    await cluster.restartWorkload(web, version('v2'));
    // maxSurge 1 and maxUnavailable 1: two new pods start, one old pod goes.
    expect(await cluster.rolloutStatus(web)).toEqual({ desired: 4, updated: 2, ready: 3, available: 3, done: false });
    clock.t = POD_READY_MS;
    expect(await cluster.rolloutStatus(web)).toEqual({ desired: 4, updated: 4, ready: 3, available: 3, done: false });
    clock.t = 2 * POD_READY_MS;
    expect(await cluster.rolloutStatus(web)).toEqual({ desired: 4, updated: 4, ready: 4, available: 4, done: true });
  });

  it("reports the Deployment's generation and conditions the way the API server does", async () => {
    await startSim();
    sim.seedDeployment({ namespace: 'apps', name: 'web', replicas: 4 });
    const patched = await call('/apis/apps/v1/namespaces/apps/deployments/web', {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/merge-patch+json' },
      body: JSON.stringify({ spec: { template: { metadata: { annotations: { [SECRET_VERSION_ANNOTATION]: 'v2' } } } } }),
    });
    // The controller has not acted when the write returns.
    expect(await patched.json()).toMatchObject({
      metadata: { generation: 2 },
      spec: { template: { metadata: { annotations: { [SECRET_VERSION_ANNOTATION]: 'v2' } } }, strategy: { type: 'RollingUpdate' } },
      status: { observedGeneration: 1, replicas: 4, updatedReplicas: 4 },
    });
    const read = await (await call('/apis/apps/v1/namespaces/apps/deployments/web')).json();
    expect(read).toMatchObject({
      status: {
        observedGeneration: 2,
        replicas: 5,
        updatedReplicas: 2,
        readyReplicas: 3,
        availableReplicas: 3,
        conditions: [
          { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable' },
          { type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated' },
        ],
      },
    });
    const bad = await call('/apis/apps/v1/namespaces/apps/deployments/web', {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/merge-patch+json' },
      body: JSON.stringify({ spec: { template: { metadata: { annotations: { [SECRET_VERSION_ANNOTATION]: 2 } } } } }),
    });
    expect(bad.status).toBe(422);
  });

  it('counts the Deployments rolling out in the given namespaces only, with one namespaced list each', async () => {
    await startSim();
    for (const name of ['web', 'api', 'worker']) sim.seedDeployment({ namespace: 'apps', name, replicas: 2 });
    sim.seedDeployment({ namespace: 'jobs', name: 'batch', replicas: 2 });
    sim.seedDeployment({ namespace: 'other', name: 'billing', replicas: 2 });
    const cluster = restartsOn(sim);
    expect(await cluster.rollingOutIn('local', ['apps', 'jobs'])).toBe(0);

    await cluster.restartWorkload(web, version('v2'));
    await cluster.restartWorkload({ ...web, deployment: 'api' }, version('v2'));
    await cluster.restartWorkload({ cluster: 'local', namespace: 'jobs', deployment: 'batch' }, version('v2'));
    await cluster.restartWorkload({ cluster: 'local', namespace: 'other', deployment: 'billing' }, version('v2'));
    // A scale-up waiting for its pods is not a rollout.
    await cluster.setScale({ ...web, deployment: 'worker' }, 6);

    seen.length = 0;
    expect(await cluster.rollingOutIn('local', ['apps'])).toBe(2);
    expect(await cluster.rollingOutIn('local', ['apps', 'jobs', 'apps'])).toBe(3);
    expect(seen.map((e) => e.path)).toEqual([
      '/apis/apps/v1/namespaces/apps/deployments?limit=500',
      '/apis/apps/v1/namespaces/apps/deployments?limit=500',
      '/apis/apps/v1/namespaces/jobs/deployments?limit=500',
    ]);

    clock.t = 3 * POD_READY_MS;
    expect(await cluster.rollingOutIn('local', ['apps', 'jobs', 'other'])).toBe(0);
  });

  it('does not count hms-sys placeholder Deployments, whose pods may wait for nodes', async () => {
    await startSim();
    const labels = { 'app.kubernetes.io/managed-by': 'hms-sys', 'hms.sys/placeholder-for': 'web' };
    const created = await call('/apis/apps/v1/namespaces/apps/deployments', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ metadata: { name: 'web-hms-warm' }, spec: { replicas: 40, template: { metadata: { labels } } } }),
    });
    expect(created.status).toBe(201);
    const other = await call('/apis/apps/v1/namespaces/apps/deployments', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ metadata: { name: 'fresh' }, spec: { replicas: 1, template: { metadata: { labels: { app: 'fresh' } } } } }),
    });
    expect(other.status).toBe(201);
    // A Deployment just created rolls out its first pods; the placeholder does too but is not counted.
    expect(await restartsOn(sim).rollingOutIn('local', ['apps'])).toBe(1);
  });

  it('names the missing list permission on a 403', async () => {
    await startSim();
    sim.injectFault({ method: 'GET', pathIncludes: '/namespaces/jobs/deployments', status: 403, times: 1 });
    const denied = restartsOn(sim).rollingOutIn('local', ['apps', 'jobs']);
    await expect(denied).rejects.toBeInstanceOf(ClusterUnavailableError);
    await expect(denied).rejects.toThrow(/Missing access: 'list' on deployments in namespace jobs; .*--namespaces jobs/);
  });

  it('reads every page of a namespace with many Deployments', async () => {
    await startSim();
    for (let i = 0; i < 501; i++) sim.seedDeployment({ namespace: 'apps', name: `d${i}`, replicas: 0 });
    const cluster = restartsOn(sim);
    await cluster.restartWorkload({ ...web, deployment: 'd500' }, version('v2'));
    sim.seedDeployment({ namespace: 'apps', name: 'web', replicas: 1 });
    await cluster.restartWorkload(web, version('v2'));
    seen.length = 0;
    // d500 has no pods: its rollout is done at once; web's is under way, on the second page.
    expect(await cluster.rollingOutIn('local', ['apps'])).toBe(1);
    expect(seen.map((e) => e.path.includes('continue='))).toEqual([false, true]);
  });
});
