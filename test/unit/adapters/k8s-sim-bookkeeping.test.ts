import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SimState } from '#adapters/local/k8s-sim/state.ts';
import { PLACEHOLDER_PRIORITY_CLASS } from '#ports/cluster.ts';

const READY_MS = 1_000;
const NAMES = ['web', 'api', 'worker'] as const;

const op = fc.oneof(
  fc.record({ kind: fc.constant('scale' as const), target: fc.constantFrom(...NAMES), replicas: fc.integer({ min: 0, max: 60 }) }),
  fc.record({ kind: fc.constant('restart' as const), target: fc.constantFrom(...NAMES), replicas: fc.constant(0) }),
  fc.record({ kind: fc.constant('warm' as const), target: fc.constant('warm' as const), replicas: fc.integer({ min: 0, max: 40 }) }),
  fc.record({ kind: fc.constant('wait' as const), target: fc.constant('web' as const), replicas: fc.integer({ min: 0, max: 12_000 }) }),
);

/** What the incremental counters must equal, counted afresh from the pods. */
function recount(state: SimState) {
  const pods = state.allPods();
  const perNode = new Map<string, number>();
  for (const p of pods) if (p.nodeName !== undefined) perNode.set(p.nodeName, (perNode.get(p.nodeName) ?? 0) + 1);
  const deployments = [...NAMES, 'warm'].flatMap((name) => {
    const namespace = name === 'warm' ? 'hms-warm' : 'apps';
    const d = state.deployment(namespace, name);
    if (!d) return [];
    const own = state.podsOf(namespace, name);
    const ready = own.filter((p) => p.scheduledAt !== undefined && state.time - p.scheduledAt >= READY_MS).length;
    return [
      {
        name,
        pods: own.length,
        ready,
        updated: own.filter((p) => p.revision === d.observedRevision).length,
        counted: [state.podCount(d), state.readyCount(d), state.updatedCount(d)],
      },
    ];
  });
  return { pending: pods.filter((p) => p.nodeName === undefined).length, perNode, deployments };
}

describe("the simulator's incremental bookkeeping", () => {
  it('keeps pod, Ready, updated and Pending counts and node slots equal to a recount after any sequence of writes and waits', () => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 25 }), (ops) => {
        const clock = { t: 0 };
        const state = new SimState({
          podReadyDelayMs: READY_MS,
          now: () => clock.t,
          capacity: { podsPerNode: 10, maxNodes: 6, nodeProvisioningDelayMs: 4_000, batchWindowMs: 200 },
        });
        for (const name of NAMES) state.addDeployment({ namespace: 'apps', name, replicas: 5 }, { podsReady: true });
        let revision = 0;
        for (const { kind, target, replicas } of ops) {
          if (kind === 'wait') clock.t += replicas;
          else if (kind === 'scale') state.setReplicas(state.deployment('apps', target)!, replicas);
          else if (kind === 'restart') {
            const d = state.deployment('apps', target)!;
            revision += 1;
            state.updateDeployment(d, { ...d, templateAnnotations: { restartedAt: String(revision) } });
          } else {
            const warm = state.deployment('hms-warm', 'warm');
            if (warm) state.deleteDeployment(warm);
            else state.addDeployment({ namespace: 'hms-warm', name: 'warm', replicas, priorityClassName: PLACEHOLDER_PRIORITY_CLASS }, { podsReady: false });
          }
          state.advance();
          const counted = recount(state);
          expect(state.pendingCount()).toBe(counted.pending);
          for (const d of counted.deployments) expect(d.counted).toEqual([d.pods, d.ready, d.updated]);
          for (const node of state.nodes()) expect(counted.perNode.get(node.name) ?? 0).toBeLessThanOrEqual(node.pods);
          // A Pending pod waits only while every Ready node is full.
          if (counted.pending > 0) {
            for (const node of state.nodes().filter((n) => state.isNodeReady(n))) expect(counted.perNode.get(node.name) ?? 0).toBe(node.pods);
          }
        }
      }),
      { numRuns: 80 },
    );
  });
});
