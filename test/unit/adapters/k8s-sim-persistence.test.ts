import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { readSnapshot } from '#adapters/local/k8s-sim/persistence.ts';
import { type CapacityOptions, SimState } from '#adapters/local/k8s-sim/state.ts';
import { startK8sSimulator } from '#adapters/local/k8s-simulator.ts';
import { PLACEHOLDER_PRIORITY_CLASS } from '#ports/cluster.ts';

const CAPACITY: Partial<CapacityOptions> = { podsPerNode: 10, nodeProvisioningDelayMs: 9_000, batchWindowMs: 100, maxNodes: 20 };
const READY_MS = 2_000;

/** A cluster on a virtual clock; `at(t)` moves the clock and lets the cluster catch up. */
function cluster(clock = { t: 0 }) {
  const state = new SimState({ podReadyDelayMs: READY_MS, now: () => clock.t, capacity: CAPACITY, hpaSyncMs: 1_000 });
  const at = (t: number) => {
    clock.t = t;
    state.advance();
  };
  return { state, clock, at };
}

/** The snapshot through JSON, as the file holds it, resumed in a fresh cluster whose clock reads `t`. */
function resumedAt(saved: ReturnType<SimState['snapshot']>, t: number) {
  const next = cluster({ t });
  next.state.resume(JSON.parse(JSON.stringify(saved)));
  return next;
}

describe('saving and resuming the simulated cluster', () => {
  it('resumes Deployments with their spec, annotations, generation and resourceVersion, HPAs, nodes, pods and PriorityClasses', () => {
    const { state, at } = cluster();
    const web = state.addDeployment(
      { namespace: 'apps', name: 'web', replicas: 4, labels: { app: 'web', tier: 'front' }, podRequests: { cpu: '250m' } },
      { podsReady: true },
    );
    state.addDeployment({ namespace: 'apps', name: 'api', replicas: 2, templateAnnotations: { 'hms.sys/secret-version': 'v1' } }, { podsReady: true });
    state.addHpa({ namespace: 'apps', name: 'api', deployment: 'api', minReplicas: 2, maxReplicas: 8 });
    at(500);
    state.setReplicas(web, 10);
    // Two of the new pods wait for a node (Ready at 9.5 s) and are Ready 2 s after it.
    at(11_000);
    expect(state.readyCount(web)).toBe(8);
    const saved = state.snapshot();

    const { state: resumed, at: resumedClock } = resumedAt(saved, 11_000);
    const again = resumed.deployment('apps', 'web')!;
    const { uid, resourceVersion, generation, observedGeneration, labels, replicas, containers } = state.deployment('apps', 'web')!;
    expect(again).toMatchObject({ uid, resourceVersion, generation, observedGeneration, labels, replicas, containers });
    expect(again.replicas).toBe(10);
    expect(resumed.templateAnnotations('apps', 'api')).toEqual({ 'hms.sys/secret-version': 'v1' });
    expect(resumed.hpa('apps', 'api')).toEqual(state.hpa('apps', 'api'));
    expect(resumed.nodes()).toEqual(state.nodes());
    expect(resumed.podsOf('apps', 'web').map((p) => [p.name, p.nodeName, p.scheduledAt])).toEqual(
      state.podsOf('apps', 'web').map((p) => [p.name, p.nodeName, p.scheduledAt]),
    );
    expect(resumed.readyCount(again)).toBe(8);
    expect(resumed.priorityClass(PLACEHOLDER_PRIORITY_CLASS)).toEqual(state.priorityClass(PLACEHOLDER_PRIORITY_CLASS));
    expect(resumed.resourceVersion).toBe(state.resourceVersion);
    resumedClock(11_500);
    expect(resumed.readyCount(again)).toBe(10);
  });

  it('keeps resourceVersion increasing across a resume', () => {
    const { state, at } = cluster();
    const web = state.addDeployment({ namespace: 'apps', name: 'web', replicas: 2 }, { podsReady: true });
    state.setReplicas(web, 3);
    at(5_000);
    const saved = state.snapshot();
    const before = Number(state.resourceVersion);

    const { state: resumed } = resumedAt(saved, 5_000);
    const again = resumed.deployment('apps', 'web')!;
    resumed.setReplicas(again, 5);
    expect(Number(again.resourceVersion)).toBeGreaterThan(before);
    expect(Number(resumed.resourceVersion)).toBeGreaterThan(before);
  });

  it('takes the cluster to have run on while stopped: starting pods turn Ready and a launching node comes up', () => {
    const { state, at } = cluster();
    const web = state.addDeployment({ namespace: 'apps', name: 'web', replicas: 10 }, { podsReady: true });
    at(1_000);
    state.setReplicas(web, 25);
    at(1_200);
    expect(state.pendingCount()).toBe(15);
    expect(state.nodes().filter((n) => !state.isNodeReady(n))).toHaveLength(2);
    const saved = state.snapshot();

    // Resumed at the moment it was saved, nothing has moved yet.
    const same = resumedAt(saved, 1_200);
    expect(same.state.pendingCount()).toBe(15);
    expect(same.state.readyCount(same.state.deployment('apps', 'web')!)).toBe(10);

    // Resumed a minute later, the nodes are Ready, the Pending pods placed and Ready.
    const later = resumedAt(saved, 61_200);
    later.state.advance();
    expect(later.state.pendingCount()).toBe(0);
    expect(later.state.nodes().every((n) => later.state.isNodeReady(n))).toBe(true);
    expect(later.state.readyCount(later.state.deployment('apps', 'web')!)).toBe(25);
  });

  it('gives a new resourceVersion on resume to a Deployment whose status moved while stopped', () => {
    const { state, at } = cluster();
    const web = state.addDeployment({ namespace: 'apps', name: 'web', replicas: 2 }, { podsReady: true });
    state.setReplicas(web, 4);
    at(100);
    const saved = state.snapshot();
    const version = web.resourceVersion;

    const { state: resumed } = resumedAt(saved, 100_000);
    resumed.advance();
    const again = resumed.deployment('apps', 'web')!;
    expect(resumed.readyCount(again)).toBe(4);
    expect(Number(again.resourceVersion)).toBeGreaterThan(Number(version));
  });

  it('moves a snapshot saved ahead of the clock back to now, so pods wait their delay, not the gap', () => {
    const { state, at } = cluster();
    const web = state.addDeployment({ namespace: 'apps', name: 'web', replicas: 2 }, { podsReady: true });
    at(3_600_000);
    state.setReplicas(web, 4);
    const saved = state.snapshot();

    // The next run's clock starts an hour behind the saved moment.
    const { state: resumed, at: resumedClock } = resumedAt(saved, 0);
    const again = resumed.deployment('apps', 'web')!;
    resumedClock(READY_MS - 1);
    expect(resumed.readyCount(again)).toBe(2);
    resumedClock(READY_MS);
    expect(resumed.readyCount(again)).toBe(4);
  });

  it('finishes a rolling update that was under way when saved', () => {
    const { state, at } = cluster();
    const web = state.addDeployment({ namespace: 'apps', name: 'web', replicas: 4 }, { podsReady: true });
    state.updateDeployment(web, { ...web, templateAnnotations: { 'hms.sys/secret-version': 'v2' } });
    at(10);
    expect(web.rollingOut).toBe(true);
    const saved = state.snapshot();

    const { state: resumed, at: resumedClock } = resumedAt(saved, 10);
    for (let t = 10; t <= 30_000; t += 500) resumedClock(t);
    const again = resumed.deployment('apps', 'web')!;
    expect(again.rollingOut).toBe(false);
    expect(again.completedRollouts).toBe(1);
    expect(resumed.podsOf('apps', 'web').every((p) => p.revision === 2)).toBe(true);
    expect(resumed.readyCount(again)).toBe(4);
  });

  it('keeps HPA syncs on the clock after a resume: a raised floor lifts the target at the next sync', () => {
    const { state } = cluster();
    state.addDeployment({ namespace: 'apps', name: 'api', replicas: 2 }, { podsReady: true });
    const hpa = state.addHpa({ namespace: 'apps', name: 'api', deployment: 'api', minReplicas: 2, maxReplicas: 8 });
    state.updateHpa(hpa, { deployment: 'api', minReplicas: 5, maxReplicas: 8 });
    const saved = state.snapshot();

    const { state: resumed, at: resumedClock } = resumedAt(saved, 0);
    resumedClock(999);
    expect(resumed.deployment('apps', 'api')!.replicas).toBe(2);
    resumedClock(1_000);
    expect(resumed.deployment('apps', 'api')!.replicas).toBe(5);
  });
});

describe("the simulator's state file", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'k8s-sim-state-'));
  });
  afterEach(() => {
    vi.useRealTimers();
    rmSync(dir, { recursive: true, force: true });
  });

  const TOKEN = 'state-file-token';
  const scale = (url: string, replicas: number) =>
    fetch(`${url}/apis/apps/v1/namespaces/apps/deployments/web/scale`, {
      method: 'PATCH',
      headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/merge-patch+json' },
      body: JSON.stringify({ spec: { replicas } }),
    });

  it('has every acknowledged write on disk once close() resolves, and a new simulator resumes from it', async () => {
    const stateFile = join(dir, 'k8s-sim.json');
    const first = await startK8sSimulator({ token: TOKEN, podReadyDelayMs: 10, stateFile, persistDebounceMs: 60_000 });
    expect(first.resumed).toBe(false);
    first.seedDeployment({ namespace: 'apps', name: 'web', replicas: 4 });
    expect((await scale(first.url, 10)).status).toBe(200);
    await first.close();
    expect(readdirSync(dir)).toEqual(['k8s-sim.json']);

    const second = await startK8sSimulator({ token: TOKEN, podReadyDelayMs: 10, stateFile });
    try {
      expect(second.resumed).toBe(true);
      expect(second.state.deployment('apps', 'web')?.replicas).toBe(10);
      const read = await fetch(`${second.url}/apis/apps/v1/namespaces/apps/deployments/web`, { headers: { Authorization: `Bearer ${TOKEN}` } });
      expect(((await read.json()) as { spec: { replicas: number } }).spec.replicas).toBe(10);
    } finally {
      await second.close();
    }
  });

  it('writes a debounce window after a change, without waiting for close, so a kill -9 loses at most that window', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const stateFile = join(dir, 'k8s-sim.json');
    const sim = await startK8sSimulator({ token: TOKEN, podReadyDelayMs: 10, stateFile, persistDebounceMs: 200 });
    try {
      sim.seedDeployment({ namespace: 'apps', name: 'web', replicas: 3 });
      vi.advanceTimersByTime(199);
      expect(existsSync(stateFile)).toBe(false);
      vi.advanceTimersByTime(1);
      expect(readSnapshot(stateFile)?.objects.deployments.map((d) => [d.name, d.replicas])).toEqual([['web', 3]]);
    } finally {
      vi.useRealTimers();
      await sim.close();
    }
  });

  it('removes a temporary file a killed process left mid-write, and resumes from the whole snapshot', async () => {
    const stateFile = join(dir, 'k8s-sim.json');
    const first = await startK8sSimulator({ token: TOKEN, podReadyDelayMs: 10, stateFile });
    first.seedDeployment({ namespace: 'apps', name: 'web', replicas: 4 });
    await first.close();
    writeFileSync(`${stateFile}.12345.tmp`, '{"format":1,"ti');

    const second = await startK8sSimulator({ token: TOKEN, podReadyDelayMs: 10, stateFile });
    try {
      expect(second.state.deployment('apps', 'web')?.replicas).toBe(4);
      expect(readdirSync(dir)).toEqual(['k8s-sim.json']);
    } finally {
      await second.close();
    }
  });

  it("keeps a test's cluster in memory when no state file is named", async () => {
    const sim = await startK8sSimulator({ token: TOKEN, podReadyDelayMs: 10 });
    sim.seedDeployment({ namespace: 'apps', name: 'web', replicas: 3 });
    await sim.close();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('refuses a state file that is not a snapshot, naming it, rather than starting from the seed over it', async () => {
    const stateFile = join(dir, 'k8s-sim.json');
    writeFileSync(stateFile, '{"format":1,"time":');
    await expect(startK8sSimulator({ token: TOKEN, stateFile })).rejects.toThrow(/k8s-sim\.json is not valid JSON/);
    writeFileSync(stateFile, JSON.stringify({ format: 99 }));
    await expect(startK8sSimulator({ token: TOKEN, stateFile })).rejects.toThrow(/not a simulator snapshot/);
    expect(readFileSync(stateFile, 'utf8')).toBe(JSON.stringify({ format: 99 }));
  });
});
