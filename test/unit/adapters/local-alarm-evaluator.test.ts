import { beforeEach, describe, expect, it } from 'vitest';
import { type AlarmStateChangeEvent, LocalAlarmEvaluator } from '#adapters/local/local-alarm-evaluator.ts';
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
  treatMissingData: 'notBreaching',
  tags: { 'hms:rule': 'AR-101' },
};
const scaleIn: AlarmSpec = { ...alarm, name: 'hms-sys-AR-101-scale-in', threshold: 100, comparison: 'LessThanThreshold', treatMissingData: 'breaching' };

const advance = (seconds: number) => {
  now = new Date(now.getTime() + seconds * 1000);
};
const datum = (value: number, dimensions: Record<string, string> = { Service: 'api' }) => ({
  namespace: 'HMS/Services',
  metricName: 'RequestCount',
  dimensions,
  value,
});

beforeEach(async () => {
  now = start;
  events = [];
  evaluator = new LocalAlarmEvaluator({
    clock: { now: () => now },
    emit: (event) => {
      events.push(event);
    },
  });
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
          metrics: [
            {
              metricStat: { metric: { namespace: 'HMS/Services', name: 'RequestCount', dimensions: { Service: 'api' } }, period: 60, stat: 'Average' },
              returnData: true,
            },
          ],
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

  it("knows whether a metric has published since a time, as CloudWatch's history does", async () => {
    const before = new Date(now.getTime() - 1_000);
    expect(await evaluator.hasDataSince(alarm.metric, before)).toBe(false);
    await evaluator.putMetricData(datum(300));
    advance(3_600);
    expect(await evaluator.hasDataSince(alarm.metric, before)).toBe(true);
    expect(await evaluator.hasDataSince(alarm.metric, new Date(now.getTime() - 60_000))).toBe(false);
  });

  it('ignores datapoints whose dimensions differ', async () => {
    events = [];
    await evaluator.putMetricData(datum(900, { Service: 'api', Env: 'dev' }));
    expect(events).toEqual([]);
    expect(await evaluator.latestValue(alarm.metric)).toBeNull();
  });

  it('keeps evaluating the last real datapoint until it leaves the evaluation range, then goes back to OK', async () => {
    await evaluator.putMetricData(datum(812));
    events = [];
    // The evaluation range is EvaluationPeriods + 2 periods: 812 is still the newest real datapoint.
    for (const seconds of [30, 61, 121, 179]) await evaluator.reevaluate(new Date(start.getTime() + seconds * 1000));
    expect(events).toEqual([]);
    expect(evaluator.alarmState(alarm.name)).toBe('ALARM');

    await evaluator.reevaluate(new Date(start.getTime() + 181_000));
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

  it('puts a scale-in alarm that treats missing data as breaching in ALARM when the metric has never published', async () => {
    events = [];
    await evaluator.putAlarm(scaleIn);
    expect(evaluator.alarmState(scaleIn.name)).toBe('ALARM');
    expect(events[0]!.detail.state.reason).toContain('treated as [Breaching]');
  });

  it('scales in once traffic stops: the scale-in alarm fires when the last datapoint leaves the evaluation range', async () => {
    await evaluator.putAlarm(scaleIn);
    await evaluator.putMetricData(datum(400));
    expect(evaluator.alarmState(scaleIn.name)).toBe('OK');
    events = [];
    // No more datapoints: the request-rate metric publishes nothing without traffic.
    for (let seconds = 60; seconds < 180; seconds += 60) {
      await evaluator.reevaluate(new Date(start.getTime() + seconds * 1000));
      expect(evaluator.alarmState(scaleIn.name)).toBe('OK');
    }
    await evaluator.reevaluate(new Date(start.getTime() + 180_000));
    expect(events.filter((e) => e.detail.alarmName === scaleIn.name).map((e) => e.detail.state.value)).toEqual(['ALARM']);
    expect(evaluator.alarmState(alarm.name)).toBe('OK');
  });

  it('fills only the periods it lacks with TreatMissingData: one breaching datapoint of two alarms only when missing counts as breaching', async () => {
    await evaluator.putAlarm({ ...alarm, name: 'two-missing-breach', evaluationPeriods: 2, treatMissingData: 'breaching' });
    await evaluator.putAlarm({ ...alarm, name: 'two-missing-ok', evaluationPeriods: 2, treatMissingData: 'notBreaching' });
    await evaluator.putMetricData(datum(900));
    expect(evaluator.alarmState('two-missing-breach')).toBe('ALARM');
    expect(evaluator.alarmState('two-missing-ok')).toBe('OK');
  });

  it('ignores TreatMissingData when the range holds enough real datapoints, even if the newest periods are empty', async () => {
    await evaluator.putAlarm(scaleIn);
    await evaluator.putMetricData(datum(400));
    await evaluator.reevaluate(new Date(start.getTime() + 120_000));
    expect(evaluator.alarmState(scaleIn.name)).toBe('OK');
    expect(JSON.parse((await lastEventFor(scaleIn.name))?.detail.state.reasonData ?? '{}').recentDatapoints).toEqual([400]);
  });

  it('evaluates on its cadence only when evaluateOnData is false: every 10 s for a 10-second period, every minute otherwise', async () => {
    const quiet: AlarmStateChangeEvent[] = [];
    const strict = new LocalAlarmEvaluator({
      clock: { now: () => now },
      emit: (e) => {
        quiet.push(e);
      },
      evaluateOnData: false,
    });
    const fast: AlarmSpec = { ...alarm, name: 'fast', metric: { ...alarm.metric, periodSeconds: 10 } };
    await strict.putAlarm(fast);
    await strict.putAlarm(alarm);
    now = new Date(start.getTime() + 1_000);
    await strict.putMetricData(datum(900));
    expect(strict.alarmState('fast')).toBe('OK');

    await strict.reevaluate(new Date(start.getTime() + 9_000));
    expect(strict.alarmState('fast')).toBe('OK');
    await strict.reevaluate(new Date(start.getTime() + 10_000));
    expect(strict.alarmState('fast')).toBe('ALARM');
    expect(strict.alarmState(alarm.name)).toBe('OK');

    await strict.reevaluate(new Date(start.getTime() + 60_000));
    expect(strict.alarmState(alarm.name)).toBe('ALARM');
  });

  it.each([
    [60, 'ALARM'],
    [1, 'OK'],
  ] as const)(
    'a 10-second scale-in alarm on a metric stored at StorageResolution %i, published every 10 s above the threshold, ends in %s',
    async (storageResolution, expected) => {
      const states: string[] = [];
      const strict = new LocalAlarmEvaluator({
        clock: { now: () => now },
        emit: (e) => {
          states.push(e.detail.state.value);
        },
        evaluateOnData: false,
      });
      const fastIn: AlarmSpec = { ...scaleIn, metric: { ...scaleIn.metric, periodSeconds: 10 } };
      await strict.putAlarm(fastIn);
      for (let t = 1; t <= 180; t += 1) {
        now = new Date(start.getTime() + t * 1000);
        if (t % 10 === 1) await strict.putMetricData({ ...datum(400), storageResolution });
        await strict.reevaluate();
        // Created with no data, the alarm starts in ALARM (breaching); count from the first datapoint's evaluation.
        if (t === 10) {
          expect(strict.alarmState(fastIn.name)).toBe('OK');
          states.length = 0;
        }
      }
      // At one-minute resolution the datapoints land on their minute, so the 10 s periods between are
      // empty, count as breaching, and the alarm fires between datapoints although every value is 400.
      expect(states.includes('ALARM')).toBe(expected === 'ALARM');
    },
  );

  it('a 60-second alarm sees a datapoint stored at one-minute resolution at its own time, as before', async () => {
    now = new Date(start.getTime() + 50_000);
    await evaluator.putMetricData({ ...datum(900), storageResolution: 60 });
    expect(evaluator.alarmState(alarm.name)).toBe('ALARM');
  });
});

async function lastEventFor(name: string): Promise<AlarmStateChangeEvent | undefined> {
  return events.filter((e) => e.detail.alarmName === name).at(-1);
}
