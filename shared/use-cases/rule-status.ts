import { ruleAlarmStatus } from '#domain/alarm-status.ts';
import { metricSourceFor } from '#domain/alarms.ts';
import { NotFoundError } from '#domain/errors.ts';
import type { Ports } from '#ports/ports.ts';
import { getRule } from './rules.ts';

/** Replicas from the cluster, the metric from CloudWatch, the alarm state and the last decision. */
export async function ruleStatus(ports: Ports, ruleId: string) {
  const rule = await getRule(ports, ruleId);
  const service = await ports.store.getService(rule.service);
  if (!service) throw new NotFoundError(`service ${rule.service}, which rule ${ruleId} targets,`, 'service');
  const [pods, metric, alarmStates, scaling] = await Promise.all([
    ports.cluster.podCounts(service),
    ports.metrics.latestValue(metricSourceFor(rule, service)),
    ports.metrics.alarmStates(rule.alarms),
    ports.store.getScaling(rule.service),
  ]);
  return {
    ruleId,
    service: rule.service,
    replicas: pods.desired,
    readyReplicas: pods.ready,
    metric: metric?.value ?? null,
    // An alarm that does not exist is `missing`, never OK: the rule cannot scale through it.
    ...ruleAlarmStatus(rule.alarms, alarmStates),
    lastDecision: scaling?.rules[ruleId]?.lastDecision ?? null,
  };
}
