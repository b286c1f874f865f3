import { clampToBudget, monthOf } from '#domain/budget.ts';
import type { Rule } from '#domain/model.ts';
import type { ScalePlan } from '#domain/scale-plan.ts';
import type { Caller, Ports } from '#ports/ports.ts';
import { servicePrice } from './pricing.ts';
import { record } from './record.ts';

const planned = (plan: ScalePlan) => (plan.write?.to === 'deployment' ? plan.write.replicas : plan.write?.to === 'hpa' ? plan.write.minReplicas : null);

function setPlanned(plan: ScalePlan, replicas: number): void {
  if (plan.write?.to === 'deployment') plan.write.replicas = replicas;
  else if (plan.write?.to === 'hpa') plan.write.minReplicas = replicas;
  plan.decision.desiredReplicas = replicas;
}

function hold(plan: ScalePlan, running: number, reason: string): void {
  plan.write = null;
  Object.assign(plan.decision, { desiredReplicas: running, action: 'none' });
  plan.decision.reasons.push(reason);
}

/**
 * Limits a rule's planned write before it reaches the cluster: a burst under way holds off
 * scale-in, and the service's budget clamps scale-up so the month's projected spend stays
 * within the cap, never below the rule's minReplicas. The decision's reasons say which.
 */
export async function guardPlan(ports: Ports, caller: Caller, rule: Rule, plan: ScalePlan, running: number): Promise<void> {
  const desired = planned(plan);
  if (desired === null) return;
  if (plan.decision.action === 'scale-in') {
    const burstId = await ports.ledger.activeBurstOf(rule.service);
    if (burstId) hold(plan, running, `burst ${burstId} is under way: scale-in waits until it ends`);
    return;
  }
  if (desired <= running) return;
  const budget = await ports.ledger.getBudget(rule.service);
  if (!budget) return;
  const service = await ports.store.getService(rule.service);
  if (!service) return;
  const now = ports.clock.now();
  const [price, usage] = await Promise.all([servicePrice(ports, service), ports.ledger.getUsage(rule.service, monthOf(now))]);
  const clamp = clampToBudget({
    current: running, desired, floor: rule.minReplicas, monthlyUSD: budget.monthlyUSD,
    spentUSD: usage?.spentUSD ?? 0, podHourUSD: price.usd, now,
  });
  plan.decision.reasons.push(...clamp.reasons);
  if (clamp.floorExceedsBudget) {
    await record(ports, caller, {
      action: 'budget.floor-exceeds', target: `budget/${rule.service}`, before: null,
      after: { minReplicas: rule.minReplicas, monthlyUSD: budget.monthlyUSD }, outcome: 'success',
      reasons: clamp.reasons, service: { name: rule.service, tags: rule.target.tags },
    });
  }
  if (clamp.replicas === desired) return;
  if (clamp.replicas <= running) hold(plan, running, `replicas stay at ${running}`);
  else setPlanned(plan, clamp.replicas);
}
