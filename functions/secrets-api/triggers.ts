import type { FunctionDeclaration, RouteTrigger } from '#domain/triggers.ts';

export const secretRoutes = [
  {
    kind: 'http',
    method: 'GET',
    path: '/secrets',
    scope: 'hms/secrets.read',
    operationId: 'listSecrets',
    summary: 'Secrets under hms-sys rotation, with their policy and health',
  },
  {
    kind: 'http',
    method: 'POST',
    path: '/secrets/rotate',
    scope: 'hms/secrets.write',
    operationId: 'rotateSecret',
    summary: 'Start a rotation of one secret now (202): Secrets Manager runs it asynchronously',
  },
  {
    kind: 'http',
    method: 'POST',
    path: '/db-credentials',
    scope: 'hms/secrets.write',
    operationId: 'issueDbCredential',
    summary: 'Issue a short-lived PostgreSQL login, stored as a secret',
  },
  {
    kind: 'http',
    method: 'GET',
    path: '/db-credentials',
    scope: 'hms/secrets.read',
    operationId: 'listDbCredentials',
    summary: 'Issued database credentials and their expiry',
  },
  {
    kind: 'http',
    method: 'POST',
    path: '/db-credentials/revoke',
    scope: 'hms/secrets.write',
    operationId: 'revokeDbCredential',
    summary: 'Revoke one credential now: drop its role and delete its secret',
  },
] as const satisfies readonly RouteTrigger[];

/** The operations these routes name: each needs a contract, a response schema and an operation, or the build fails. */
export type SecretOperationId = (typeof secretRoutes)[number]['operationId'];

export const secretsApiFunction: FunctionDeclaration = {
  name: 'secrets-api',
  description: 'HTTP API: rotated secrets and short-lived database credentials',
  timeoutSeconds: 29,
  memoryMb: 512,
  needs: ['state', 'audit', 'audit-outbox', 'secrets-rotate-start', 'credentials-issue', 'credentials-revoke', 'database', 'events-publish'],
  triggers: secretRoutes,
};
