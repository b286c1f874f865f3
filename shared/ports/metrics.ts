import type { AlarmSpec, Datapoint, MetricSource, PercentOfMetrics } from '#domain/metric-source.ts';

export type { AlarmSpec, Datapoint, MetricSource } from '#domain/metric-source.ts';

export type AlarmStateValue = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

/** Alarms and metric reads: CloudWatch in AWS, the local alarm evaluator in the sandbox. */
export interface Metrics {
  putAlarm(alarm: AlarmSpec): Promise<void>;
  deleteAlarms(names: string[]): Promise<void>;
  /** Names of alarms starting with the prefix that are in ALARM now. */
  alarmsInAlarm(prefix: string): Promise<string[]>;
  /**
   * The state of each named alarm that exists. A name absent from the answer has no alarm, as a
   * name DescribeAlarms leaves out of MetricAlarms: never read it as OK.
   */
  alarmStates(names: readonly string[]): Promise<Map<string, AlarmStateValue>>;
  /** The newest datapoint of a metric's statistic, or null when there is no recent data. */
  latestValue(metric: MetricSource): Promise<Datapoint | null>;
  /**
   * Whether the metric has any datapoint since `since`: tells a metric gone silent because traffic
   * stopped from one never published (a misspelt name or dimension), which must not scale in.
   */
  hasDataSince(metric: MetricSource, since: Date): Promise<boolean>;
  /**
   * A metric-math alarm's percentage (percentOfExpression) for each whole period from `from` (a
   * period boundary) that has ended by now, oldest first; periods without data are left out.
   */
  percentByPeriod(math: PercentOfMetrics, from: Date): Promise<Datapoint[]>;
}
