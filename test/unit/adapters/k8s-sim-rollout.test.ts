import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { excessPods, oldPodsToDelete, podsToCreate, rollingBounds } from '#adapters/local/k8s-sim/rollout.ts';
import { type CapacityOptions, type SimDeployment, SimState } from '#adapters/local/k8s-sim/state.ts';

const POD_READY_MS = 20_000;
const CAPACITY: Partial<CapacityOptions> = { podsPerNode: 30, nodeProvisioningDelayMs: 90_000, batchWindowMs: 1_000, maxNodes: 100 };

/** A simulated cluster on a virtual clock, with one seeded Deployment whose pods are Ready. */
function cluster(replicas: number, capacity: Partial<CapacityOptions> = CAPACITY) {
  const clock = { t: 0 };
  const state = new SimState({ podReadyDelayMs: POD_READY_MS, now: () => clock.t, capacity });
  const web = state.addDeployment({ namespace: 'apps', name: 'web', replicas }, { podsReady: true });
  const at = (t: number) => {
    clock.t = t;
    state.advance();
  };
  const annotate = (d: SimDeployment, value: string) =>
    state.updateDeployment(d, { ...d, templateAnnotations: { ...d.templateAnnotations, 'hms.sys/secret-version': value } });
  /** Pods by template revision and readiness, as of the clock. */
  const view = (d: SimDeployment = web) => {
    const pods = state.podsOf('apps', d.name);
    const fresh = pods.filter((p) => p.revision === d.observedRevision);
    return {
      pods: pods.length,
      fresh: fresh.length,
      old: pods.length - fresh.length,
      ready: pods.filter((p) => state.isReady(p)).length,
      rollingOut: d.rollingOut,
    };
  };
  return { clock, state, web, at, annotate, view };
}

describe('rolling update arithmetic (maxSurge 25%, maxUnavailable 25%)', () => {
  it('rounds maxSurge up and maxUnavailable down, and never lets both be 0', () => {
    expect(rollingBounds(4)).toEqual({ maxSurge: 1, maxUnavailable: 1 });
    expect(rollingBounds(10)).toEqual({ maxSurge: 3, maxUnavailable: 2 });
    expect(rollingBounds(1)).toEqual({ maxSurge: 1, maxUnavailable: 0 });
    expect(rollingBounds(0)).toEqual({ maxSurge: 0, maxUnavailable: 1 });
  });

  it('creates new pods up to the surge, and deletes old ones only while enough stay available', () => {
    const start = { replicas: 4, fresh: 0, freshReady: 0, old: 4, oldReady: 4 };
    expect(podsToCreate(start)).toBe(1);
    expect(oldPodsToDelete({ ...start, fresh: 1 })).toBe(1);
    expect(oldPodsToDelete({ replicas: 4, fresh: 2, freshReady: 0, old: 3, oldReady: 3 })).toBe(0);
    // Old pods that are not Ready go first, even beyond what availability would allow.
    expect(oldPodsToDelete({ replicas: 4, fresh: 1, freshReady: 0, old: 4, oldReady: 2 })).toBe(1);
    expect(oldPodsToDelete({ replicas: 4, fresh: 2, freshReady: 2, old: 3, oldReady: 3 })).toBe(2);
    expect(excessPods({ replicas: 2, fresh: 2, freshReady: 0, old: 3, oldReady: 3 })).toBe(2);
  });
});

describe('rolling updates in the simulator', () => {
  it('takes up a template change at the next advance, then rolls 4 pods with at most 5 and at least 3 Ready', () => {
    const { web, at, annotate, view, state } = cluster(4);
    annotate(web, 'v2');
    // The Deployment controller has not acted yet.
    expect(web).toMatchObject({ generation: 2, observedGeneration: 1, templateRevision: 2, observedRevision: 1 });
    expect(view()).toEqual({ pods: 4, fresh: 4, old: 0, ready: 4, rollingOut: false });

    at(0);
    expect(web.observedGeneration).toBe(2);
    expect(view()).toEqual({ pods: 5, fresh: 2, old: 3, ready: 3, rollingOut: true });
    at(POD_READY_MS - 1);
    expect(view()).toEqual({ pods: 5, fresh: 2, old: 3, ready: 3, rollingOut: true });
    at(POD_READY_MS);
    expect(view()).toEqual({ pods: 5, fresh: 4, old: 1, ready: 3, rollingOut: true });
    at(2 * POD_READY_MS);
    expect(view()).toEqual({ pods: 4, fresh: 4, old: 0, ready: 4, rollingOut: false });
    expect(state.completedRollouts('apps', 'web')).toBe(1);
    expect(state.restarts('apps', 'web')).toBe(1);
    expect(state.templateAnnotations('apps', 'web')).toEqual({ 'hms.sys/secret-version': 'v2' });
  });

  it('changes nothing for the same template, and counts each template change once', () => {
    const { web, at, annotate, state } = cluster(2);
    annotate(web, 'v2');
    at(3 * POD_READY_MS);
    const pods = state.podsOf('apps', 'web');
    annotate(web, 'v2');
    at(6 * POD_READY_MS);
    expect(state.podsOf('apps', 'web')).toEqual(pods);
    expect(web.generation).toBe(2);
    expect([state.restarts('apps', 'web'), state.completedRollouts('apps', 'web')]).toEqual([1, 1]);
  });

  it('rolls a container change the same way', () => {
    const { web, at, view, state } = cluster(4);
    state.updateDeployment(web, { ...web, containers: [{ name: 'web', image: 'web:2', requests: {} }] });
    at(0);
    expect(view()).toMatchObject({ fresh: 2, old: 3 });
    at(2 * POD_READY_MS);
    expect(view()).toEqual({ pods: 4, fresh: 4, old: 0, ready: 4, rollingOut: false });
  });

  it('on a full node, surge pods wait and take the slots old pods free; availability holds meanwhile', () => {
    const { web, at, annotate, view, state } = cluster(30, { ...CAPACITY, initialNodes: 1 });
    annotate(web, 'v2');
    at(0);
    // maxSurge 8 new pods at once, and maxUnavailable 7 old ones go; their slots take 7 new pods, 8 wait.
    expect(view()).toEqual({ pods: 38, fresh: 15, old: 23, ready: 23, rollingOut: true });
    expect(state.pendingCount()).toBe(8);
    at(POD_READY_MS);
    expect(view()).toEqual({ pods: 38, fresh: 22, old: 16, ready: 23, rollingOut: true });
    expect(state.pendingCount()).toBe(8);
    for (let t = POD_READY_MS; t <= 120_000; t += 1_000) {
      at(t);
      expect(view().ready).toBeGreaterThanOrEqual(23);
    }
    expect(view()).toEqual({ pods: 30, fresh: 30, old: 0, ready: 30, rollingOut: false });
    // Old pods freed slots before the node asked for was Ready: every pod is on the first node.
    expect(new Set(state.podsOf('apps', 'web').map((p) => p.nodeName))).toEqual(new Set([state.nodes()[0]!.name]));
  });

  it('follows a replica change made mid-rollout', () => {
    const { web, at, annotate, view, state } = cluster(8);
    annotate(web, 'v2');
    at(0);
    state.setReplicas(web, 2);
    expect(view().pods).toBeLessThanOrEqual(2 + rollingBounds(2).maxSurge);
    at(10 * POD_READY_MS);
    expect(view()).toEqual({ pods: 2, fresh: 2, old: 0, ready: 2, rollingOut: false });
  });

  it('finishes within one advance when pods are Ready as soon as they are scheduled', () => {
    const clock = { t: 0 };
    const state = new SimState({ podReadyDelayMs: 0, now: () => clock.t, capacity: CAPACITY });
    const web = state.addDeployment({ namespace: 'apps', name: 'web', replicas: 12 }, { podsReady: true });
    state.updateDeployment(web, { ...web, templateAnnotations: { k: 'v' } });
    state.advance();
    expect(state.podsOf('apps', 'web').every((p) => p.revision === 2)).toBe(true);
    expect(state.podsOf('apps', 'web')).toHaveLength(12);
    expect(web.rollingOut).toBe(false);
  });

  it('counts a Deployment created through the API as rolling out until its pods are Ready', () => {
    const { state, at } = cluster(1);
    const api = state.addDeployment({ namespace: 'apps', name: 'api', replicas: 3 }, { podsReady: false });
    at(POD_READY_MS - 1);
    expect(api.rollingOut).toBe(true);
    at(POD_READY_MS);
    expect(api.rollingOut).toBe(false);
    expect(state.completedRollouts('apps', 'api')).toBe(1);
  });

  it('never exceeds replicas + maxSurge, never drops below replicas − maxUnavailable Ready, and completes', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 60 }), fc.array(fc.integer({ min: 1, max: 30_000 }), { maxLength: 20 }), (replicas, gaps) => {
        const { web, at, annotate, view } = cluster(replicas);
        const { maxSurge, maxUnavailable } = rollingBounds(replicas);
        annotate(web, 'v2');
        let t = 0;
        for (const gap of [0, ...gaps]) {
          t += gap;
          at(t);
          const now = view();
          expect(now.pods).toBeLessThanOrEqual(replicas + maxSurge);
          expect(now.ready).toBeGreaterThanOrEqual(replicas - maxUnavailable);
        }
        at(t + 20 * POD_READY_MS);
        expect(view()).toEqual({ pods: replicas, fresh: replicas, old: 0, ready: replicas, rollingOut: false });
      }),
      { numRuns: 80 },
    );
  });

  it('ends up the same whether the clock is read often or once', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.array(fc.integer({ min: 0, max: 25_000 }), { maxLength: 10 }), (replicas, probes) => {
        const run = (probe: boolean) => {
          const c = cluster(replicas);
          c.annotate(c.web, 'v2');
          let t = 0;
          if (probe) {
            for (const gap of probes) {
              t += gap;
              c.at(t);
            }
          }
          c.at(200_000);
          return c.state
            .podsOf('apps', 'web')
            .map((p) => `${p.revision}@${p.scheduledAt}`)
            .sort();
        };
        expect(run(true)).toEqual(run(false));
      }),
      { numRuns: 60 },
    );
  });
});
