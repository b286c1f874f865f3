import { randomUUID } from 'node:crypto';

/** A "CloudWatch Alarm State Change" event as AWS delivers it, for replaying and racing. */
export function alarmEvent(alarmName: string, value: number, id: string = randomUUID(), time = new Date()) {
  return {
    version: '0',
    id,
    'detail-type': 'CloudWatch Alarm State Change',
    source: 'aws.cloudwatch',
    account: '000000000000',
    time: time.toISOString(),
    region: 'us-east-1',
    resources: [`arn:aws:cloudwatch:us-east-1:000000000000:alarm:${alarmName}`],
    detail: {
      alarmName,
      state: {
        value: 'ALARM',
        reason: 'Threshold Crossed',
        reasonData: JSON.stringify({ version: '1.0', recentDatapoints: [value] }),
        timestamp: new Date().toISOString(),
      },
      previousState: { value: 'OK', reason: '', timestamp: new Date().toISOString() },
      configuration: { metrics: [] },
    },
  };
}
