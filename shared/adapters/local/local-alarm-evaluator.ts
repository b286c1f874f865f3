import { randomUUID } from 'node:crypto';
import { type PercentOfMetrics, percentOfValue } from '#domain/metric-source.ts';
import type { Clock } from '#ports/clock.ts';
import type { AlarmSpec, AlarmStateValue, Datapoint as MetricDatapoint, MetricSource, Metrics } from '#ports/metrics.ts';
import { EVALUATION_RANGE_EXTRA_PERIODS, evaluateRange, evaluationCadenceSeconds, type PeriodValue, seriesKey } from './alarm-evaluation.ts';
import { ALARM_SNAPSHOT_FORMAT, type AlarmSnapshot, readableWindowMs } from './alarm-persistence.ts';
import { type AlarmStateChangeEvent, type AlarmStateDetail, awsTimestamp, stateChangeEvent, stateDetail } from './alarm-state-event.ts';
import { type MetricDatum, MetricSeries } from './metric-series.ts';

export type { AlarmStateChangeEvent, AlarmStateDetail } from './alarm-state-event.ts';
export type { MetricDatum } from './metric-series.ts';

export interface LocalAlarmEvaluatorOptions {
  clock: Clock;
  /** Receives every state change; awaited, and its errors reach the caller after all are sent. */
  emit: (event: AlarmStateChangeEvent) => void | Promise<void>;
  region?: string;
  account?: string;
  newId?: () => string;
  /**
   * Also evaluate an alarm the moment its metric gets data (the sandbox's default, so a demo
   * reacts at once). CloudWatch does not: false evaluates only on the alarm's cadence, as AWS does.
   */
  evaluateOnData?: boolean;
  /** Called after every change to alarms, their states or datapoints: the sandbox saves a snapshot() a moment later. */
  onChange?: () => void;
  /** Where an evaluation's error is reported as it happens, with the alarm's name; console.error by default. */
  reporter?: { error: (message: string, details: Record<string, unknown>) => void };
}

/** Errors kept for settled() to reject with; any more are only reported. */
export const KEPT_EVALUATION_ERRORS = 20;
const consoleReporter = { error: (message: string, details: Record<string, unknown>) => console.error(message, details) };

interface StoredAlarm {
  spec: AlarmSpec;
  /** seriesKey(spec.metric): the alarm's entry in the index by metric. */
  seriesKey: string;
  metricId: string;
  state: AlarmStateDetail;
  /** When the alarm is next due on its cadence (ms). */
  nextEvaluationAt: number;
}

/**
 * The sandbox's CloudWatch. It keeps alarms and datapoints in memory (snapshot() and resume() carry
 * them across a restart; see alarm-persistence.ts) and evaluates each alarm on
 * its cadence (every 10 s for high-resolution periods, else every minute; see alarm-evaluation.ts)
 * when reevaluate is called, and optionally when its metric gets data, over sliding periods ending
 * now, with DatapointsToAlarm = EvaluationPeriods and the alarm's TreatMissingData, as the AWS
 * adapter configures real alarms. State changes go to emit in the shape AWS sends.
 */
export class LocalAlarmEvaluator implements Metrics {
  readonly #alarms = new Map<string, StoredAlarm>();
  /** The alarms on each metric, so a datapoint reaches its alarms without a scan of all of them. */
  readonly #alarmsByMetric = new Map<string, Set<StoredAlarm>>();
  readonly #series = new MetricSeries();
  /** Evaluations started by ingest(), one after another so each alarm's events keep their order. */
  #evaluations: Promise<void> = Promise.resolve();
  /** The first KEPT_EVALUATION_ERRORS errors since settled() last ran; every error is reported when it happens. */
  #evaluationErrors: unknown[] = [];
  readonly #reported = new WeakSet<object>();
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

  /**
   * Creates the alarm in INSUFFICIENT_DATA, or replaces its configuration keeping its state; then
   * evaluates it. PutMetricAlarm: "When you update an existing alarm, its state is left unchanged,
   * but the update completely overwrites the previous configuration of the alarm"
   * (https://docs.aws.amazon.com/sdkfornet/v3/apidocs/items/CloudWatch/TPutMetricAlarmRequest.html).
   */
  async putAlarm(alarm: AlarmSpec): Promise<void> {
    const now = this.#options.clock.now();
    const existing = this.#alarms.get(alarm.name);
    if (existing) this.#unindex(existing);
    const stored: StoredAlarm = existing
      ? { ...existing, spec: structuredClone(alarm), seriesKey: seriesKey(alarm.metric) }
      : {
          spec: structuredClone(alarm),
          seriesKey: seriesKey(alarm.metric),
          metricId: this.#newId(),
          state: { value: 'INSUFFICIENT_DATA', reason: 'Unchecked: Initial alarm creation', timestamp: awsTimestamp(now) },
          nextEvaluationAt: now.getTime(),
        };
    this.#index(stored);
    this.#options.onChange?.();
    await this.#evaluate([stored], now);
  }

  async deleteAlarms(names: string[]): Promise<void> {
    for (const name of names) {
      const stored = this.#alarms.get(name);
      if (stored) this.#unindex(stored);
      this.#alarms.delete(name);
    }
    this.#options.onChange?.();
  }

  #index(stored: StoredAlarm): void {
    this.#alarms.set(stored.spec.name, stored);
    const onMetric = this.#alarmsByMetric.get(stored.seriesKey) ?? new Set();
    this.#alarmsByMetric.set(stored.seriesKey, onMetric.add(stored));
  }

  #unindex(stored: StoredAlarm): void {
    const onMetric = this.#alarmsByMetric.get(stored.seriesKey);
    onMetric?.delete(stored);
    if (onMetric?.size === 0) this.#alarmsByMetric.delete(stored.seriesKey);
  }

  async alarmsInAlarm(prefix: string): Promise<string[]> {
    return [...this.#alarms.values()].filter((alarm) => alarm.spec.name.startsWith(prefix) && alarm.state.value === 'ALARM').map((alarm) => alarm.spec.name);
  }

  /** The statistic over the datapoints in the last period, or null when there are none. */
  async latestValue(metric: MetricSource): Promise<MetricDatapoint | null> {
    const start = this.#options.clock.now().getTime() - metric.periodSeconds * 1000;
    const { value } = this.#series.periodValue(metric, start);
    return value === null ? null : { value, periodStart: new Date(start).toISOString() };
  }

  async hasDataSince(metric: MetricSource, since: Date): Promise<boolean> {
    return this.#series.hasDataSince(metric, since);
  }

  /** The alarm's percentage for each whole period from `from` that has ended, as the AWS adapter reads it. */
  async percentByPeriod(math: PercentOfMetrics, from: Date): Promise<MetricDatapoint[]> {
    const periodMs = math.whole.periodSeconds * 1000;
    const points: MetricDatapoint[] = [];
    for (let start = from.getTime(); start + periodMs <= this.#options.clock.now().getTime(); start += periodMs) {
      const { value } = this.#percentOf(math, start);
      if (value !== null) points.push({ value, periodStart: new Date(start).toISOString() });
    }
    return points;
  }

  alarmState(name: string): AlarmStateValue | null {
    return this.#alarms.get(name)?.state.value ?? null;
  }

  /** As DescribeAlarms by name: the alarms that exist, with their state; an unknown name is left out. */
  async alarmStates(names: readonly string[]): Promise<Map<string, AlarmStateValue>> {
    const states = new Map<string, AlarmStateValue>();
    for (const name of names) {
      const alarm = this.#alarms.get(name);
      if (alarm) states.set(name, alarm.state.value);
    }
    return states;
  }

  /** Records a datapoint; with evaluateOnData, then evaluates every alarm on exactly that metric before it resolves. */
  async putMetricData(datum: MetricDatum): Promise<void> {
    const { alarms, now } = this.#store(datum);
    await this.#evaluate(alarms, now);
  }

  /**
   * PutMetricData as CloudWatch answers it: once the datapoint is stored. With evaluateOnData, the
   * alarms on that metric are evaluated afterwards, in order; settled() waits for them.
   */
  ingest(datum: MetricDatum): void {
    const { alarms, now } = this.#store(datum);
    if (alarms.length === 0) return;
    this.#evaluations = this.#evaluations
      .then(() => this.#evaluate(alarms, now))
      .catch((err: unknown) => {
        this.#report(alarms.map((alarm) => alarm.spec.name).join(', '), err);
        if (this.#evaluationErrors.length < KEPT_EVALUATION_ERRORS) this.#evaluationErrors.push(err);
      });
  }

  /** How many evaluation errors wait for settled(): at most KEPT_EVALUATION_ERRORS. */
  get keptErrors(): number {
    return this.#evaluationErrors.length;
  }

  /** Resolves once every evaluation ingest() started has finished; rejects with the first error among them. */
  async settled(): Promise<void> {
    for (let tail = this.#evaluations; ; tail = this.#evaluations) {
      await tail;
      if (tail === this.#evaluations) break;
    }
    const [first] = this.#evaluationErrors;
    this.#evaluationErrors = [];
    if (first !== undefined) throw first;
  }

  /** Keeps the datapoint; returns the alarms it should be evaluated for now (none without evaluateOnData). */
  #store(datum: MetricDatum): { alarms: StoredAlarm[]; now: Date } {
    const now = this.#options.clock.now();
    const key = this.#series.add(datum, now);
    this.#options.onChange?.();
    if (this.#options.evaluateOnData === false) return { alarms: [], now };
    return { alarms: [...(this.#alarmsByMetric.get(key) ?? [])], now };
  }

  /** The alarms with their states, and the datapoints they and hasDataSince can still read. */
  snapshot(): AlarmSnapshot {
    const now = this.#options.clock.now().getTime();
    const series = this.#series.snapshot((key) => now - readableWindowMs([...(this.#alarmsByMetric.get(key) ?? [])].map((alarm) => alarm.spec)));
    const alarms = [...this.#alarms.values()].map(({ spec, metricId, state }) => ({ spec, metricId, state }));
    return { format: ALARM_SNAPSHOT_FORMAT, savedAt: new Date(now).toISOString(), time: now, alarms, series };
  }

  /**
   * Takes up a snapshot, before any alarm is put: each alarm in its saved state, emitting nothing,
   * and its datapoints. A snapshot saved ahead of the clock (a test's clock moved forward in an
   * earlier run) has its datapoints moved back, so the saved moment is now.
   */
  resume(saved: AlarmSnapshot): void {
    if (this.#alarms.size > 0 || !this.#series.isEmpty) throw new Error('the alarm evaluator resumes a snapshot only before it has alarms or data');
    const now = this.#options.clock.now().getTime();
    const shift = Math.min(0, now - saved.time);
    this.#series.resume(saved.series, now, shift);
    for (const { spec, metricId, state } of saved.alarms) {
      this.#index({ spec, seriesKey: seriesKey(spec.metric), metricId, state, nextEvaluationAt: now });
    }
  }

  /** Evaluates every alarm whose cadence is due, so data that aged out of its periods changes its state. */
  async reevaluate(now: Date = this.#options.clock.now()): Promise<void> {
    await this.#evaluate(
      [...this.#alarms.values()].filter((alarm) => alarm.nextEvaluationAt <= now.getTime()),
      now,
    );
  }

  /** Moves each alarm to its new state first, then emits the changes in order. */
  async #evaluate(alarms: StoredAlarm[], now: Date): Promise<void> {
    const events: AlarmStateChangeEvent[] = [];
    for (const alarm of alarms) {
      const cadenceMs = evaluationCadenceSeconds(alarm.spec.metric.periodSeconds) * 1000;
      alarm.nextEvaluationAt = (Math.floor(now.getTime() / cadenceMs) + 1) * cadenceMs;
      const next = this.#nextState(alarm.spec, now, alarm.state.value);
      if (next.value === alarm.state.value) continue;
      const previous = alarm.state;
      alarm.state = next;
      events.push(stateChangeEvent(alarm, previous, now, { id: this.#newId(), region: this.#region, account: this.#account }));
    }
    if (events.length > 0) this.#options.onChange?.();
    const failures: unknown[] = [];
    for (const event of events) {
      try {
        await this.#options.emit(event);
      } catch (err) {
        this.#report(event.detail.alarmName, err);
        failures.push(err);
      }
    }
    if (failures.length > 0) throw failures[0];
  }

  /** Reports an evaluation's error once, naming its alarm, as other sandbox parts report theirs. */
  #report(alarmName: string, err: unknown): void {
    if (typeof err === 'object' && err !== null) {
      if (this.#reported.has(err)) return;
      this.#reported.add(err);
    }
    (this.#options.reporter ?? consoleReporter).error('sandbox: alarm evaluation failed', {
      alarm: alarmName,
      error: err instanceof Error ? err.message : String(err),
    });
  }

  /** A metric-math alarm's period: the percentage CloudWatch's expression gives (percentOfValue), missing without answers. */
  #percentOf(math: PercentOfMetrics, start: number): PeriodValue {
    const whole = this.#series.periodValue(math.whole, start);
    return { start, value: percentOfValue(this.#series.periodValue(math.part, start).value, whole.value, math.minWhole), sampleCount: whole.sampleCount };
  }

  #nextState(spec: AlarmSpec, now: Date, current: AlarmStateValue): AlarmStateDetail {
    const periodMs = spec.metric.periodSeconds * 1000;
    const range: PeriodValue[] = [];
    for (let i = spec.evaluationPeriods + EVALUATION_RANGE_EXTRA_PERIODS; i >= 1; i--) {
      const start = now.getTime() - i * periodMs;
      range.push(spec.percentOf ? this.#percentOf(spec.percentOf, start) : this.#series.periodValue(spec.metric, start));
    }
    const evaluation = evaluateRange(spec, range);
    return stateDetail(spec, evaluation, evaluation.evaluated.at(-1)!.start, now, current);
  }
}
