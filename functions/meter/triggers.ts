import type { FunctionDeclaration } from '#domain/triggers.ts';

export const meterFunction: FunctionDeclaration = {
  name: 'meter',
  description: "Meters every service's replica-time into month-to-date spend and publishes budget alerts",
  timeoutSeconds: 120,
  memoryMb: 512,
  needs: ['state', 'audit', 'cluster-read', 'events-publish'],
  triggers: [{ kind: 'schedule', id: 'Meter', description: 'every minute', rateMinutes: 1 }],
};
