import { z } from 'zod';

/** Kubernetes DNS-1123 label: lowercase alphanumerics and '-', at most 63 characters. */
export const dnsLabel = z
  .string()
  .max(63, 'must be at most 63 characters')
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a DNS-1123 label: lowercase letters, digits and "-", starting and ending alphanumeric');

/** EKS cluster names: 1-100 characters, starting alphanumeric. */
export const clusterName = z
  .string()
  .regex(/^[0-9A-Za-z][A-Za-z0-9\-_]{0,99}$/, 'must be an EKS cluster name (letters, digits, "-" and "_", at most 100)');

const tagValue = z
  .string()
  .min(1, 'must not be empty')
  .max(256, 'must be at most 256 characters')
  .regex(/^[\p{L}\p{Z}\p{N}_.:/=+\-@]+$/u, 'may hold letters, digits, spaces and _ . : / = + - @');

export const MAX_REPLICAS_LIMIT = 10_000;

const replicaCount = z
  .number()
  .int('must be a whole number')
  .min(0, 'must not be negative')
  .max(MAX_REPLICAS_LIMIT, `must be at most ${MAX_REPLICAS_LIMIT}`);

const finite = z.number().refine(Number.isFinite, 'must be a finite number');

export const serviceTagsSchema = z.strictObject({
  agency: tagValue,
  program: tagValue,
  fiscalYear: tagValue,
});

export const metricConfigSchema = z.strictObject({
  namespace: z.string().min(1).max(255).regex(/^[^:].*$/, 'must not start with ":"').optional(),
  dimensions: z.record(z.string().min(1).max(255), z.string().min(1).max(1024)).optional()
    .refine((d) => d === undefined || Object.keys(d).length <= 30, 'at most 30 dimensions'),
  statistic: z.enum(['Average', 'Sum', 'Maximum', 'Minimum', 'SampleCount']).optional(),
  periodSeconds: z.union([z.literal(10), z.literal(30), z.number().int().min(60).max(86_400).multipleOf(60)]).optional(),
});

export const createServiceSchema = z.strictObject({
  name: dnsLabel,
  cluster: clusterName,
  namespace: dnsLabel,
  deployment: dnsLabel,
  tags: serviceTagsSchema,
  metrics: metricConfigSchema.optional(),
});
export type CreateServiceInput = z.infer<typeof createServiceSchema>;

const ruleFields = {
  service: dnsLabel,
  name: z.string().min(1).max(128).regex(/^[A-Za-z0-9][A-Za-z0-9 ._\-]*$/, 'may hold letters, digits, spaces and . _ -').optional(),
  minReplicas: replicaCount,
  maxReplicas: replicaCount,
  trigger: z.strictObject({
    metric: z.string().min(1).max(255).regex(/^[A-Za-z0-9_.\-/]+$/, 'must be a CloudWatch metric name: letters, digits and _ . - /'),
    threshold: finite.refine((n) => n > 0, 'must be greater than 0'),
  }),
  scaleInThreshold: finite.refine((n) => n >= 0, 'must not be negative').optional(),
  scaleInStabilizationSeconds: z.number().int('must be a whole number').min(0).max(3_600).optional(),
};

type RuleShape = { minReplicas: number; maxReplicas: number; trigger: { threshold: number }; scaleInThreshold?: number | undefined };

/** Cross-field checks shared by create and the merged result of an edit. */
export function checkRuleBounds(rule: RuleShape, ctx: z.RefinementCtx): void {
  if (rule.minReplicas > rule.maxReplicas) {
    ctx.addIssue({ code: 'custom', path: ['maxReplicas'], message: 'must be at least minReplicas' });
  }
  if (rule.scaleInThreshold !== undefined && rule.scaleInThreshold >= rule.trigger.threshold) {
    ctx.addIssue({ code: 'custom', path: ['scaleInThreshold'], message: 'must be below trigger.threshold' });
  }
}

export const createRuleSchema = z.strictObject(ruleFields).superRefine(checkRuleBounds);
export type CreateRuleInput = z.infer<typeof createRuleSchema>;

/** An edit: any field but the target service; null clears an optional field. */
export const updateRuleSchema = z
  .strictObject({
    name: ruleFields.name.nullable(),
    minReplicas: replicaCount.optional(),
    maxReplicas: replicaCount.optional(),
    trigger: ruleFields.trigger.optional(),
    scaleInThreshold: finite.refine((n) => n >= 0, 'must not be negative').nullable().optional(),
    scaleInStabilizationSeconds: ruleFields.scaleInStabilizationSeconds,
  })
  .refine((patch) => Object.keys(patch).length > 0, 'the edit must change at least one field');
export type UpdateRuleInput = z.infer<typeof updateRuleSchema>;

export const ruleIdSchema = z.string().regex(/^AR-[1-9][0-9]{0,11}$/, 'must be a rule id such as AR-101');

export const auditQuerySchema = z.strictObject({
  service: dnsLabel.optional(),
  since: z.iso.datetime({ offset: true }).optional(),
  until: z.iso.datetime({ offset: true }).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(2048).regex(/^[A-Za-z0-9_-]+$/, 'must be a cursor from a previous page').optional(),
});

export const dryRunSchema = z.enum(['true', 'false']).optional();

export const metricDatumSchema = z.strictObject({
  service: dnsLabel,
  metric: ruleFields.trigger.shape.metric,
  value: finite,
  timestamp: z.iso.datetime({ offset: true }).optional(),
});
export type MetricDatumInput = z.infer<typeof metricDatumSchema>;
