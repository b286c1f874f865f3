import type { FunctionDeclaration } from '#domain/triggers.ts';

export const secretSweeperFunction: FunctionDeclaration = {
  name: 'secret-sweeper',
  description: 'Finds rotations overdue past NextRotationDate, stuck with an old AWSPENDING version, or unscheduled; restarts and reports them',
  timeoutSeconds: 300,
  memoryMb: 512,
  needs: ['audit', 'audit-outbox', 'audit-outbox-drain', 'secrets-rotate-start', 'secrets-unwedge', 'events-publish'],
  triggers: [{ kind: 'schedule', id: 'SecretSweep', description: 'every 15 minutes', rateMinutes: 15 }],
};
