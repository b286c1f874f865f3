import type { FunctionDeclaration } from '#domain/triggers.ts';

export const credentialRevokerFunction: FunctionDeclaration = {
  name: 'credential-revoker',
  description: 'Drops expired short-lived database roles, ending their sessions, and deletes their secrets',
  timeoutSeconds: 120,
  memoryMb: 256,
  needs: ['audit', 'audit-outbox', 'audit-outbox-drain', 'credentials-revoke', 'database'],
  triggers: [{ kind: 'schedule', id: 'RevokeExpired', description: 'every 5 minutes', rateMinutes: 5 }],
};
