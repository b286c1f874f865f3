import type { FunctionDeclaration } from '#domain/triggers.ts';

/** Invoked by Secrets Manager itself, four times per rotation with one token: no route, rule or schedule. */
export const rotationFunction: FunctionDeclaration = {
  name: 'rotation',
  description: 'Secrets Manager rotation function: createSecret, setSecret, testSecret, finishSecret for hms-sys strategies',
  timeoutSeconds: 60,
  memoryMb: 256,
  needs: ['secrets-rotate', 'database', 'audit', 'audit-outbox', 'audit-outbox-drain'],
  triggers: [],
};
