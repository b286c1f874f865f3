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
