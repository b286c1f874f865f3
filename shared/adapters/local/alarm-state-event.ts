import { PERCENT_OF_IDS, percentOfExpression } from '#domain/metric-source.ts';
import type { AlarmSpec, AlarmStateValue, MetricSource } from '#ports/metrics.ts';
import type { Evaluation } from './alarm-evaluation.ts';

/** One state as CloudWatch reports it in an alarm state change event. */
export interface AlarmStateDetail {
  value: AlarmStateValue;
  reason: string;
  /** JSON text: version, queryDate, startDate, statistic, period, recentDatapoints, threshold, evaluatedDatapoints. */
  reasonData?: string;
  timestamp: string;
}

/** The EventBridge event CloudWatch sends when an alarm changes state (single-metric alarm). */
export interface AlarmStateChangeEvent {
  version: '0';
  id: string;
  'detail-type': 'CloudWatch Alarm State Change';
  source: 'aws.cloudwatch';
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: {
    alarmName: string;
    state: AlarmStateDetail;
    previousState: AlarmStateDetail;
    configuration: {
      description: string;
      /** One metric; or, for a metric-math alarm, the expression (returnData true) and its metrics. */
      metrics: Array<
        | {
            id: string;
            metricStat: {
              metric: { namespace: string; name: string; dimensions: Record<string, string> };
              period: number;
              stat: MetricSource['statistic'];
            };
            returnData: boolean;
          }
        | { id: string; expression: string; label: string; returnData: true }
      >;
    };
  };
}

/** The event for an alarm's move from `previous` to its current state, in the shape AWS sends. */
export function stateChangeEvent(
  alarm: { spec: AlarmSpec; metricId: string; state: AlarmStateDetail },
  previous: AlarmStateDetail,
  now: Date,
  where: { id: string; region: string; account: string },
): AlarmStateChangeEvent {
  const { spec } = alarm;
  return {
    version: '0',
    id: where.id,
    'detail-type': 'CloudWatch Alarm State Change',
    source: 'aws.cloudwatch',
    account: where.account,
    time: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: where.region,
    resources: [`arn:aws:cloudwatch:${where.region}:${where.account}:alarm:${spec.name}`],
    detail: {
      alarmName: spec.name,
      state: alarm.state,
      previousState: previous,
      configuration: {
        description: spec.description,
        metrics: spec.percentOf
          ? [
              { id: PERCENT_OF_IDS.percent, expression: percentOfExpression(spec.percentOf.minWhole), label: 'percent of answers', returnData: true },
              metricEntry(PERCENT_OF_IDS.part, spec.percentOf.part, false),
              metricEntry(PERCENT_OF_IDS.whole, spec.percentOf.whole, false),
            ]
          : [metricEntry(alarm.metricId, spec.metric, true)],
      },
    },
  };
}

function metricEntry(id: string, metric: MetricSource, returnData: boolean) {
  return {
    id,
    metricStat: {
      metric: { namespace: metric.namespace, name: metric.metricName, dimensions: { ...metric.dimensions } },
      period: metric.periodSeconds,
      stat: metric.statistic,
    },
    returnData,
  };
}

/** The new state's detail: CloudWatch's reason words and its reasonData JSON. */
export function stateDetail(spec: AlarmSpec, evaluation: Evaluation, rangeStart: number, now: Date, from: AlarmStateValue): AlarmStateDetail {
  const withData = evaluation.evaluated.filter((p) => p.value !== null);
  const reasonData = {
    version: '1.0',
    queryDate: awsTimestamp(now),
    startDate: awsTimestamp(new Date(rangeStart)),
    statistic: spec.metric.statistic,
    period: spec.metric.periodSeconds,
    recentDatapoints: [...withData].reverse().map((p) => p.value),
    threshold: spec.threshold,
    evaluatedDatapoints: evaluation.evaluated.map((p) =>
      p.value === null
        ? { timestamp: awsTimestamp(new Date(p.start)) }
        : { timestamp: awsTimestamp(new Date(p.start)), sampleCount: p.sampleCount, value: p.value },
    ),
  };
  return { value: evaluation.value, reason: reason(spec, evaluation, from), reasonData: JSON.stringify(reasonData), timestamp: awsTimestamp(now) };
}

/** A reason in the words CloudWatch uses. */
function reason(spec: AlarmSpec, evaluation: Evaluation, from: AlarmStateValue): string {
  const n = evaluation.evaluated.length;
  const withData = evaluation.evaluated.filter((p) => p.value !== null);
  const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;
  const treated = spec.treatMissingData === 'breaching' ? 'Breaching' : 'NonBreaching';
  if (withData.length === 0) {
    return `Threshold Crossed: no datapoints were received for ${plural(n, 'period')} and ${plural(n, 'missing datapoint')} ${n === 1 ? 'was' : 'were'} treated as [${treated}].`;
  }
  const listed = withData.map((p) => `${p.value} (${reasonDate(new Date(p.start))})`).join(', ');
  const relation = spec.comparison === 'GreaterThanThreshold' ? 'greater than' : 'less than';
  const missing = evaluation.filled > 0 ? ` and ${plural(evaluation.filled, 'missing datapoint')} treated as [${treated}]` : '';
  return (
    `Threshold Crossed: ${withData.length} out of the last ${n} datapoints [${listed}]${missing} was ${evaluation.value === 'ALARM' ? '' : 'not '}${relation} ` +
    `the threshold (${decimal(spec.threshold)}) (minimum ${plural(n, 'datapoint')} for ${from} -> ${evaluation.value} transition).`
  );
}

/** 2019-10-01T13:56:40.985+0000, as CloudWatch writes times. */
export function awsTimestamp(date: Date): string {
  return date.toISOString().replace('Z', '+0000');
}

/** dd/MM/yy HH:mm:ss in UTC, as in CloudWatch's reason text. */
function reasonDate(date: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return (
    `${two(date.getUTCDate())}/${two(date.getUTCMonth() + 1)}/${two(date.getUTCFullYear() % 100)} ` +
    `${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())}`
  );
}

function decimal(value: number): string {
  return Number.isInteger(value) ? `${value}.0` : String(value);
}
