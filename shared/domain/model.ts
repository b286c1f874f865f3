import type { MetricSource } from '#ports/metrics.ts';

export interface ServiceTags {
  agency: string;
  program: string;
  fiscalYear: string;
}

/** Overrides of where a service's metrics live in CloudWatch. */
export interface ServiceMetricConfig {
  namespace?: string;
  dimensions?: Record<string, string>;
  statistic?: MetricSource['statistic'];
  periodSeconds?: number;
}

/** A registered service: the Deployment it names and its audit tags. */
export interface Service {
  name: string;
  cluster: string;
  namespace: string;
  deployment: string;
  tags: ServiceTags;
  metrics?: ServiceMetricConfig;
  createdAt: string;
  version: number;
}

export interface RuleTrigger {
  metric: string;
  threshold: number;
}

/** An autoscale rule: chapter 5's payload plus optional name, scale-in threshold and window. */
export interface Rule {
  ruleId: string;
  name?: string;
  service: string;
  minReplicas: number;
  maxReplicas: number;
  trigger: RuleTrigger;
  scaleInThreshold?: number;
  scaleInStabilizationSeconds: number;
  /** The Deployment the rule scales, copied from its service, which cannot change while a rule targets it. */
  workload: { cluster: string; namespace: string; deployment: string };
  alarms: string[];
  /** Set while a delete is under way: the rule no longer scales, and its alarms are going. */
  deleting?: boolean;
  createdAt: string;
  updatedAt: string;
  version: number;
}

/** One replica recommendation kept for the scale-in stabilization window. */
export interface Recommendation {
  at: string;
  replicas: number;
}

/** What the scaler last decided for a rule, kept between events. */
export interface Decision {
  at: string;
  source: DecisionSource;
  direction: ScaleDirection;
  metric: number | null;
  currentReplicas: number;
  desiredReplicas: number;
  action: 'scale-out' | 'scale-in' | 'none';
  reasons: string[];
}

/** Which alarm of a rule asked: the scale-out one or the scale-in one. */
export type ScaleDirection = 'out' | 'in';

/** What started the evaluation. */
export type DecisionSource = 'alarm' | 'reconcile';

export interface RuleState {
  ruleId: string;
  recommendations: Recommendation[];
  lastDecision: Decision | null;
  version: number;
}

/** One change of replicas hms-sys made, recorded before the cluster is patched. */
export interface ScaleChange {
  at: string;
  from: number;
  to: number;
  ruleId: string;
  eventId: string;
}

/**
 * The replica changes made to one service's workload. Decisions read it to learn how many
 * replicas were running when their metric was observed; appends are conditional on version.
 */
export interface ScaleHistory {
  service: string;
  changes: ScaleChange[];
  /** The HPA's own minReplicas before hms-sys first raised it; scale-in never goes below it. */
  hpaBaselineMin?: number;
  version: number;
}
