import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type DecisionInput, decideReplicas, keepCandidates, proportionalReplicas } from '#domain/decision.ts';
import { planScale } from '#domain/scale-plan.ts';

const now = new Date('2026-11-23T12:00:00Z');
const rule = { minReplicas: 4, maxReplicas: 20, trigger: { metric: 'http_rps', threshold: 500 }, scaleInStabilizationSeconds: 300 };
const input = (over: Partial<DecisionInput>): DecisionInput => ({
  rule,
  direction: 'out',
  source: 'alarm',
  currentReplicas: 4,
  metric: 640,
  now,
  recommendations: [],
  ...over,
});
const secondsAgo = (s: number) => new Date(now.getTime() - s * 1000).toISOString();

describe('decideReplicas', () => {
  it('scales out to ceil(current * metric / threshold)', () => {
    const { decision } = decideReplicas(input({ currentReplicas: 4, metric: 1_000 }));
    expect(decision.desiredReplicas).toBe(8);
    expect(decision.action).toBe('scale-out');
    expect(decision.reasons.join(' ')).toContain('ceil(4 × 1000 / 500) = 8');
  });

  it('caps at maxReplicas and says so', () => {
    const { decision } = decideReplicas(input({ currentReplicas: 12, metric: 5_000 }));
    expect(decision.desiredReplicas).toBe(20);
    expect(decision.reasons).toContain('capped at maxReplicas 20');
  });

  it('changes nothing within the 10% tolerance', () => {
    const { decision } = decideReplicas(input({ currentReplicas: 6, metric: 540 }));
    expect(decision.action).toBe('none');
    expect(decision.desiredReplicas).toBe(6);
  });

  it('keeps replicas when a scale-out alarm has no datapoint', () => {
    const { decision } = decideReplicas(input({ metric: null, currentReplicas: 7 }));
    expect(decision.desiredReplicas).toBe(7);
    expect(decision.reasons[0]).toContain('no datapoint');
  });

  it('sizes a scale-in with no datapoint as no traffic: down to minReplicas once the window allows', () => {
    const { decision } = decideReplicas(input({ direction: 'in', metric: null, currentReplicas: 7 }));
    expect(decision.desiredReplicas).toBe(4);
    expect(decision.action).toBe('scale-in');
    expect(decision.reasons[0]).toContain('no traffic, sized as 0');
    const held = decideReplicas(input({ direction: 'in', metric: null, currentReplicas: 7, recommendations: [{ at: secondsAgo(60), replicas: 6 }] }));
    expect(held.decision.desiredReplicas).toBe(6);
  });

  it('holds a scale-in whose metric never published: a misspelt metric must not drop a service to minReplicas', () => {
    const { decision } = decideReplicas(input({ direction: 'in', metric: null, metricNeverSeen: true, currentReplicas: 7 }));
    expect(decision.desiredReplicas).toBe(7);
    expect(decision.action).toBe('none');
    expect(decision.reasons[0]).toContain('never published');
  });

  it('never lowers replicas on a scale-out alarm', () => {
    const { decision } = decideReplicas(input({ currentReplicas: 10, metric: 100 }));
    expect(decision.desiredReplicas).toBe(10);
  });

  it('scales in once the stabilization window has passed', () => {
    const { decision } = decideReplicas(
      input({
        direction: 'in',
        currentReplicas: 16,
        metric: 100,
        recommendations: [{ at: secondsAgo(301), replicas: 16 }],
      }),
    );
    expect(decision.desiredReplicas).toBe(4);
    expect(decision.action).toBe('scale-in');
  });

  it('holds scale-in at the highest recommendation inside the window', () => {
    const { decision, recommendations } = decideReplicas(
      input({
        direction: 'in',
        currentReplicas: 16,
        metric: 100,
        recommendations: [
          { at: secondsAgo(120), replicas: 12 },
          { at: secondsAgo(400), replicas: 16 },
        ],
      }),
    );
    expect(decision.desiredReplicas).toBe(12);
    expect(decision.reasons.join(' ')).toContain('stabilization window');
    expect(recommendations.map((r) => r.replicas)).toEqual([12, 4]);
  });

  it('brings a Deployment below minReplicas up to the floor', () => {
    const { decision } = decideReplicas(input({ direction: 'in', currentReplicas: 1, metric: 10 }));
    expect(decision.desiredReplicas).toBe(4);
  });
});

describe('decideReplicas properties', () => {
  const arbitraryInput = fc.record({
    min: fc.integer({ min: 0, max: 50 }),
    span: fc.integer({ min: 0, max: 200 }),
    current: fc.integer({ min: 0, max: 400 }),
    metric: fc.double({ min: 0, max: 1e6, noNaN: true }),
    threshold: fc.double({ min: 0.001, max: 1e5, noNaN: true }),
    direction: fc.constantFrom('out' as const, 'in' as const),
    history: fc.array(fc.record({ ago: fc.integer({ min: 0, max: 900 }), replicas: fc.integer({ min: 0, max: 400 }) }), { maxLength: 5 }),
  });
  type Generated = typeof arbitraryInput extends fc.Arbitrary<infer T> ? T : never;
  const run = (a: Generated) =>
    decideReplicas({
      rule: { minReplicas: a.min, maxReplicas: a.min + a.span, trigger: { metric: 'm', threshold: a.threshold }, scaleInStabilizationSeconds: 300 },
      direction: a.direction,
      source: 'alarm',
      currentReplicas: a.current,
      metric: a.metric,
      now,
      recommendations: a.history.map((h) => ({ at: secondsAgo(h.ago), replicas: h.replicas })),
    }).decision;

  it('always lands in [min, max]', () => {
    fc.assert(
      fc.property(arbitraryInput, (a) => {
        const d = run(a);
        return d.desiredReplicas >= a.min && d.desiredReplicas <= a.min + a.span;
      }),
    );
  });

  it('lands on a whole count in [min, max] for any threshold the schema accepts, down to the smallest double', () => {
    const extreme = arbitraryInput.chain((a) =>
      fc
        .record({
          threshold: fc.oneof(
            fc.constantFrom(Number.MIN_VALUE, 1e308, Number.MAX_VALUE),
            fc.double({ min: Number.MIN_VALUE, max: Number.MAX_VALUE, noNaN: true }),
          ),
          metric: fc.oneof(fc.constant(a.metric), fc.double({ min: 0, max: Number.MAX_VALUE, noNaN: true })),
        })
        .map((over) => ({ ...a, ...over })),
    );
    fc.assert(
      fc.property(extreme, (a) => {
        const d = run(a);
        return Number.isInteger(d.desiredReplicas) && d.desiredReplicas >= a.min && d.desiredReplicas <= a.min + a.span;
      }),
    );
  });

  it("moves only in the alarm's direction while replicas are in bounds", () => {
    fc.assert(
      fc.property(arbitraryInput, (a) => {
        const d = run(a);
        const inBounds = a.current >= a.min && a.current <= a.min + a.span;
        if (!inBounds) return true;
        return a.direction === 'out' ? d.desiredReplicas >= a.current : d.desiredReplicas <= a.current;
      }),
    );
  });

  it('never scales in below a recommendation made inside the window', () => {
    fc.assert(
      fc.property(arbitraryInput, (a) => {
        const d = run(a);
        if (d.action !== 'scale-in') return true;
        const inWindow = a.history.filter((h) => h.ago < 300).map((h) => Math.min(h.replicas, a.current));
        return inWindow.every((r) => d.desiredReplicas >= Math.min(r, a.min + a.span));
      }),
    );
  });

  it('states the proportional arithmetic it used, whenever the metric is outside the tolerance', () => {
    fc.assert(
      fc.property(arbitraryInput, (a) => {
        if (Math.abs(a.metric / a.threshold - 1) <= 0.1) return true;
        const expected = proportionalReplicas(a.current, a.metric, a.threshold);
        return run(a).reasons[0]!.endsWith(`= ${expected}`);
      }),
    );
  });
});

describe('deciding from the replicas the metric saw', () => {
  it('sizes from the observed count and leaves a larger current count alone on scale-out', () => {
    const { decision } = decideReplicas(input({ currentReplicas: 12, observedReplicas: 4, metric: 1_000 }));
    expect(decision.desiredReplicas).toBe(12);
    expect(decision.reasons).toContain('the metric saw 4 replicas; 12 run now');
  });
  it('still scales out when the observed count asks for more than runs now', () => {
    expect(decideReplicas(input({ currentReplicas: 6, observedReplicas: 4, metric: 1_000 })).decision.desiredReplicas).toBe(8);
  });
});

describe('keepCandidates', () => {
  it('keeps the highest recommendation of every window while dropping dominated ones', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 50 }), { maxLength: 60 }), fc.integer({ min: 0, max: 60 }), (values, cutoff) => {
        const all = values.map((replicas, i) => ({ at: new Date(i * 1000).toISOString(), replicas }));
        const kept = all.reduce<{ at: string; replicas: number }[]>((acc, r) => keepCandidates(acc, r), []);
        const highestSince = (list: typeof all) => Math.max(-1, ...list.filter((r) => Date.parse(r.at) >= cutoff * 1000).map((r) => r.replicas));
        return highestSince(kept) === highestSince(all) && kept.length <= 51;
      }),
    );
  });
});

describe('a decision that keeps replicas says so once', () => {
  const stayCount = (reasons: string[]) => reasons.filter((r) => r.includes('stay at 10')).length;
  const cases: [string, Partial<DecisionInput>][] = [
    ['no datapoint on a scale-out alarm', { metric: null }],
    ['a metric that never published', { direction: 'in', metric: null, metricNeverSeen: true }],
    ['a metric within tolerance', { metric: 510 }],
  ];
  it.each(cases)('%s: in the decision and in the plan the audit line and rules status show', (_name, over) => {
    const { decision } = decideReplicas(input({ currentReplicas: 10, ...over }));
    expect(stayCount(decision.reasons)).toBe(1);
    expect(decision.reasons.at(-1)).toBe('replicas stay at 10');
    const plan = planScale({
      rule,
      direction: over.direction ?? 'out',
      source: 'alarm',
      eventId: 'evt-1',
      currentReplicas: 10,
      hpa: null,
      ruleId: 'AR-101',
      scaling: null,
      periodSeconds: 60,
      now,
      ...(over.metricNeverSeen ? { metricNeverSeen: true } : {}),
      metric: over.metric === null ? null : { value: over.metric ?? 640, periodStart: secondsAgo(60) },
    });
    expect(plan.decision.reasons.join(', ')).not.toMatch(/stay at 10.*stay at 10/);
    expect(stayCount(plan.decision.reasons)).toBe(1);
  });
});
