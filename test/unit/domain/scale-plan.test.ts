import { describe, expect, it } from 'vitest';
import type { ScaleChange, ServiceScaling } from '#domain/model.ts';
import { type PlanInput, planScale } from '#domain/scale-plan.ts';
import { MAX_SCALE_CHANGES, nextScaling, replicasWhenObserved } from '#domain/scaling.ts';

const now = new Date('2026-11-23T12:00:30Z');
const change = (at: string, from: number, to: number, eventId = 'other'): ScaleChange => ({ at, from, to, ruleId: 'AR-101', eventId });
const scaling = (...changes: ScaleChange[]): ServiceScaling => ({ service: 'svc', changes, rules: {}, version: changes.length });
const input = (over: Partial<PlanInput>): PlanInput => ({
  rule: { minReplicas: 2, maxReplicas: 50, trigger: { metric: 'http_rps', threshold: 100 }, scaleInStabilizationSeconds: 300 },
  direction: 'out',
  source: 'alarm',
  eventId: 'evt-1',
  metric: { value: 400, periodStart: '2026-11-23T11:59:30.000Z' },
  currentReplicas: 2,
  hpa: null,
  ruleId: 'AR-101',
  scaling: null,
  periodSeconds: 60,
  now,
  ...over,
});

describe('replicasWhenObserved', () => {
  const changes = [change('2026-11-23T11:59:00Z', 2, 4), change('2026-11-23T12:00:00Z', 4, 8)];
  it("is the count before the first change made less than a period before the datapoint's period", () => {
    expect(replicasWhenObserved(changes, Date.parse('2026-11-23T12:00:30Z'), 60, 8)).toBe(4);
    expect(replicasWhenObserved(changes, Date.parse('2026-11-23T11:59:30Z'), 60, 8)).toBe(2);
  });
  it('is the current count once a full period has passed since the last change', () => {
    expect(replicasWhenObserved(changes, Date.parse('2026-11-23T12:01:10Z'), 60, 8)).toBe(8);
  });
  it("keeps the newest changes only, and each rule's memory", () => {
    let h: ServiceScaling | null = null;
    const memory = { recommendations: [], lastDecision: null };
    for (let i = 0; i < MAX_SCALE_CHANGES + 5; i += 1) {
      h = nextScaling(h, 'svc', { ruleId: `AR-${100 + (i % 2)}`, memory, change: change(new Date(i * 1000).toISOString(), i, i + 1) });
    }
    expect(h!.changes).toHaveLength(MAX_SCALE_CHANGES);
    expect(h!.changes[0]!.from).toBe(5);
    expect(h!.version).toBe(MAX_SCALE_CHANGES + 5);
    expect(Object.keys(h!.rules).sort()).toEqual(['AR-100', 'AR-101']);
  });

  it('keeps the HPA minimum from the first time it was seen', () => {
    const memory = { recommendations: [], lastDecision: null };
    const first = nextScaling(null, 'svc', { ruleId: 'AR-101', memory, hpaMinReplicas: 2 });
    expect(nextScaling(first, 'svc', { ruleId: 'AR-101', memory, hpaMinReplicas: 9 }).hpaBaselineMin).toBe(2);
  });
});

describe('planScale', () => {
  it("writes the Deployment's replicas for a plain scale-out", () => {
    expect(planScale(input({})).write).toEqual({ to: 'deployment', replicas: 8 });
  });

  it('does not compound: a metric seen at 2 replicas, after another rule moved them to 12, changes nothing', () => {
    const plan = planScale(input({ currentReplicas: 12, scaling: scaling(change('2026-11-23T12:00:10Z', 2, 12)) }));
    expect(plan.write).toBeNull();
    expect(plan.decision.reasons).toContain('the metric saw 2 replicas; 12 run now');
  });

  it('still scales out when the count the metric saw asks for more than runs now', () => {
    const plan = planScale(input({ currentReplicas: 6, scaling: scaling(change('2026-11-23T12:00:10Z', 2, 6)) }));
    expect(plan.write).toEqual({ to: 'deployment', replicas: 8 });
  });

  it('recognises its own change on a retry and writes nothing', () => {
    const plan = planScale(input({ currentReplicas: 8, scaling: scaling(change('2026-11-23T12:00:10Z', 2, 8, 'evt-1')) }));
    expect(plan).toMatchObject({ write: null, alreadyApplied: true });
  });

  it("raises an HPA's floor, capped at its maximum", () => {
    const plan = planScale(input({ hpa: { minReplicas: 2, maxReplicas: 6 } }));
    expect(plan.write).toEqual({ to: 'hpa', minReplicas: 6 });
    expect(plan.decision.reasons.join(' ')).toContain('maxReplicas 6 caps its floor');
  });

  it("never lowers an HPA's floor below the minimum its owner set", () => {
    const plan = planScale(
      input({
        direction: 'in',
        metric: { value: 10, periodStart: '2026-11-23T11:59:30.000Z' },
        currentReplicas: 8,
        hpa: { minReplicas: 8, maxReplicas: 10 },
        scaling: { ...scaling(change('2026-11-23T11:50:00Z', 3, 8)), hpaBaselineMin: 3 },
      }),
    );
    expect(plan.write).toEqual({ to: 'hpa', minReplicas: 3 });
  });
});

describe('planScale across rules and time', () => {
  const memory = (replicas: number, at = '2026-11-23T11:58:00Z') => ({ recommendations: [{ at, replicas }], lastDecision: null });
  const scaleIn = { direction: 'in' as const, metric: { value: 10, periodStart: '2026-11-23T11:59:30.000Z' }, currentReplicas: 12 };

  it("holds a scale-in at another rule's recommendation inside the window", () => {
    const plan = planScale(input({ ...scaleIn, scaling: { ...scaling(), rules: { 'AR-102': memory(12) } } }));
    expect(plan.write).toBeNull();
    expect(plan.decision.reasons.join(' ')).toContain("held at 12 by AR-102's recommendation");
  });

  it("lets the scale-in through once the other rule's recommendation has left the window", () => {
    const plan = planScale(input({ ...scaleIn, scaling: { ...scaling(), rules: { 'AR-102': memory(12, '2026-11-23T11:50:00Z') } } }));
    expect(plan.write).toEqual({ to: 'deployment', replicas: 2 });
  });

  it('ignores a datapoint too old to describe the service', () => {
    const plan = planScale(input({ metric: { value: 4_000, periodStart: '2026-11-23T06:00:00.000Z' } }));
    expect(plan.write).toBeNull();
    expect(plan.decision.reasons.at(-1)).toMatch(/s old: too late/);
  });

  it('never lowers an HPA floor on a scale-out, nor raises one on a scale-in', () => {
    expect(planScale(input({ hpa: { minReplicas: 10, maxReplicas: 20 } })).write).toBeNull();
    const inPlan = planScale(
      input({ ...scaleIn, currentReplicas: 10, hpa: { minReplicas: 2, maxReplicas: 20 }, scaling: { ...scaling(), hpaBaselineMin: 2 } }),
    );
    expect(inPlan.write).toBeNull();
  });

  it('makes no change at all without a datapoint, even outside [min, max]', () => {
    const plan = planScale(input({ metric: null, currentReplicas: 60 }));
    expect(plan.write).toBeNull();
    expect(plan.decision.desiredReplicas).toBe(60);
  });
});

describe("planScale with another event's change stored but not yet PATCHed", () => {
  // Another rule stored a change to 12 at 12:00:20; spec.replicas still shows 2. Alone, this datapoint asks for 8.
  const inFlight = scaling(change('2026-11-23T12:00:20Z', 2, 12));

  it('sizes from that change, so it does not undo it, writes that answer over spec.replicas, and says so', () => {
    const plan = planScale(input({ scaling: inFlight }));
    expect(plan.write).toEqual({ to: 'deployment', replicas: 12 });
    expect(plan.decision.currentReplicas).toBe(12);
    expect(plan.decision.reasons.at(-1)).toBe('spec.replicas shows 2: writing 12');
    expect(plan.decision.reasons[0]).toBe("another event's change to 12 replicas is stored but not yet on the Deployment's spec.replicas 2: sized from 12");
  });

  it('ignores a change that landed and was overridden since: spec.replicas no longer shows its starting point', () => {
    const plan = planScale(input({ scaling: inFlight, currentReplicas: 10 }));
    expect(plan.decision.reasons.join(' ')).not.toMatch(/not yet on/);
    expect(plan.write === null || plan.write.to !== 'deployment' || plan.write.replicas >= 10).toBe(true);
  });

  it("plans from spec.replicas once the change is 30 s old, or already shows, or is this event's own", () => {
    expect(
      planScale(input({ scaling: inFlight, now: new Date('2026-11-23T12:00:50Z'), metric: { value: 400, periodStart: '2026-11-23T12:00:00.000Z' } })).write,
    ).toEqual({ to: 'deployment', replicas: 8 });
    expect(planScale(input({ scaling: inFlight, currentReplicas: 12 })).decision.reasons.join(' ')).not.toMatch(/not yet on/);
    expect(planScale(input({ scaling: scaling(change('2026-11-23T12:00:20Z', 2, 12, 'evt-1')) })).write).toEqual({ to: 'deployment', replicas: 8 });
  });
});
