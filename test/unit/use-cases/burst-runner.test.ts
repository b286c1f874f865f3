import { beforeEach, describe, expect, it } from 'vitest';
import type { Burst } from '#domain/model.ts';
import { ClusterUnavailableError } from '#ports/errors.ts';
import { advanceBurst, tickBursts } from '#use-cases/burst-runner.ts';
import { cancelBurst, createBurst } from '#use-cases/bursts.ts';
import { burstFromAlarm } from '#use-cases/rule-burst.ts';
import type { memoryPorts } from './memory-ports.ts';
import { PORTAL, seededPorts } from './seeded-ports.ts';

const caller = { actor: 'dev-operator', requestId: 'req-1' };
const MINUTE = 60_000;
let env: ReturnType<typeof memoryPorts>;

const burst = (overrides: Record<string, unknown> = {}) =>
  ({ service: 'portal', fromPods: 4, toPods: 40, maxCostPerHourUSD: 100, holdMinutes: 20, ...overrides }) as never;

const start = async (input: never) => (await createBurst(env.ports, caller, input, { dryRun: false })) as Burst;

/** The cluster refuses the next `times` scale writes, as a crash between two steps would leave it. */
function failScaleWrites(times: number) {
  const cluster = env.ports.cluster;
  const original = cluster.setScale.bind(cluster);
  let left = times;
  cluster.setScale = async (...args) => {
    if (left-- > 0) throw new ClusterUnavailableError('the API server is down', 503);
    return original(...args);
  };
}

beforeEach(async () => {
  env = await seededPorts(caller, { service: PORTAL });
});

describe('a burst that starts now', () => {
  it('records the earlier level before it ramps, then holds once the pods are Ready and scales back after the hold', async () => {
    const created = await start(burst());
    expect(created).toMatchObject({ state: 'ramping', previousLevel: 4, requestedPods: 40 });
    expect(env.ports.cluster.replicas).toBe(40);

    env.ports.cluster.pending = 10;
    expect((await advanceBurst(env.ports, caller, created.burstId)).state).toBe('ramping');
    env.ports.cluster.pending = 0;
    const holding = await advanceBurst(env.ports, caller, created.burstId);
    expect(holding.state).toBe('holding');
    expect(env.ports.scheduler.schedules.get(`hms-sys-${created.burstId}-scale-back`)?.at.toISOString()).toBe(holding.holdUntil);

    env.clock.current = new Date(env.clock.current.getTime() + 20 * MINUTE);
    const done = await advanceBurst(env.ports, caller, created.burstId);
    expect(done.state).toBe('done');
    expect(env.ports.cluster.replicas).toBe(4);
    expect(await env.ports.ledger.activeBurstOf('portal')).toBeNull();
    expect(env.ports.scheduler.schedules.size).toBe(0);
  });

  it('is recorded even when the ramp write fails, and the next tick ramps it', async () => {
    failScaleWrites(1);
    const created = await start(burst());
    expect(created.state).toBe('ramping');
    expect(created.capacityWarnings.join(' ')).toMatch(/retries it/);
    expect(env.ports.cluster.replicas).toBe(4);

    await tickBursts(env.ports, caller);
    expect(env.ports.cluster.replicas).toBe(40);
  });

  it('finishes a scale-back that crashed after it was recorded, and a late duplicate schedule changes nothing', async () => {
    const created = await start(burst());
    await advanceBurst(env.ports, caller, created.burstId);
    env.clock.current = new Date(env.clock.current.getTime() + 21 * MINUTE);
    failScaleWrites(1);
    await expect(advanceBurst(env.ports, caller, created.burstId)).rejects.toThrow(/down/);
    expect((await env.ports.ledger.getBurst(created.burstId))!.state).toBe('scaling-back');

    expect((await tickBursts(env.ports, caller)).outcomes).toEqual([{ burstId: created.burstId, state: 'done' }]);
    expect(env.ports.cluster.replicas).toBe(4);
    const patches = env.ports.cluster.patches.length;
    expect((await advanceBurst(env.ports, caller, created.burstId)).state).toBe('done');
    expect(env.ports.cluster.patches).toHaveLength(patches);
  });
});

describe('a scheduled burst', () => {
  const startAt = (minutes: number) => new Date(env.clock.current.getTime() + minutes * MINUTE).toISOString();

  it('warms capacity with placeholders at warmUpAt, removes them when it starts, and survives a lost start schedule', async () => {
    env.ports.cluster.capacity = { nodes: 1, podsPerNode: 30, podsScheduled: 4 };
    const created = await start(burst({ startAt: startAt(10) }));
    expect(created.state).toBe('scheduled');
    expect([...env.ports.scheduler.schedules.keys()].sort()).toEqual([`hms-sys-${created.burstId}-start`, `hms-sys-${created.burstId}-warm-up`]);

    env.clock.current = new Date(Date.parse(created.warmUpAt!) + 1_000);
    await tickBursts(env.ports, caller);
    expect(env.ports.cluster.placeholders.get('portal')).toEqual({ replicas: 36, podRequests: { vcpu: 0.5, memoryGiB: 1 } });
    expect(env.ports.cluster.replicas).toBe(4);

    env.ports.scheduler.schedules.clear(); // the start schedule is lost
    env.clock.current = new Date(Date.parse(created.startAt) + 1_000);
    expect((await tickBursts(env.ports, caller)).outcomes[0]!.state).toBe('ramping');
    expect(env.ports.cluster.placeholders.size).toBe(0);
    expect(env.ports.cluster.replicas).toBe(40);
  });

  it('cancels before it starts without touching the Deployment, and removes its placeholders and schedules', async () => {
    env.ports.cluster.capacity = { nodes: 1, podsPerNode: 30, podsScheduled: 4 };
    const created = await start(burst({ startAt: startAt(10) }));
    env.clock.current = new Date(Date.parse(created.warmUpAt!) + 1_000);
    await tickBursts(env.ports, caller);

    const cancelled = await cancelBurst(env.ports, caller, created.burstId, { dryRun: false });
    expect(cancelled).toMatchObject({ state: 'cancelled', previousLevel: null });
    expect(env.ports.cluster.patches).toEqual([]);
    expect(env.ports.cluster.placeholders.size).toBe(0);
    expect(env.ports.scheduler.schedules.size).toBe(0);
    const actions = env.ports.audit.records.map((r) => r.action);
    expect(actions).toEqual(expect.arrayContaining(['burst.create', 'burst.warm-up', 'burst.scale-back', 'burst.cancel']));
  });
});

describe("a burst from a rule's alarm", () => {
  it('starts once per event, however often the event is delivered, and ignores rules without a template', async () => {
    const rule = {
      ruleId: 'AR-101',
      service: 'portal',
      minReplicas: 4,
      maxReplicas: 40,
      target: { cluster: 'sandbox', namespace: 'fema', deployment: 'portal', tags: { agency: 'FEMA', program: 'IA', fiscalYear: 'FY2027' } },
    };
    await env.ports.store.putRule({ ...rule, burst: { toPods: 30, maxCostPerHourUSD: 100, holdMinutes: 10 } } as never, null);
    await env.ports.store.putRule({ ...rule, ruleId: 'AR-102' } as never, null);
    const request = { ruleId: 'AR-101', source: 'alarm' as const, metric: 900 };

    const first = await burstFromAlarm(env.ports, caller, 'evt-1', request);
    const again = await burstFromAlarm(env.ports, caller, 'evt-1', request);
    expect(first).toMatchObject({ outcome: 'scaled', decision: { desiredReplicas: 30 } });
    expect(again).toEqual(first);
    expect(await env.ports.ledger.nextBurstNumber()).toBe(2);
    expect(env.ports.cluster.replicas).toBe(30);

    expect((await burstFromAlarm(env.ports, caller, 'evt-2', request)).decision!.reasons.join(' ')).toMatch(/already under way/);
    expect((await burstFromAlarm(env.ports, caller, 'evt-3', { ...request, ruleId: 'AR-102' })).outcome).toBe('skipped');
  });
});

describe('a cancel racing the runner', () => {
  it('reads again when the Deployment changed under it, and still restores the earlier level', async () => {
    const created = await start(burst());
    env.ports.cluster.raceTo = 41; // another writer moves the Deployment just before the cancel's write
    const cancelled = await cancelBurst(env.ports, caller, created.burstId, { dryRun: false });
    expect(cancelled).toMatchObject({ state: 'cancelled' });
    expect(env.ports.cluster.replicas).toBe(4);
  });
});

describe('markers left by a crash', () => {
  it('a finished burst whose marker stayed, and a marker with no burst, are released by the next tick', async () => {
    const created = await start(burst());
    await cancelBurst(env.ports, caller, created.burstId, { dryRun: false });
    await env.ports.ledger.claimActiveBurst('portal', created.burstId); // the crash came after the final save
    await env.ports.ledger.claimActiveBurst('other', 'BU-999'); // the crash came before the burst was recorded
    await tickBursts(env.ports, caller);
    expect(await env.ports.ledger.listActiveBursts()).toEqual([]);
  });
});
