import * as z from 'zod/mini';
import type { OperationId } from '../http-routes.ts';
import {
  alarmSpec,
  auditPage,
  budget,
  budgetList,
  budgetStatus,
  burst,
  burstFields,
  burstPlanFields,
  dbCredential,
  digestRunReport,
  issuedCredential,
  replicasPreview,
  rotatedSecret,
  rule,
  ruleDraft,
  ruleStatus,
  scaleAnswer,
  service,
  verifyReport,
} from './entity-schemas.ts';
import { meshResponses } from './mesh-schemas.ts';

/**
 * What an operation answers on success: `ok` for the real call (201 for a create, 202 for work
 * started, else 200) and, for an operation with `?dryRun=true`, `dryRun` for the preview (200).
 */
export interface OperationResponses {
  ok: z.ZodMiniType;
  dryRun?: z.ZodMiniType;
}

/** A dry run's answer: `dryRun` is always true, beside what would happen. */
const preview = <T extends z.core.$ZodLooseShape>(shape: T) => z.object({ dryRun: z.boolean(), ...shape });

const deleted = z.object({ deleted: z.string() });

const burstCreated = z.object({ ...burstFields, estimatedReadySeconds: z.number(), priceBasis: z.string() });
const burstPreview = preview({ ...burstPlanFields, burstId: z.null(), estimatedReadySeconds: z.number(), priceBasis: z.string() });
const burstStatus = z.object({ ...burstFields, readyPods: z.nullable(z.number()), pendingPods: z.nullable(z.number()), desiredPods: z.nullable(z.number()) });

/** The document itself: OpenAPI 3.1's required fields, the rest as generated. */
const openApi = z.looseObject({
  openapi: z.string(),
  info: z.looseObject({ title: z.string(), version: z.string() }),
  paths: z.record(z.string(), z.unknown()),
});

export const responses = {
  createService: { ok: service, dryRun: preview({ wouldCreate: service }) },
  listServices: { ok: z.object({ services: z.array(service) }) },
  getService: { ok: service },
  updateService: { ok: service, dryRun: preview({ wouldUpdate: service, changed: z.boolean() }) },
  // rulesDeleted only with ?cascade=true.
  deleteService: {
    ok: z.object({ deleted: z.string(), rulesDeleted: z.optional(z.array(z.string())) }),
    dryRun: preview({ wouldDelete: service, rulesDeleted: z.optional(z.array(z.string())) }),
  },
  createRule: { ok: rule, dryRun: preview({ wouldCreate: ruleDraft, alarms: z.array(alarmSpec), replicas: replicasPreview }) },
  listRules: { ok: z.object({ rules: z.array(rule) }) },
  getRule: { ok: rule },
  updateRule: {
    ok: rule,
    dryRun: preview({ wouldUpdate: rule, alarms: z.array(alarmSpec), alarmsDeleted: z.array(z.string()), replicas: replicasPreview }),
  },
  deleteRule: {
    ok: z.object({ deleted: z.string(), alarmsDeleted: z.array(z.string()) }),
    dryRun: preview({ wouldDelete: rule, alarmsDeleted: z.array(z.string()) }),
  },
  getRuleStatus: { ok: ruleStatus },
  listAudit: { ok: auditPage },
  verifyAudit: { ok: verifyReport },
  getOpenApi: { ok: openApi },
  runAuditDigests: { ok: digestRunReport },
  getAuditPublicKey: { ok: z.object({ keyId: z.string(), pem: z.string(), key: z.string() }) },
  setBudget: { ok: budgetStatus, dryRun: preview({ wouldSet: budget }) },
  getBudget: { ok: budgetStatus },
  deleteBudget: { ok: deleted, dryRun: preview({ wouldDelete: budget }) },
  listBudgets: { ok: budgetList },
  createBurst: { ok: burstCreated, dryRun: burstPreview },
  getBurst: { ok: burstStatus },
  cancelBurst: { ok: burst, dryRun: preview({ wouldCancel: burst }) },
  scaleService: { ok: scaleAnswer, dryRun: preview(scaleAnswer.shape) },
  listSecrets: { ok: z.object({ secrets: z.array(rotatedSecret) }) },
  rotateSecret: { ok: z.object({ secret: z.string(), rotationStarted: z.boolean(), versionId: z.string() }) },
  issueDbCredential: { ok: issuedCredential },
  listDbCredentials: { ok: z.object({ credentials: z.array(dbCredential) }) },
  revokeDbCredential: { ok: z.object({ revoked: z.array(z.string()), failures: z.array(z.object({ arn: z.string(), error: z.string() })) }) },
  ...meshResponses,
} satisfies Record<OperationId, OperationResponses>;
