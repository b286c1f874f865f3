import { describe, expect, it } from 'vitest';
import type { ScaleChange, ServiceScaling } from '#domain/model.ts';
import { MAX_SCALE_CHANGES, nextScaling, replicasWhenObserved } from '#domain/scaling.ts';
import { planScale, type PlanInput } from '#domain/scale-plan.ts';

const now = new Date('2026-11-23T12:00:30Z');
const change = (at: string, from: number, to: number, eventId = 'other'): ScaleChange => ({ at, from, to, ruleId: 'AR-101', eventId });
const scaling = (...changes: ScaleChange[]): ServiceScaling => ({ service: 'svc', changes, rules: {}, version: changes.length });
const input = (over: Partial<PlanInput>): PlanInput => ({
  rule: { minReplicas: 2, maxReplicas: 50, trigger: { metric: 'http_rps', threshold: 100 }, scaleInStabilizationSeconds: 300 },
  direction: 'out', source: 'alarm', eventId: 'evt-1', metric: { value: 400, periodStart: '2026-11-23T11:59:30.000Z' },
  currentReplicas: 2, hpa: null, ruleId: 'AR-101', scaling: null, now, ...over,
});

describe('replicasWhenObserved', () => {
  const changes = [change('2026-11-23T11:59:00Z', 2, 4), change('2026-11-23T12:00:00Z', 4, 8)];
  it('is the count before the first change after the observation', () => {
    expect(replicasWhenObserved(changes, Date.parse('2026-11-23T11:59:30Z'), 8)).toBe(4);
  });
  it('is the current count when nothing changed since', () => {
    expect(replicasWhenObserved(changes, Date.parse('2026-11-23T12:00:10Z'), 8)).toBe(8);
  });
  it('keeps the newest changes only, and each rule\'s memory', () => {
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
  it('writes the Deployment\'s replicas for a plain scale-out', () => {
    expect(planScale(input({})).write).toEqual({ to: 'deployment', replicas: 8 });
  });

  it('does not compound: a metric seen at 2 replicas, after another rule moved them to 12, changes nothing', () => {
    const plan = planScale(input({ currentReplicas: 12, scaling: scaling(change('2026-11-23T12:00:10Z', 2, 12)) }));
    expect(plan.write).toBeNull();
    expect(plan.decision.reasons).toContain('decided from 2 replicas, the count when the metric was observed; 12 run now');
  });

  it('still scales out when the count the metric saw asks for more than runs now', () => {
    const plan = planScale(input({ currentReplicas: 6, scaling: scaling(change('2026-11-23T12:00:10Z', 2, 6)) }));
    expect(plan.write).toEqual({ to: 'deployment', replicas: 8 });
  });

  it('recognises its own change on a retry and writes nothing', () => {
    const plan = planScale(input({ currentReplicas: 8, scaling: scaling(change('2026-11-23T12:00:10Z', 2, 8, 'evt-1')) }));
    expect(plan).toMatchObject({ write: null, alreadyApplied: true });
  });

  it('raises an HPA\'s floor, capped at its maximum', () => {
    const plan = planScale(input({ hpa: { minReplicas: 2, maxReplicas: 6 } }));
    expect(plan.write).toEqual({ to: 'hpa', minReplicas: 6 });
    expect(plan.decision.reasons.join(' ')).toContain('maxReplicas 6 caps its floor');
  });

  it('never lowers an HPA\'s floor below the minimum its owner set', () => {
    const plan = planScale(input({
      direction: 'in', metric: { value: 10, periodStart: '2026-11-23T11:59:30.000Z' }, currentReplicas: 8,
      hpa: { minReplicas: 8, maxReplicas: 10 }, scaling: { ...scaling(change('2026-11-23T11:50:00Z', 3, 8)), hpaBaselineMin: 3 },
    }));
    expect(plan.write).toEqual({ to: 'hpa', minReplicas: 3 });
  });
});
