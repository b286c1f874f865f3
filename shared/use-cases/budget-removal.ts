import { monthOf } from '#domain/budget.ts';
import type { Budget } from '#domain/model.ts';
import { StaleVersionError } from '#ports/errors.ts';
import type { Caller, CorePorts } from '#ports/ports.ts';
import { orConflict } from './conflicts.ts';
import { recordedChange } from './recorded-change.ts';

/** Deletes a service's budget (at the version read), its audit intent written first (recorded-change.ts). */
export async function removeBudget(ports: CorePorts, caller: Caller, budget: Budget, reason: string): Promise<void> {
  const plan = {
    action: 'budget.delete',
    target: `budget/${budget.service}`,
    before: budget,
    after: null,
    outcome: 'success' as const,
    reasons: [reason],
    service: { name: budget.service, tags: budget.tags },
    probe: {
      kind: 'state-version' as const,
      entity: 'budget' as const,
      key: budget.service,
      version: budget.version,
      deleted: true,
      createdAt: budget.createdAt,
    },
  };
  await recordedChange(ports, caller, plan, () =>
    orConflict(() => ports.ledger.deleteBudget(budget.service, budget.version), `budget ${budget.service}`, 'service'),
  );
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
