import { randomUUID } from 'node:crypto';
import type { Clock } from '#ports/clock.ts';
import type { AlarmSpec, AlarmStateValue, Datapoint as MetricDatapoint, Metrics, MetricSource } from '#ports/metrics.ts';

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
      metrics: Array<{
        id: string;
        metricStat: {
          metric: { namespace: string; name: string; dimensions: Record<string, string> };
          period: number;
          stat: MetricSource['statistic'];
        };
        returnData: true;
      }>;
    };
  };
}

export interface MetricDatum {
  namespace: string;
  metricName: string;
  dimensions: Record<string, string>;
  value: number;
  /** Defaults to the clock's now. */
  timestamp?: Date;
}

export interface LocalAlarmEvaluatorOptions {
  clock: Clock;
  /** Receives every state change; awaited, and its errors reach the caller after all are sent. */
  emit: (event: AlarmStateChangeEvent) => void | Promise<void>;
  region?: string;
  account?: string;
  newId?: () => string;
}

interface StoredAlarm {
  spec: AlarmSpec;
  metricId: string;
  state: AlarmStateDetail;
}

interface Datapoint {
  at: number;
  value: number;
}

/** Period values of one evaluation, oldest first; value null when the period had no data. */
interface PeriodValue {
  start: number;
  value: number | null;
  sampleCount: number;
}

/** Datapoints older than this are dropped; alarms only look back a few periods. */
const RETENTION_MS = 24 * 60 * 60 * 1000;

/**
 * The sandbox's CloudWatch. It keeps alarms and datapoints in memory and evaluates an alarm
 * whenever its metric gets data (or on reevaluate), over sliding periods ending now, with
 * DatapointsToAlarm = EvaluationPeriods and missing data treated as not breaching, as the
 * AWS adapter configures real alarms. State changes go to emit in the shape AWS sends.
 */
export class LocalAlarmEvaluator implements Metrics {
  readonly #alarms = new Map<string, StoredAlarm>();
  readonly #series = new Map<string, Datapoint[]>();
  readonly #options: LocalAlarmEvaluatorOptions;
  readonly #region: string;
  readonly #account: string;
  readonly #newId: () => string;

  constructor(options: LocalAlarmEvaluatorOptions) {
    this.#options = options;
    this.#region = options.region ?? 'us-east-1';
    this.#account = options.account ?? '000000000000';
    this.#newId = options.newId ?? randomUUID;
  }

  /** Creates the alarm in INSUFFICIENT_DATA, or replaces its configuration keeping its state; then evaluates it. */
  async putAlarm(alarm: AlarmSpec): Promise<void> {
    const now = this.#options.clock.now();
    const existing = this.#alarms.get(alarm.name);
    const stored: StoredAlarm = existing
      ? { ...existing, spec: structuredClone(alarm) }
      : {
        spec: structuredClone(alarm),
        metricId: this.#newId(),
        state: { value: 'INSUFFICIENT_DATA', reason: 'Unchecked: Initial alarm creation', timestamp: awsTimestamp(now) },
      };
    this.#alarms.set(alarm.name, stored);
    await this.#evaluate([stored], now);
  }

  async deleteAlarms(names: string[]): Promise<void> {
    for (const name of names) this.#alarms.delete(name);
  }

  async alarmsInAlarm(prefix: string): Promise<string[]> {
    return [...this.#alarms.values()]
      .filter((alarm) => alarm.spec.name.startsWith(prefix) && alarm.state.value === 'ALARM')
      .map((alarm) => alarm.spec.name);
  }

  /** The statistic over the datapoints in the last period, or null when there are none. */
  async latestValue(metric: MetricSource): Promise<MetricDatapoint | null> {
    const start = this.#options.clock.now().getTime() - metric.periodSeconds * 1000;
    const { value } = this.#periodValue(metric, start);
    return value === null ? null : { value, periodStart: new Date(start).toISOString() };
  }

  alarmState(name: string): AlarmStateValue | null {
    return this.#alarms.get(name)?.state.value ?? null;
  }

  /** Records a datapoint, then evaluates every alarm on exactly that metric. */
  async putMetricData(datum: MetricDatum): Promise<void> {
    const now = this.#options.clock.now();
    const key = seriesKey(datum);
    const points = (this.#series.get(key) ?? []).filter((p) => p.at >= now.getTime() - RETENTION_MS);
    points.push({ at: (datum.timestamp ?? now).getTime(), value: datum.value });
    this.#series.set(key, points);
    await this.#evaluate([...this.#alarms.values()].filter((alarm) => seriesKey(alarm.spec.metric) === key), now);
  }

  /** Evaluates every alarm, so data that aged out of its periods returns an alarm to OK. */
  async reevaluate(now: Date = this.#options.clock.now()): Promise<void> {
    await this.#evaluate([...this.#alarms.values()], now);
  }

  /** Moves each alarm to its new state first, then emits the changes in order. */
  async #evaluate(alarms: StoredAlarm[], now: Date): Promise<void> {
    const events: AlarmStateChangeEvent[] = [];
    for (const alarm of alarms) {
      const next = this.#nextState(alarm.spec, now, alarm.state.value);
      if (next.value === alarm.state.value) continue;
      const previous = alarm.state;
      alarm.state = next;
      events.push(this.#event(alarm, previous, now));
    }
    const failures: unknown[] = [];
    for (const event of events) {
      try {
        await this.#options.emit(event);
      } catch (err) {
        failures.push(err);
      }
    }
    if (failures.length > 0) throw failures[0];
  }

  #nextState(spec: AlarmSpec, now: Date, current: AlarmStateValue): AlarmStateDetail {
    const { periodSeconds } = spec.metric;
    const periods: PeriodValue[] = [];
    for (let i = spec.evaluationPeriods; i >= 1; i--) {
      periods.push(this.#periodValue(spec.metric, now.getTime() - i * periodSeconds * 1000));
    }
    const breaching = (v: number | null) =>
      v !== null && (spec.comparison === 'GreaterThanThreshold' ? v > spec.threshold : v < spec.threshold);
    const value: AlarmStateValue = periods.every((p) => breaching(p.value)) ? 'ALARM' : 'OK';
    const withData = periods.filter((p) => p.value !== null);
    const reasonData = {
      version: '1.0',
      queryDate: awsTimestamp(now),
      startDate: awsTimestamp(new Date(periods[0]!.start)),
      statistic: spec.metric.statistic,
      period: periodSeconds,
      recentDatapoints: withData.map((p) => p.value),
      threshold: spec.threshold,
      evaluatedDatapoints: [...periods].reverse().map((p) => (p.value === null
        ? { timestamp: awsTimestamp(new Date(p.start)) }
        : { timestamp: awsTimestamp(new Date(p.start)), sampleCount: p.sampleCount, value: p.value })),
    };
    return { value, reason: reason(spec, periods, withData, current, value), reasonData: JSON.stringify(reasonData), timestamp: awsTimestamp(now) };
  }

  /** The metric's statistic over its datapoints in (start, start + period]. */
  #periodValue(metric: MetricSource, start: number): PeriodValue {
    const end = start + metric.periodSeconds * 1000;
    const values = (this.#series.get(seriesKey(metric)) ?? []).filter((p) => p.at > start && p.at <= end).map((p) => p.value);
    return { start, value: statistic(metric.statistic, values), sampleCount: values.length };
  }

  #event(alarm: StoredAlarm, previous: AlarmStateDetail, now: Date): AlarmStateChangeEvent {
    const { spec } = alarm;
    return {
      version: '0',
      id: this.#newId(),
      'detail-type': 'CloudWatch Alarm State Change',
      source: 'aws.cloudwatch',
      account: this.#account,
      time: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      region: this.#region,
      resources: [`arn:aws:cloudwatch:${this.#region}:${this.#account}:alarm:${spec.name}`],
      detail: {
        alarmName: spec.name,
        state: alarm.state,
        previousState: previous,
        configuration: {
          description: spec.description,
          metrics: [{
            id: alarm.metricId,
            metricStat: {
              metric: { namespace: spec.metric.namespace, name: spec.metric.metricName, dimensions: { ...spec.metric.dimensions } },
              period: spec.metric.periodSeconds,
              stat: spec.metric.statistic,
            },
            returnData: true,
          }],
        },
      },
    };
  }
}

/** Same namespace, name and exactly the same dimensions. */
function seriesKey(metric: { namespace: string; metricName: string; dimensions: Record<string, string> }): string {
  const dimensions = Object.entries(metric.dimensions).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify([metric.namespace, metric.metricName, dimensions]);
}

function statistic(stat: MetricSource['statistic'], values: number[]): number | null {
  if (values.length === 0) return null;
  switch (stat) {
    case 'Sum': return values.reduce((a, b) => a + b, 0);
    case 'Average': return values.reduce((a, b) => a + b, 0) / values.length;
    case 'Maximum': return Math.max(...values);
    case 'Minimum': return Math.min(...values);
    case 'SampleCount': return values.length;
  }
}

/** A reason in the words CloudWatch uses. */
function reason(spec: AlarmSpec, periods: PeriodValue[], withData: PeriodValue[], from: AlarmStateValue, to: AlarmStateValue): string {
  const n = periods.length;
  const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;
  if (withData.length === 0) {
    return `Threshold Crossed: no datapoints were received for ${plural(n, 'period')} and ${plural(n, 'missing datapoint')} ${n === 1 ? 'was' : 'were'} treated as [NonBreaching].`;
  }
  const listed = [...withData].reverse().map((p) => `${p.value} (${reasonDate(new Date(p.start))})`).join(', ');
  const relation = spec.comparison === 'GreaterThanThreshold' ? 'greater than' : 'less than';
  return `Threshold Crossed: ${withData.length} out of the last ${n} datapoints [${listed}] was ${to === 'ALARM' ? '' : 'not '}${relation} `
    + `the threshold (${decimal(spec.threshold)}) (minimum ${plural(n, 'datapoint')} for ${from} -> ${to} transition).`;
}

/** 2019-10-01T13:56:40.985+0000, as CloudWatch writes times. */
function awsTimestamp(date: Date): string {
  return date.toISOString().replace('Z', '+0000');
}

/** dd/MM/yy HH:mm:ss in UTC, as in CloudWatch's reason text. */
function reasonDate(date: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(date.getUTCDate())}/${two(date.getUTCMonth() + 1)}/${two(date.getUTCFullYear() % 100)} `
    + `${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())}`;
}

function decimal(value: number): string {
  return Number.isInteger(value) ? `${value}.0` : String(value);
}
