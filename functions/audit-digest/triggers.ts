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
] as const satisfies readonly RouteTrigger[];

export type AuditDigestOperationId = (typeof auditDigestRoutes)[number]['operationId'];

export const auditDigestFunction: FunctionDeclaration = {
  name: 'audit-digest',
  description: 'Signs hourly digests of the audit streams into the Object Lock archive, then prunes archived records past the hot period',
  timeoutSeconds: 300,
  memoryMb: 1024,
  needs: ['audit', 'audit-digest', 'audit-prune'],
  // One run at a time is enough; a second would find every range claimed.
  maxInstances: 2,
  triggers: [{ kind: 'schedule', id: 'DigestAudit', description: 'every hour', rateMinutes: 60 }, ...auditDigestRoutes],
};
