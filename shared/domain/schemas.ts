import * as z from 'zod/mini';
import { ALARM_PERIOD_RULE, isAlarmPeriod, needsHighResolution, SUB_MINUTE_PERIOD_RULE } from './alarms.ts';
import { ANY_SECRET_ARN, EXAMPLE_SECRET_ARN, FULL_SECRET_ARN } from './secret-arn.ts';

/** Kubernetes DNS-1123 label: lowercase alphanumerics and '-', at most 63 characters. */
export const dnsLabel = z
  .string()
  .check(
    z.maxLength(63, 'must be at most 63 characters'),
    z.regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a DNS-1123 label: lowercase letters, digits and "-", starting and ending alphanumeric'),
  );

/** EKS cluster names: 1-100 characters, starting alphanumeric. */
export const clusterName = z
  .string()
  .check(z.regex(/^[0-9A-Za-z][A-Za-z0-9\-_]{0,99}$/, 'must be an EKS cluster name (letters, digits, "-" and "_", at most 100)'));

const tagValue = z
  .string()
  .check(
    z.minLength(1, 'must not be empty'),
    z.maxLength(256, 'must be at most 256 characters'),
    z.regex(/^[\p{L}\p{Z}\p{N}_.:/=+\-@]+$/u, 'may hold letters, digits, spaces and _ . : / = + - @'),
  );

export const MAX_REPLICAS_LIMIT = 10_000;

const replicaCount = z.int().check(z.minimum(0, 'must not be negative'), z.maximum(MAX_REPLICAS_LIMIT, `must be at most ${MAX_REPLICAS_LIMIT}`));

/**
 * JSON numbers like 1e999 parse to Infinity; thresholds must be finite. No narrower bound: CloudWatch's
 * Threshold is a Double with no documented range, so 5e-324 and 1e308 are thresholds it takes
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html).
 */
const finite = z.number().check(z.refine(Number.isFinite, 'must be a finite number'));
const positiveFinite = z.number().check(z.refine(Number.isFinite, 'must be a finite number'), z.gt(0, 'must be greater than 0'));
const nonNegativeFinite = z.number().check(z.refine(Number.isFinite, 'must be a finite number'), z.minimum(0, 'must not be negative'));

export const serviceTagsSchema = z.strictObject({
  agency: tagValue,
  program: tagValue,
  fiscalYear: tagValue,
});

export const metricConfigSchema = z
  .strictObject({
    namespace: z.optional(z.string().check(z.minLength(1), z.maxLength(255), z.regex(/^[^:]/, 'must not start with ":"'))),
    dimensions: z.optional(
      z
        .record(z.string().check(z.minLength(1), z.maxLength(255)), z.string().check(z.minLength(1), z.maxLength(1024)))
        .check(z.refine((d) => Object.keys(d).length <= 30, 'must have at most 30 dimensions')),
    ),
    statistic: z.optional(z.enum(['Average', 'Sum', 'Maximum', 'Minimum', 'SampleCount'])),
    periodSeconds: z.optional(
      z.int().check(
        z.refine((p) => isAlarmPeriod(p), ALARM_PERIOD_RULE),
        z.describe('The alarm period: 10, 20 or 30 (only with highResolution: true) or a multiple of 60 up to 604800; default 60'),
      ),
    ),
    /** The caller asserts the metric is published with StorageResolution 1: required for a period under 60 s. */
    highResolution: z.optional(z.boolean().check(z.describe('The metric is published with StorageResolution 1; required for a periodSeconds under 60'))),
  })
  .check(z.refine((m) => !needsHighResolution(m.periodSeconds, m.highResolution), { message: SUB_MINUTE_PERIOD_RULE, path: ['periodSeconds'] }));

/** A Secrets Manager secret ARN, in any partition (aws, aws-us-gov, aws-cn), full or partial: Secrets Manager calls accept both. */
const secretArn = z.string().check(z.regex(ANY_SECRET_ARN, `must be a Secrets Manager secret ARN such as ${EXAMPLE_SECRET_ARN}`));

/**
 * A full secret ARN, with the six characters Secrets Manager adds to the name: a service's
 * secrets are matched against the full ARN in RotationSucceeded events (see secret-arn.ts).
 */
const fullSecretArn = z
  .string()
  .check(
    z.regex(
      FULL_SECRET_ARN,
      `must be a full Secrets Manager secret ARN, ending in the name, a hyphen and the six characters Secrets Manager adds, such as ${EXAMPLE_SECRET_ARN}: ` +
        'rotation events carry the full ARN, so a partial one would never restart this service (aws secretsmanager describe-secret --secret-id NAME shows the full ARN)',
    ),
  );

export const createServiceSchema = z.strictObject({
  name: dnsLabel,
  cluster: clusterName,
  namespace: dnsLabel,
  deployment: dnsLabel,
  tags: serviceTagsSchema,
  metrics: z.optional(metricConfigSchema),
  podHourUSD: z.optional(positiveFinite),
  secrets: z.optional(z.array(fullSecretArn).check(z.maxLength(50, 'must list at most 50 secrets'))),
});
export type CreateServiceInput = z.infer<typeof createServiceSchema>;

/** What names the workload, and the metric source its rules' alarms were made from, stays put. */
const fixedServiceField = (why: string) => z.optional(z.never(`cannot be changed: ${why}`));

/**
 * PATCH /services/{name} as a JSON merge patch (RFC 7396): tags merge key by key, an array
 * replaces the old one, null removes an optional field.
 */
export const updateServiceSchema = z
  .strictObject({
    tags: z.optional(z.partial(serviceTagsSchema)),
    secrets: z.optional(z.nullable(z.array(fullSecretArn).check(z.maxLength(50, 'must list at most 50 secrets')))),
    podHourUSD: z.optional(z.nullable(positiveFinite)),
    name: fixedServiceField('register the service under the new name and delete the old one'),
    cluster: fixedServiceField('it names where the Deployment runs; register a new service'),
    namespace: fixedServiceField('it names the Deployment; register a new service'),
    deployment: fixedServiceField('it names the Deployment; register a new service'),
    metrics: fixedServiceField("the rules' alarms watch this metric source; register a new service"),
  })
  .check(z.refine((patch) => Object.keys(patch).length > 0, 'the edit must change at least one field'));
export type UpdateServiceInput = z.infer<typeof updateServiceSchema>;

const ruleName = z
  .string()
  .check(
    z.minLength(1, 'must not be empty'),
    z.maxLength(128, 'must be at most 128 characters'),
    z.regex(/^[A-Za-z0-9][A-Za-z0-9 ._-]*$/, 'may hold letters, digits, spaces and . _ -'),
  );

const ruleTrigger = z.strictObject({
  metric: z
    .string()
    .check(
      z.minLength(1, 'must not be empty'),
      z.maxLength(255, 'must be at most 255 characters'),
      z.regex(/^[A-Za-z0-9_.\-/]+$/, 'must be a CloudWatch metric name: letters, digits and _ . - /'),
    ),
  threshold: positiveFinite,
});

const money = z
  .number()
  .check(z.refine(Number.isFinite, 'must be a finite number'), z.gt(0, 'must be greater than 0'), z.maximum(1_000_000_000, 'must be at most 1000000000'));
const podCount = z
  .int('must be a whole number')
  .check(z.minimum(0, 'must not be negative'), z.maximum(MAX_REPLICAS_LIMIT, `must be at most ${MAX_REPLICAS_LIMIT}`));
/** Seven days: a longer hold is a new baseline, not a burst. */
export const MAX_HOLD_MINUTES = 7 * 24 * 60;
const holdMinutes = z
  .int('must be a whole number')
  .check(z.minimum(1, 'must be at least 1'), z.maximum(MAX_HOLD_MINUTES, `must be at most ${MAX_HOLD_MINUTES} (7 days)`));

/** What a rule's scale-out alarm starts instead of proportional scaling. */
export const burstTemplateSchema = z.strictObject({
  toPods: podCount,
  maxCostPerHourUSD: money,
  holdMinutes,
});
export type BurstTemplate = z.infer<typeof burstTemplateSchema>;

const stabilizationSeconds = z.int().check(z.minimum(0, 'must not be negative'), z.maximum(3_600, 'must be at most 3600'));

interface RuleBounds {
  minReplicas: number;
  maxReplicas: number;
  trigger: { threshold: number };
  scaleInThreshold?: number | undefined;
}

/** Cross-field checks: min ≤ max, and the scale-in threshold below the scale-out one. */
const ruleBounds = z.superRefine((rule: RuleBounds, ctx) => {
  if (rule.minReplicas > rule.maxReplicas) {
    ctx.addIssue({ code: 'custom', path: ['maxReplicas'], message: 'must be at least minReplicas', input: rule.maxReplicas });
  }
  if (rule.scaleInThreshold !== undefined && rule.scaleInThreshold >= rule.trigger.threshold) {
    ctx.addIssue({ code: 'custom', path: ['scaleInThreshold'], message: 'must be below trigger.threshold', input: rule.scaleInThreshold });
  }
});

export const createRuleSchema = z
  .strictObject({
    service: dnsLabel,
    name: z.optional(ruleName),
    minReplicas: replicaCount,
    maxReplicas: replicaCount,
    trigger: ruleTrigger,
    scaleInThreshold: z.optional(nonNegativeFinite),
    scaleInStabilizationSeconds: z.optional(stabilizationSeconds),
    burst: z.optional(burstTemplateSchema),
  })
  .check(ruleBounds);
export type CreateRuleInput = z.infer<typeof createRuleSchema>;

/** An edit: any field but the target service; null clears an optional field. */
export const updateRuleSchema = z
  .strictObject({
    name: z.optional(z.nullable(ruleName)),
    minReplicas: z.optional(replicaCount),
    maxReplicas: z.optional(replicaCount),
    trigger: z.optional(ruleTrigger),
    scaleInThreshold: z.optional(z.nullable(nonNegativeFinite)),
    scaleInStabilizationSeconds: z.optional(stabilizationSeconds),
    burst: z.optional(z.nullable(burstTemplateSchema)),
  })
  .check(z.refine((patch) => Object.keys(patch).length > 0, 'the edit must change at least one field'));
export type UpdateRuleInput = z.infer<typeof updateRuleSchema>;

export const ruleIdSchema = z.string().check(z.regex(/^AR-[1-9][0-9]{0,11}$/, 'must be a rule id such as AR-101'));

const isoTime = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 time such as 2026-11-23T09:00:00Z' });

export const auditQuerySchema = z
  .strictObject({
    /** lookup: the recorded reads (AU-12) instead of the changes, which are listed without it. */
    kind: z.optional(z.enum(['lookup'], 'must be lookup; leave it out to list changes')),
    service: z.optional(dnsLabel),
    since: z.optional(isoTime),
    until: z.optional(isoTime),
    limit: z._default(z.coerce.number().check(z.int('must be a whole number'), z.minimum(1, 'must be at least 1'), z.maximum(200, 'must be at most 200')), 50),
    cursor: z.optional(z.string().check(z.maxLength(2048), z.regex(/^[A-Za-z0-9_-]+$/, 'must be a cursor from a previous page'))),
  })
  .check(
    z.refine((q) => !(q.kind === 'lookup' && q.service !== undefined), {
      message: 'lookups are chained by day, not by service: leave service out with kind=lookup',
      path: ['service'],
    }),
    z.refine((q) => q.since === undefined || q.until === undefined || Date.parse(q.since) <= Date.parse(q.until), {
      message: 'must not be after until',
      path: ['since'],
    }),
  );

export const dryRunSchema = z.optional(z.enum(['true', 'false'], 'must be true or false'));

export const metricDatumSchema = z.strictObject({
  service: dnsLabel,
  metric: ruleTrigger.shape.metric,
  value: finite,
  timestamp: z.optional(isoTime),
  /** PutMetricData's StorageResolution: 1 (high resolution) or 60, the default. */
  storageResolution: z.optional(z.union([z.literal(1), z.literal(60)], "must be 1 or 60, as PutMetricData's StorageResolution")),
});
export type MetricDatumInput = z.infer<typeof metricDatumSchema>;

const thresholdPercent = z.int('must be a whole number').check(z.minimum(1, 'must be at least 1'), z.maximum(1_000, 'must be at most 1000'));

export const setBudgetSchema = z.strictObject({
  monthlyUSD: money,
  thresholds: z.optional(
    z.array(thresholdPercent).check(z.minLength(1, 'must list at least one threshold'), z.maxLength(10, 'must list at most 10 thresholds')),
  ),
});
export type SetBudgetInput = z.infer<typeof setBudgetSchema>;

export const budgetFilterSchema = z.strictObject({
  agency: z.optional(tagValue),
  program: z.optional(tagValue),
  fiscalYear: z.optional(tagValue),
});

export const createBurstSchema = z
  .strictObject({
    service: dnsLabel,
    fromPods: podCount,
    toPods: podCount,
    maxCostPerHourUSD: money,
    holdMinutes,
    startAt: z.optional(isoTime),
  })
  .check(
    z.superRefine((burst: { fromPods: number; toPods: number }, ctx) => {
      if (burst.toPods <= burst.fromPods) {
        ctx.addIssue({ code: 'custom', path: ['toPods'], message: 'must be greater than fromPods', input: burst.toPods });
      }
    }),
  );
export type CreateBurstInput = z.infer<typeof createBurstSchema>;

export const scaleServiceSchema = z.strictObject({ replicas: podCount });
export type ScaleServiceInput = z.infer<typeof scaleServiceSchema>;

export const burstIdSchema = z.string().check(z.regex(/^BU-[1-9][0-9]{0,11}$/, 'must be a burst id such as BU-1'));

/** A secret named by its ARN in a body, where a path parameter could not carry the ARN's slashes. */
export const secretRefSchema = z.strictObject({ secret: secretArn });

export const MAX_CREDENTIAL_TTL_MINUTES = 24 * 60;
export const issueDbCredentialSchema = z.strictObject({
  service: dnsLabel,
  database: secretArn,
  ttlMinutes: z._default(
    z
      .int('must be a whole number')
      .check(z.minimum(1, 'must be at least 1'), z.maximum(MAX_CREDENTIAL_TTL_MINUTES, `must be at most ${MAX_CREDENTIAL_TTL_MINUTES} (a day)`)),
    60,
  ),
});
export type IssueDbCredentialInput = z.infer<typeof issueDbCredentialSchema>;

export const revokeDbCredentialSchema = z.strictObject({ arn: secretArn });
