/**
 * The local alarm evaluator on disk (`<dataDir>/alarms.json`), so a sandbox restart resumes its
 * alarms with their states and the datapoints that back them, as CloudWatch keeps both while a
 * client is away. Only the datapoints the evaluator can still read are kept: those within the
 * longest evaluation range of an alarm on their metric, and within the 24 h the scaler looks back
 * to tell a silent metric from one never published (PUBLISHED_LOOKBACK_HOURS).
 */
import { PUBLISHED_LOOKBACK_HOURS } from '#domain/decision.ts';
import type { AlarmSpec } from '#ports/metrics.ts';
import { EVALUATION_RANGE_EXTRA_PERIODS } from './alarm-evaluation.ts';
import type { AlarmStateDetail } from './alarm-state-event.ts';
import { readFileIfPresent } from './atomic-file.ts';

export const ALARM_SNAPSHOT_FORMAT = 1;

/** One datapoint as the evaluator stores it: when (ms), its value, and whether it has one-minute resolution. */
export interface StoredDatapoint {
  at: number;
  value: number;
  standard: boolean;
}

export interface PersistedAlarm {
  spec: AlarmSpec;
  metricId: string;
  state: AlarmStateDetail;
}

export interface AlarmSnapshot {
  format: typeof ALARM_SNAPSHOT_FORMAT;
  savedAt: string;
  /** The evaluator's clock (ms) when saved. */
  time: number;
  alarms: PersistedAlarm[];
  /** Each metric's datapoints, under the evaluator's key for the metric. */
  series: Array<{ key: string; points: StoredDatapoint[] }>;
}

/** How far back the evaluator reads a metric: 24 h, or an alarm's whole evaluation range when longer. */
export function readableWindowMs(alarmsOnMetric: Iterable<AlarmSpec>): number {
  let longest = PUBLISHED_LOOKBACK_HOURS * 3_600_000;
  for (const spec of alarmsOnMetric) {
    longest = Math.max(longest, (spec.evaluationPeriods + EVALUATION_RANGE_EXTRA_PERIODS) * spec.metric.periodSeconds * 1000);
  }
  return longest;
}

/** Reads the evaluator's file; undefined when there is none. Throws, naming the file, when it is not one. */
export function readAlarmSnapshot(path: string): AlarmSnapshot | undefined {
  const text = readFileIfPresent(path);
  if (text === undefined) return undefined;
  const remove = "remove it to start the alarm evaluator empty (the rules' alarms are put again, in INSUFFICIENT_DATA)";
  let parsed: Partial<AlarmSnapshot>;
  try {
    parsed = JSON.parse(text) as Partial<AlarmSnapshot>;
  } catch {
    throw new Error(`${path} is not valid JSON; ${remove}`);
  }
  if (parsed?.format !== ALARM_SNAPSHOT_FORMAT || typeof parsed.time !== 'number' || !Array.isArray(parsed.alarms) || !Array.isArray(parsed.series)) {
    throw new Error(`${path} is not an alarm evaluator snapshot of format ${ALARM_SNAPSHOT_FORMAT}; ${remove}`);
  }
  for (const alarm of parsed.alarms) {
    if (typeof alarm?.spec?.name !== 'string' || typeof alarm.state?.value !== 'string' || typeof alarm.metricId !== 'string') {
      throw new Error(`${path} has an alarm without a name, state or metric id; ${remove}`);
    }
  }
  for (const series of parsed.series) {
    if (typeof series?.key !== 'string' || !Array.isArray(series.points)) throw new Error(`${path} has a metric without a key or datapoints; ${remove}`);
  }
  return parsed as AlarmSnapshot;
}
