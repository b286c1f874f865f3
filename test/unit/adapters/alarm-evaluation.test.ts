import { describe, expect, it } from 'vitest';
import { EVALUATION_RANGE_EXTRA_PERIODS, evaluateRange, evaluationCadenceSeconds, type PeriodValue } from '#adapters/local/alarm-evaluation.ts';

/**
 * The first table of "How alarm state is evaluated when data is missing", CloudWatch User Guide
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarms-and-missing-data.html,
 * formerly AlarmThatSendsEmail.html): Evaluation Periods and Datapoints to Alarm 3, evaluation
 * range 5, threshold "breaching" = X. Most recent data point on the right, as in the docs.
 * Columns BREACHING and NOT BREACHING; hms-sys uses no other treatment.
 */
const documentedTable: Array<[string, number, 'ALARM' | 'OK', 'ALARM' | 'OK']> = [
  ['0 - X - X', 0, 'OK', 'OK'],
  ['0 - - - -', 2, 'OK', 'OK'],
  ['- - - - -', 3, 'ALARM', 'OK'],
  ['0 X X - X', 0, 'ALARM', 'ALARM'],
  ['- - X - -', 2, 'ALARM', 'OK'],
];

const rule = { evaluationPeriods: 3, threshold: 50, comparison: 'GreaterThanThreshold' as const };
const range = (row: string): PeriodValue[] =>
  row.split(' ').map((cell, i) => ({
    start: i * 300_000,
    value: cell === '-' ? null : cell === 'X' ? 99 : 0,
    sampleCount: cell === '-' ? 0 : 1,
  }));

describe('evaluateRange against the CloudWatch User Guide', () => {
  it('reads a range of EvaluationPeriods + 2, as the documented example does', () => {
    expect(3 + EVALUATION_RANGE_EXTRA_PERIODS).toBe(5);
  });

  it.each(documentedTable)('%s: %i filled; breaching → %s, notBreaching → %s', (row, filled, breaching, notBreaching) => {
    const asBreaching = evaluateRange({ ...rule, treatMissingData: 'breaching' }, range(row));
    const asNotBreaching = evaluateRange({ ...rule, treatMissingData: 'notBreaching' }, range(row));
    expect(asBreaching.filled).toBe(filled);
    expect(asBreaching.value).toBe(breaching);
    expect(asNotBreaching.value).toBe(notBreaching);
    expect(asBreaching.evaluated).toHaveLength(3);
  });

  it('evaluates the newest real datapoints when there are enough, ignoring newer empty periods', () => {
    const result = evaluateRange({ ...rule, treatMissingData: 'breaching' }, range('0 X X - X'));
    expect(result.evaluated.map((p) => p.start)).toEqual([1_200_000, 600_000, 300_000]);
  });

  it('evaluates high-resolution alarms every 10 seconds and the rest every minute', () => {
    expect([10, 20, 30, 60, 300].map(evaluationCadenceSeconds)).toEqual([10, 10, 10, 60, 60]);
  });
});
