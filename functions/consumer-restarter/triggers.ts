import type { EventPattern, FunctionDeclaration } from '#domain/triggers.ts';

/** Secrets Manager's rotation outcomes reach EventBridge as CloudTrail events, in the service-event form and (for some) the API-call form. */
export const rotationEventPattern = (eventName: 'RotationSucceeded' | 'RotationFailed'): EventPattern => ({
  source: ['aws.secretsmanager'],
  'detail-type': ['AWS Service Event via CloudTrail', 'AWS API Call via CloudTrail'],
  detail: { eventSource: ['secretsmanager.amazonaws.com'], eventName: [eventName] },
});

export const consumerRestarterFunction: FunctionDeclaration = {
  name: 'consumer-restarter',
  description: 'Rolls the Deployments that read a secret once its rotation succeeds, a few at a time',
  timeoutSeconds: 300,
  memoryMb: 512,
  needs: ['state', 'audit', 'audit-outbox', 'audit-outbox-drain', 'secrets-describe', 'cluster-restart'],
  // One at a time, so the check of rollouts under way and the restart that follows it cannot interleave.
  maxInstances: 1,
  triggers: [
    { kind: 'event', id: 'RotationSucceeded', description: 'a Secrets Manager rotation succeeded', pattern: rotationEventPattern('RotationSucceeded') },
    {
      kind: 'event',
      id: 'CredentialReplaced',
      description: 'a service got a new short-lived database login',
      pattern: { source: ['hms.sys'], 'detail-type': ['DbCredentialReplaced'] },
    },
  ],
};
