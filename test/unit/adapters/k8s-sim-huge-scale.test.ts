import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readSnapshot } from '#adapters/local/k8s-sim/persistence.ts';
import { PodIndex } from '#adapters/local/k8s-sim/pod-index.ts';
import { BURST_REPLICAS, REPLICA_SET_SYNC_MS } from '#adapters/local/k8s-sim/replica-sets.ts';
import { type SimPod, SimState } from '#adapters/local/k8s-sim/state.ts';
import { MAX_REPLICA_SET_SYNCS_PER_ADVANCE } from '#adapters/local/k8s-sim/stepping.ts';
import { startK8sSimulator } from '#adapters/local/k8s-simulator.ts';

const TOKEN = 'huge-scale-token';
/** The 3 seeded pods, the scale's burst, and the bursts of two capped catch-ups. */
const MOST_PODS = 3 + BURST_REPLICAS * (1 + 2 * MAX_REPLICA_SET_SYNCS_PER_ADVANCE);
const DEPLOYMENT = '/apis/apps/v1/namespaces/benefits/deployments/eligibility-api';

function request(url: string, path: string, method = 'GET', body?: unknown) {
  return fetch(`${url}${path}`, {
    method,
    headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/merge-patch+json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  }).then(async (res) => ({ status: res.status, body: (await res.json()) as any }));
}

/** A pod as the index holds it; `reads` counts how often its seq is read. */
function pod(seq: number, reads = { count: 0 }, bound?: string): SimPod {
  const p = {
    namespace: 'ns',
    name: `p-${seq}`,
    uid: String(seq),
    creationTimestamp: '',
    resourceVersion: '1',
    deployment: 'web',
    labels: {},
  } as unknown as SimPod;
  Object.defineProperty(p, 'seq', { get: () => (reads.count++, seq), enumerable: true });
  Object.assign(p, { revision: 1, priority: 0, createdAt: 0, ...(bound ? { nodeName: bound, scheduledAt: 0 } : {}) });
  return p;
}

describe('a huge spec.replicas', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'k8s-sim-huge-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('scales to 200000 over HTTP, keeps answering, and a restart resumes it', async () => {
    const stateFile = join(dir, 'k8s-sim.json');
    const first = await startK8sSimulator({ token: TOKEN, podReadyDelayMs: 10, stateFile });
    first.seedDeployment({ namespace: 'benefits', name: 'eligibility-api', replicas: 3 });
    try {
      expect((await request(first.url, `${DEPLOYMENT}/scale`, 'PATCH', { spec: { replicas: 200_000 } })).status).toBe(200);
      const read = await request(first.url, DEPLOYMENT);
      expect(read.status).toBe(200);
      expect(read.body.spec.replicas).toBe(200_000);
      // The ReplicaSet controller creates a burst per sync, not 200000 pods at once.
      expect(read.body.status.replicas).toBeGreaterThan(3);
      expect(read.body.status.replicas).toBeLessThanOrEqual(MOST_PODS);
      expect((await request(first.url, '/api/v1/namespaces/benefits/pods?limit=10')).status).toBe(200);
    } finally {
      await first.close();
    }
    // The saved cluster holds the pods made so far, not 200000.
    expect(readSnapshot(stateFile)!.objects.pods.length).toBeLessThanOrEqual(MOST_PODS);
    const second = await startK8sSimulator({ token: TOKEN, podReadyDelayMs: 10, stateFile });
    try {
      expect(second.resumed).toBe(true);
      const read = await request(second.url, DEPLOYMENT);
      expect(read.status).toBe(200);
      expect(read.body.spec.replicas).toBe(200_000);
      expect((await request(second.url, `${DEPLOYMENT}/scale`, 'PATCH', { spec: { replicas: 3 } })).status).toBe(200);
      expect((await request(second.url, DEPLOYMENT)).body.status.replicas).toBe(3);
    } finally {
      await second.close();
    }
  });

  it('never saves a cluster after a request failed mid-way with an internal error', async () => {
    const stateFile = join(dir, 'k8s-sim.json');
    const sim = await startK8sSimulator({ token: TOKEN, podReadyDelayMs: 10, stateFile, persistDebounceMs: 60_000 });
    sim.seedDeployment({ namespace: 'benefits', name: 'eligibility-api', replicas: 3 });
    const state = sim.state as SimState;
    const advance = state.advance.bind(state);
    try {
      expect((await request(sim.url, `${DEPLOYMENT}/scale`, 'PATCH', { spec: { replicas: 5 } })).status).toBe(200);
      state.advance = () => {
        throw new Error('a controller failed mid-step');
      };
      expect((await request(sim.url, DEPLOYMENT)).status).toBe(500);
      state.advance = advance;
      expect((await request(sim.url, DEPLOYMENT)).status).toBe(200);
    } finally {
      await sim.close();
    }
    expect(existsSync(stateFile)).toBe(false);
  });

  it('refuses replicas past int32 and negative ones with 422 Invalid, leaving the Deployment as it was', async () => {
    const sim = await startK8sSimulator({ token: TOKEN, podReadyDelayMs: 10 });
    sim.seedDeployment({ namespace: 'benefits', name: 'eligibility-api', replicas: 3 });
    try {
      for (const replicas of [2_147_483_648, 1_000_000_000_000, -1]) {
        const scaled = await request(sim.url, `${DEPLOYMENT}/scale`, 'PATCH', { spec: { replicas } });
        expect(scaled).toMatchObject({ status: 422, body: { kind: 'Status', reason: 'Invalid' } });
        expect((await request(sim.url, DEPLOYMENT, 'PATCH', { spec: { replicas } })).status).toBe(422);
      }
      const created = await request(sim.url, '/apis/apps/v1/namespaces/benefits/deployments', 'POST', {
        metadata: { name: 'huge' },
        spec: { replicas: 2_147_483_648 },
      });
      expect(created.status).toBe(422);
      const hpa = await request(sim.url, '/apis/autoscaling/v2/namespaces/benefits/horizontalpodautoscalers', 'POST', {
        metadata: { name: 'eligibility-api' },
        spec: { scaleTargetRef: { kind: 'Deployment', name: 'eligibility-api' }, minReplicas: 1, maxReplicas: 2_147_483_648 },
      });
      expect(hpa.status).toBe(422);
      expect((await request(sim.url, DEPLOYMENT)).body.spec.replicas).toBe(3);
      expect((await request(sim.url, `${DEPLOYMENT}/scale`, 'PATCH', { spec: { replicas: 2_147_483_647 } })).status).toBe(200);
    } finally {
      await sim.close();
    }
  });

  it('grows the pods a burst per ReplicaSet sync, and a long quiet spell catches up a bounded number of bursts', () => {
    const clock = { t: 0 };
    const state = new SimState({ podReadyDelayMs: 1_000, now: () => clock.t, capacity: { podsPerNode: 10, maxNodes: 5 } });
    const web = state.addDeployment({ namespace: 'apps', name: 'web', replicas: 2 }, { podsReady: true });
    state.setReplicas(web, 1_000_000);
    expect(state.podCount(web)).toBe(2 + BURST_REPLICAS);
    clock.t = REPLICA_SET_SYNC_MS;
    state.advance();
    expect(state.podCount(web)).toBe(2 + 2 * BURST_REPLICAS);
    clock.t = 3_600_000;
    state.advance();
    expect(state.podCount(web)).toBe(2 + (2 + MAX_REPLICA_SET_SYNCS_PER_ADVANCE) * BURST_REPLICAS);
    state.setReplicas(web, 4);
    expect(state.podCount(web)).toBe(4);
    clock.t += 10 * REPLICA_SET_SYNC_MS;
    state.advance();
    expect(state.podCount(web)).toBe(4);
  });

  it('seeds a running workload with all its pods at once', () => {
    const state = new SimState({ podReadyDelayMs: 1_000, now: () => 0 });
    const web = state.addDeployment({ namespace: 'apps', name: 'web', replicas: BURST_REPLICAS + 100 }, { podsReady: true });
    expect(state.podCount(web)).toBe(BURST_REPLICAS + 100);
  });
});

describe('the pod index with many pods', () => {
  it('walks Pending pods in place: taking the first few reads a few, not every Pending pod', () => {
    const index = new PodIndex(1_000, () => undefined);
    const reads = { count: 0 };
    for (let seq = 1; seq <= 50_000; seq++) index.add(pod(seq, reads), 0);
    reads.count = 0;
    const first: number[] = [];
    for (const p of index.pendingPods()) {
      first.push(p.seq);
      if (first.length === 5) break;
    }
    expect(first).toEqual([1, 2, 3, 4, 5]);
    expect(reads.count).toBeLessThan(100);
  });

  it('still walks Pending pods oldest first when they were added out of order (a resume)', () => {
    const index = new PodIndex(1_000, () => undefined);
    for (const seq of [5, 3, 9, 1]) index.add(pod(seq), 0);
    expect([...index.pendingPods()].map((p) => p.seq)).toEqual([1, 3, 5, 9]);
    index.add(pod(7), 0);
    expect([...index.pendingPods()].map((p) => p.seq)).toEqual([1, 3, 5, 7, 9]);
  });

  it('lists 200000 bound pods as preemption victims without overflowing the call stack', () => {
    const index = new PodIndex(0, () => undefined);
    for (let seq = 1; seq <= 200_000; seq++) index.add(pod(seq, undefined, 'node-1'), 0);
    expect(index.boundBelow(1)).toHaveLength(200_000);
  });
});
