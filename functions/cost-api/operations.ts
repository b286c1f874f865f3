import type { OperationTable } from '#functions/http/operation-table.ts';
import type { SchedulingPorts } from '#ports/ports.ts';
import { deleteBudget, getBudget, listBudgets, setBudget } from '#use-cases/budgets.ts';
import { burstStatus, cancelBurst, createBurst } from '#use-cases/bursts.ts';
import { scaleService } from '#use-cases/manual-scale.ts';
import type { CostOperationId } from './triggers.ts';

/** The cost API's operations: one per route it declares, each typed by its contract and answer. */
export const costOperations: OperationTable<CostOperationId, SchedulingPorts> = {
  setBudget: (r) => setBudget(r.ports, r.caller, r.path.service, r.body, r),
  getBudget: (r) => getBudget(r.ports, r.path.service),
  deleteBudget: (r) => deleteBudget(r.ports, r.caller, r.path.service, r),
  listBudgets: (r) => listBudgets(r.ports, r.query),
  createBurst: (r) => createBurst(r.ports, r.caller, r.body, r),
  getBurst: (r) => burstStatus(r.ports, r.path.id),
  cancelBurst: (r) => cancelBurst(r.ports, r.caller, r.path.id, r),
  scaleService: (r) => scaleService(r.ports, r.caller, r.path.name, r.body, r),
};
