import type { QuietState } from './audit-quiet.ts';
import type { MetricSource } from './metric-source.ts';

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
  /** The metric is published with StorageResolution 1; required for a period under 60 s. */
  highResolution?: boolean;
}

/** A registered service: the Deployment it names and its audit tags. */
export interface Service {
  name: string;
  cluster: string;
  namespace: string;
  deployment: string;
  tags: ServiceTags;
  metrics?: ServiceMetricConfig;
  /** An explicit price per pod-hour; without it, pods are priced at the region's Fargate rates. */
  podHourUSD?: number;
  /** Secrets Manager secrets (ARNs) the Deployment reads: a rotation of any of them restarts it. */
  secrets?: string[];
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
  /** When set, the scale-out alarm starts this burst instead of proportional scaling. */
  burst?: { toPods: number; maxCostPerHourUSD: number; holdMinutes: number };
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
  /** How the rule's unchanged decisions have been audited (shared/domain/audit-quiet.ts). */
  quiet?: QuietState;
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

/** A monthly dollar cap on a service, with the percentages of it that raise alerts. */
export interface Budget {
  service: string;
  monthlyUSD: number;
  /** Percentages of monthlyUSD whose crossing by actual spend raises an alert, ascending. */
  thresholds: number[];
  tags: ServiceTags;
  createdAt: string;
  updatedAt: string;
  version: number;
}

export type BurstState = 'scheduled' | 'ramping' | 'holding' | 'scaling-back' | 'done' | 'cancelled' | 'failed';

export type BurstLimit = 'toPods' | 'maxCostPerHour' | 'monthlyBudget';

export interface BurstStep {
  at: string;
  step: 'warm-up' | 'ramp' | 'hold' | 'scale-back' | 'done';
  replicas: number;
  note: string;
}

/** A planned surge: reach requestedPods, hold, then return to the level in force before. */
export interface Burst {
  burstId: string;
  service: string;
  target: ServiceTarget;
  fromPods: number;
  toPods: number;
  requestedPods: number;
  maxCostPerHourUSD: number;
  holdMinutes: number;
  podHourUSD: number;
  bindingLimit: BurstLimit;
  limits: Array<{ limit: BurstLimit; replicas: number; detail: string }>;
  schedule: BurstStep[];
  estimatedCostUSD: number;
  capacityWarnings: string[];
  startAt: string;
  /** When placeholder pods go in to warm nodes; null for a burst that starts now. */
  warmUpAt: string | null;
  state: BurstState;
  /** The replicas (or HPA floor) in force before the burst, recorded before the ramp's write. */
  previousLevel: number | null;
  warmedAt: string | null;
  startedAt: string | null;
  readyAt: string | null;
  holdUntil: string | null;
  endedAt: string | null;
  failure: string | null;
  /** Set when a cancel turned the burst to scaling back: it then ends as cancelled, not done. */
  cancelledAt?: string;
  /** What asked for it: a person through the API, or a rule's alarm. */
  origin: { kind: 'api' | 'alarm'; actor: string; ruleId?: string };
  createdAt: string;
  updatedAt: string;
  version: number;
}
