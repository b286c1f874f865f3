import * as z from 'zod/mini';
import {
  auditQuerySchema,
  budgetFilterSchema,
  burstIdSchema,
  createBurstSchema,
  createRuleSchema,
  createServiceSchema,
  dnsLabel,
  dryRunSchema,
  issueDbCredentialSchema,
  revokeDbCredentialSchema,
  ruleIdSchema,
  scaleServiceSchema,
  secretRefSchema,
  setBudgetSchema,
  updateRuleSchema,
  updateServiceSchema,
} from '#domain/schemas.ts';

import type { OperationContract } from '#functions/http/request.ts';
import type { OperationId } from '../http-routes.ts';
import { meshContract } from '../mesh/contract.ts';
import { meshOpsContract } from '../mesh-ops/contract.ts';

export type { OperationContract };

const mutation = z.strictObject({ dryRun: dryRunSchema });
/** DELETE /services/{name}: `cascade=true` deletes the service's rules and their alarms first. */
const deleteServiceQuery = z.strictObject({ dryRun: dryRunSchema, cascade: dryRunSchema });
const none = z.strictObject({});
const byService = z.strictObject({ service: z.optional(dnsLabel) });
/**
 * GET /audit/verify: from the stored checkpoint (default) or from the first record; a cursor continues a genesis run.
 * `kind=lookup` verifies one day's lookup stream (`day`, a UTC date; today by default) instead of a change stream.
 */
const verifyAuditQuery = z
  .strictObject({
    kind: z.optional(z.enum(['lookup'], 'must be lookup; leave it out to verify a change stream')),
    day: z.optional(z.iso.date({ error: 'must be a UTC date such as 2026-12-03' })),
    service: z.optional(dnsLabel),
    from: z._default(z.enum(['checkpoint', 'genesis'], 'must be checkpoint or genesis'), 'checkpoint'),
    cursor: z.optional(z.string().check(z.maxLength(512), z.regex(/^[A-Za-z0-9_-]+$/, 'must be a cursor from a previous verify call'))),
  })
  .check(
    z.refine((q) => q.kind === 'lookup' || q.day === undefined, { message: 'names a day of lookups: add kind=lookup', path: ['day'] }),
    z.refine((q) => q.kind !== 'lookup' || q.service === undefined, { message: 'lookups are chained by day, not by service', path: ['service'] }),
  );

/** The request contract of every declared operation: an operation missing here, or one no route declares, fails the build. */
export const contract = {
  createService: { query: mutation, body: createServiceSchema, created: true },
  listServices: { query: none },
  getService: { query: none, path: { name: dnsLabel } },
  deleteService: { query: deleteServiceQuery, path: { name: dnsLabel } },
  updateService: { query: mutation, body: updateServiceSchema, path: { name: dnsLabel } },
  createRule: { query: mutation, body: createRuleSchema, created: true },
  listRules: { query: byService },
  getRule: { query: none, path: { id: ruleIdSchema } },
  updateRule: { query: mutation, body: updateRuleSchema, path: { id: ruleIdSchema } },
  deleteRule: { query: mutation, path: { id: ruleIdSchema } },
  getRuleStatus: { query: none, path: { id: ruleIdSchema } },
  listAudit: { query: auditQuerySchema },
  verifyAudit: { query: verifyAuditQuery, queryNamesObject: true },
  getOpenApi: { query: none },
  // No options yet: the body is empty or {}, and anything else is refused rather than ignored.
  runAuditDigests: { query: none, body: none, optionalBody: true },
  getAuditPublicKey: { query: none },
  setBudget: { query: mutation, body: setBudgetSchema, path: { service: dnsLabel } },
  getBudget: { query: none, path: { service: dnsLabel } },
  deleteBudget: { query: mutation, path: { service: dnsLabel } },
  listBudgets: { query: budgetFilterSchema },
  createBurst: { query: mutation, body: createBurstSchema, created: true },
  getBurst: { query: none, path: { id: burstIdSchema } },
  cancelBurst: { query: mutation, path: { id: burstIdSchema } },
  scaleService: { query: mutation, body: scaleServiceSchema, path: { name: dnsLabel } },
  listSecrets: { query: none },
  rotateSecret: { query: none, body: secretRefSchema, accepted: true },
  issueDbCredential: { query: none, body: issueDbCredentialSchema, created: true },
  listDbCredentials: { query: byService },
  revokeDbCredential: { query: none, body: revokeDbCredentialSchema },
  ...meshContract,
  ...meshOpsContract,
} satisfies Record<OperationId, OperationContract>;

/** Whether a route's operation id has a contract; true for every declared route. */
export const isOperationId = (id: string): id is OperationId => Object.hasOwn(contract, id);
