import { CloudWatchClient, DeleteAlarmsCommand, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { lazyCloudWatchMetrics } from '#adapters/aws/lazy-metrics.ts';

const cloudWatch = mockClient(CloudWatchClient);
beforeEach(() => {
  cloudWatch.reset();
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIAIOSFODNN7EXAMPLE');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'example');
});

describe('CloudWatch metrics loaded on first use', () => {
  it('sends each call through the CloudWatch adapter, in the configured region', async () => {
    cloudWatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [{ AlarmName: 'hms-sys-AR-1-scale-out' }] });
    cloudWatch.on(DeleteAlarmsCommand).resolves({});
    const metrics = lazyCloudWatchMetrics('us-gov-west-1');
    expect(await metrics.alarmsInAlarm('hms-sys-')).toEqual(['hms-sys-AR-1-scale-out']);
    await metrics.deleteAlarms(['hms-sys-AR-1-scale-out']);
    expect(cloudWatch.commandCalls(DescribeAlarmsCommand)[0]!.args[0].input).toMatchObject({ AlarmNamePrefix: 'hms-sys-', StateValue: 'ALARM' });
    expect(cloudWatch.commandCalls(DeleteAlarmsCommand)[0]!.args[0].input).toEqual({ AlarmNames: ['hms-sys-AR-1-scale-out'] });
    expect(await cloudWatch.commandCalls(DeleteAlarmsCommand)[0]!.thisValue.config.region()).toBe('us-gov-west-1');
  });

  it('passes a CloudWatch failure on to the caller, and a later call still reaches CloudWatch', async () => {
    const metrics = lazyCloudWatchMetrics('us-east-1');
    cloudWatch.on(DeleteAlarmsCommand).rejectsOnce(new Error('throttled')).resolves({});
    await expect(metrics.deleteAlarms(['a'])).rejects.toThrow('throttled');
    await expect(metrics.deleteAlarms(['a'])).resolves.toBeUndefined();
    expect(cloudWatch.commandCalls(DeleteAlarmsCommand)).toHaveLength(2);
  });
});
