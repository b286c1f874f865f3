import { afterEach, describe, expect, it } from 'vitest';
import { KubernetesCluster } from '#adapters/aws/kubernetes-cluster.ts';
import { SimState } from '#adapters/local/k8s-sim/state.ts';
import { type K8sSimulator, type SimRequestEvent, startK8sSimulator } from '#adapters/local/k8s-simulator.ts';
import type { WorkloadRef } from '#ports/cluster.ts';

const TOKEN = 'simulator-token';
const web: WorkloadRef = { cluster: 'local', namespace: 'apps', deployment: 'web' };

describe('the simulator moves resourceVersion on status changes, as etcd-backed storage does', () => {
  it('gives a Deployment a new resourceVersion when a pod turns Ready, and keeps it while nothing changes', () => {
    const clock = { t: 0 };
    const state = new SimState({ podReadyDelayMs: 1_000, now: () => clock.t });
    const web = state.addDeployment({ namespace: 'apps', name: 'web', replicas: 2 }, { podsReady: true });
    state.setReplicas(web, 3);
    state.advance();
    const afterScale = web.resourceVersion;

    clock.t = 500;
    state.advance();
    expect(web.resourceVersion).toBe(afterScale);

    clock.t = 1_000;
    state.advance();
    expect(state.readyCount(web)).toBe(3);
    expect(Number(web.resourceVersion)).toBeGreaterThan(Number(afterScale));

    const settled = web.resourceVersion;
    clock.t = 5_000;
    state.advance();
    expect(web.resourceVersion).toBe(settled);
  });
});

describe('scale writes during a ramp', () => {
  let sim: K8sSimulator;
  afterEach(() => sim.close());

  /**
   * A virtual clock that moves 10 ms before each call, on nodes with room for every pod: pods are
   * Ready 20 ms after they are made, so the pods of one step turn Ready between the next step's
   * read and its write, and the Deployment's status moves all through the ramp.
   */
  async function rampingSim() {
    const clock = { t: 0 };
    sim = await startK8sSimulator({
      token: TOKEN,
      podReadyDelayMs: 20,
      hpaSyncMs: 60_000,
      now: () => clock.t,
      capacity: { initialNodes: 2, podsPerNode: 30 },
    });
    sim.onRequest(() => (clock.t += 10));
    sim.seedDeployment({ namespace: 'apps', name: 'web', replicas: 2 });
    const seen: SimRequestEvent[] = [];
    sim.onRequest((event) => seen.push(event));
    const cluster = new KubernetesCluster({
      endpointFor: async () => ({ url: sim.url }),
      tokenFor: async () => TOKEN,
      policy: { attempts: 1, baseMs: 1, capMs: 1 },
    });
    return { cluster, seen };
  }

  it('lands every step with no conflict, where a PATCH carrying the resourceVersion it read would be refused', async () => {
    const { cluster, seen } = await rampingSim();
    const patchPath = `${sim.url}/apis/apps/v1/namespaces/apps/deployments/web/scale`;
    let refusedWithPrecondition = 0;

    for (let replicas = 4; replicas <= 40; replicas += 4) {
      // What the scaler reads before it writes, and what a guarded write would have carried.
      const read = await fetch(`${sim.url}/apis/apps/v1/namespaces/apps/deployments/web`, { headers: { Authorization: `Bearer ${TOKEN}` } });
      const { metadata } = (await read.json()) as { metadata: { resourceVersion: string } };
      const guarded = await fetch(`${patchPath}?dryRun=All`, {
        method: 'PATCH',
        headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/merge-patch+json' },
        body: JSON.stringify({ metadata: { resourceVersion: metadata.resourceVersion }, spec: { replicas } }),
      });
      if (guarded.status === 409) refusedWithPrecondition += 1;

      const written = await cluster.setScale(web, replicas);
      expect(written.replicas).toBe(replicas);
      expect(sim.state.deployment('apps', 'web')!.replicas).toBe(replicas);
    }

    expect(refusedWithPrecondition).toBeGreaterThan(0);
    const adapterPatches = seen.filter((e) => e.method === 'PATCH' && !e.path.includes('dryRun'));
    expect(adapterPatches).toHaveLength(10);
    expect(adapterPatches.every((e) => e.status === 200)).toBe(true);
  });
});
