import type { FunctionDeclaration } from '#domain/triggers.ts';

export const reconcilerFunction: FunctionDeclaration = {
  name: 'reconciler',
  description: 'Re-evaluates every rule whose alarm is in ALARM, so a lost event cannot strand a service',
  timeoutSeconds: 300,
  memoryMb: 512,
  needs: ['state', 'audit', 'audit-outbox', 'audit-outbox-drain', 'alarms-read', 'metrics-read', 'cluster-write'],
  triggers: [{ kind: 'schedule', id: 'Reconcile', description: 'every minute', rateMinutes: 1 }],
};
