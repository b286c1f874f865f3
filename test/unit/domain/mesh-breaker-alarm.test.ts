import { CloudWatchClient, GetMetricDataCommand, PutMetricAlarmCommand } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { CloudWatchMetrics } from '#adapters/aws/cloudwatch-metrics.ts';
import { type AlarmStateChangeEvent, LocalAlarmEvaluator } from '#adapters/local/local-alarm-evaluator.ts';
import { breakerAlarm, breakerAlarmName, breakerServiceOf, breakerTelemetry } from '#domain/mesh/breaker-alarm.ts';
import { percentOfValue } from '#domain/metric-source.ts';
import { meshBreakerAlarmName } from '../../../functions/mesh/triggers.ts';

const target = { cluster: 'hms-dev', namespace: 'default', service: 'fraud-scanner' };
const spec = breakerAlarm(target, { errorPercent: 20, resetSeconds: 30 });

describe('the errorPercent breaker alarm', () => {
  it('is named as the mesh function’s trigger expects, and its name gives the service back', () => {
    expect(spec.name).toBe(meshBreakerAlarmName('fraud-scanner'));
    expect(breakerAlarmName('notification-svc')).toBe(meshBreakerAlarmName('notification-svc'));
    expect(breakerServiceOf(spec.name)).toBe('fraud-scanner');
    expect(breakerServiceOf('hms-sys-AR-1-scale-out')).toBeNull();
    expect(breakerServiceOf('other-mesh-x-breaker')).toBeNull();
  });

  it('watches the destination’s 5xx share over a minute, and no data is not breaching', () => {
    expect(spec.threshold).toBe(20);
    expect(spec.comparison).toBe('GreaterThanThreshold');
    expect(spec.treatMissingData).toBe('notBreaching');
    expect(spec.percentOf?.part.dimensions).toEqual({
      ClusterName: 'hms-dev',
      destination_workload_namespace: 'default',
      destination_service_name: 'fraud-scanner',
      response_class: '5xx',
    });
    expect(spec.percentOf?.whole.metricName).toBe('istio_requests_total');
    expect(spec.description).toContain('more than 20 %');
  });

  it('counts a period below the minimum of requests as 0 %, and one without answers as missing', () => {
    expect(percentOfValue(1, 1, 5)).toBe(0);
    expect(percentOfValue(null, 10, 5)).toBe(0);
    expect(percentOfValue(3, 10, 5)).toBe(30);
    expect(percentOfValue(null, null, 5)).toBeNull();
  });

  it('publishes nothing for a quiet second, and the 5xx series before the whole', () => {
    const at = new Date('2026-03-01T12:00:00Z');
    expect(breakerTelemetry(target, { answers: 0, serverErrors: 0 }, at)).toEqual([]);
    const data = breakerTelemetry(target, { answers: 10, serverErrors: 4 }, at);
    expect(data.map((d) => [d.dimensions.response_class ?? 'all', d.value])).toEqual([
      ['5xx', 4],
      ['all', 10],
    ]);
  });
});

describe('the alarm in CloudWatch', () => {
  const cloudWatch = mockClient(CloudWatchClient);
  beforeEach(() => cloudWatch.reset());

  it('is a metric-math alarm: the two metrics unreturned and the expression returned, with no single-metric fields', async () => {
    cloudWatch.on(PutMetricAlarmCommand).resolves({});
    const client = new CloudWatchClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    await new CloudWatchMetrics({ client }).putAlarm(spec);
    const input = cloudWatch.commandCalls(PutMetricAlarmCommand)[0]!.args[0].input;
    expect(input.MetricName).toBeUndefined();
    expect(input.Namespace).toBeUndefined();
    expect(input.Period).toBeUndefined();
    expect(input.Statistic).toBeUndefined();
    expect(input.Metrics?.map((m) => [m.Id, m.ReturnData, m.Expression ?? m.MetricStat?.Metric?.MetricName])).toEqual([
      ['part', false, 'istio_requests_total'],
      ['whole', false, 'istio_requests_total'],
      ['percent', true, 'IF(whole >= 5, 100 * FILL(part, 0) / whole, 0)'],
    ]);
    expect(input.Metrics?.[0]?.MetricStat?.Metric?.Dimensions).toContainEqual({ Name: 'response_class', Value: '5xx' });
    expect(input.Threshold).toBe(20);
    expect(input.TreatMissingData).toBe('notBreaching');
  });
  it('reads the alarm’s percentage per whole minute from a period boundary with the same metric math, leaving the filling minute out', async () => {
    const client = new CloudWatchClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    const metrics = new CloudWatchMetrics({ client, clock: { now: () => new Date('2026-03-01T12:03:20.000Z') } });
    cloudWatch
      .on(GetMetricDataCommand)
      .resolvesOnce({
        MetricDataResults: [{ Id: 'percent', Values: [60], Timestamps: [new Date('2026-03-01T12:02:00.000Z')] }],
        NextToken: 'more',
      })
      .resolvesOnce({ MetricDataResults: [{ Id: 'percent', Values: [0], Timestamps: [new Date('2026-03-01T12:01:00.000Z')] }] });
    const points = await metrics.percentByPeriod(spec.percentOf!, new Date('2026-03-01T12:01:00.000Z'));
    expect(points).toEqual([
      { periodStart: '2026-03-01T12:01:00.000Z', value: 0 },
      { periodStart: '2026-03-01T12:02:00.000Z', value: 60 },
    ]);
    const calls = cloudWatch.commandCalls(GetMetricDataCommand).map((c) => c.args[0].input);
    expect(calls[0]).toMatchObject({ StartTime: new Date('2026-03-01T12:01:00.000Z'), EndTime: new Date('2026-03-01T12:03:00.000Z') });
    expect(calls[1]?.NextToken).toBe('more');
    expect(calls[0]?.MetricDataQueries?.map((q) => [q.Id, q.ReturnData, q.Expression ?? q.MetricStat?.Stat])).toEqual([
      ['part', false, 'Sum'],
      ['whole', false, 'Sum'],
      ['percent', true, 'IF(whole >= 5, 100 * FILL(part, 0) / whole, 0)'],
    ]);
    // No whole minute has ended since the boundary: nothing to ask.
    expect(await metrics.percentByPeriod(spec.percentOf!, new Date('2026-03-01T12:03:00.000Z'))).toEqual([]);
    expect(cloudWatch.commandCalls(GetMetricDataCommand)).toHaveLength(2);
  });
});

describe('the alarm in the sandbox’s evaluator', () => {
  let now: Date;
  let events: AlarmStateChangeEvent[];
  let evaluator: LocalAlarmEvaluator;
  const feed = async (answers: number, serverErrors: number) => {
    for (const datum of breakerTelemetry(target, { answers, serverErrors }, now)) evaluator.ingest(datum);
    await evaluator.settled();
  };
  const advance = (seconds: number) => {
    now = new Date(now.getTime() + seconds * 1000);
  };

  beforeEach(async () => {
    now = new Date('2026-03-01T12:00:00.000Z');
    events = [];
    evaluator = new LocalAlarmEvaluator({ clock: { now: () => now }, emit: (event) => void events.push(event) });
    await evaluator.putAlarm(spec);
  });

  it('goes to ALARM when more than errorPercent of a minute’s answers are 5xx, with the math alarm’s event shape', async () => {
    await feed(10, 1);
    expect(evaluator.alarmState(spec.name)).toBe('OK');
    advance(1);
    await feed(10, 5);
    expect(evaluator.alarmState(spec.name)).toBe('ALARM');
    const last = events.at(-1)!;
    expect(last.detail.state.value).toBe('ALARM');
    expect(last.detail.configuration.metrics[0]).toMatchObject({ id: 'percent', returnData: true });
    expect(last.detail.configuration.metrics).toHaveLength(3);
  });

  it('stays OK for a few failed calls below the minimum of requests', async () => {
    await feed(3, 3);
    expect(evaluator.alarmState(spec.name)).toBe('OK');
  });

  it('stays OK when the 5xx share is exactly errorPercent', async () => {
    await feed(10, 2);
    expect(evaluator.alarmState(spec.name)).toBe('OK');
  });

  it('gives the percentage of each whole minute from a boundary that has data, as the AWS adapter reads it', async () => {
    await feed(10, 10); // 12:00:00 belongs to the minute before
    advance(70);
    await feed(10, 4); // 12:01:10
    advance(60);
    await feed(10, 0); // 12:02:10, in the minute still filling at 12:02:50
    advance(40);
    expect(await evaluator.percentByPeriod(spec.percentOf!, new Date('2026-03-01T12:00:00.000Z'))).toEqual([
      { periodStart: '2026-03-01T12:01:00.000Z', value: 40 },
    ]);
    advance(10);
    expect(await evaluator.percentByPeriod(spec.percentOf!, new Date('2026-03-01T12:01:00.000Z'))).toEqual([
      { periodStart: '2026-03-01T12:01:00.000Z', value: 40 },
      { periodStart: '2026-03-01T12:02:00.000Z', value: 0 },
    ]);
  });

  it('returns to OK once a later minute’s answers are healthy', async () => {
    await feed(10, 10);
    expect(evaluator.alarmState(spec.name)).toBe('ALARM');
    advance(61);
    await feed(20, 0);
    expect(evaluator.alarmState(spec.name)).toBe('OK');
  });
});
