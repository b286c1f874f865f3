import type { AlarmSpec, AlarmStateValue, MetricSource } from '#ports/metrics.ts';

/**
 * How CloudWatch decides a metric alarm's state, for the local evaluator. Sources:
 * - https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarms-and-missing-data.html
 *   ("How alarm state is evaluated when data is missing"): CloudWatch reads an evaluation range
 *   longer than EvaluationPeriods. With at least N real datapoints in it, it evaluates the newest N
 *   real ones and TreatMissingData plays no part, so the last real datapoint keeps being
 *   re-evaluated for a while after a metric stops. With fewer, it fills the gap with as few
 *   missing datapoints as possible, each counted as TreatMissingData says.
 * - https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html
 *   (high-resolution alarms): an alarm with a period under a minute is evaluated every 10 seconds;
 *   others every minute.
 */

/**
 * Extra periods in the evaluation range beyond EvaluationPeriods. The page's worked example has
 * EvaluationPeriods 3 and an evaluation range of 5; AWS says the exact number depends on the period
 * and resolution but publishes no other figure, so the sandbox uses the documented example's two.
 */
export const EVALUATION_RANGE_EXTRA_PERIODS = 2;

/** Seconds between evaluations: 10 for high-resolution periods (10, 20, 30 s), else 60. */
export const evaluationCadenceSeconds = (periodSeconds: number): number => (periodSeconds < 60 ? 10 : 60);

/** One period of the evaluation range: its start (ms) and statistic, null when it had no data. */
export interface PeriodValue {
  start: number;
  value: number | null;
  sampleCount: number;
}

export interface Evaluation {
  value: AlarmStateValue;
  /** The datapoints the decision used, newest first; a missing one has value null. */
  evaluated: PeriodValue[];
  /** How many of them are missing datapoints filled in by TreatMissingData. */
  filled: number;
}

type Rule = Pick<AlarmSpec, 'evaluationPeriods' | 'threshold' | 'comparison' | 'treatMissingData'>;

/**
 * The state for one evaluation over the range's periods (oldest first), with
 * DatapointsToAlarm = EvaluationPeriods, as the AWS adapter configures every alarm.
 */
export function evaluateRange(rule: Rule, range: PeriodValue[]): Evaluation {
  const newestFirst = [...range].reverse();
  const real = newestFirst.filter((p) => p.value !== null);
  const n = rule.evaluationPeriods;
  let evaluated: PeriodValue[];
  let filled = 0;
  if (real.length >= n) {
    evaluated = real.slice(0, n);
  } else {
    // All real datapoints, plus the newest missing periods until there are N.
    filled = n - real.length;
    const missing = newestFirst.filter((p) => p.value === null).slice(0, filled);
    evaluated = [...real, ...missing].sort((a, b) => b.start - a.start);
  }
  const breaching = (p: PeriodValue) =>
    p.value === null ? rule.treatMissingData === 'breaching' : rule.comparison === 'GreaterThanThreshold' ? p.value > rule.threshold : p.value < rule.threshold;
  return { value: evaluated.every(breaching) ? 'ALARM' : 'OK', evaluated, filled };
}

/** Same namespace, name and exactly the same dimensions. */
export function seriesKey(metric: { namespace: string; metricName: string; dimensions: Record<string, string> }): string {
  const dimensions = Object.entries(metric.dimensions).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify([metric.namespace, metric.metricName, dimensions]);
}

export function statistic(stat: MetricSource['statistic'], values: number[]): number | null {
  if (values.length === 0) return null;
  switch (stat) {
    case 'Sum':
      return values.reduce((a, b) => a + b, 0);
    case 'Average':
      return values.reduce((a, b) => a + b, 0) / values.length;
    case 'Maximum':
      return Math.max(...values);
    case 'Minimum':
      return Math.min(...values);
    case 'SampleCount':
      return values.length;
  }
}
