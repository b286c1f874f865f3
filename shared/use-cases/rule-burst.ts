import { ConflictError } from '#domain/errors.ts';
import type { Decision, Rule } from '#domain/model.ts';
import type { Caller, Ports } from '#ports/ports.ts';
import { createBurst } from './bursts.ts';
import { record } from './record.ts';
import type { ScaleOutcome, ScaleRequest } from './scale-rule.ts';
import { readLevel } from './workload-level.ts';

/**
 * An alarm-triggered burst: a rule that names a burst template starts that burst on its
 * scale-out alarm instead of scaling proportionally. One burst per service at a time; an alarm
 * during a burst changes nothing.
 */
export async function startRuleBurst(ports: Ports, caller: Caller, rule: Rule & { burst: NonNullable<Rule['burst']> }, request: ScaleRequest): Promise<ScaleOutcome> {
  const level = await readLevel(ports, rule.target);
  const decision: Decision = {
    at: ports.clock.now().toISOString(), source: request.source, direction: request.direction, metric: request.metricHint?.value ?? null,
    currentReplicas: level.level, desiredReplicas: level.level, action: 'none', reasons: [],
  };
  const unchanged = async (reason: string): Promise<ScaleOutcome> => {
    decision.reasons.push(reason);
    await record(ports, caller, {
      action: 'scale.decide', target: `deployment/${rule.target.namespace}/${rule.target.deployment}`, before: { replicas: level.level },
      after: { replicas: level.level }, outcome: 'skipped', reasons: decision.reasons, service: { name: rule.service, tags: rule.target.tags },
    });
    return { ruleId: rule.ruleId, outcome: 'unchanged', decision, appliedTo: null };
  };
  const active = await ports.ledger.activeBurstOf(rule.service);
  if (active) return unchanged(`burst ${active} is already under way for ${rule.service}`);
  if (level.level >= rule.burst.toPods) return unchanged(`already at ${level.level}, at or above the burst's ${rule.burst.toPods} pods`);
  try {
    const burst = await createBurst(ports, caller, { service: rule.service, fromPods: level.level, ...rule.burst }, {
      dryRun: false, origin: { kind: 'alarm', actor: caller.actor, ruleId: rule.ruleId },
    });
    Object.assign(decision, { desiredReplicas: burst.requestedPods, action: 'scale-out' });
    decision.reasons.push(`the scale-out alarm started burst ${burst.burstId}: ${burst.requestedPods} pods (${burst.bindingLimit} binds) for ${rule.burst.holdMinutes} min`);
    return { ruleId: rule.ruleId, outcome: 'scaled', decision, appliedTo: level.owner };
  } catch (err) {
    if (err instanceof ConflictError) return unchanged(err.message);
    throw err;
  }
}
