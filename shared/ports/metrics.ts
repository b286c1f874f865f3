/** Where a metric lives in CloudWatch. */
export interface MetricSource {
  namespace: string;
  metricName: string;
  dimensions: Record<string, string>;
  statistic: 'Average' | 'Sum' | 'Maximum' | 'Minimum' | 'SampleCount';
  periodSeconds: number;
}

/** One CloudWatch alarm, as the domain defines it for a rule. */
export interface AlarmSpec {
  name: string;
  description: string;
  metric: MetricSource;
  threshold: number;
  comparison: 'GreaterThanThreshold' | 'LessThanThreshold';
  evaluationPeriods: number;
  /**
   * What a period without data counts as when too few periods in the evaluation range have data
   * (CloudWatch's TreatMissingData): `breaching` for a scale-in alarm, so a metric that stops
   * publishing when traffic stops still scales in; `notBreaching` for scale-out.
   */
  treatMissingData: 'breaching' | 'notBreaching';
  tags: Record<string, string>;
}

/** One value of a metric's statistic, and when the period it summarizes began. */
export interface Datapoint {
  value: number;
  periodStart: string;
}

export type AlarmStateValue = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

/** Alarms and metric reads: CloudWatch in AWS, the local alarm evaluator in the sandbox. */
export interface Metrics {
  putAlarm(alarm: AlarmSpec): Promise<void>;
  deleteAlarms(names: string[]): Promise<void>;
  /** Names of alarms starting with the prefix that are in ALARM now. */
  alarmsInAlarm(prefix: string): Promise<string[]>;
  /** The newest datapoint of a metric's statistic, or null when there is no recent data. */
  latestValue(metric: MetricSource): Promise<Datapoint | null>;
  /**
   * Whether the metric has any datapoint since `since`: tells a metric gone silent because traffic
   * stopped from one never published (a misspelt name or dimension), which must not scale in.
   */
  hasDataSince(metric: MetricSource, since: Date): Promise<boolean>;
}
