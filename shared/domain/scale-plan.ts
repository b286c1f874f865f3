import type { Datapoint } from '#ports/metrics.ts';
import { decideReplicas, stillApplies } from './decision.ts';
import type { Decision, DecisionSource, Recommendation, Rule, ScaleDirection, ServiceScaling } from './model.ts';
import { replicasWhenObserved } from './scaling.ts';

export interface PlanInput {
  rule: Pick<Rule, 'minReplicas' | 'maxReplicas' | 'trigger' | 'scaleInStabilizationSeconds'>;
  direction: ScaleDirection;
  source: DecisionSource;
  eventId: string;
  metric: Datapoint | null;
  currentReplicas: number;
  hpa: { minReplicas: number; maxReplicas: number } | null;
  ruleId: string;
  scaling: ServiceScaling | null;
  now: Date;
}

export type ScaleWrite = { to: 'deployment'; replicas: number } | { to: 'hpa'; minReplicas: number };

export interface ScalePlan {
  decision: Decision;
  recommendations: Recommendation[];
  /** What to write to the cluster, or null when nothing should change. */
  write: ScaleWrite | null;
  /** This event's own change is already in place: an earlier attempt wrote it. */
  alreadyApplied: boolean;
}

/**
 * Plans one rule evaluation: decides from the replicas running when the metric was observed,
 * applies the decision only if it still moves today's replicas in its direction, and turns it
 * into a write: the Deployment's replicas, or the floor of the HPA that owns them.
 */
export function planScale(input: PlanInput): ScalePlan {
  const { currentReplicas: current, scaling, hpa } = input;
  const observedAt = input.metric ? Date.parse(input.metric.periodStart) : input.now.getTime();
  const base = replicasWhenObserved(scaling?.changes ?? [], observedAt, current);
  const { decision, recommendations } = decideReplicas({
    rule: input.rule, direction: input.direction, source: input.source, currentReplicas: base,
    metric: input.metric?.value ?? null, now: input.now, recommendations: scaling?.rules[input.ruleId]?.recommendations ?? [],
  });
  const unchanged = (reason: string): ScalePlan => {
    if (decision.reasons.at(-1) !== reason) decision.reasons.push(reason);
    Object.assign(decision, { currentReplicas: current, desiredReplicas: current, action: 'none' });
    return { decision, recommendations, write: null, alreadyApplied: false };
  };

  const own = scaling?.changes.find((change) => change.eventId === input.eventId);
  if (own && own.to === (hpa ? hpa.minReplicas : current)) {
    decision.reasons.push(`this event's change to ${own.to} is already in place`);
    return { decision, recommendations, write: null, alreadyApplied: true };
  }
  if (base !== current) {
    decision.reasons.push(`decided from ${base} replicas, the count when the metric was observed; ${current} run now`);
    if (decision.action !== 'none' && !stillApplies(decision, current)) return unchanged(`${current} replicas already satisfy it`);
    decision.currentReplicas = current;
  }
  if (decision.action === 'none' || decision.desiredReplicas === current) return unchanged(`replicas stay at ${current}`);
  if (!hpa) return { decision, recommendations, write: { to: 'deployment', replicas: decision.desiredReplicas }, alreadyApplied: false };

  const baseline = scaling?.hpaBaselineMin ?? hpa.minReplicas;
  let floor = Math.max(1, Math.min(decision.desiredReplicas, hpa.maxReplicas));
  if (floor < decision.desiredReplicas) decision.reasons.push(`the HPA's maxReplicas ${hpa.maxReplicas} caps its floor`);
  if (decision.action === 'scale-in' && floor < baseline) {
    floor = baseline;
    decision.reasons.push(`the HPA's own minReplicas ${baseline} is the lowest floor hms-sys sets`);
  }
  if (floor === hpa.minReplicas) return unchanged(`the HPA's floor is already ${floor}`);
  decision.reasons.push(`applied as the HPA's minReplicas ${floor}: the HPA owns spec.replicas`);
  return { decision, recommendations, write: { to: 'hpa', minReplicas: floor }, alreadyApplied: false };
}
