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

/** What a rule needs of its service to scale it and audit it, without reading the service. */
export type ServiceTarget = Pick<Service, 'cluster' | 'namespace' | 'deployment' | 'tags' | 'metrics'>;

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
  /** The service's workload, tags and metric settings, copied at creation: a service cannot change while a rule targets it. */
  target: ServiceTarget;
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

/** What the scaler remembers of a rule between evaluations. */
export interface RuleMemory {
  recommendations: Recommendation[];
  lastDecision: Decision | null;
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
 * The scaling state of one service: the replica changes hms-sys made (decisions read it to
 * learn how many replicas ran when their metric was observed) and each rule's memory. One
 * item, written with a condition on its version before every cluster write, serializes the
 * service's deciders.
 */
export interface ServiceScaling {
  service: string;
  changes: ScaleChange[];
  rules: Record<string, RuleMemory>;
  /** The HPA's own minReplicas before hms-sys first raised it; scale-in never goes below it. */
  hpaBaselineMin?: number;
  version: number;
}
