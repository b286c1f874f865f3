import { ConflictError } from '#domain/errors.ts';
import type { Decision, DecisionSource, Rule } from '#domain/model.ts';
import type { Caller, SchedulingPorts } from '#ports/ports.ts';
import { createBurst } from './bursts.ts';
import { record } from './record.ts';
import type { ScaleOutcome } from './scale-rule.ts';
import { readLevel } from './workload-level.ts';

export interface RuleBurstRequest {
  ruleId: string;
  source: DecisionSource;
  metric: number | null;
}

/**
 * An alarm-triggered burst: a rule that names a burst template starts that burst on its
 * scale-out alarm instead of scaling proportionally. One burst per service at a time; an alarm
 * during a burst changes nothing, and a repeated event is answered from its first run.
 */
export async function burstFromAlarm(ports: SchedulingPorts, caller: Caller, eventId: string, request: RuleBurstRequest): Promise<ScaleOutcome> {
  const skipped: ScaleOutcome = { ruleId: request.ruleId, outcome: 'skipped', decision: null, appliedTo: null };
  // Most alarms belong to proportional rules, which the scaler answers: a read, and nothing written.
  const rule = await ports.store.getRule(request.ruleId);
  if (!rule?.burst || rule.deleting) return skipped;
  const claim = await ports.store.claimEvent(`burst:${eventId}`, 120, ports.clock.now());
  if (claim.status === 'done') return claim.result as ScaleOutcome;
  if (claim.status === 'busy') return skipped;
  try {
    const outcome = await startRuleBurst(ports, caller, { ...rule, burst: rule.burst }, request);
    await ports.store.completeEvent(`burst:${eventId}`, claim.token, outcome, ports.clock.now());
    return outcome;
  } catch (err) {
    await ports.store.releaseEvent(`burst:${eventId}`, claim.token).catch(() => undefined);
    throw err;
  }
}

async function startRuleBurst(
  ports: SchedulingPorts,
  caller: Caller,
  rule: Rule & { burst: NonNullable<Rule['burst']> },
  request: RuleBurstRequest,
): Promise<ScaleOutcome> {
  const level = await readLevel(ports, rule.target);
  const decision: Decision = {
    at: ports.clock.now().toISOString(),
    source: request.source,
    direction: 'out',
    metric: request.metric,
    currentReplicas: level.level,
    desiredReplicas: level.level,
    action: 'none',
    reasons: [],
  };
  const unchanged = async (reason: string): Promise<ScaleOutcome> => {
    decision.reasons.push(reason);
    await record(ports, caller, {
      action: 'scale.decide',
      target: `deployment/${rule.target.namespace}/${rule.target.deployment}`,
      before: { replicas: level.level },
      after: { replicas: level.level },
      outcome: 'skipped',
      reasons: decision.reasons,
      service: { name: rule.service, tags: rule.target.tags },
    });
    return { ruleId: rule.ruleId, outcome: 'unchanged', decision, appliedTo: null };
  };
  const active = await ports.ledger.activeBurstOf(rule.service);
  if (active) return unchanged(`burst ${active} is already under way for ${rule.service}`);
  if (level.level >= rule.burst.toPods) return unchanged(`already at ${level.level}, at or above the burst's ${rule.burst.toPods} pods`);
  try {
    const burst = await createBurst(
      ports,
      caller,
      { service: rule.service, fromPods: level.level, ...rule.burst },
      {
        dryRun: false,
        origin: { kind: 'alarm', actor: caller.actor, ruleId: rule.ruleId },
      },
    );
    Object.assign(decision, { desiredReplicas: burst.requestedPods, action: 'scale-out' });
    decision.reasons.push(
      `the scale-out alarm started burst ${burst.burstId}: ${burst.requestedPods} pods (${burst.bindingLimit} binds) for ${rule.burst.holdMinutes} min`,
    );
    return { ruleId: rule.ruleId, outcome: 'scaled', decision, appliedTo: level.owner };
  } catch (err) {
    if (err instanceof ConflictError) return unchanged(err.message);
    throw err;
  }
}
