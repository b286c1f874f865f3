import { describe, expect, it } from 'vitest';
import { LocalAlarmEvaluator, type AlarmStateChangeEvent } from '#adapters/local/local-alarm-evaluator.ts';
import type { AlarmSpec } from '#ports/metrics.ts';

const now = new Date('2026-03-01T12:00:10.000Z');
const alarmOn = (service: string, name = `hms-sys-${service}-scale-out`): AlarmSpec => ({
  name, description: `scale ${service} out`,
  metric: { namespace: 'HMS/Services', metricName: 'http_rps', dimensions: { Service: service }, statistic: 'Average', periodSeconds: 60 },
  threshold: 100, comparison: 'GreaterThanThreshold', evaluationPeriods: 1, treatMissingData: 'notBreaching', tags: {},
});
const datum = (service: string, value: number) => ({ namespace: 'HMS/Services', metricName: 'http_rps', dimensions: { Service: service }, value });

async function evaluatorWith(alarms: AlarmSpec[], emit?: (event: AlarmStateChangeEvent) => void) {
  const events: AlarmStateChangeEvent[] = [];
  const evaluator = new LocalAlarmEvaluator({ clock: { now: () => now }, emit: emit ?? ((event) => { events.push(event); }) });
  for (const alarm of alarms) await evaluator.putAlarm(alarm);
  events.length = 0;
  return { evaluator, events };
}

const alarmed = (events: AlarmStateChangeEvent[]) => events.filter((e) => e.detail.state.value === 'ALARM').map((e) => e.detail.alarmName);

describe('metric ingest, as PutMetricData answers', () => {
  it('stores the datapoint at once and evaluates its alarms afterwards; settled() waits for that', async () => {
    const { evaluator, events } = await evaluatorWith([alarmOn('api')]);
    evaluator.ingest(datum('api', 500));
    expect(events).toEqual([]);
    // Stored already: the alarm's metric reads it.
    expect(await evaluator.latestValue(alarmOn('api').metric)).toMatchObject({ value: 500 });
    await evaluator.settled();
    expect(alarmed(events)).toEqual(['hms-sys-api-scale-out']);
  });

  it('reaches settled() with the first error an evaluation met, once', async () => {
    const { evaluator } = await evaluatorWith([alarmOn('api')], (event) => {
      if (event.detail.state.value === 'ALARM') throw new Error('bus down');
    });
    evaluator.ingest(datum('api', 500));
    await expect(evaluator.settled()).rejects.toThrow('bus down');
    await expect(evaluator.settled()).resolves.toBeUndefined();
  });
});

describe('alarms indexed by metric', () => {
  it('evaluates only the alarms on exactly the pushed metric, among many', async () => {
    const services = Array.from({ length: 300 }, (_, i) => `svc-${i}`);
    const { evaluator, events } = await evaluatorWith([...services.map((s) => alarmOn(s)), alarmOn('svc-7', 'second-alarm-on-svc-7')]);
    evaluator.ingest(datum('svc-7', 500));
    evaluator.ingest({ ...datum('svc-8', 500), dimensions: { Service: 'svc-8', Env: 'dev' } });
    await evaluator.settled();
    expect(alarmed(events).sort()).toEqual(['hms-sys-svc-7-scale-out', 'second-alarm-on-svc-7']);
  });

  it('follows an alarm whose metric is replaced by putAlarm, and forgets a deleted one', async () => {
    const { evaluator, events } = await evaluatorWith([alarmOn('api'), alarmOn('web')]);
    await evaluator.putAlarm({ ...alarmOn('api'), metric: alarmOn('portal').metric });
    await evaluator.deleteAlarms(['hms-sys-web-scale-out']);
    evaluator.ingest(datum('api', 500));
    evaluator.ingest(datum('web', 500));
    await evaluator.settled();
    expect(events).toEqual([]);
    evaluator.ingest(datum('portal', 500));
    await evaluator.settled();
    expect(alarmed(events)).toEqual(['hms-sys-api-scale-out']);
    expect(evaluator.alarmState('hms-sys-web-scale-out')).toBeNull();
  });
});
