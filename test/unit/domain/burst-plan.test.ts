import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hoursLeftInMonth } from '#domain/budget.ts';
import { BURST_MAX_HOLD_MINUTES, type BurstPlanInput, planBurst, warmUpLeadSeconds } from '#domain/burst-plan.ts';
import { ValidationError } from '#domain/errors.ts';

const now = new Date('2026-11-10T12:00:00Z');
const later = (seconds: number) => new Date(now.getTime() + seconds * 1000);
// The benchmark's simulator: 30 pods a node, a node in 90 s, a pod Ready 20 s after it is scheduled.
const capacity = { nodes: 1, podsPerNode: 30, podsScheduled: 10, maxNodes: null, nodeProvisioningSeconds: 90, podReadySeconds: 20 };
const input = (over: Partial<BurstPlanInput> = {}): BurstPlanInput => ({
  fromPods: 10,
  toPods: 1000,
  maxCostPerHourUSD: 200,
  holdMinutes: 20,
  startAt: now,
  now,
  podHourUSD: 0.25,
  budget: null,
  previousReplicas: 10,
  capacity,
  ...over,
});

describe('planBurst limits', () => {
  it('caps the target at floor(maxCostPerHourUSD / podHourUSD) and names that limit', () => {
    const plan = planBurst(input());
    expect(plan.requestedPods).toBe(800);
    expect(plan.bindingLimit).toBe('maxCostPerHour');
    expect(plan.limits.map((l) => [l.limit, l.replicas])).toEqual([
      ['toPods', 1000],
      ['maxCostPerHour', 800],
    ]);
    expect(plan.limits[1]!.detail).toBe('maxCostPerHourUSD $200 at $0.25 per pod-hour allows 800 pods');
  });

  it('does not lose a pod to float division', () => {
    expect(planBurst(input({ maxCostPerHourUSD: 0.3, podHourUSD: 0.1, fromPods: 0, toPods: 50, previousReplicas: 0 })).requestedPods).toBe(3);
  });

  it('asks for toPods when it is the lowest limit', () => {
    const plan = planBurst(input({ toPods: 100 }));
    expect(plan).toMatchObject({ requestedPods: 100, bindingLimit: 'toPods' });
  });

  it('prefers toPods when it ties with the cost cap', () => {
    expect(planBurst(input({ toPods: 800 })).bindingLimit).toBe('toPods');
  });

  it('applies the monthly budget over the burst window, with the previous level for the rest of the month', () => {
    const budget = { monthlyUSD: 5_000, spentUSD: 1_000 };
    const plan = planBurst(input({ budget, holdMinutes: BURST_MAX_HOLD_MINUTES }));
    expect(plan.bindingLimit).toBe('monthlyBudget');
    const window = plan.estimatedReadySeconds / 3600 + BURST_MAX_HOLD_MINUTES / 60;
    const monthEnd = (pods: number) => budget.spentUSD + pods * 0.25 * window + 10 * 0.25 * (hoursLeftInMonth(now) - window);
    expect(monthEnd(plan.requestedPods)).toBeLessThanOrEqual(budget.monthlyUSD);
    expect(monthEnd(plan.requestedPods + 1)).toBeGreaterThan(budget.monthlyUSD);
    expect(plan.requestedPods).toBe(75);
    expect(plan.limits.at(-1)!.detail).toContain('monthly budget $5,000 with $1,000 spent allows 75 pods');
  });

  it('charges warm-up placeholders to the budget window', () => {
    const budget = { monthlyUSD: 5_000, spentUSD: 1_000 };
    const cold = planBurst(input({ budget, holdMinutes: 6000 }));
    const warm = planBurst(input({ budget, holdMinutes: 6000, startAt: later(300) }));
    expect(warm.warmUpAt).not.toBeNull();
    const window = (150 + 20) / 3600 + 100;
    const monthEnd = (pods: number) => budget.spentUSD + pods * 0.25 * window + 10 * 0.25 * (hoursLeftInMonth(now) - window);
    expect(monthEnd(warm.requestedPods)).toBeLessThanOrEqual(budget.monthlyUSD);
    expect(monthEnd(warm.requestedPods + 1)).toBeGreaterThan(budget.monthlyUSD);
    expect(warm.requestedPods).toBeLessThanOrEqual(cold.requestedPods);
  });

  it('never shrinks a service: limits below the running level leave it where it is, with a warning', () => {
    const plan = planBurst(input({ maxCostPerHourUSD: 1, previousReplicas: 10 }));
    expect(plan.requestedPods).toBe(10);
    expect(plan.bindingLimit).toBe('maxCostPerHour');
    expect(plan.capacityWarnings).toContain(
      'the maxCostPerHour limit allows 4 pods, fewer than the 10 running now: a burst never shrinks a service, so it stays at 10',
    );
    const above = planBurst(input({ fromPods: 10, toPods: 20, previousReplicas: 50 }));
    expect(above.requestedPods).toBe(50);
    expect(above.schedule.find((s) => s.step === 'scale-back')!.replicas).toBe(50);
  });

  it('gives a budget already spent no room above the running level', () => {
    const plan = planBurst(input({ budget: { monthlyUSD: 1_000, spentUSD: 1_200 } }));
    expect(plan).toMatchObject({ requestedPods: 10, bindingLimit: 'monthlyBudget' });
    expect(plan.limits.at(-1)!.replicas).toBe(0);
  });

  it('has no cost limits for free pods', () => {
    const plan = planBurst(input({ podHourUSD: 0, budget: { monthlyUSD: 1, spentUSD: 0 } }));
    expect(plan).toMatchObject({ requestedPods: 1000, bindingLimit: 'toPods', estimatedCostUSD: 0 });
    expect(plan.limits.map((l) => l.limit)).toEqual(['toPods']);
  });

  it("leaves a burst that starts next month to next month's budget, and says so", () => {
    const plan = planBurst(input({ budget: { monthlyUSD: 10, spentUSD: 10 }, startAt: new Date('2026-12-02T00:00:00Z') }));
    expect(plan.bindingLimit).toBe('maxCostPerHour');
    expect(plan.capacityWarnings).toContain("the burst starts after 2026-11: this month's budget does not limit it");
  });
});

describe('planBurst timing and capacity', () => {
  it('needs one batch of new nodes when the pods do not fit, then a pod start', () => {
    const plan = planBurst(input());
    expect(plan.estimatedReadySeconds).toBe(110);
    expect(plan.warmUpAt).toBeNull();
    expect(plan.capacityWarnings).toEqual([]);
  });

  it('needs only a pod start when the pods fit on free node slots', () => {
    const plan = planBurst(input({ toPods: 30 }));
    expect(plan.estimatedReadySeconds).toBe(20);
  });

  it('warms nodes one lead time before a start far enough ahead', () => {
    const startAt = later(300);
    const plan = planBurst(input({ startAt }));
    expect(warmUpLeadSeconds(capacity)).toBe(150);
    expect(plan.warmUpAt).toBe(new Date(startAt.getTime() - 150_000).toISOString());
    expect(plan.estimatedReadySeconds).toBe(20);
    expect(plan.schedule[0]).toMatchObject({ step: 'warm-up', replicas: 790, at: plan.warmUpAt });
  });

  it('does not warm up when the start is closer than the lead time', () => {
    const plan = planBurst(input({ startAt: later(100) }));
    expect(plan.warmUpAt).toBeNull();
    expect(plan.estimatedReadySeconds).toBe(110);
  });

  it('does not warm up when the pods fit on free slots anyway', () => {
    expect(planBurst(input({ toPods: 25, startAt: later(3600) })).warmUpAt).toBeNull();
  });

  it('warns when the target needs more nodes than the node groups allow', () => {
    const plan = planBurst(input({ capacity: { ...capacity, maxNodes: 10 } }));
    // 790 more pods: 20 free slots, then 26 new nodes of 30; only 9 more are allowed.
    expect(plan.capacityWarnings).toEqual(['the target needs 27 nodes (26 more) but the node groups allow at most 10: about 500 pods would stay Pending']);
  });

  it('warns when capacity is unknown', () => {
    const plan = planBurst(input({ capacity: null }));
    expect(plan.capacityWarnings).toEqual(['cluster capacity is unknown: node needs and time to ready are not estimated']);
    expect(plan.warmUpAt).toBeNull();
  });

  it('estimates the cost of the ramp and hold, plus placeholders from warm-up to start', () => {
    expect(planBurst(input()).estimatedCostUSD).toBeCloseTo(800 * 0.25 * (110 / 3600 + 20 / 60), 9);
    expect(planBurst(input({ startAt: later(300) })).estimatedCostUSD).toBeCloseTo(800 * 0.25 * (20 / 3600 + 20 / 60) + 790 * 0.25 * (150 / 3600), 9);
  });

  it('schedules ramp, hold, scale-back and done in order', () => {
    const plan = planBurst(input());
    expect(plan.schedule).toEqual([
      { at: '2026-11-10T12:00:00.000Z', step: 'ramp', replicas: 800, note: 'scale from 10 to 800 pods' },
      { at: '2026-11-10T12:01:50.000Z', step: 'hold', replicas: 800, note: '800 pods ready in about 110 s; hold for 20 minutes' },
      { at: '2026-11-10T12:21:50.000Z', step: 'scale-back', replicas: 10, note: 'scale back to 10, the level in force before the burst' },
      { at: '2026-11-10T12:21:50.000Z', step: 'done', replicas: 10, note: 'the burst is over' },
    ]);
  });

  it('ramps now when startAt has passed', () => {
    expect(planBurst(input({ startAt: later(-600) })).schedule[0]!.at).toBe(now.toISOString());
  });
});

describe('planBurst validation', () => {
  const fieldOf = (over: Partial<BurstPlanInput>) => {
    try {
      planBurst(input(over));
    } catch (err) {
      expect(err).toBeInstanceOf(ValidationError);
      return (err as ValidationError).field;
    }
    return null;
  };

  it('refuses bad inputs with the field at fault', () => {
    expect(fieldOf({ toPods: 5, fromPods: 10 })).toBe('toPods');
    expect(fieldOf({ maxCostPerHourUSD: -1 })).toBe('maxCostPerHourUSD');
    expect(fieldOf({ holdMinutes: BURST_MAX_HOLD_MINUTES + 1 })).toBe('holdMinutes');
    expect(fieldOf({ toPods: 10.5 })).toBe('toPods');
    expect(fieldOf({ holdMinutes: BURST_MAX_HOLD_MINUTES })).toBeNull();
  });
});

describe('planBurst properties', () => {
  const arbitraryInput = fc
    .record({
      fromPods: fc.integer({ min: 0, max: 200 }),
      extra: fc.integer({ min: 0, max: 2000 }),
      previousReplicas: fc.integer({ min: 0, max: 300 }),
      maxCostPerHourUSD: fc.integer({ min: 0, max: 100_000 }).map((cents) => cents / 100),
      holdMinutes: fc.integer({ min: 0, max: BURST_MAX_HOLD_MINUTES }),
      startIn: fc.integer({ min: -600, max: 3 * 86_400 }),
      podHourUSD: fc.oneof(
        fc.constant(0),
        fc.integer({ min: 1, max: 50_000 }).map((n) => n / 10_000),
      ),
      budget: fc.option(
        fc.record({ monthlyUSD: fc.integer({ min: 0, max: 1e8 }).map((c) => c / 100), spentUSD: fc.integer({ min: 0, max: 1e8 }).map((c) => c / 100) }),
      ),
      maxNodes: fc.option(fc.integer({ min: 0, max: 100 })),
      known: fc.boolean(),
    })
    .map(
      (a): BurstPlanInput =>
        input({
          fromPods: a.fromPods,
          toPods: a.fromPods + a.extra,
          previousReplicas: a.previousReplicas,
          maxCostPerHourUSD: a.maxCostPerHourUSD,
          holdMinutes: a.holdMinutes,
          startAt: later(a.startIn),
          podHourUSD: a.podHourUSD,
          budget: a.budget,
          capacity: a.known ? { ...capacity, podsScheduled: Math.min(30, a.previousReplicas), maxNodes: a.maxNodes } : null,
        }),
    );

  it('never shrinks the service, never exceeds toPods or the cost cap unless holding the running level', () => {
    fc.assert(
      fc.property(arbitraryInput, (burst) => {
        const plan = planBurst(burst);
        expect(plan.requestedPods).toBeGreaterThanOrEqual(burst.previousReplicas);
        expect(plan.requestedPods).toBeLessThanOrEqual(Math.max(burst.previousReplicas, burst.toPods));
        if (plan.requestedPods > burst.previousReplicas) {
          expect(plan.requestedPods * burst.podHourUSD).toBeLessThanOrEqual(burst.maxCostPerHourUSD * (1 + 1e-9) + 1e-9);
        }
        const binding = plan.limits.find((l) => l.limit === plan.bindingLimit)!;
        expect(binding.replicas).toBe(Math.min(...plan.limits.map((l) => l.replicas)));
      }),
    );
  });

  it('lays the schedule out in order, ending at the previous level', () => {
    const order = ['warm-up', 'ramp', 'hold', 'scale-back', 'done'];
    fc.assert(
      fc.property(arbitraryInput, (burst) => {
        const { schedule } = planBurst(burst);
        const steps = schedule.map((s) => s.step);
        expect(steps).toEqual(order.filter((s) => steps.includes(s as never)));
        expect(steps.slice(-4)).toEqual(['ramp', 'hold', 'scale-back', 'done']);
        const times = schedule.map((s) => Date.parse(s.at));
        expect(times).toEqual([...times].sort((a, b) => a - b));
        expect(schedule.at(-1)!.replicas).toBe(burst.previousReplicas);
      }),
    );
  });
});
