import { budgetState, hoursLeftInMonth, maxAffordableReplicas, monthOf, projectedSpend, type Usage } from '#domain/budget.ts';
import { NotFoundError } from '#domain/errors.ts';
import type { Budget, Service } from '#domain/model.ts';
import type { SetBudgetInput } from '#domain/schemas.ts';
import type { Caller, CorePorts } from '#ports/ports.ts';
import { removeBudget } from './budget-removal.ts';
import { orConflict } from './conflicts.ts';
import { getLiveService } from './live-service.ts';
import { type ServicePrice, servicePrice } from './pricing.ts';
import { recordedChange } from './recorded-change.ts';
import { getService, type Mutation } from './services.ts';

export const DEFAULT_THRESHOLDS = [80, 100];

export interface BudgetStatus {
  service: string;
  monthlyUSD: number;
  spentUSD: number;
  projectedUSD: number;
  maxAffordableReplicas: number | null;
  state: ReturnType<typeof budgetState>;
  month: string;
  thresholds: number[];
  replicas: number;
  podHourUSD: number;
  priceBasis: string;
  tags: Budget['tags'];
}

export async function setBudget(ports: CorePorts, caller: Caller, serviceName: string, input: SetBudgetInput, options: Mutation) {
  const service = await getLiveService(ports, serviceName, 'service');
  const existing = await ports.ledger.getBudget(serviceName);
  const now = ports.clock.now().toISOString();
  const budget: Budget = {
    service: serviceName,
    monthlyUSD: input.monthlyUSD,
    thresholds: [...new Set(input.thresholds ?? DEFAULT_THRESHOLDS)].sort((a, b) => a - b),
    tags: { ...service.tags },
    createdAt: existing?.createdAt ?? now,
    updatedAt: now,
    version: (existing?.version ?? 0) + 1,
  };
  // The status reads the Deployment; read before the write, a missing one (404) or an unreachable cluster (503) writes nothing.
  const price = await servicePrice(ports, service);
  if (options.dryRun) return { dryRun: true, wouldSet: budget };
  const plan = {
    action: 'budget.set',
    target: `budget/${serviceName}`,
    before: existing,
    after: budget,
    outcome: 'success' as const,
    reasons: [`monthly cap ${budget.monthlyUSD} USD; alerts at ${budget.thresholds.join('%, ')}%`],
    service: { name: serviceName, tags: service.tags },
    probe: { kind: 'state-version' as const, entity: 'budget' as const, key: serviceName, version: budget.version },
  };
  await recordedChange(ports, caller, plan, () =>
    orConflict(() => ports.ledger.putBudget(budget, existing?.version ?? null), `budget ${serviceName}`, 'monthlyUSD'),
  );
  return budgetStatus(ports, service, budget, price);
}

export async function getBudget(ports: CorePorts, serviceName: string): Promise<BudgetStatus> {
  const service = await getService(ports, serviceName, 'service');
  const budget = await ports.ledger.getBudget(serviceName);
  if (!budget) throw new NotFoundError(`budget for service ${serviceName}`, 'service');
  return budgetStatus(ports, service, budget);
}

export async function deleteBudget(ports: CorePorts, caller: Caller, serviceName: string, options: Mutation) {
  const budget = await ports.ledger.getBudget(serviceName);
  if (!budget) throw new NotFoundError(`budget for service ${serviceName}`, 'service');
  if (options.dryRun) return { dryRun: true, wouldDelete: budget };
  await removeBudget(ports, caller, budget, 'the cap is removed: scale-ups are no longer clamped by dollars');
  return { deleted: serviceName };
}

/** Status from the cluster's replicas and the service's price now, and the month's metered spend. */
async function budgetStatus(ports: CorePorts, service: Service, budget: Budget, known?: ServicePrice): Promise<BudgetStatus> {
  const now = ports.clock.now();
  const [price, usage] = await Promise.all([known ?? servicePrice(ports, service), ports.ledger.getUsage(service.name, monthOf(now))]);
  return statusOf(budget, usage, { replicas: price.workload.replicas, podHourUSD: price.usd, basis: price.detail }, now);
}

function statusOf(budget: Budget, usage: Usage | null, running: { replicas: number; podHourUSD: number; basis: string }, now: Date): BudgetStatus {
  const spentUSD = usage?.spentUSD ?? 0;
  const projectedUSD = projectedSpend({ spentUSD, replicas: running.replicas, podHourUSD: running.podHourUSD, now });
  const affordable = maxAffordableReplicas({ monthlyUSD: budget.monthlyUSD, spentUSD, podHourUSD: running.podHourUSD, now });
  return {
    service: budget.service,
    monthlyUSD: budget.monthlyUSD,
    spentUSD,
    projectedUSD,
    maxAffordableReplicas: Number.isFinite(affordable) ? affordable : null,
    state: budgetState({ monthlyUSD: budget.monthlyUSD, spentUSD, projectedUSD, thresholds: budget.thresholds }),
    month: monthOf(now),
    thresholds: budget.thresholds,
    replicas: running.replicas,
    podHourUSD: running.podHourUSD,
    priceBasis: running.basis,
    tags: budget.tags,
  };
}

export interface BudgetFilter {
  agency?: string;
  program?: string;
  fiscalYear?: string;
}

/**
 * Every budget matching the tag filter, from the meter's last reading (no cluster calls),
 * with totals: the agency roll-up.
 */
export async function listBudgets(ports: CorePorts, filter: BudgetFilter) {
  const now = ports.clock.now();
  const [budgets, usage] = await Promise.all([ports.ledger.listBudgets(), ports.ledger.listUsage(monthOf(now))]);
  const usageOf = new Map(usage.map((u) => [u.service, u]));
  const matching = budgets.filter((b) =>
    (Object.entries(filter) as Array<[keyof BudgetFilter, string | undefined]>).every(([tag, value]) => value === undefined || b.tags[tag] === value),
  );
  const statuses = matching.map((budget) => {
    const u = usageOf.get(budget.service) ?? null;
    return statusOf(budget, u, { replicas: u?.replicas ?? 0, podHourUSD: u?.podHourUSD ?? 0, basis: u ? 'as last metered' : 'not metered yet' }, now);
  });
  const sum = (pick: (s: BudgetStatus) => number) => statuses.reduce((total, s) => total + pick(s), 0);
  return {
    budgets: statuses,
    totals: { count: statuses.length, monthlyUSD: sum((s) => s.monthlyUSD), spentUSD: sum((s) => s.spentUSD), projectedUSD: sum((s) => s.projectedUSD) },
    month: monthOf(now),
    hoursLeftInMonth: hoursLeftInMonth(now),
  };
}
