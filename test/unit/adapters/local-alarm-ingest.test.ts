import { describe, expect, it, vi } from 'vitest';
import { type AlarmStateChangeEvent, KEPT_EVALUATION_ERRORS, LocalAlarmEvaluator } from '#adapters/local/local-alarm-evaluator.ts';
import type { AlarmSpec } from '#ports/metrics.ts';

const now = new Date('2026-03-01T12:00:10.000Z');
const alarmOn = (service: string, name = `hms-sys-${service}-scale-out`): AlarmSpec => ({
  name,
  description: `scale ${service} out`,
  metric: { namespace: 'HMS/Services', metricName: 'http_rps', dimensions: { Service: service }, statistic: 'Average', periodSeconds: 60 },
  threshold: 100,
  comparison: 'GreaterThanThreshold',
  evaluationPeriods: 1,
  treatMissingData: 'notBreaching',
  tags: {},
});
const datum = (service: string, value: number) => ({ namespace: 'HMS/Services', metricName: 'http_rps', dimensions: { Service: service }, value });

async function evaluatorWith(alarms: AlarmSpec[], emit?: (event: AlarmStateChangeEvent) => void) {
  const events: AlarmStateChangeEvent[] = [];
  const evaluator = new LocalAlarmEvaluator({
    clock: { now: () => now },
    emit:
      emit ??
      ((event) => {
        events.push(event);
      }),
  });
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

  it('reports each failed delivery when it happens, naming its alarm, with no settled() needed', async () => {
    const reporter = { error: vi.fn() };
    const evaluator = new LocalAlarmEvaluator({
      clock: { now: () => now },
      reporter,
      emit: (event) => {
        if (event.detail.state.value === 'ALARM') throw new Error(`bus down for ${event.detail.alarmName}`);
      },
    });
    for (const service of ['api', 'web']) await evaluator.putAlarm(alarmOn(service));
    evaluator.ingest(datum('api', 500));
    evaluator.ingest(datum('web', 500));
    await vi.waitFor(() => expect(reporter.error).toHaveBeenCalledTimes(2));
    expect(reporter.error.mock.calls).toEqual([
      ['sandbox: alarm evaluation failed', { alarm: 'hms-sys-api-scale-out', error: 'bus down for hms-sys-api-scale-out' }],
      ['sandbox: alarm evaluation failed', { alarm: 'hms-sys-web-scale-out', error: 'bus down for hms-sys-web-scale-out' }],
    ]);
  });

  it('keeps a bounded number of errors for settled(), however many evaluations fail', async () => {
    let failures = 0;
    const evaluator = new LocalAlarmEvaluator({
      clock: { now: () => now },
      reporter: { error: () => undefined },
      emit: (event) => {
        if (event.detail.state.value !== 'ALARM') return;
        failures += 1;
        throw new Error(`failure ${failures}`);
      },
    });
    const services = Array.from({ length: KEPT_EVALUATION_ERRORS * 3 }, (_, i) => `svc-${i}`);
    for (const service of services) await evaluator.putAlarm(alarmOn(service));
    for (const service of services) evaluator.ingest(datum(service, 500));
    await vi.waitFor(() => expect(failures).toBe(services.length));
    await new Promise((resolve) => setImmediate(resolve));
    expect(evaluator.keptErrors).toBe(KEPT_EVALUATION_ERRORS);
    await expect(evaluator.settled()).rejects.toThrow('failure 1');
    expect(evaluator.keptErrors).toBe(0);
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
