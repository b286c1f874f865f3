import type { Decision, DecisionSource, Recommendation, Rule, ScaleDirection } from './model.ts';
import { readyAmongObserved, sizeFromReadyPods, usageRatio } from './readiness.ts';

/** HPA's default tolerance: a ratio within 10% of 1 changes nothing. */
export const DEFAULT_TOLERANCE = 0.1;
export const DEFAULT_SCALE_IN_STABILIZATION_SECONDS = 300;
/** How far back a silent metric is looked for before it is judged never published. */
export const PUBLISHED_LOOKBACK_HOURS = 24;

export interface DecisionInput {
  rule: Pick<Rule, 'minReplicas' | 'maxReplicas' | 'trigger' | 'scaleInStabilizationSeconds'>;
  direction: ScaleDirection;
  source: DecisionSource;
  currentReplicas: number;
  /** Replicas running when the metric was observed, if they differ from today's. */
  observedReplicas?: number;
  /**
   * Pods Ready now (the Deployment's status.readyReplicas); the metric describes only these.
   * Omitted, every pod counts as Ready.
   */
  readyReplicas?: number;
  metric: number | null;
  /** With no datapoint: the metric has none in the last PUBLISHED_LOOKBACK_HOURS either. */
  metricNeverSeen?: boolean;
  now: Date;
  /** Earlier recommendations; those older than the stabilization window are ignored. */
  recommendations: readonly Recommendation[];
  tolerance?: number;
}

export interface DecisionOutput {
  decision: Decision;
  /** Recommendations to keep for the next decision, this one included. */
  recommendations: Recommendation[];
}

export const clamp = (value: number, min: number, max: number): number => Math.min(max, Math.max(min, value));

/**
 * Adds a recommendation, dropping the earlier ones it dominates: an older recommendation no
 * higher than a newer one can never be the window's highest again. What is left falls with
 * time, so it stays short however often rules are evaluated.
 */
export function keepCandidates(recent: readonly Recommendation[], added: Recommendation): Recommendation[] {
  return [...recent.filter((r) => r.replicas > added.replicas), added];
}

/** Desired replicas from the metric, as the HPA computes them, before any limit. */
export function proportionalReplicas(current: number, metric: number, threshold: number): number {
  return Math.ceil(usageRatio(metric, threshold) * Math.max(current, 1));
}

/**
 * Decides the replica count for one rule: ceil(current * metric / threshold), sized from the Ready
 * pods as the HPA does (readiness.ts), clamped to [min, max]; an alarm never moves replicas
 * against its direction; scale-in waits out the stabilization window by taking the highest
 * recommendation made within it.
 */
export function decideReplicas(input: DecisionInput): DecisionOutput {
  const { rule, direction, currentReplicas: current, metric, now } = input;
  const tolerance = input.tolerance ?? DEFAULT_TOLERANCE;
  const windowStart = now.getTime() - rule.scaleInStabilizationSeconds * 1000;
  const recent = input.recommendations.filter((r) => Date.parse(r.at) > windowStart);
  const reasons: string[] = [];
  /** The raw recommendation is what the window remembers; the stabilized value would never decay. */
  const finish = (desired: number, recommended = desired): DecisionOutput => {
    const action = desired > current ? 'scale-out' : desired < current ? 'scale-in' : 'none';
    const decision: Decision = {
      at: now.toISOString(),
      source: input.source,
      direction,
      metric,
      currentReplicas: current,
      desiredReplicas: desired,
      action,
      reasons,
    };
    return { decision, recommendations: keepCandidates(recent, { at: now.toISOString(), replicas: recommended }) };
  };

  if (metric === null && direction === 'out') {
    reasons.push(`no datapoint for ${rule.trigger.metric}`, `replicas stay at ${current}`);
    return finish(current);
  }
  // The HPA does not scale on a metric it cannot read; nor does a scale-in on a metric that never
  // published, most likely a misspelt name or dimension, which would otherwise drop to minReplicas.
  if (metric === null && input.metricNeverSeen) {
    reasons.push(
      `no datapoint for ${rule.trigger.metric} in the last ${PUBLISHED_LOOKBACK_HOURS} h: it was never published, or its namespace, name or dimensions are wrong`,
      `replicas stay at ${current}`,
    );
    return finish(current);
  }
  // A scale-in alarm treats missing data as breaching: a metric with no datapoint is a service
  // with no traffic, so it sizes as a metric of 0 (still clamped to minReplicas and stabilized).
  if (metric === null) reasons.push(`no datapoint for ${rule.trigger.metric}: no traffic, sized as 0`);
  const value = metric ?? 0;

  const ratio = value / rule.trigger.threshold;
  let desired: number;
  if (Math.abs(ratio - 1) <= tolerance) {
    desired = current;
    reasons.push(`${rule.trigger.metric} ${value} is within ${tolerance * 100}% of the threshold ${rule.trigger.threshold}: no change from ${current}`);
  } else {
    const observed = input.observedReplicas ?? current;
    const ready = input.readyReplicas === undefined ? observed : readyAmongObserved(observed, current, input.readyReplicas);
    const sized = sizeFromReadyPods(observed, ready, value, rule.trigger.threshold, tolerance);
    desired = sized.desired;
    reasons.push(`${rule.trigger.metric} ${sized.reasons[0]}`, ...sized.reasons.slice(1));
    if (observed !== current) reasons.push(`the metric saw ${observed} replicas; ${current} run now`);
  }

  const clamped = clamp(desired, rule.minReplicas, rule.maxReplicas);
  if (clamped > desired) reasons.push(`raised to minReplicas ${rule.minReplicas}`);
  if (clamped < desired) reasons.push(`capped at maxReplicas ${rule.maxReplicas}`);
  desired = clamped;

  const inBounds = current >= rule.minReplicas && current <= rule.maxReplicas;
  if (direction === 'out' && desired < current && inBounds) {
    reasons.push(`a scale-out alarm never lowers replicas: staying at ${current}`);
    desired = current;
  }
  if (direction === 'in' && desired > current && inBounds) {
    reasons.push(`a scale-in alarm never raises replicas: staying at ${current}`);
    desired = current;
  }

  const recommended = desired;
  if (desired < current) {
    const highest = Math.max(desired, ...recent.map((r) => r.replicas));
    const held = Math.min(current, highest, rule.maxReplicas);
    if (held > desired) {
      reasons.push(`scale-in held at ${held} by the ${rule.scaleInStabilizationSeconds} s stabilization window (highest recommendation in it)`);
      desired = held;
    }
  }

  if (desired === current) reasons.push(`replicas stay at ${current}`);
  else reasons.push(`${desired > current ? 'scale out' : 'scale in'} from ${current} to ${desired}`);
  return finish(desired, recommended);
}
