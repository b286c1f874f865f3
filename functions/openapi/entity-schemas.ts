import * as z from 'zod/mini';

// The shapes the API answers with, as zod schemas: OpenAPI's response schemas are generated from
// them, and each operation's result type must be assignable to its schema's output.

const str = z.string();
const num = z.number();
const strings = z.array(z.string());
const nullableStr = z.nullable(z.string());
const nullableNum = z.nullable(z.number());

export const serviceTags = z.object({ agency: str, program: str, fiscalYear: str });

const statistic = z.enum(['Average', 'Sum', 'Maximum', 'Minimum', 'SampleCount']);

export const metricConfig = z.object({
  namespace: z.optional(str),
  dimensions: z.optional(z.record(str, str)),
  statistic: z.optional(statistic),
  periodSeconds: z.optional(num),
  highResolution: z.optional(z.boolean()),
});

export const service = z.object({
  name: str,
  cluster: str,
  namespace: str,
  deployment: str,
  tags: serviceTags,
  metrics: z.optional(metricConfig),
  podHourUSD: z.optional(num),
  secrets: z.optional(strings),
  createdAt: str,
  version: num,
});

const serviceTarget = z.object({ cluster: str, namespace: str, deployment: str, tags: serviceTags, metrics: z.optional(metricConfig) });

const ruleFields = {
  name: z.optional(str),
  service: str,
  minReplicas: num,
  maxReplicas: num,
  trigger: z.object({ metric: str, threshold: num }),
  scaleInThreshold: z.optional(num),
  scaleInStabilizationSeconds: num,
  target: serviceTarget,
  burst: z.optional(z.object({ toPods: num, maxCostPerHourUSD: num, holdMinutes: num })),
  deleting: z.optional(z.boolean()),
  createdAt: str,
  updatedAt: str,
  version: num,
};

export const rule = z.object({ ruleId: str, alarms: strings, ...ruleFields });

/** A rule as a dry-run create would store it: its id is given only by the real create. */
export const ruleDraft = z.object({ ruleId: z.null(), ...ruleFields });

export const alarmSpec = z.object({
  name: str,
  description: str,
  metric: z.object({ namespace: str, metricName: str, dimensions: z.record(str, str), statistic, periodSeconds: num }),
  threshold: num,
  comparison: z.enum(['GreaterThanThreshold', 'LessThanThreshold']),
  evaluationPeriods: num,
  treatMissingData: z.enum(['breaching', 'notBreaching']),
  tags: z.record(str, str),
});

/** A dry run's view of the replicas a rule would clamp: null where the cluster could not be read. */
export const replicasPreview = z.object({ current: nullableNum, min: num, max: num, afterClamp: nullableNum });

const alarmState = z.enum(['OK', 'ALARM', 'INSUFFICIENT_DATA', 'missing']);

export const decision = z.object({
  at: str,
  source: z.enum(['alarm', 'reconcile']),
  direction: z.enum(['out', 'in']),
  metric: nullableNum,
  currentReplicas: num,
  desiredReplicas: num,
  action: z.enum(['scale-out', 'scale-in', 'none']),
  reasons: strings,
});

export const ruleStatus = z.object({
  ruleId: str,
  service: str,
  replicas: num,
  readyReplicas: num,
  metric: nullableNum,
  state: alarmState,
  alarms: z.array(z.object({ name: str, state: alarmState })),
  lastDecision: z.nullable(decision),
});

export const auditRecord = z.object({
  time: str,
  actor: str,
  action: str,
  target: str,
  // JSON drops an undefined value, so before and after may be absent.
  before: z.optional(z.unknown()),
  after: z.optional(z.unknown()),
  outcome: z.enum(['success', 'failure', 'skipped', 'dry-run', 'denied']),
  reasons: strings,
  requestId: str,
  service: z.optional(str),
  tags: z.optional(z.record(str, str)),
  kind: z.optional(z.enum(['lookup'])),
  intent: z.optional(str),
  stream: str,
  seq: num,
  prevHash: str,
  hash: str,
});

export const auditPage = z.object({ records: z.array(auditRecord), nextCursor: nullableStr });

const checkpoint = z.object({ stream: str, seq: num, hash: str, verifiedAt: str });

export const verifyReport = z.object({
  stream: str,
  from: z.enum(['checkpoint', 'genesis']),
  intact: z.boolean(),
  firstBreak: z.nullable(z.object({ seq: num, problem: str })),
  startedAfter: num,
  verifiedThrough: num,
  records: num,
  complete: z.boolean(),
  cursor: nullableStr,
  checkpoint: z.nullable(checkpoint),
  /** The stream's signed digests; null where no archive is deployed. */
  digests: z.nullable(
    z.object({
      checked: num,
      newest: z.nullable(z.object({ key: str, lastSeq: num, digestTime: str })),
      firstBreak: z.nullable(z.object({ stream: str, key: str, kind: str, problem: str, seq: z.optional(num) })),
      complete: z.boolean(),
      prunedThrough: num,
    }),
  ),
});

/** POST /audit/digests: what one digest run wrote, and what it could not. */
export const digestRunReport = z.object({
  startedAt: str,
  since: str,
  streamsChecked: num,
  digests: z.array(z.object({ stream: str, firstSeq: num, lastSeq: num, key: str })),
  failures: z.array(z.object({ stream: str, problem: str })),
  complete: z.boolean(),
  publicKey: str,
});

export const budget = z.object({
  service: str,
  monthlyUSD: num,
  thresholds: z.array(num),
  tags: serviceTags,
  createdAt: str,
  updatedAt: str,
  version: num,
});

export const budgetStatus = z.object({
  service: str,
  monthlyUSD: num,
  spentUSD: num,
  projectedUSD: num,
  maxAffordableReplicas: nullableNum,
  state: z.enum(['ok', 'warning', 'capped', 'exceeded']),
  month: str,
  thresholds: z.array(num),
  replicas: num,
  podHourUSD: num,
  priceBasis: str,
  tags: serviceTags,
});

export const budgetList = z.object({
  budgets: z.array(budgetStatus),
  totals: z.object({ count: num, monthlyUSD: num, spentUSD: num, projectedUSD: num }),
  month: str,
  hoursLeftInMonth: num,
});

const burstLimit = z.enum(['toPods', 'maxCostPerHour', 'monthlyBudget']);

/** What a burst's plan says, in a dry run and in the answer to a create. */
export const burstPlanFields = {
  requestedPods: num,
  bindingLimit: burstLimit,
  limits: z.array(z.object({ limit: burstLimit, replicas: num, detail: str })),
  schedule: z.array(z.object({ at: str, step: z.enum(['warm-up', 'ramp', 'hold', 'scale-back', 'done']), replicas: num, note: str })),
  estimatedCostUSD: num,
  capacityWarnings: strings,
  podHourUSD: num,
};

export const burstFields = {
  ...burstPlanFields,
  burstId: str,
  service: str,
  target: serviceTarget,
  fromPods: num,
  toPods: num,
  maxCostPerHourUSD: num,
  holdMinutes: num,
  startAt: str,
  warmUpAt: nullableStr,
  state: z.enum(['scheduled', 'ramping', 'holding', 'scaling-back', 'done', 'cancelled', 'failed']),
  previousLevel: nullableNum,
  warmedAt: nullableStr,
  startedAt: nullableStr,
  readyAt: nullableStr,
  holdUntil: nullableStr,
  endedAt: nullableStr,
  failure: nullableStr,
  cancelledAt: z.optional(str),
  origin: z.object({ kind: z.enum(['api', 'alarm']), actor: str, ruleId: z.optional(str) }),
  createdAt: str,
  updatedAt: str,
  version: num,
};

export const burst = z.object(burstFields);

export const scaleAnswer = z.object({ service: str, from: num, requested: num, owner: z.enum(['deployment', 'hpa']), reasons: strings, to: num });

export const rotatedSecret = z.object({
  arn: str,
  name: str,
  strategy: z.optional(str),
  policy: str,
  rotationEnabled: z.boolean(),
  lastRotatedAt: nullableStr,
  nextRotationAt: nullableStr,
  health: z.enum(['ok', 'rotating', 'unscheduled', 'overdue', 'stuck', 'invalid-policy']),
  detail: str,
  pendingVersion: z.optional(str),
});

export const dbCredential = z.object({
  name: str,
  arn: str,
  service: z.optional(str),
  database: z.optional(str),
  username: z.optional(str),
  expiresAt: z.optional(str),
});

export const issuedCredential = z.object({ arn: str, service: str, database: str, username: str, expiresAt: str });
