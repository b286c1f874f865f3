import type { FunctionDeclaration } from '#domain/triggers.ts';
import { burstAlarmPattern } from '../scaler/triggers.ts';

export const burstRunnerFunction: FunctionDeclaration = {
  name: 'burst-runner',
  description: 'Moves bursts through warm-up, ramp, hold and scale-back; starts the bursts rules name on their scale-out alarms',
  timeoutSeconds: 120,
  memoryMb: 512,
  needs: ['state', 'audit', 'audit-outbox', 'cluster-capacity', 'node-groups-read', 'schedules'],
  triggers: [
    { kind: 'schedule', id: 'BurstTick', description: 'every minute, finds overdue starts and scale-backs', rateMinutes: 1 },
    { kind: 'event', id: 'BurstAlarm', description: 'burst alarms entering ALARM, for rules that name a burst template', pattern: burstAlarmPattern },
  ],
};

/** What a one-shot schedule sends the runner. */
export interface BurstCommand {
  burstId: string;
}
