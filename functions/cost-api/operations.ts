import type { CreateBurstInput, ScaleServiceInput, SetBudgetInput } from '#domain/schemas.ts';
import type { SchedulingPorts } from '#ports/ports.ts';
import { deleteBudget, getBudget, listBudgets, setBudget, type BudgetFilter } from '#use-cases/budgets.ts';
import { burstStatus, cancelBurst, createBurst } from '#use-cases/bursts.ts';
import { scaleService } from '#use-cases/manual-scale.ts';
import type { Operation } from '#functions/http/request.ts';

export const costOperations: Record<string, Operation<SchedulingPorts>> = {
  setBudget: (r) => setBudget(r.ports, r.caller, r.path.service!, r.body as SetBudgetInput, r),
  getBudget: (r) => getBudget(r.ports, r.path.service!),
  deleteBudget: (r) => deleteBudget(r.ports, r.caller, r.path.service!, r),
  listBudgets: (r) => listBudgets(r.ports, r.query as BudgetFilter),
  createBurst: (r) => createBurst(r.ports, r.caller, r.body as CreateBurstInput, r),
  getBurst: (r) => burstStatus(r.ports, r.path.id!),
  cancelBurst: (r) => cancelBurst(r.ports, r.caller, r.path.id!, r),
  scaleService: (r) => scaleService(r.ports, r.caller, r.path.name!, r.body as ScaleServiceInput, r),
};
