import type { OperationTable } from '#functions/http/operation-table.ts';
import { listAudit } from '#use-cases/audit-trail.ts';
import { ruleStatus } from '#use-cases/rule-status.ts';
import { createRule, deleteRule, getRule, listRules, updateRule } from '#use-cases/rules.ts';
import { updateService } from '#use-cases/service-update.ts';
import { createService, deleteService, getService } from '#use-cases/services.ts';
import type { ApiOperationId } from './triggers.ts';

/** The API function's operations: one per route it declares, each typed by its contract and answer. */
export const operations: OperationTable<ApiOperationId> = {
  createService: (r) => createService(r.ports, r.caller, r.body, r),
  listServices: async (r) => ({ services: await r.ports.store.listServices() }),
  getService: (r) => getService(r.ports, r.path.name),
  deleteService: (r) => deleteService(r.ports, r.caller, r.path.name, { dryRun: r.dryRun, cascade: r.query.cascade === 'true' }),
  updateService: (r) => updateService(r.ports, r.caller, r.path.name, r.body, r),
  createRule: (r) => createRule(r.ports, r.caller, r.body, r),
  listRules: async (r) => ({ rules: await listRules(r.ports, r.query.service) }),
  getRule: (r) => getRule(r.ports, r.path.id),
  updateRule: (r) => updateRule(r.ports, r.caller, r.path.id, r.body, r),
  deleteRule: (r) => deleteRule(r.ports, r.caller, r.path.id, r),
  getRuleStatus: (r) => ruleStatus(r.ports, r.path.id),
  listAudit: ({ ports, caller, query: q }) =>
    listAudit(
      ports,
      {
        limit: q.limit,
        ...(q.kind ? { kind: q.kind } : {}),
        ...(q.service ? { service: q.service } : {}),
        ...(q.since ? { since: new Date(q.since).toISOString() } : {}),
        ...(q.until ? { until: new Date(q.until).toISOString() } : {}),
        ...(q.cursor ? { cursor: q.cursor } : {}),
      },
      caller,
    ),
};
