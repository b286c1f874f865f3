import type { PercentOfMetrics } from '#domain/metric-source.ts';
import type { AlarmSpec, MetricSource, Metrics } from '#ports/metrics.ts';

/**
 * CloudWatch, loaded on the first call that needs it. The scaler reads the alarm's own datapoint
 * from the event and seldom calls CloudWatch, so its first invocation should not evaluate the
 * CloudWatch client (its schemas, its client) on the way to the scale PATCH.
 */
export function lazyCloudWatchMetrics(region: string): Metrics {
  let loading: Promise<Metrics> | undefined;
  const metrics = () => {
    loading ??= import('./cloudwatch-metrics.ts').then(({ CloudWatchMetrics }) => new CloudWatchMetrics({ region }));
    // A failed load is forgotten, so the next call tries again.
    loading.catch(() => {
      loading = undefined;
    });
    return loading;
  };
  return {
    putAlarm: async (alarm: AlarmSpec) => (await metrics()).putAlarm(alarm),
    deleteAlarms: async (names: string[]) => (await metrics()).deleteAlarms(names),
    alarmsInAlarm: async (prefix: string) => (await metrics()).alarmsInAlarm(prefix),
    alarmStates: async (names: readonly string[]) => (await metrics()).alarmStates(names),
    latestValue: async (metric: MetricSource) => (await metrics()).latestValue(metric),
    hasDataSince: async (metric: MetricSource, since: Date) => (await metrics()).hasDataSince(metric, since),
    percentByPeriod: async (math: PercentOfMetrics, from: Date) => (await metrics()).percentByPeriod(math, from),
  };
}
