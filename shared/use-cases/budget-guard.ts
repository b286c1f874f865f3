import { clampToBudget, monthOf } from '#domain/budget.ts';
import type { Budget, Rule, Service } from '#domain/model.ts';
import type { ScalePlan } from '#domain/scale-plan.ts';
import type { Caller, CorePorts, Ports } from '#ports/ports.ts';
import { servicePrice } from './pricing.ts';
import { record } from './record.ts';

export interface BudgetLimit {
  replicas: number;
  reasons: string[];
  floorExceedsBudget: boolean;
}

/**
 * How far a scale-up from `current` towards `desired` may go within the service's budget: the
 * month's projected spend stays within the cap, never below `floor`. Null when the service has
 * no budget. It writes nothing: the caller records `floorExceedsBudget` once it acts.
 */
export async function budgetLimit(
  ports: CorePorts,
  service: Service,
  move: { current: number; desired: number; floor: number },
  known?: Budget | null,
): Promise<BudgetLimit | null> {
  if (move.desired <= move.current) return null;
  const budget = known === undefined ? await ports.ledger.getBudget(service.name) : known;
  if (!budget) return null;
  const now = ports.clock.now();
  const [price, usage] = await Promise.all([servicePrice(ports, service), ports.ledger.getUsage(service.name, monthOf(now))]);
  const clamp = clampToBudget({ ...move, monthlyUSD: budget.monthlyUSD, spentUSD: usage?.spentUSD ?? 0, podHourUSD: price.usd, now });
  return { replicas: clamp.replicas, reasons: clamp.reasons, floorExceedsBudget: clamp.floorExceedsBudget };
}

/** The audit record that the floor alone breaks the budget: availability came first. */
export function recordFloorExceeds(
  ports: Pick<CorePorts, 'audit' | 'clock'>,
  caller: Caller,
  service: { name: string; tags: Service['tags'] },
  limit: BudgetLimit,
) {
  return record(ports, caller, {
    action: 'budget.floor-exceeds',
    target: `budget/${service.name}`,
    before: null,
    after: { replicas: limit.replicas },
    outcome: 'success',
    reasons: limit.reasons,
    service,
  });
}

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
export async function guardPlan(ports: Ports, rule: Rule, plan: ScalePlan, running: number, budget: Budget | null): Promise<BudgetLimit | null> {
  const desired = planned(plan);
  if (desired === null) return null;
  if (plan.decision.action === 'scale-in') {
    const burstId = await ports.ledger.activeBurstOf(rule.service);
    if (burstId) hold(plan, running, `burst ${burstId} is under way: scale-in waits until it ends`);
    return null;
  }
  if (desired <= running || !budget) return null;
  const service = await ports.store.getService(rule.service);
  if (!service) return null;
  const limit = await budgetLimit(ports, service, { current: running, desired, floor: rule.minReplicas }, budget);
  if (!limit) return null;
  plan.decision.reasons.push(...limit.reasons);
  if (limit.replicas === desired) return limit;
  if (limit.replicas <= running) hold(plan, running, `replicas stay at ${running}`);
  else {
    setPlanned(plan, limit.replicas);
    plan.decision.reasons.push(`scale out from ${running} to ${limit.replicas}`);
  }
  return limit;
}
