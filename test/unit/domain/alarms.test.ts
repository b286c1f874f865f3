import { describe, expect, it } from 'vitest';
import { alarmsForRule, isAlarmPeriod, parseAlarmName } from '#domain/alarms.ts';
import type { Service } from '#domain/model.ts';

const service: Service = {
  name: 'eligibility-api',
  cluster: 'sandbox',
  namespace: 'benefits',
  deployment: 'eligibility-api',
  tags: { agency: 'ED', program: 'FSA', fiscalYear: 'FY2026' },
  createdAt: '2026-11-23T00:00:00Z',
  version: 1,
};
const rule = { ruleId: 'AR-101', minReplicas: 4, maxReplicas: 20, trigger: { metric: 'http_rps', threshold: 500 } };

describe('alarmsForRule', () => {
  it('makes one scale-out alarm on HMS/Services http_rps by default', () => {
    const [alarm, ...rest] = alarmsForRule(rule, service);
    expect(rest).toEqual([]);
    expect(alarm).toMatchObject({
      name: 'hms-sys-AR-101-scale-out',
      threshold: 500,
      comparison: 'GreaterThanThreshold',
      metric: { namespace: 'HMS/Services', metricName: 'http_rps', dimensions: { Service: 'eligibility-api' }, statistic: 'Average', periodSeconds: 60 },
    });
    expect(alarm!.tags).toMatchObject({ 'hms:rule': 'AR-101', agency: 'ED', fiscalYear: 'FY2026' });
  });

  it('adds a scale-in alarm below scaleInThreshold', () => {
    const alarms = alarmsForRule({ ...rule, scaleInThreshold: 200 }, service);
    expect(alarms[1]).toMatchObject({ name: 'hms-sys-AR-101-scale-in', threshold: 200, comparison: 'LessThanThreshold' });
  });

  it('treats missing data as breaching for scale-in, so silence when traffic stops scales in, and as not breaching for scale-out', () => {
    const [out, scaleIn] = alarmsForRule({ ...rule, scaleInThreshold: 200 }, service);
    expect(out!.treatMissingData).toBe('notBreaching');
    expect(scaleIn!.treatMissingData).toBe('breaching');
  });

  it("uses the service's metric namespace and dimensions", () => {
    const custom = { ...service, metrics: { namespace: 'ContainerInsights', dimensions: { ClusterName: 'prod' }, statistic: 'Maximum' as const } };
    expect(alarmsForRule(rule, custom)[0]!.metric).toMatchObject({ namespace: 'ContainerInsights', dimensions: { ClusterName: 'prod' }, statistic: 'Maximum' });
  });
});

describe('parseAlarmName', () => {
  it('reads the rule and direction back', () => expect(parseAlarmName('hms-sys-AR-101-scale-in')).toEqual({ ruleId: 'AR-101', direction: 'in', burst: false }));
  it("reads a burst alarm as the rule's scale-out", () =>
    expect(parseAlarmName('hms-sys-AR-7-burst')).toEqual({ ruleId: 'AR-7', direction: 'out', burst: true }));
  it('ignores alarms that are not ours', () => expect(parseAlarmName('billing-alarm')).toBeNull());
});

describe('isAlarmPeriod', () => {
  it('holds Period × EvaluationPeriods to one day below an hour and seven days above', () => {
    expect(isAlarmPeriod(10, 8_640)).toBe(true);
    expect(isAlarmPeriod(10, 8_641)).toBe(false);
    expect(isAlarmPeriod(3_540, 24)).toBe(true);
    expect(isAlarmPeriod(3_540, 25)).toBe(false);
    expect(isAlarmPeriod(3_600, 168)).toBe(true);
    expect(isAlarmPeriod(3_600, 169)).toBe(false);
  });
});
