import type { AlarmSpec, MetricSource } from './metric-source.ts';
import type { Rule, ScaleDirection, Service } from './model.ts';

export const ALARM_NAME_PREFIX = 'hms-sys-';
export const DEFAULT_METRIC_NAMESPACE = 'HMS/Services';
export const DEFAULT_PERIOD_SECONDS = 60;

/**
 * PutMetricAlarm's Period: 10, 20 or 30 (high resolution, for metrics stored with
 * StorageResolution 1) or any multiple of 60; Period × EvaluationPeriods at most 86,400 s below an
 * hour's period and 604,800 s otherwise. Rules' alarms use one evaluation period.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html
 */
export const HIGH_RESOLUTION_PERIODS: readonly number[] = [10, 20, 30];
export const MAX_ALARM_PERIOD_SECONDS = 604_800;
export function isAlarmPeriod(seconds: number, evaluationPeriods = 1): boolean {
  if (!Number.isInteger(seconds) || !(HIGH_RESOLUTION_PERIODS.includes(seconds) || (seconds >= 60 && seconds % 60 === 0))) return false;
  return seconds * evaluationPeriods <= (seconds < 3_600 ? 86_400 : MAX_ALARM_PERIOD_SECONDS);
}
/**
 * A period under 60 s on a metric stored at one-minute resolution finds data in only some periods
 * ("might often lapse into INSUFFICIENT_DATA", PutMetricAlarm's Period, URL above), and the
 * scale-in alarm counts the empty ones as breaching: it would scale in between datapoints. So a
 * sub-minute period needs the caller's word that the metric is published with StorageResolution 1.
 */
export const needsHighResolution = (periodSeconds: number | undefined, highResolution: boolean | undefined): boolean =>
  periodSeconds !== undefined && periodSeconds < 60 && highResolution !== true;
export const SUB_MINUTE_PERIOD_RULE =
  'under 60 s needs a high-resolution metric: on a metric stored at one-minute resolution ' +
  'most 10-30 s periods are empty, and the scale-in alarm counts empty periods as breaching, so it would scale the service in ' +
  'between datapoints. Publish the metric with StorageResolution 1 and set metrics.highResolution: true, or use a period of 60 or more';
export const ALARM_PERIOD_RULE = `must be 10, 20, 30 or a multiple of 60 up to ${MAX_ALARM_PERIOD_SECONDS} (7 days), as CloudWatch PutMetricAlarm accepts`;

/** The metric a rule watches: the service's overrides, else HMS/Services with a Service dimension. */
export function metricSourceFor(rule: Pick<Rule, 'trigger'>, service: Pick<Service, 'name' | 'metrics'>): MetricSource {
  return {
    namespace: service.metrics?.namespace ?? DEFAULT_METRIC_NAMESPACE,
    metricName: rule.trigger.metric,
    dimensions: service.metrics?.dimensions ?? { Service: service.name },
    statistic: service.metrics?.statistic ?? 'Average',
    periodSeconds: service.metrics?.periodSeconds ?? DEFAULT_PERIOD_SECONDS,
  };
}

/**
 * A rule's alarm names: `<prefix><ruleId>-scale-out` and `-scale-in`, or `-burst` for the scale-out
 * alarm of a rule that names a burst template, so EventBridge routes each to its own function.
 */
export function alarmName(ruleId: string, direction: ScaleDirection | 'burst'): string {
  return `${ruleAlarmPrefix(ruleId)}${direction === 'burst' ? 'burst' : `scale-${direction}`}`;
}

/** EventBridge wildcard patterns for the two kinds of alarm names. */
export const SCALING_ALARM_WILDCARD = `${ALARM_NAME_PREFIX}AR-*-scale-*`;
export const BURST_ALARM_WILDCARD = `${ALARM_NAME_PREFIX}AR-*-burst`;

export interface ParsedAlarmName {
  ruleId: string;
  direction: ScaleDirection;
  /** The alarm starts the rule's burst template rather than proportional scaling. */
  burst: boolean;
}

/** Reads a rule id and direction back from an alarm name; null for alarms that are not ours. */
export function parseAlarmName(name: string): ParsedAlarmName | null {
  if (!name.startsWith(ALARM_NAME_PREFIX)) return null;
  const match = /^(AR-[1-9][0-9]*)-(scale-out|scale-in|burst)$/.exec(name.slice(ALARM_NAME_PREFIX.length));
  if (!match) return null;
  return { ruleId: match[1]!, direction: match[2] === 'scale-in' ? 'in' : 'out', burst: match[2] === 'burst' };
}

type AlarmRule = Pick<Rule, 'ruleId' | 'name' | 'trigger' | 'scaleInThreshold' | 'minReplicas' | 'maxReplicas' | 'burst'>;

/** The alarms a rule needs: scale-out always, scale-in when it has a scaleInThreshold. */
export function alarmsForRule(rule: AlarmRule, service: Service): AlarmSpec[] {
  const metric = metricSourceFor(rule, service);
  const tags = {
    'hms:rule': rule.ruleId,
    'hms:service': service.name,
    agency: service.tags.agency,
    program: service.tags.program,
    fiscalYear: service.tags.fiscalYear,
  };
  const label = rule.name ? ` (${rule.name})` : '';
  const alarms: AlarmSpec[] = [
    {
      name: alarmName(rule.ruleId, rule.burst ? 'burst' : 'out'),
      description: rule.burst
        ? `hms-sys ${rule.ruleId}${label}: burst ${service.name} to ${rule.burst.toPods} pods when ${metric.metricName} > ${rule.trigger.threshold}`
        : `hms-sys ${rule.ruleId}${label}: scale ${service.name} out when ${metric.metricName} > ${rule.trigger.threshold}, up to ${rule.maxReplicas} replicas`,
      metric,
      threshold: rule.trigger.threshold,
      comparison: 'GreaterThanThreshold',
      evaluationPeriods: 1,
      // No data means no load: nothing to scale out for.
      treatMissingData: 'notBreaching',
      tags,
    },
  ];
  if (rule.scaleInThreshold !== undefined) {
    alarms.push({
      name: alarmName(rule.ruleId, 'in'),
      description: `hms-sys ${rule.ruleId}${label}: scale ${service.name} in when ${metric.metricName} < ${rule.scaleInThreshold}, down to ${rule.minReplicas} replicas`,
      metric,
      threshold: rule.scaleInThreshold,
      comparison: 'LessThanThreshold',
      evaluationPeriods: 1,
      // Request-rate metrics publish nothing when traffic stops; that silence must count as
      // below the threshold, or the service never scales in. See the README, "Alarms".
      treatMissingData: 'breaching',
      tags,
    });
  }
  return alarms;
}

/** The prefix every alarm of one rule shares. */
export const ruleAlarmPrefix = (ruleId: string) => `${ALARM_NAME_PREFIX}${ruleId}-`;
