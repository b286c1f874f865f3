import { monthOf } from '#domain/budget.ts';
import type { Budget } from '#domain/model.ts';
import { StaleVersionError } from '#ports/errors.ts';
import type { Caller, CorePorts } from '#ports/ports.ts';
import { orConflict } from './conflicts.ts';
import { record } from './record.ts';

/** Deletes a service's budget (at the version read) and audits why. */
export async function removeBudget(ports: CorePorts, caller: Caller, budget: Budget, reason: string): Promise<void> {
  await orConflict(() => ports.ledger.deleteBudget(budget.service, budget.version), `budget ${budget.service}`, 'service');
  await record(ports, caller, {
    action: 'budget.delete',
    target: `budget/${budget.service}`,
    before: budget,
    after: null,
    outcome: 'success',
    reasons: [reason],
    service: { name: budget.service, tags: budget.tags },
  });
}

/**
 * Drops a deleted service's usage for this month, so its spend and last reading (replicas, price)
 * neither count in GET /budgets nor accrue to a later service of the same name. A meter reading
 * that lands meanwhile wins; the next delete of the name drops it.
 */
export async function forgetUsage(ports: CorePorts, service: string): Promise<void> {
  const usage = await ports.ledger.getUsage(service, monthOf(ports.clock.now()));
  if (!usage) return;
  await ports.ledger.deleteUsage(service, usage.month, usage.version).catch((err: unknown) => {
    if (!(err instanceof StaleVersionError)) throw err;
  });
}
