import {
  CloudWatchClient,
  DeleteAlarmsCommand,
  DescribeAlarmsCommand,
  GetMetricDataCommand,
  InternalServiceFault,
  InvalidParameterValueException,
  PutMetricAlarmCommand,
} from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { CloudWatchMetrics } from '#adapters/aws/cloudwatch-metrics.ts';
import { DependencyUnavailableError } from '#ports/errors.ts';
import type { AlarmSpec, MetricSource } from '#ports/metrics.ts';

const cloudWatch = mockClient(CloudWatchClient);
const now = new Date('2026-03-01T12:00:00.000Z');
const client = new CloudWatchClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
const metrics = new CloudWatchMetrics({ client, clock: { now: () => now } });

const metric: MetricSource = {
  namespace: 'HMS/Services',
  metricName: 'RequestCount',
  dimensions: { Service: 'api', Env: 'prod' },
  statistic: 'Sum',
  periodSeconds: 60,
};

beforeEach(() => cloudWatch.reset());

describe('CloudWatchMetrics', () => {
  it('puts an alarm with no actions that treats missing data as not breaching', async () => {
    cloudWatch.on(PutMetricAlarmCommand).resolves({});
    const alarm: AlarmSpec = {
      name: 'hms-sys-AR-101-scale-out',
      description: 'scale api out',
      metric,
      threshold: 500,
      comparison: 'GreaterThanThreshold',
      evaluationPeriods: 2,
      treatMissingData: 'notBreaching',
      tags: { 'hms:rule': 'AR-101', agency: 'DOT' },
    };
    await metrics.putAlarm(alarm);

    expect(cloudWatch.commandCalls(PutMetricAlarmCommand)[0]!.args[0].input).toEqual({
      AlarmName: 'hms-sys-AR-101-scale-out',
      AlarmDescription: 'scale api out',
      Namespace: 'HMS/Services',
      MetricName: 'RequestCount',
      Dimensions: [
        { Name: 'Service', Value: 'api' },
        { Name: 'Env', Value: 'prod' },
      ],
      Statistic: 'Sum',
      Period: 60,
      EvaluationPeriods: 2,
      DatapointsToAlarm: 2,
      Threshold: 500,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
      ActionsEnabled: true,
      Tags: [
        { Key: 'hms:rule', Value: 'AR-101' },
        { Key: 'agency', Value: 'DOT' },
      ],
    });
  });

  it('puts a scale-in alarm that treats missing data as breaching, and a 10-second period as it is', async () => {
    cloudWatch.on(PutMetricAlarmCommand).resolves({});
    await metrics.putAlarm({
      name: 'hms-sys-AR-101-scale-in',
      description: 'scale api in',
      metric: { ...metric, periodSeconds: 10 },
      threshold: 50,
      comparison: 'LessThanThreshold',
      evaluationPeriods: 1,
      treatMissingData: 'breaching',
      tags: {},
    });
    expect(cloudWatch.commandCalls(PutMetricAlarmCommand)[0]!.args[0].input).toMatchObject({
      Period: 10,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
    });
  });

  it('deletes alarms 100 at a time and not at all for an empty list', async () => {
    cloudWatch.on(DeleteAlarmsCommand).resolves({});
    await metrics.deleteAlarms([]);
    expect(cloudWatch.commandCalls(DeleteAlarmsCommand)).toHaveLength(0);

    const names = Array.from({ length: 250 }, (_, i) => `alarm-${i}`);
    await metrics.deleteAlarms(names);
    const batches = cloudWatch.commandCalls(DeleteAlarmsCommand).map((call) => call.args[0].input.AlarmNames!);
    expect(batches.map((b) => b.length)).toEqual([100, 100, 50]);
    expect(batches.flat()).toEqual(names);
  });

  it('follows NextToken through every page of alarms in ALARM', async () => {
    cloudWatch
      .on(DescribeAlarmsCommand)
      .resolvesOnce({ MetricAlarms: [{ AlarmName: 'hms-sys-AR-101-scale-out' }], NextToken: 'page-2' })
      .resolvesOnce({ MetricAlarms: [{ AlarmName: 'hms-sys-AR-102-scale-in' }, { AlarmName: 'hms-sys-AR-103-scale-out' }] });

    expect(await metrics.alarmsInAlarm('hms-sys-')).toEqual(['hms-sys-AR-101-scale-out', 'hms-sys-AR-102-scale-in', 'hms-sys-AR-103-scale-out']);
    const inputs = cloudWatch.commandCalls(DescribeAlarmsCommand).map((call) => call.args[0].input);
    expect(inputs[0]).toEqual({ AlarmNamePrefix: 'hms-sys-', StateValue: 'ALARM', AlarmTypes: ['MetricAlarm'], NextToken: undefined });
    expect(inputs[1]?.NextToken).toBe('page-2');
  });

  it('ends the query at the last period boundary, leaving out the period still filling', async () => {
    cloudWatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [{ Id: 'latest', Values: [], Timestamps: [] }] });
    const midPeriod = new CloudWatchMetrics({
      client: new CloudWatchClient({ region: 'us-east-1' }),
      clock: { now: () => new Date('2026-03-01T12:00:42.000Z') },
    });
    await midPeriod.latestValue(metric);
    const input = cloudWatch.commandCalls(GetMetricDataCommand)[0]!.args[0].input;
    expect(input.EndTime).toEqual(new Date('2026-03-01T12:00:00.000Z'));
    expect(input.StartTime).toEqual(new Date('2026-03-01T11:57:00.000Z'));
  });

  it('reads the newest value over the last three periods', async () => {
    cloudWatch.on(GetMetricDataCommand).resolves({
      MetricDataResults: [{ Id: 'latest', Values: [812, 640], Timestamps: [new Date(now.getTime() - 60_000), new Date(now.getTime() - 120_000)] }],
    });
    expect(await metrics.latestValue(metric)).toEqual({ value: 812, periodStart: new Date(now.getTime() - 60_000).toISOString() });

    const input = cloudWatch.commandCalls(GetMetricDataCommand)[0]!.args[0].input;
    expect(input.StartTime).toEqual(new Date('2026-03-01T11:57:00.000Z'));
    expect(input.EndTime).toEqual(now);
    expect(input.ScanBy).toBe('TimestampDescending');
    expect(input.MetricDataQueries).toEqual([
      {
        Id: 'latest',
        MetricStat: {
          Metric: {
            Namespace: 'HMS/Services',
            MetricName: 'RequestCount',
            Dimensions: [
              { Name: 'Service', Value: 'api' },
              { Name: 'Env', Value: 'prod' },
            ],
          },
          Period: 60,
          Stat: 'Sum',
        },
        ReturnData: true,
      },
    ]);
  });

  it('returns null when the metric has no data', async () => {
    cloudWatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [{ Id: 'latest', Values: [], Timestamps: [] }] });
    expect(await metrics.latestValue(metric)).toBeNull();
  });

  it('tells a metric that published within the lookback from one that never did, by hourly sample counts', async () => {
    const since = new Date(now.getTime() - 24 * 3_600_000);
    cloudWatch
      .on(GetMetricDataCommand)
      .resolvesOnce({ MetricDataResults: [{ Id: 'seen', Values: [0, 12, 0], Timestamps: [] }] })
      .resolvesOnce({ MetricDataResults: [{ Id: 'seen', Values: [], Timestamps: [] }] });
    expect(await metrics.hasDataSince(metric, since)).toBe(true);
    expect(await metrics.hasDataSince(metric, since)).toBe(false);
    const input = cloudWatch.commandCalls(GetMetricDataCommand)[0]!.args[0].input;
    expect(input).toMatchObject({ StartTime: since, EndTime: now });
    expect(input.MetricDataQueries![0]!.MetricStat).toMatchObject({ Period: 3600, Stat: 'SampleCount' });
  });

  it('uses a shared client built on first use when none is injected', async () => {
    cloudWatch.on(DeleteAlarmsCommand).resolves({});
    await new CloudWatchMetrics({ region: 'us-east-1' }).deleteAlarms(['a']);
    expect(cloudWatch.commandCalls(DeleteAlarmsCommand)[0]!.args[0].input.AlarmNames).toEqual(['a']);
  });

  it("answers the port's DependencyUnavailableError for a CloudWatch fault or throttling, and anything else as it came", async () => {
    const alarm: AlarmSpec = {
      name: 'hms-sys-AR-7-scale-out',
      description: 'x',
      metric,
      threshold: 1,
      comparison: 'GreaterThanThreshold',
      evaluationPeriods: 1,
      treatMissingData: 'notBreaching',
      tags: {},
    };
    cloudWatch
      .on(PutMetricAlarmCommand)
      .rejectsOnce(new InternalServiceFault({ $metadata: {}, message: 'internal' }))
      .rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $fault: 'client', $metadata: {} }))
      .rejectsOnce(new InvalidParameterValueException({ $metadata: {}, message: 'bad period' }));
    const fault = await metrics.putAlarm(alarm).catch((e: unknown) => e);
    expect(fault).toBeInstanceOf(DependencyUnavailableError);
    expect((fault as Error).message).toContain('hms-sys-AR-7-scale-out');
    expect((fault as Error).cause).toBeInstanceOf(InternalServiceFault);
    await expect(metrics.putAlarm(alarm)).rejects.toBeInstanceOf(DependencyUnavailableError);
    await expect(metrics.putAlarm(alarm)).rejects.toBeInstanceOf(InvalidParameterValueException);
    cloudWatch.on(DeleteAlarmsCommand).rejects(new InternalServiceFault({ $metadata: {}, message: 'internal' }));
    await expect(metrics.deleteAlarms(['a'])).rejects.toBeInstanceOf(DependencyUnavailableError);
  });
});
