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
  /** A metric-math alarm: it watches this percentage rather than `metric`, which is then its `whole`. */
  percentOf?: PercentOfMetrics;
}

/** One value of a metric's statistic, and when the period it summarizes began. */
export interface Datapoint {
  value: number;
  periodStart: string;
}

/**
 * A metric-math alarm's value: the percentage `part` is of `whole` in each period (a destination's
 * 5xx answers of all its answers). CloudWatch computes it from PutMetricAlarm's Metrics array with
 * the expression percentOfExpression() writes; the sandbox's evaluator with percentOfValue(), the
 * same arithmetic. https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html
 */
export interface PercentOfMetrics {
  part: MetricSource;
  whole: MetricSource;
  /** A period with fewer in `whole` counts as 0 %: a handful of requests is no basis for a percentage. */
  minWhole: number;
}

/** The metric-math ids and the expression the alarm watches (ids start with a lowercase letter). */
export const PERCENT_OF_IDS = { part: 'part', whole: 'whole', percent: 'percent' } as const;
export function percentOfExpression(minWhole: number): string {
  // FILL: a period with requests but no 5xx has no `part` datapoint, which is 0, not missing.
  return `IF(${PERCENT_OF_IDS.whole} >= ${minWhole}, 100 * FILL(${PERCENT_OF_IDS.part}, 0) / ${PERCENT_OF_IDS.whole}, 0)`;
}

/** The expression's value for one period: null (missing) when `whole` has no datapoint. */
export function percentOfValue(part: number | null, whole: number | null, minWhole: number): number | null {
  if (whole === null) return null;
  if (whole < minWhole || whole <= 0) return 0;
  return (100 * (part ?? 0)) / whole;
}
