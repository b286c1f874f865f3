/**
 * The sandbox CloudWatch's datapoints: one series per metric (seriesKey), kept for the longest
 * evaluation range, read a period at a time as an alarm or latestValue reads them.
 */
import type { MetricSource } from '#ports/metrics.ts';
import { EVALUATION_RANGE_EXTRA_PERIODS, type PeriodValue, seriesKey, statistic } from './alarm-evaluation.ts';
import type { AlarmSnapshot, StoredDatapoint as Datapoint } from './alarm-persistence.ts';

export interface MetricDatum {
  namespace: string;
  metricName: string;
  dimensions: Record<string, string>;
  value: number;
  /** Defaults to the clock's now. */
  timestamp?: Date;
  /** PutMetricData's StorageResolution: 1 (high resolution) or 60, the default. */
  storageResolution?: 1 | 60;
}

/** Datapoints older than this are dropped: the longest evaluation range, 7-day periods. */
const RETENTION_MS = (1 + EVALUATION_RANGE_EXTRA_PERIODS) * 7 * 24 * 60 * 60 * 1000;

/** Datapoints by series, in memory; LocalAlarmEvaluator carries them across a restart in its snapshot. */
export class MetricSeries {
  readonly #series = new Map<string, Datapoint[]>();

  get isEmpty(): boolean {
    return this.#series.size === 0;
  }

  /** Keeps the datapoint, dropping its series' points older than the retention; returns the series' key. */
  add(datum: MetricDatum, now: Date): string {
    const key = seriesKey(datum);
    const points = (this.#series.get(key) ?? []).filter((p) => p.at >= now.getTime() - RETENTION_MS);
    points.push({ at: (datum.timestamp ?? now).getTime(), value: datum.value, standard: datum.storageResolution !== 1 });
    this.#series.set(key, points);
    return key;
  }

  hasDataSince(metric: MetricSource, since: Date): boolean {
    return (this.#series.get(seriesKey(metric)) ?? []).some((point) => point.at >= since.getTime());
  }

  /**
   * The metric's statistic over its datapoints in (start, start + period]. A sub-minute period sees
   * a datapoint stored at one-minute resolution only at its minute, so the other periods of that
   * minute are empty, as PutMetricAlarm's Period describes for such a metric.
   */
  periodValue(metric: MetricSource, start: number): PeriodValue {
    const end = start + metric.periodSeconds * 1000;
    const subMinute = metric.periodSeconds < 60;
    const seenAt = (p: Datapoint) => (subMinute && p.standard ? Math.floor(p.at / 60_000) * 60_000 : p.at);
    const values = (this.#series.get(seriesKey(metric)) ?? []).filter((p) => seenAt(p) > start && seenAt(p) <= end).map((p) => p.value);
    return { start, value: statistic(metric.statistic, values), sampleCount: values.length };
  }

  /** Each series' points from oldestFor(key) on; series left with none are left out. */
  snapshot(oldestFor: (key: string) => number): AlarmSnapshot['series'] {
    return [...this.#series]
      .map(([key, points]) => {
        const oldest = oldestFor(key);
        return { key, points: points.filter((p) => p.at >= oldest) };
      })
      .filter(({ points }) => points.length > 0);
  }

  /** Takes up saved series, each point moved by shift ms; points already past the retention at now are dropped. */
  resume(saved: AlarmSnapshot['series'], now: number, shift: number): void {
    for (const { key, points } of saved) {
      this.#series.set(
        key,
        points.map((p) => ({ at: p.at + shift, value: p.value, standard: p.standard })).filter((p) => p.at >= now - RETENTION_MS),
      );
    }
  }
}
