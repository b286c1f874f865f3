import type { Budget } from '#domain/model.ts';
import type { Caller, CorePorts } from '#ports/ports.ts';
import { orConflict } from './conflicts.ts';
import { record } from './record.ts';

/** Deletes a service's budget (at the version read) and audits why. */
export async function removeBudget(ports: CorePorts, caller: Caller, budget: Budget, reason: string): Promise<void> {
  await orConflict(() => ports.ledger.deleteBudget(budget.service, budget.version), `budget ${budget.service}`, 'service');
  await record(ports, caller, {
    action: 'budget.delete', target: `budget/${budget.service}`, before: budget, after: null, outcome: 'success',
    reasons: [reason], service: { name: budget.service, tags: budget.tags },
  });
}
