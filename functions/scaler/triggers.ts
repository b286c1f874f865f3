import { ALARM_NAME_PREFIX } from '#domain/alarms.ts';
import type { EventPattern, FunctionDeclaration } from '#domain/triggers.ts';

export const alarmStateChangePattern: EventPattern = {
  source: ['aws.cloudwatch'],
  'detail-type': ['CloudWatch Alarm State Change'],
  detail: {
    alarmName: [{ prefix: ALARM_NAME_PREFIX }],
    state: { value: ['ALARM'] },
  },
};

export const scalerFunction: FunctionDeclaration = {
  name: 'scaler',
  description: 'Scales a Deployment when one of its rule\'s alarms enters ALARM',
  timeoutSeconds: 120,
  memoryMb: 512,
  needs: ['state', 'audit', 'metrics-read', 'cluster-write'],
  triggers: [
    { kind: 'event', id: 'AlarmStateChange', description: 'hms-sys alarms entering ALARM', pattern: alarmStateChangePattern },
  ],
};
