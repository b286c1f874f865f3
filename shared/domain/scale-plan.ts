import { decideReplicas } from './decision.ts';
import type { Datapoint } from './metric-source.ts';
import type { Decision, DecisionSource, Recommendation, Rule, ScaleDirection, ServiceScaling } from './model.ts';
import { replicasWhenObserved } from './scaling.ts';

export interface PlanInput {
  rule: Pick<Rule, 'minReplicas' | 'maxReplicas' | 'trigger' | 'scaleInStabilizationSeconds'>;
  direction: ScaleDirection;
  source: DecisionSource;
  eventId: string;
  metric: Datapoint | null;
  /** With no datapoint: none in the last PUBLISHED_LOOKBACK_HOURS either, so the metric never published. */
  metricNeverSeen?: boolean;
  currentReplicas: number;
  /** Pods Ready now; the decision sizes from these as the HPA does. Omitted, all are Ready. */
  readyReplicas?: number;
  hpa: { minReplicas: number; maxReplicas: number } | null;
  ruleId: string;
  scaling: ServiceScaling | null;
  /** The metric's period, from the rule's alarm. */
  periodSeconds: number;
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
 * Plans one rule evaluation: sizes from the replicas the metric saw, moves today's replicas
 * only in the alarm's direction, and turns the decision into a write: the Deployment's
 * replicas, or the floor of the HPA that owns them.
 */
export function planScale(input: PlanInput): ScalePlan {
  const { scaling, hpa } = input;
  const inFlight = hpa ? null : changeInFlight(input);
  const current = inFlight?.to ?? input.currentReplicas;
  const periodStart = input.metric ? Date.parse(input.metric.periodStart) : input.now.getTime();
  const base = replicasWhenObserved(scaling?.changes ?? [], periodStart, input.periodSeconds, current);
  const { decision, recommendations } = decideReplicas({
    rule: input.rule,
    direction: input.direction,
    source: input.source,
    currentReplicas: current,
    observedReplicas: base,
    ...(input.readyReplicas === undefined ? {} : { readyReplicas: input.readyReplicas }),
    metric: input.metric?.value ?? null,
    ...(input.metricNeverSeen ? { metricNeverSeen: true } : {}),
    now: input.now,
    recommendations: scaling?.rules[input.ruleId]?.recommendations ?? [],
  });
  if (inFlight) {
    decision.reasons.unshift(
      `another event's change to ${inFlight.to} replicas is stored but not yet on the Deployment's spec.replicas ${input.currentReplicas}: sized from ${inFlight.to}`,
    );
  }
  const unchanged = (reason: string): ScalePlan => {
    if (decision.reasons.at(-1) !== reason) decision.reasons.push(reason);
    Object.assign(decision, { currentReplicas: current, desiredReplicas: current, action: 'none' });
    return { decision, recommendations, write: null, alreadyApplied: false };
  };

  const ageSeconds = (input.now.getTime() - periodStart) / 1000;
  if (input.metric && ageSeconds > stalenessLimit(input.periodSeconds)) {
    return unchanged(`the datapoint is ${Math.round(ageSeconds)} s old: too late to describe the service now`);
  }
  if (decision.action === 'scale-in') holdForOtherRules(decision, input);

  const own = scaling?.changes.find((change) => change.eventId === input.eventId);
  if (own && own.to === (hpa ? hpa.minReplicas : input.currentReplicas)) {
    decision.reasons.push(`this event's change to ${own.to} is already in place`);
    return { decision, recommendations, write: null, alreadyApplied: true };
  }
  // Sized from a change spec.replicas does not show yet, the plan writes its answer as an absolute
  // count even when that equals the change: if its writer stalled or died, this completes it; if a
  // person scaled the Deployment meanwhile, the rule's answer stands, as it would 30 s later anyway.
  const completes = inFlight !== null && decision.desiredReplicas !== input.currentReplicas;
  if ((decision.action === 'none' || decision.desiredReplicas === current) && !completes) return unchanged(`replicas stay at ${current}`);
  if (completes && decision.desiredReplicas === current) {
    decision.reasons.push(`spec.replicas shows ${input.currentReplicas}: writing ${current}`);
    Object.assign(decision, { action: current > input.currentReplicas ? 'scale-out' : 'scale-in' });
  }
  if (!hpa) return { decision, recommendations, write: { to: 'deployment', replicas: decision.desiredReplicas }, alreadyApplied: false };

  const baseline = scaling?.hpaBaselineMin ?? hpa.minReplicas;
  let floor = Math.max(1, Math.min(decision.desiredReplicas, hpa.maxReplicas));
  if (floor < decision.desiredReplicas) decision.reasons.push(`the HPA's maxReplicas ${hpa.maxReplicas} caps its floor`);
  if (decision.action === 'scale-in' && floor < baseline) {
    floor = baseline;
    decision.reasons.push(`the HPA's own minReplicas ${baseline} is the lowest floor hms-sys sets`);
  }
  const moves = decision.action === 'scale-out' ? floor > hpa.minReplicas : floor < hpa.minReplicas;
  if (!moves) return unchanged(`the HPA's floor ${hpa.minReplicas} already allows it`);
  decision.reasons.push(`applied as the HPA's minReplicas ${floor}: the HPA owns spec.replicas`);
  return { decision, recommendations, write: { to: 'hpa', minReplicas: floor }, alreadyApplied: false };
}

/** How long a stored change may go unseen on spec.replicas before it is taken as never written. */
export const IN_FLIGHT_SECONDS = 30;

/**
 * The service's latest change, when another event stored it under IN_FLIGHT_SECONDS ago and
 * spec.replicas does not show it yet: its writer has not PATCHed (or its PATCH is on the way),
 * so planning from spec.replicas would undo it.
 */
function changeInFlight(input: PlanInput) {
  const last = input.scaling?.changes.at(-1);
  // Only while spec.replicas still shows the change's starting point: anything else means it landed
  // and was overridden since (by a person, say), which is the cluster's truth.
  if (!last || last.eventId === input.eventId || last.to === input.currentReplicas || last.from !== input.currentReplicas) return null;
  const age = input.now.getTime() - Date.parse(last.at);
  return age >= 0 && age < IN_FLIGHT_SECONDS * 1000 ? last : null;
}

/** A datapoint older than three periods (at least five minutes) no longer describes the service. */
export const stalenessLimit = (periodSeconds: number) => Math.max(3 * periodSeconds, 300);

/**
 * Scale-in also waits for the service's other rules: it never goes below the highest
 * recommendation any of them made inside this rule's stabilization window, as the HPA takes
 * the highest of its metrics.
 */
function holdForOtherRules(decision: Decision, input: PlanInput): void {
  const windowStart = input.now.getTime() - input.rule.scaleInStabilizationSeconds * 1000;
  let highest = decision.desiredReplicas;
  let holder = '';
  for (const [ruleId, memory] of Object.entries(input.scaling?.rules ?? {})) {
    if (ruleId === input.ruleId) continue;
    for (const r of memory.recommendations) {
      if (Date.parse(r.at) > windowStart && r.replicas > highest) [highest, holder] = [r.replicas, ruleId];
    }
  }
  const held = Math.min(decision.currentReplicas, highest);
  if (held > decision.desiredReplicas) {
    decision.reasons.push(`scale-in held at ${held} by ${holder}'s recommendation inside the stabilization window`);
    decision.desiredReplicas = held;
    if (held === decision.currentReplicas) decision.action = 'none';
  }
}
