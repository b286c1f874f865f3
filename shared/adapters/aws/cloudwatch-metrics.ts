import {
  CloudWatchClient,
  DeleteAlarmsCommand,
  DescribeAlarmsCommand,
  GetMetricDataCommand,
  type MetricDataQuery,
  PutMetricAlarmCommand,
} from '@aws-sdk/client-cloudwatch';
import { PERCENT_OF_IDS, type PercentOfMetrics, percentOfExpression } from '#domain/metric-source.ts';
import { type Clock, systemClock } from '#ports/clock.ts';
import type { AlarmSpec, AlarmStateValue, Datapoint, MetricSource, Metrics } from '#ports/metrics.ts';
import { sendToAws } from './aws-faults.ts';

export interface CloudWatchMetricsOptions {
  /** Injected in tests; otherwise one client per container, built on first use. */
  client?: CloudWatchClient;
  region?: string;
  clock?: Clock;
}

/** DeleteAlarms takes at most 100 names a call. */
const DELETE_BATCH = 100;
/** DescribeAlarms takes at most 100 AlarmNames a call. */
const DESCRIBE_BATCH = 100;
/** How far back latestValue looks, in periods, so a late datapoint is still found. */
const LOOKBACK_PERIODS = 3;

const clients = new Map<string, CloudWatchClient>();

/** One client per region; throttling (PutMetricAlarm and DescribeAlarms have low TPS limits) is retried with backoff. */
function cloudWatchClient(region: string | undefined): CloudWatchClient {
  let client = clients.get(region ?? '');
  if (!client) {
    client = new CloudWatchClient({ ...(region ? { region } : {}), maxAttempts: 5, retryMode: 'standard' });
    clients.set(region ?? '', client);
  }
  return client;
}

/** Metrics on CloudWatch: alarms for rules, and metric reads for reconciling. */
export class CloudWatchMetrics implements Metrics {
  readonly #options: CloudWatchMetricsOptions;
  readonly #clock: Clock;

  constructor(options: CloudWatchMetricsOptions = {}) {
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
  }

  get #client(): CloudWatchClient {
    return this.#options.client ?? cloudWatchClient(this.#options.region);
  }

  /**
   * Creates or replaces the alarm. It has no actions: EventBridge receives every state
   * change of every alarm, and the scaler's rule picks ours out by name.
   */
  async putAlarm(alarm: AlarmSpec): Promise<void> {
    await sendToAws(`CloudWatch PutMetricAlarm ${alarm.name}`, () =>
      this.#client.send(
        new PutMetricAlarmCommand({
          AlarmName: alarm.name,
          AlarmDescription: alarm.description,
          ...(alarm.percentOf ? { Metrics: percentOfQueries(alarm.percentOf) } : singleMetric(alarm.metric)),
          EvaluationPeriods: alarm.evaluationPeriods,
          DatapointsToAlarm: alarm.evaluationPeriods,
          Threshold: alarm.threshold,
          ComparisonOperator: alarm.comparison,
          // https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarms-and-missing-data.html
          TreatMissingData: alarm.treatMissingData,
          ActionsEnabled: true,
          Tags: Object.entries(alarm.tags).map(([Key, Value]) => ({ Key, Value })),
        }),
      ),
    );
  }

  async deleteAlarms(names: string[]): Promise<void> {
    for (let start = 0; start < names.length; start += DELETE_BATCH) {
      const batch = names.slice(start, start + DELETE_BATCH);
      await sendToAws(`CloudWatch DeleteAlarms ${batch.join(', ')}`, () => this.#client.send(new DeleteAlarmsCommand({ AlarmNames: batch })));
    }
  }

  async alarmsInAlarm(prefix: string): Promise<string[]> {
    const names: string[] = [];
    let nextToken: string | undefined;
    do {
      const out = await this.#client.send(
        new DescribeAlarmsCommand({
          AlarmNamePrefix: prefix,
          StateValue: 'ALARM',
          AlarmTypes: ['MetricAlarm'],
          NextToken: nextToken,
        }),
      );
      for (const alarm of out.MetricAlarms ?? []) if (alarm.AlarmName) names.push(alarm.AlarmName);
      nextToken = out.NextToken;
    } while (nextToken);
    return names;
  }

  /**
   * The state of each named alarm that exists, 100 names a call (DescribeAlarms' AlarmNames limit).
   * A name DescribeAlarms leaves out of MetricAlarms has no alarm, so it is left out here too:
   * https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_DescribeAlarms.html
   */
  async alarmStates(names: readonly string[]): Promise<Map<string, AlarmStateValue>> {
    const states = new Map<string, AlarmStateValue>();
    for (let start = 0; start < names.length; start += DESCRIBE_BATCH) {
      let nextToken: string | undefined;
      do {
        const out = await this.#client.send(
          new DescribeAlarmsCommand({
            AlarmNames: names.slice(start, start + DESCRIBE_BATCH),
            AlarmTypes: ['MetricAlarm'],
            NextToken: nextToken,
          }),
        );
        for (const alarm of out.MetricAlarms ?? []) {
          if (alarm.AlarmName && alarm.StateValue) states.set(alarm.AlarmName, alarm.StateValue);
        }
        nextToken = out.NextToken;
      } while (nextToken);
    }
    return states;
  }

  /**
   * The newest complete datapoint of the metric's statistic over the last few periods, or null.
   * The query ends at the last period boundary: a period still filling would understate a Sum.
   */
  async latestValue(metric: MetricSource): Promise<Datapoint | null> {
    const periodMs = metric.periodSeconds * 1000;
    const end = new Date(Math.floor(this.#clock.now().getTime() / periodMs) * periodMs);
    const start = new Date(end.getTime() - LOOKBACK_PERIODS * periodMs);
    const out = await this.#client.send(
      new GetMetricDataCommand({
        StartTime: start,
        EndTime: end,
        ScanBy: 'TimestampDescending',
        MetricDataQueries: [
          {
            Id: 'latest',
            MetricStat: {
              Metric: { Namespace: metric.namespace, MetricName: metric.metricName, Dimensions: dimensionList(metric.dimensions) },
              Period: metric.periodSeconds,
              Stat: metric.statistic,
            },
            ReturnData: true,
          },
        ],
      }),
    );
    const result = out.MetricDataResults?.find((r) => r.Id === 'latest') ?? out.MetricDataResults?.[0];
    const value = result?.Values?.[0];
    const at = result?.Timestamps?.[0];
    return value === undefined || at === undefined ? null : { value, periodStart: new Date(at).toISOString() };
  }

  /**
   * Any datapoint since `since`, read as hourly sample counts: CloudWatch keeps hour aggregates of every
   * resolution for 455 days (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_concepts.html#metrics-retention).
   */
  async hasDataSince(metric: MetricSource, since: Date): Promise<boolean> {
    const out = await this.#client.send(
      new GetMetricDataCommand({
        StartTime: since,
        EndTime: this.#clock.now(),
        MetricDataQueries: [
          {
            Id: 'seen',
            MetricStat: {
              Metric: { Namespace: metric.namespace, MetricName: metric.metricName, Dimensions: dimensionList(metric.dimensions) },
              Period: 3600,
              Stat: 'SampleCount',
            },
            ReturnData: true,
          },
        ],
      }),
    );
    return (out.MetricDataResults ?? []).some((result) => (result.Values ?? []).some((count) => count > 0));
  }

  /**
   * The alarm's own metric math over the whole periods from `from` to the last period boundary: a
   * period still filling is left out. StartTime is inclusive and, within 15 days, rounded down to
   * the minute (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricData.html),
   * so `from` is a period boundary. Pages through NextToken.
   */
  async percentByPeriod(math: PercentOfMetrics, from: Date): Promise<Datapoint[]> {
    const periodMs = math.whole.periodSeconds * 1000;
    const end = Math.floor(this.#clock.now().getTime() / periodMs) * periodMs;
    if (end <= from.getTime()) return [];
    const points: Datapoint[] = [];
    let nextToken: string | undefined;
    do {
      const out = await this.#client.send(
        new GetMetricDataCommand({
          StartTime: from,
          EndTime: new Date(end),
          ScanBy: 'TimestampAscending',
          MetricDataQueries: percentOfQueries(math),
          NextToken: nextToken,
        }),
      );
      const result = out.MetricDataResults?.find((r) => r.Id === PERCENT_OF_IDS.percent);
      (result?.Timestamps ?? []).forEach((at, i) => {
        const value = result?.Values?.[i];
        if (value !== undefined) points.push({ value, periodStart: new Date(at).toISOString() });
      });
      nextToken = out.NextToken;
    } while (nextToken);
    return points.sort((a, b) => a.periodStart.localeCompare(b.periodStart));
  }
}

/** A single-metric alarm's fields. */
function singleMetric(metric: MetricSource) {
  return {
    Namespace: metric.namespace,
    MetricName: metric.metricName,
    Dimensions: dimensionList(metric.dimensions),
    Statistic: metric.statistic,
    Period: metric.periodSeconds,
  };
}

/**
 * A metric-math alarm's Metrics array: the two metrics (ReturnData false) and the expression it
 * watches (ReturnData true); with Metrics, PutMetricAlarm takes no Namespace, MetricName,
 * Dimensions, Period or Statistic (API_PutMetricAlarm.html, Metrics).
 */
function percentOfQueries(math: PercentOfMetrics): MetricDataQuery[] {
  const stat = (id: string, metric: MetricSource): MetricDataQuery => ({
    Id: id,
    MetricStat: {
      Metric: { Namespace: metric.namespace, MetricName: metric.metricName, Dimensions: dimensionList(metric.dimensions) },
      Period: metric.periodSeconds,
      Stat: metric.statistic,
    },
    ReturnData: false,
  });
  return [
    stat(PERCENT_OF_IDS.part, math.part),
    stat(PERCENT_OF_IDS.whole, math.whole),
    { Id: PERCENT_OF_IDS.percent, Expression: percentOfExpression(math.minWhole), Label: 'percent of answers', ReturnData: true },
  ];
}

function dimensionList(dimensions: Record<string, string>) {
  return Object.entries(dimensions).map(([Name, Value]) => ({ Name, Value }));
}
