import type { FunctionDeclaration } from '#domain/triggers.ts';

export const burstRunnerFunction: FunctionDeclaration = {
  name: 'burst-runner',
  description: 'Moves bursts through warm-up, ramp, hold and scale-back; invoked by one-shot schedules and every minute',
  timeoutSeconds: 120,
  memoryMb: 512,
  needs: ['state', 'audit', 'cluster-write', 'schedules'],
  triggers: [{ kind: 'schedule', id: 'BurstTick', description: 'every minute, finds overdue starts and scale-backs', rateMinutes: 1 }],
};

/** What a one-shot schedule sends the runner. */
export interface BurstCommand {
  burstId: string;
}
