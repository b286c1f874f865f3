import type { FunctionDeclaration, RouteTrigger } from '#domain/triggers.ts';

export const auditDigestRoutes = [
  {
    kind: 'http',
    method: 'POST',
    path: '/audit/digests',
    scope: 'hms/audit.digest',
    operationId: 'runAuditDigests',
    summary: 'Sign a digest now for every audit stream changed since the last digest run',
  },
  // Verify and the public key are served here, beside the S3 and KMS clients they use, so the API's bundle carries neither.
  {
    kind: 'http',
    method: 'GET',
    path: '/audit/verify',
    scope: 'hms/audit.read',
    operationId: 'verifyAudit',
    summary: "Check the hash chain of a service's audit stream",
  },
  {
    kind: 'http',
    method: 'GET',
    path: '/audit/public-key',
    scope: 'hms/audit.read',
    operationId: 'getAuditPublicKey',
    summary: 'The public key (PEM) that verifies the signed audit digests, as the signing key gives it',
  },
] as const satisfies readonly RouteTrigger[];

export type AuditDigestOperationId = (typeof auditDigestRoutes)[number]['operationId'];

export const auditDigestFunction: FunctionDeclaration = {
  name: 'audit-digest',
  description:
    'Signs hourly digests of the audit streams into the Object Lock archive, then prunes archived records past the hot period; serves audit verify and the public key',
  // For the scheduled run. An HTTP request is bounded by its own budget (VERIFY_TIME_BUDGET_MS, ON_DEMAND_BUDGET_MS),
  // since API Gateway stops waiting after 30 s whatever the function's timeout.
  timeoutSeconds: 300,
  // Verify checks up to 250,000 records a call; Lambda's CPU grows with memory.
  memoryMb: 1024,
  // audit-outbox: a lookup day's verify chains the waiting lookups first, deleting their outbox items.
  needs: ['audit', 'audit-outbox', 'audit-outbox-drain', 'audit-digest', 'audit-prune'],
  // No maxInstances: it serves readers' requests, so it reserves what every HTTP function does.
  // Two digest runs at once are safe (a range is claimed before it is signed).
  triggers: [{ kind: 'schedule', id: 'DigestAudit', description: 'every hour', rateMinutes: 60 }, ...auditDigestRoutes],
};
