import { BURST_ALARM_WILDCARD, SCALING_ALARM_WILDCARD } from '#domain/alarms.ts';
import type { EventPattern, FunctionDeclaration } from '#domain/triggers.ts';

/** hms-sys alarms entering ALARM whose names match `wildcard`. */
export const alarmsEnteringAlarm = (wildcard: string): EventPattern => ({
  source: ['aws.cloudwatch'],
  'detail-type': ['CloudWatch Alarm State Change'],
  detail: {
    alarmName: [{ wildcard }],
    state: { value: ['ALARM'] },
  },
});

/** The scaling alarms (scale-out and scale-in), for the scaler. */
export const alarmStateChangePattern = alarmsEnteringAlarm(SCALING_ALARM_WILDCARD);

/** The burst alarms of rules that name a burst template, for the burst runner. */
export const burstAlarmPattern = alarmsEnteringAlarm(BURST_ALARM_WILDCARD);

export const scalerFunction: FunctionDeclaration = {
  name: 'scaler',
  description: "Scales a Deployment when one of its rule's alarms enters ALARM",
  timeoutSeconds: 120,
  memoryMb: 512,
  needs: ['state', 'audit', 'audit-outbox', 'metrics-read', 'cluster-write'],
  triggers: [{ kind: 'event', id: 'AlarmStateChange', description: 'hms-sys alarms entering ALARM', pattern: alarmStateChangePattern }],
};
