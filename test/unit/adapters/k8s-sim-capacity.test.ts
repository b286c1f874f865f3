import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type CapacityOptions, type SimDeployment, SimState } from '#adapters/local/k8s-sim/state.ts';
import { PLACEHOLDER_PRIORITY_CLASS } from '#ports/cluster.ts';

/** The benchmark parameters: pod Ready 20 s after scheduling, 30 pods a node, node Ready 90 s after asking, 1 s batches. */
const BENCH: Partial<CapacityOptions> = { podsPerNode: 30, nodeProvisioningDelayMs: 90_000, batchWindowMs: 1_000, maxNodes: 100 };

function cluster(capacity: Partial<CapacityOptions> = BENCH) {
  const clock = { t: 0 };
  const state = new SimState({ podReadyDelayMs: 20_000, now: () => clock.t, capacity });
  /** Moves the virtual clock to `t` and lets the cluster catch up. */
  const at = (t: number) => {
    clock.t = t;
    state.advance();
  };
  const seed = (name: string, replicas: number, priorityClassName?: string) =>
    state.addDeployment({ namespace: 'fema', name, replicas, priorityClassName }, { podsReady: true });
  const create = (name: string, replicas: number, priorityClassName?: string) =>
    state.addDeployment({ namespace: 'fema', name, replicas, priorityClassName }, { podsReady: false });
  const pods = (d: SimDeployment) => state.podsOf('fema', d.name);
  const ready = (d: SimDeployment) => state.readyCount(d);
  const bound = (d: SimDeployment) => pods(d).filter((p) => p.nodeName !== undefined).length;
  const readyNodes = () => state.nodes().filter((n) => state.isNodeReady(n)).length;
  return { state, clock, at, seed, create, pods, ready, bound, readyNodes };
}

describe('node capacity in the simulator', () => {
  it('starts with just enough Ready nodes for the seeded pods, all of them Ready', () => {
    const { state, seed, ready, readyNodes } = cluster();
    const portal = seed('portal', 10);
    const api = seed('api', 25);
    expect(state.nodes()).toHaveLength(2);
    expect(readyNodes()).toBe(2);
    expect([ready(portal), ready(api)]).toEqual([10, 25]);
    expect(state.pendingCount()).toBe(0);
  });

  it('keeps pods Pending until a node is Ready 90 s after they asked, and makes them Ready 20 s after scheduling', () => {
    const { state, at, seed, ready, bound } = cluster();
    const portal = seed('portal', 10);
    state.setReplicas(portal, 100);
    expect(bound(portal)).toBe(30);
    expect(state.pendingCount()).toBe(70);

    at(19_999);
    expect(ready(portal)).toBe(10);
    at(20_000);
    expect(ready(portal)).toBe(30);
    at(89_999);
    expect(state.pendingCount()).toBe(70);
    at(90_000);
    expect(state.pendingCount()).toBe(0);
    // Scheduled at 90 s, not created at 0 s: Ready at 110 s.
    at(109_999);
    expect(ready(portal)).toBe(30);
    at(110_000);
    expect(ready(portal)).toBe(100);
  });

  it('launches every node a batch needs at once, Ready 90 s after its first Pending pod asked', () => {
    const { state, at, seed } = cluster();
    const portal = seed('portal', 10);
    state.setReplicas(portal, 40);
    at(500);
    state.setReplicas(portal, 100);
    at(999);
    expect(state.nodes()).toHaveLength(1);
    at(1_000);
    const launched = state.nodes().slice(1);
    expect(launched).toHaveLength(3);
    expect(launched.map((n) => [n.launchedAt, n.readyAt])).toEqual(Array(3).fill([1_000, 90_000]));

    // A later surge beyond what is in flight opens a second batch.
    at(2_000);
    state.setReplicas(portal, 130);
    at(3_000);
    expect(
      state
        .nodes()
        .slice(4)
        .map((n) => [n.launchedAt, n.readyAt]),
    ).toEqual([[3_000, 92_000]]);
    at(92_000);
    expect(state.pendingCount()).toBe(0);
  });

  it('asks for no node while the nodes in flight will hold the Pending pods', () => {
    const { state, at, seed } = cluster();
    const portal = seed('portal', 10);
    state.setReplicas(portal, 45);
    at(1_000);
    expect(state.nodes()).toHaveLength(2);
    state.setReplicas(portal, 55);
    at(10_000);
    expect(state.nodes()).toHaveLength(2);
  });

  it('leaves pods Pending beyond maxNodes and stops asking', () => {
    const { state, at, seed, bound } = cluster({ ...BENCH, maxNodes: 2 });
    const portal = seed('portal', 10);
    state.setReplicas(portal, 100);
    at(90_000);
    expect(state.nodes()).toHaveLength(2);
    expect(bound(portal)).toBe(60);
    at(1_000_000);
    expect(state.nodes()).toHaveLength(2);
    expect(state.pendingCount()).toBe(40);
  });

  it('with initialNodes, starts with that many nodes and leaves seeded pods beyond them Pending', () => {
    const { state, seed, ready } = cluster({ ...BENCH, initialNodes: 1 });
    expect(state.nodes()).toHaveLength(1);
    const portal = seed('portal', 40);
    expect(ready(portal)).toBe(30);
    expect(state.pendingCount()).toBe(10);
  });

  it('lets real pods preempt placeholders at once; the displaced placeholders go Pending and ask for a node', () => {
    const { state, at, seed, create, bound, ready } = cluster();
    const portal = seed('portal', 10);
    const warm = create('portal-hms-warm', 20, PLACEHOLDER_PRIORITY_CLASS);
    expect(bound(warm)).toBe(20);

    at(5_000);
    state.setReplicas(portal, 25);
    expect(bound(portal)).toBe(25);
    expect(bound(warm)).toBe(5);
    expect(state.pendingCount()).toBe(15);
    expect(state.podsOf('fema', 'portal-hms-warm').every((p) => p.priority === -10)).toBe(true);

    at(25_000);
    expect(ready(portal)).toBe(25);
    at(96_000);
    expect(bound(warm)).toBe(20);
  });

  it('gives a new node to higher-priority pods first', () => {
    const { state, at, seed, create, bound } = cluster({ ...BENCH, maxNodes: 2 });
    const portal = seed('portal', 30);
    const warm = create('portal-hms-warm', 30, PLACEHOLDER_PRIORITY_CLASS);
    at(500);
    state.setReplicas(portal, 60);
    // Nothing on the full node has a lower priority than the real pods, so nothing is preempted.
    expect(bound(warm)).toBe(0);
    at(90_000);
    expect(bound(portal)).toBe(60);
    expect(bound(warm)).toBe(0);
  });

  it('a placeholder never preempts a real pod', () => {
    const { state, seed, create, bound } = cluster({ ...BENCH, initialNodes: 1 });
    const portal = seed('portal', 30);
    const warm = create('portal-hms-warm', 5, PLACEHOLDER_PRIORITY_CLASS);
    expect(bound(portal)).toBe(30);
    expect(bound(warm)).toBe(0);
    expect(state.pendingCount()).toBe(5);
  });

  it('scales down unscheduled pods first and hands freed slots to Pending pods', () => {
    const { state, seed, create, bound } = cluster({ ...BENCH, initialNodes: 1, maxNodes: 1 });
    const portal = seed('portal', 30);
    const other = create('other', 5);
    state.setReplicas(portal, 35);
    expect(state.pendingCount()).toBe(10);
    state.setReplicas(portal, 25);
    expect(bound(portal)).toBe(25);
    expect(bound(other)).toBe(5);
    expect(state.pendingCount()).toBe(0);
  });

  it('refuses an unknown PriorityClass', () => {
    const { create } = cluster();
    expect(() => create('x', 1, 'nope')).toThrow(/no PriorityClass with name nope/);
  });

  it('ends up the same whether the clock is read often or once', () => {
    const step = fc.record({ gapMs: fc.integer({ min: 0, max: 60_000 }), replicas: fc.integer({ min: 0, max: 200 }), probes: fc.integer({ min: 0, max: 5 }) });
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 12 }), fc.integer({ min: 0, max: 300_000 }), (steps, tail) => {
        const run = (probe: boolean) => {
          const c = cluster({ ...BENCH, maxNodes: 5 });
          const portal = c.seed('portal', 10);
          c.create('portal-hms-warm', 15, PLACEHOLDER_PRIORITY_CLASS);
          let t = 0;
          for (const { gapMs, replicas, probes } of steps) {
            if (probe) for (let i = 1; i <= probes; i++) c.at(t + Math.floor((gapMs * i) / (probes + 1)));
            t += gapMs;
            c.clock.t = t;
            c.state.setReplicas(portal, replicas);
          }
          c.at(t + tail);
          const pods = [...c.pods(portal), ...c.state.podsOf('fema', 'portal-hms-warm')];
          return {
            nodes: c.state.nodes().map((n) => [n.launchedAt, n.readyAt]),
            scheduled: pods.map((p) => `${p.priority}@${p.scheduledAt ?? '-'}`).sort(),
            ready: c.ready(portal),
          };
        };
        expect(run(true)).toEqual(run(false));
      }),
      { numRuns: 60 },
    );
  });
});
