import { metricSourceFor, ruleAlarmPrefix } from '#domain/alarms.ts';
import { DependencyError } from '#domain/errors.ts';
import type { Ports } from '#ports/ports.ts';
import { getRule } from './rules.ts';

/** Replicas from the cluster, the metric from CloudWatch, the alarm state and the last decision. */
export async function ruleStatus(ports: Ports, ruleId: string) {
  const rule = await getRule(ports, ruleId);
  const service = await ports.store.getService(rule.service);
  if (!service) throw new DependencyError(`rule ${ruleId} targets service ${rule.service}, which is no longer registered`);
  const [pods, metric, inAlarm, scaling] = await Promise.all([
    ports.cluster.podCounts(service),
    ports.metrics.latestValue(metricSourceFor(rule, service)),
    ports.metrics.alarmsInAlarm(ruleAlarmPrefix(ruleId)),
    ports.store.getScaling(rule.service),
  ]).catch((err: Error) => {
    throw new DependencyError(`could not read the status: ${err.message}`, { cause: err });
  });
  return {
    ruleId,
    service: rule.service,
    replicas: pods.desired,
    readyReplicas: pods.ready,
    metric: metric?.value ?? null,
    state: inAlarm.length > 0 ? 'ALARM' : 'OK',
    alarms: rule.alarms.map((name) => ({ name, state: inAlarm.includes(name) ? 'ALARM' : 'OK' })),
    lastDecision: scaling?.rules[ruleId]?.lastDecision ?? null,
  };
}
