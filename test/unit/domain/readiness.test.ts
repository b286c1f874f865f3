import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decideReplicas, proportionalReplicas } from '#domain/decision.ts';
import { readyAmongObserved, sizeFromReadyPods } from '#domain/readiness.ts';

const TOLERANCE = 0.1;

/**
 * The HPA's replica calculator as its documentation describes it, over one value per pod: Ready
 * pods report the metric; the others have none, so they are filled in at 0% of the target when
 * the Ready pods ask for a scale-up and at 100% when they ask for a scale-down; no change when
 * the re-averaged ratio is within the tolerance or reverses the direction.
 * https://kubernetes.io/docs/tasks/run-application/horizontal-pod-autoscale/#algorithm-details
 * Like the HPA, it sums the values as whole milli-units and takes one floating-point ratio of their
 * mean to the target, then ceil(ratio × pods): 100 pods at 1.11 against 1 give 112, not 111, on a
 * real cluster too (1.11 × 100 is 111.00000000000001 in float64).
 */
function hpaOracle(pods: number, ready: number, metric: number, target: number): number {
  const milli = (v: number) => Math.round(v * 1000);
  const values: (number | null)[] = Array.from({ length: pods }, (_, i) => (i < ready ? milli(metric) : null));
  const reported = values.filter((v): v is number => v !== null);
  const ratio = reported.reduce((a, b) => a + b, 0) / reported.length / milli(target);
  if (reported.length === pods) return Math.abs(ratio - 1) <= TOLERANCE ? pods : Math.ceil(ratio * pods);
  const filled = values.map((v) => v ?? (ratio > 1 ? 0 : milli(target)));
  const newRatio = filled.reduce((a, b) => a + b, 0) / filled.length / milli(target);
  if (Math.abs(newRatio - 1) <= TOLERANCE || (ratio > 1 && newRatio < 1) || (ratio < 1 && newRatio > 1)) return pods;
  const desired = Math.ceil(filled.reduce((a, b) => a + b, 0) / milli(target));
  if ((newRatio < 1 && desired > pods) || (newRatio > 1 && desired < pods)) return pods;
  return desired;
}

/** Pods, Ready pods among them, and a metric outside the tolerance of the threshold. */
const sizing = fc
  .record({
    pods: fc.integer({ min: 1, max: 200 }),
    readyShare: fc.double({ min: 0, max: 1, noNaN: true }),
    threshold: fc.integer({ min: 1, max: 1_000 }),
    ratio: fc.oneof(fc.double({ min: 0, max: 0.89, noNaN: true }), fc.double({ min: 1.11, max: 20, noNaN: true })),
  })
  .map(({ pods, readyShare, threshold, ratio }) => ({
    pods,
    ready: Math.floor(pods * readyShare),
    threshold,
    metric: Math.round(threshold * ratio * 1000) / 1000,
  }))
  .filter(({ metric, threshold }) => Math.abs(metric / threshold - 1) > TOLERANCE);

const size = (a: { pods: number; ready: number; metric: number; threshold: number }) =>
  sizeFromReadyPods(a.pods, a.ready, a.metric, a.threshold, TOLERANCE).desired;

describe('sizing from Ready pods, as the HPA does', () => {
  it('agrees with the HPA replica calculator for every mix of Ready and not-Ready pods', () => {
    fc.assert(
      fc.property(sizing, (a) => {
        // Where the re-averaged ratio sits exactly on the tolerance's edge, float rounding decides
        // either way, on the HPA too; the documentation defines no answer there.
        const filledRatio = (a.ready * a.metric + (a.pods - a.ready) * (a.metric > a.threshold ? 0 : a.threshold)) / a.pods / a.threshold;
        fc.pre(a.ready === 0 || a.ready === a.pods || Math.abs(Math.abs(filledRatio - 1) - TOLERANCE) > 1e-9);
        expect(size(a)).toBe(hpaOracle(a.pods, a.ready, a.metric, a.threshold));
      }),
      { numRuns: 2_000 },
    );
  });

  it('takes the ratio in milli-units first, as the HPA: 100 Ready pods at 5.55 against 5 want 112', () => {
    expect(size({ pods: 100, ready: 100, metric: 5.55, threshold: 5 })).toBe(112);
    expect(proportionalReplicas(100, 5.55, 5)).toBe(112);
    expect(hpaOracle(100, 100, 5.55, 5)).toBe(112);
  });

  it('with every pod Ready, is ceil(pods × metric / threshold)', () => {
    fc.assert(
      fc.property(sizing, (a) => {
        expect(size({ ...a, ready: a.pods })).toBe(proportionalReplicas(a.pods, a.metric, a.threshold));
      }),
    );
  });

  it('never scales up further, nor down further, than if every pod were Ready', () => {
    fc.assert(
      fc.property(sizing, (a) => {
        const allReady = size({ ...a, ready: a.pods });
        const desired = size(a);
        if (a.metric > a.threshold) expect(desired).toBeGreaterThanOrEqual(a.pods), expect(desired).toBeLessThanOrEqual(allReady);
        else expect(desired).toBeLessThanOrEqual(a.pods), expect(desired).toBeGreaterThanOrEqual(allReady);
      }),
    );
  });

  it('moves further as more pods are Ready, in the direction the metric asks', () => {
    fc.assert(
      fc.property(sizing, (a) => {
        fc.pre(a.ready < a.pods);
        const more = size({ ...a, ready: a.ready + 1 });
        if (a.metric > a.threshold) expect(more).toBeGreaterThanOrEqual(size(a));
        else expect(more).toBeLessThanOrEqual(size(a));
      }),
    );
  });

  it('changes nothing when no pod is Ready: none reports the metric', () => {
    fc.assert(
      fc.property(sizing, (a) => {
        expect(size({ ...a, ready: 0 })).toBe(a.pods);
      }),
    );
  });
});

describe('Ready pods among the replicas the metric saw', () => {
  const counts = fc.record({ observed: fc.nat(100), current: fc.nat(100), ready: fc.nat(130) });

  it("is today's Ready count (at most the replicas) when nothing changed since", () => {
    fc.assert(
      fc.property(counts, ({ current, ready }) => {
        expect(readyAmongObserved(current, current, ready)).toBe(Math.min(current, ready));
      }),
    );
  });

  it('stays within the replicas seen, and counts no pod added since as one the metric saw starting', () => {
    fc.assert(
      fc.property(counts, ({ observed, current, ready }) => {
        const seen = readyAmongObserved(observed, current, ready);
        expect(seen).toBeGreaterThanOrEqual(0);
        expect(seen).toBeLessThanOrEqual(observed);
        // Every pod not Ready today that the metric could not have seen is excused.
        expect(observed - seen).toBeLessThanOrEqual(Math.max(0, Math.min(observed, current) - Math.min(ready, current)));
      }),
    );
  });

  it('after a scale-out to 8 whose 4 new pods are starting, sees the 4 it measured as Ready', () => {
    expect(readyAmongObserved(4, 8, 4)).toBe(4);
  });

  it('after a scale-in from 8 to 4 with all 4 Ready, sees the 8 it measured as Ready', () => {
    expect(readyAmongObserved(8, 4, 4)).toBe(8);
  });
});

describe('the decision says how readiness shaped it', () => {
  const rule = { minReplicas: 1, maxReplicas: 50, trigger: { metric: 'http_rps', threshold: 100 }, scaleInStabilizationSeconds: 0 };
  const base = { rule, source: 'alarm' as const, now: new Date('2026-12-01T00:00:00Z'), recommendations: [] };

  it('on a scale-up: 3 of 5 pods Ready, the 2 others at 0%', () => {
    const { decision } = decideReplicas({ ...base, direction: 'out', currentReplicas: 5, readyReplicas: 3, metric: 200 });
    expect(decision.desiredReplicas).toBe(6);
    expect(decision.reasons.join(' ')).toContain('3 of 5 pods Ready; the 2 not Ready counted at 0% of the threshold for a scale-up');
  });

  it('on a scale-down: the pods not Ready count at 100%, so fewer go', () => {
    const { decision } = decideReplicas({ ...base, direction: 'in', currentReplicas: 10, readyReplicas: 5, metric: 20 });
    // (5 × 0.2 + 5 × 1) / 10 = 0.6, so ceil(10 × 0.6) = 6 where all Ready would give 2.
    expect(decision.desiredReplicas).toBe(6);
    expect(decision.reasons.join(' ')).toContain('the 5 not Ready counted at 100% of the threshold for a scale-down');
  });

  it('holds when the pods not Ready cancel the scale-up', () => {
    const { decision } = decideReplicas({ ...base, direction: 'out', currentReplicas: 10, readyReplicas: 5, metric: 150 });
    expect(decision.action).toBe('none');
    expect(decision.reasons.join(' ')).toMatch(/adjusted ratio 0\.75 points the other way/);
  });
});
