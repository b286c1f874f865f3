import type { AlarmSpec, MetricSource } from '#ports/metrics.ts';
import type { Rule, ScaleDirection, Service } from './model.ts';

export const ALARM_NAME_PREFIX = 'hms-sys-';
export const DEFAULT_METRIC_NAMESPACE = 'HMS/Services';
export const DEFAULT_PERIOD_SECONDS = 60;

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

export function alarmName(ruleId: string, direction: ScaleDirection): string {
  return `${ruleAlarmPrefix(ruleId)}scale-${direction}`;
}

/** Reads a rule id and direction back from an alarm name; null for alarms that are not ours. */
export function parseAlarmName(name: string): { ruleId: string; direction: ScaleDirection } | null {
  if (!name.startsWith(ALARM_NAME_PREFIX)) return null;
  const match = /^(AR-[1-9][0-9]*)-scale-(out|in)$/.exec(name.slice(ALARM_NAME_PREFIX.length));
  if (!match) return null;
  return { ruleId: match[1]!, direction: match[2] as ScaleDirection };
}

type AlarmRule = Pick<Rule, 'ruleId' | 'name' | 'trigger' | 'scaleInThreshold' | 'minReplicas' | 'maxReplicas'>;

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
  const alarms: AlarmSpec[] = [{
    name: alarmName(rule.ruleId, 'out'),
    description: `hms-sys ${rule.ruleId}${label}: scale ${service.name} out when ${metric.metricName} > ${rule.trigger.threshold}, up to ${rule.maxReplicas} replicas`,
    metric, threshold: rule.trigger.threshold, comparison: 'GreaterThanThreshold', evaluationPeriods: 1, tags,
  }];
  if (rule.scaleInThreshold !== undefined) {
    alarms.push({
      name: alarmName(rule.ruleId, 'in'),
      description: `hms-sys ${rule.ruleId}${label}: scale ${service.name} in when ${metric.metricName} < ${rule.scaleInThreshold}, down to ${rule.minReplicas} replicas`,
      metric, threshold: rule.scaleInThreshold, comparison: 'LessThanThreshold', evaluationPeriods: 1, tags,
    });
  }
  return alarms;
}

/** The prefix every alarm of one rule shares. */
export const ruleAlarmPrefix = (ruleId: string) => `${ALARM_NAME_PREFIX}${ruleId}-`;
