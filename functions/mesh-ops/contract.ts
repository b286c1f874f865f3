import * as z from 'zod/mini';
import { dnsLabel, dryRunSchema } from '#domain/schemas.ts';
import type { OperationContract } from '#functions/http/request.ts';
import type { MeshOpsOperationId } from './triggers.ts';

const mutation = z.strictObject({ dryRun: dryRunSchema });
const none = z.strictObject({});

const reasonSchema = z.string().check(z.minLength(1), z.maxLength(512));

/** Chapter 7's POST /policies/pause body: durationMin is 1 minute to 7 days (10,080 minutes). */
export const pauseBody = z.strictObject({
  service: dnsLabel,
  durationMin: z.int('must be a whole number of minutes').check(z.minimum(1, 'must be at least 1'), z.maximum(10_080, 'must be at most 10080 (7 days)')),
  reason: z.optional(reasonSchema),
});

/** The request contract of the mesh-ops function's operations (merged into the one contract in functions/api/contract.ts). */
export const meshOpsContract = {
  pauseService: { query: mutation, body: pauseBody },
  listPauses: { query: none },
  // reason: why, for the audit record (as a pause's reason).
  resumeService: { query: z.strictObject({ dryRun: dryRunSchema, reason: z.optional(reasonSchema) }), path: { service: dnsLabel } },
} satisfies Record<MeshOpsOperationId, OperationContract>;
