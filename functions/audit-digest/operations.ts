import type { OperationTable } from '#functions/http/operation-table.ts';
import type { DigestPorts } from '#use-cases/audit-digests.ts';
import { auditPublicKey } from '#use-cases/audit-public-key.ts';
import { VERIFY_TIME_BUDGET_MS, verifyAudit } from '#use-cases/audit-trail.ts';

/**
 * The audit reads this function serves, beside the S3 and KMS clients they use: GET /audit/verify
 * (the chain, then the stream's signed digests) and GET /audit/public-key.
 */
export const auditReadOperations: OperationTable<'verifyAudit' | 'getAuditPublicKey', DigestPorts> = {
  getAuditPublicKey: ({ ports }) => auditPublicKey(ports),
  verifyAudit: ({ ports, caller, query: q }) => {
    const stopAt = Date.now() + VERIFY_TIME_BUDGET_MS;
    return verifyAudit(
      ports,
      {
        from: q.from,
        ...(q.service ? { service: q.service } : {}),
        ...(q.kind === 'lookup' ? { lookupDay: q.day ?? ports.clock.now().toISOString().slice(0, 10) } : {}),
        ...(q.cursor ? { cursor: q.cursor } : {}),
      },
      () => Date.now() > stopAt,
      caller,
    );
  },
};
