import { ALARM_NAME_PREFIX } from '../alarms.ts';
import type { AlarmSpec, MetricSource } from '../metric-source.ts';
import type { BreakerAlarmSpec } from './rendering.ts';

/**
 * Chapter 7's errorPercent, which Istio has no field for: a CloudWatch metric-math alarm on the
 * destination's share of 5xx answers trips a service-level breaker (breaker.ts), which answers 503
 * for the reset window. In AWS the data is Istio's istio_requests_total, scraped from the sidecars
 * by the CloudWatch agent (Container Insights' Prometheus support, which sends a counter as the
 * delta since the previous scrape:
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/ContainerInsights-Prometheus-metrics-conversion.html),
 * kept only as the destination reports it and with a response_class=5xx label added by a relabel
 * rule; the README's "Mesh: pause and the errorPercent breaker" gives the agent's configuration.
 * In the sandbox the local data plane feeds the same two series (breakerTelemetry).
 */
export const ISTIO_METRIC_NAMESPACE = 'ContainerInsights/Prometheus';
export const ISTIO_REQUESTS_METRIC = 'istio_requests_total';
export const RESPONSE_CLASS_DIMENSION = 'response_class';
export const SERVER_ERROR_CLASS = '5xx';
export const BREAKER_PERIOD_SECONDS = 60;
/** A minute with fewer requests counts as 0 %: one failed call of one is no reason to cut a service off. */
export const BREAKER_MIN_REQUESTS = 5;

/** The destination a breaker guards. */
export interface BreakerTarget {
  cluster: string;
  namespace: string;
  service: string;
}

/** hms-sys-mesh-<service>-breaker, as functions/mesh/triggers.ts's meshBreakerAlarmName (a test keeps them equal). */
export const breakerAlarmName = (service: string): string => `${ALARM_NAME_PREFIX}mesh-${service}-breaker`;

/** The service whose breaker alarm this is, or null for any other alarm. */
export function breakerServiceOf(alarmName: string): string | null {
  const match = /^mesh-([a-z0-9]([-a-z0-9]*[a-z0-9])?)-breaker$/.exec(alarmName.startsWith(ALARM_NAME_PREFIX) ? alarmName.slice(ALARM_NAME_PREFIX.length) : '');
  return match?.[1] ?? null;
}

const dimensionsOf = (target: BreakerTarget): Record<string, string> => ({
  ClusterName: target.cluster,
  destination_workload_namespace: target.namespace,
  destination_service_name: target.service,
});

/** Every answer the destination gave (whole) and its 5xx answers (part), per minute. */
export function breakerMetrics(target: BreakerTarget): { whole: MetricSource; part: MetricSource } {
  const base = { namespace: ISTIO_METRIC_NAMESPACE, metricName: ISTIO_REQUESTS_METRIC, statistic: 'Sum' as const, periodSeconds: BREAKER_PERIOD_SECONDS };
  return {
    whole: { ...base, dimensions: dimensionsOf(target) },
    part: { ...base, dimensions: { ...dimensionsOf(target), [RESPONSE_CLASS_DIMENSION]: SERVER_ERROR_CLASS } },
  };
}

/**
 * The alarm: ALARM when more than errorPercent % of a minute's answers (of at least
 * BREAKER_MIN_REQUESTS) were 5xx. No data is not breaching: a destination nobody calls, or one
 * behind an open breaker, is not failing.
 */
export function breakerAlarm(target: BreakerTarget, spec: BreakerAlarmSpec): AlarmSpec {
  const { whole, part } = breakerMetrics(target);
  return {
    name: breakerAlarmName(target.service),
    description:
      `hms-sys mesh: open ${target.service}'s circuit breaker (503 for ${spec.resetSeconds} s) when more than ${spec.errorPercent} % ` +
      `of its answers in a minute are 5xx (chapter 7's errorPercent)`,
    metric: whole,
    threshold: spec.errorPercent,
    comparison: 'GreaterThanThreshold',
    evaluationPeriods: 1,
    treatMissingData: 'notBreaching',
    tags: { 'hms:service': target.service, 'hms:mesh': 'breaker', 'hms:namespace': target.namespace },
    percentOf: { part, whole, minWhole: BREAKER_MIN_REQUESTS },
  };
}

/** One datum for the sandbox's CloudWatch (LocalAlarmEvaluator.ingest takes this shape). */
export interface TelemetryDatum {
  namespace: string;
  metricName: string;
  dimensions: Record<string, string>;
  value: number;
  timestamp: Date;
}

/**
 * What the local data plane publishes for one destination once a second: the answers its pods gave
 * since the last report and how many were 5xx, as the CloudWatch agent would from the
 * destination-reported istio_requests_total. A reply the proxy made itself (a pause's or a
 * breaker's directResponse, "no healthy upstream", an overflow) never reached the destination and
 * is not counted, as reporter="destination" leaves it out in AWS. Nothing is published for a
 * quiet second, so a quiet minute is missing data.
 */
export function breakerTelemetry(target: BreakerTarget, counts: { answers: number; serverErrors: number }, at: Date): TelemetryDatum[] {
  if (counts.answers <= 0) return [];
  const { whole, part } = breakerMetrics(target);
  const datum = (metric: MetricSource, value: number): TelemetryDatum => ({
    namespace: metric.namespace,
    metricName: metric.metricName,
    dimensions: { ...metric.dimensions },
    value,
    timestamp: at,
  });
  // The part first: the evaluator evaluates the alarm when its whole gets data, by then with both.
  return counts.serverErrors > 0 ? [datum(part, counts.serverErrors), datum(whole, counts.answers)] : [datum(whole, counts.answers)];
}
