import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { CloudWatchMetrics } from '#adapters/aws/cloudwatch-metrics.ts';
import { LocalAlarmEvaluator } from '#adapters/local/local-alarm-evaluator.ts';
import type { AlarmSpec } from '#ports/metrics.ts';

const cloudWatch = mockClient(CloudWatchClient);
const client = new CloudWatchClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
const now = new Date('2026-03-01T12:00:00.000Z');

const alarm: AlarmSpec = {
  name: 'hms-sys-AR-101-scale-out',
  description: 'scale out',
  metric: { namespace: 'HMS/Services', metricName: 'http_rps', dimensions: { Service: 'api' }, statistic: 'Average', periodSeconds: 60 },
  threshold: 500,
  comparison: 'GreaterThanThreshold',
  evaluationPeriods: 1,
  treatMissingData: 'notBreaching',
  tags: {},
};

beforeEach(() => cloudWatch.reset());

describe('alarmStates: a name with no alarm is left out, never reported as OK', () => {
  it('CloudWatch: reads names 100 a call and leaves out what DescribeAlarms does not return', async () => {
    const names = Array.from({ length: 150 }, (_, i) => `hms-sys-AR-${i + 1}-scale-out`);
    cloudWatch
      .on(DescribeAlarmsCommand)
      .resolvesOnce({
        MetricAlarms: [
          { AlarmName: names[0], StateValue: 'ALARM' },
          { AlarmName: names[1], StateValue: 'OK' },
        ],
        NextToken: 'page-2',
      })
      .resolvesOnce({ MetricAlarms: [{ AlarmName: names[2], StateValue: 'INSUFFICIENT_DATA' }] })
      .resolvesOnce({ MetricAlarms: [] });

    const states = await new CloudWatchMetrics({ client, clock: { now: () => now } }).alarmStates(names);
    expect([...states]).toEqual([
      [names[0], 'ALARM'],
      [names[1], 'OK'],
      [names[2], 'INSUFFICIENT_DATA'],
    ]);
    expect(states.has(names[3]!)).toBe(false);
    const inputs = cloudWatch.commandCalls(DescribeAlarmsCommand).map((call) => call.args[0].input);
    expect(inputs.map((input) => input.AlarmNames?.length)).toEqual([100, 100, 50]);
    expect(inputs[0]).toMatchObject({ AlarmTypes: ['MetricAlarm'], NextToken: undefined });
    expect(inputs[1]).toMatchObject({ AlarmNames: names.slice(0, 100), NextToken: 'page-2' });
    expect(inputs[2]!.AlarmNames).toEqual(names.slice(100));
  });

  it('CloudWatch: sends nothing for no names', async () => {
    expect(await new CloudWatchMetrics({ client }).alarmStates([])).toEqual(new Map());
    expect(cloudWatch.commandCalls(DescribeAlarmsCommand)).toHaveLength(0);
  });

  it('the local evaluator: an alarm never put, or deleted, is left out', async () => {
    const evaluator = new LocalAlarmEvaluator({ clock: { now: () => now }, emit: () => undefined });
    await evaluator.putAlarm(alarm);
    await evaluator.putAlarm({ ...alarm, name: 'hms-sys-AR-102-scale-out' });
    await evaluator.deleteAlarms(['hms-sys-AR-102-scale-out']);
    const states = await evaluator.alarmStates([alarm.name, 'hms-sys-AR-102-scale-out', 'hms-sys-AR-103-scale-out']);
    expect([...states]).toEqual([[alarm.name, 'OK']]);
  });
});
