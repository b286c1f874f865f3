import { breakerAlarm, breakerAlarmName } from '#domain/mesh/breaker-alarm.ts';
import type { BreakerAlarmSpec } from '#domain/mesh/rendering.ts';
import type { MeshPorts } from '#ports/ports.ts';
import type { ServiceTarget } from './apply-objects.ts';
import type { ApplyStep } from './apply-result.ts';

/**
 * Keeps a destination's errorPercent breaker alarm equal to its rendering: put (idempotent) when
 * a policy asks for one, deleted when none does and it exists (DeleteAlarms is only sent for an
 * alarm DescribeAlarms lists). A dry run says what it would do.
 */
export async function syncBreakerAlarm(
  ports: MeshPorts,
  target: ServiceTarget,
  spec: BreakerAlarmSpec | undefined,
  dryRun: boolean,
): Promise<ApplyStep | undefined> {
  const name = breakerAlarmName(target.service);
  const would = dryRun ? 'would be ' : '';
  if (spec) {
    if (!dryRun) await ports.metrics.putAlarm(breakerAlarm({ cluster: target.cluster, namespace: target.namespace, service: target.service }, spec));
    return {
      ok: true,
      text: `Breaker alarm ${name} ${would}set: over ${spec.errorPercent}% 5xx in a minute opens ${target.service}'s breaker (503) for ${spec.resetSeconds} s`,
    };
  }
  const exists = (await ports.metrics.alarmStates([name])).has(name);
  if (!exists) return undefined;
  if (!dryRun) await ports.metrics.deleteAlarms([name]);
  return { ok: true, text: `Breaker alarm ${name} ${would}removed: no policy asks for errorPercent on ${target.service}` };
}
