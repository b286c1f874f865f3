import { beforeEach, describe, expect, it } from 'vitest';
import { LocalAlarmEvaluator, type AlarmStateChangeEvent } from '#adapters/local/local-alarm-evaluator.ts';
import type { AlarmSpec } from '#ports/metrics.ts';

const start = new Date('2026-03-01T12:00:00.000Z');
let now: Date;
let events: AlarmStateChangeEvent[];
let evaluator: LocalAlarmEvaluator;

const alarm: AlarmSpec = {
  name: 'hms-sys-AR-101-scale-out',
  description: 'scale api out when RequestCount > 500',
  metric: { namespace: 'HMS/Services', metricName: 'RequestCount', dimensions: { Service: 'api' }, statistic: 'Average', periodSeconds: 60 },
  threshold: 500,
  comparison: 'GreaterThanThreshold',
  evaluationPeriods: 1,
  tags: { 'hms:rule': 'AR-101' },
};

const advance = (seconds: number) => { now = new Date(now.getTime() + seconds * 1000); };
const datum = (value: number, dimensions: Record<string, string> = { Service: 'api' }) =>
  ({ namespace: 'HMS/Services', metricName: 'RequestCount', dimensions, value });

beforeEach(async () => {
  now = start;
  events = [];
  evaluator = new LocalAlarmEvaluator({ clock: { now: () => now }, emit: (event) => { events.push(event); } });
  await evaluator.putAlarm(alarm);
});

describe('LocalAlarmEvaluator', () => {
  it('moves a new alarm from INSUFFICIENT_DATA to OK when there is no data, as notBreaching does', () => {
    expect(evaluator.alarmState(alarm.name)).toBe('OK');
    expect(events).toHaveLength(1);
    expect(events[0]!.detail.previousState.value).toBe('INSUFFICIENT_DATA');
    expect(events[0]!.detail.state.value).toBe('OK');
  });

  it('emits one event in the AWS shape when a datapoint crosses the threshold', async () => {
    events = [];
    advance(10);
    await evaluator.putMetricData(datum(812));

    expect(events).toHaveLength(1);
    const event = events[0]!;
    expect(event).toMatchObject({
      version: '0',
      'detail-type': 'CloudWatch Alarm State Change',
      source: 'aws.cloudwatch',
      account: '000000000000',
      region: 'us-east-1',
      time: '2026-03-01T12:00:10Z',
      resources: ['arn:aws:cloudwatch:us-east-1:000000000000:alarm:hms-sys-AR-101-scale-out'],
      detail: {
        alarmName: 'hms-sys-AR-101-scale-out',
        state: { value: 'ALARM', timestamp: '2026-03-01T12:00:10.000+0000' },
        previousState: { value: 'OK' },
        configuration: {
          description: alarm.description,
          metrics: [{
            metricStat: { metric: { namespace: 'HMS/Services', name: 'RequestCount', dimensions: { Service: 'api' } }, period: 60, stat: 'Average' },
            returnData: true,
          }],
        },
      },
    });
    expect(event.detail.state.reason).toMatch(/^Threshold Crossed: 1 out of the last 1 datapoints \[812 \(.+\)\] was greater than the threshold \(500\.0\)/);
    const reasonData = JSON.parse(event.detail.state.reasonData!);
    expect(reasonData).toMatchObject({ version: '1.0', statistic: 'Average', period: 60, recentDatapoints: [812], threshold: 500 });
    expect(reasonData.evaluatedDatapoints).toEqual([{ timestamp: '2026-03-01T11:59:10.000+0000', sampleCount: 1, value: 812 }]);
    expect(evaluator.alarmState(alarm.name)).toBe('ALARM');
    expect(await evaluator.alarmsInAlarm('hms-sys-')).toEqual([alarm.name]);
  });

  it('emits nothing for a second breaching datapoint, since the state does not change', async () => {
    await evaluator.putMetricData(datum(812));
    events = [];
    advance(5);
    await evaluator.putMetricData(datum(900));
    expect(events).toEqual([]);
    expect(evaluator.alarmState(alarm.name)).toBe('ALARM');
  });

  it('returns to OK when the period average falls below the threshold', async () => {
    await evaluator.putMetricData(datum(812));
    advance(61);
    events = [];
    await evaluator.putMetricData(datum(120));

    expect(events.map((e) => [e.detail.previousState.value, e.detail.state.value])).toEqual([['ALARM', 'OK']]);
    expect(events[0]!.detail.state.reason).toContain('was not greater than the threshold');
    expect(await evaluator.alarmsInAlarm('hms-sys-')).toEqual([]);
  });

  it('averages the datapoints within the period', async () => {
    await evaluator.putMetricData(datum(800));
    advance(5);
    await evaluator.putMetricData(datum(100));
    expect(await evaluator.latestValue(alarm.metric)).toMatchObject({ value: 450 });
    expect(evaluator.alarmState(alarm.name)).toBe('OK');
  });

  it('ignores datapoints whose dimensions differ', async () => {
    events = [];
    await evaluator.putMetricData(datum(900, { Service: 'api', Env: 'dev' }));
    expect(events).toEqual([]);
    expect(await evaluator.latestValue(alarm.metric)).toBeNull();
  });

  it('goes back to OK on reevaluate once the breaching data ages out', async () => {
    await evaluator.putMetricData(datum(812));
    events = [];
    await evaluator.reevaluate(new Date(start.getTime() + 30_000));
    expect(events).toEqual([]);

    await evaluator.reevaluate(new Date(start.getTime() + 61_000));
    expect(events.map((e) => e.detail.state.value)).toEqual(['OK']);
    expect(events[0]!.detail.state.reason).toContain('treated as [NonBreaching]');
  });

  it('fires a scale-in alarm when the value drops below its threshold', async () => {
    await evaluator.putAlarm({ ...alarm, name: 'hms-sys-AR-101-scale-in', threshold: 100, comparison: 'LessThanThreshold' });
    events = [];
    await evaluator.putMetricData(datum(40));
    expect(events.map((e) => [e.detail.alarmName, e.detail.state.value])).toEqual([['hms-sys-AR-101-scale-in', 'ALARM']]);
  });

  it('needs every evaluation period to breach before ALARM', async () => {
    await evaluator.putAlarm({ ...alarm, name: 'two-periods', evaluationPeriods: 2 });
    await evaluator.putMetricData(datum(900));
    expect(evaluator.alarmState('two-periods')).toBe('OK');
    advance(60);
    await evaluator.putMetricData(datum(950));
    expect(evaluator.alarmState('two-periods')).toBe('ALARM');
  });

  it('keeps the state when an alarm is updated and forgets deleted alarms', async () => {
    await evaluator.putMetricData(datum(812));
    await evaluator.putAlarm({ ...alarm, description: 'changed' });
    expect(evaluator.alarmState(alarm.name)).toBe('ALARM');
    await evaluator.deleteAlarms([alarm.name]);
    expect(evaluator.alarmState(alarm.name)).toBeNull();
  });
});
