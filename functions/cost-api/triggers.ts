import type { FunctionDeclaration, RouteTrigger } from '#domain/triggers.ts';

export const costRoutes = [
  {
    kind: 'http',
    method: 'POST',
    path: '/budgets/{service}',
    scope: 'hms/budgets.write',
    operationId: 'setBudget',
    summary: "Set a service's monthly dollar cap and its alert thresholds",
  },
  {
    kind: 'http',
    method: 'GET',
    path: '/budgets/{service}',
    scope: 'hms/rules.read',
    operationId: 'getBudget',
    summary: "Spend, projection, affordable replicas and state of a service's budget",
  },
  { kind: 'http', method: 'DELETE', path: '/budgets/{service}', scope: 'hms/budgets.write', operationId: 'deleteBudget', summary: "Remove a service's cap" },
  {
    kind: 'http',
    method: 'GET',
    path: '/budgets',
    scope: 'hms/rules.read',
    operationId: 'listBudgets',
    summary: 'Budgets rolled up by tag (agency, program, fiscalYear)',
  },
  {
    kind: 'http',
    method: 'POST',
    path: '/bursts',
    scope: 'hms/bursts.write',
    operationId: 'createBurst',
    summary: 'Plan a burst: ramp, hold, scale back, within cost caps',
  },
  {
    kind: 'http',
    method: 'GET',
    path: '/bursts/{id}',
    scope: 'hms/rules.read',
    operationId: 'getBurst',
    summary: "A burst's state, with ready and requested pods from the cluster",
  },
  {
    kind: 'http',
    method: 'POST',
    path: '/services/{name}/scale',
    scope: 'hms/rules.write',
    operationId: 'scaleService',
    summary: "Set a service's replicas by hand, within its budget",
  },
  {
    kind: 'http',
    method: 'DELETE',
    path: '/bursts/{id}',
    scope: 'hms/bursts.write',
    operationId: 'cancelBurst',
    summary: 'Cancel a burst and restore the earlier level',
  },
] as const satisfies readonly RouteTrigger[];

/** The operations these routes name: each needs a contract, a response schema and an operation, or the build fails. */
export type CostOperationId = (typeof costRoutes)[number]['operationId'];

export const costApiFunction: FunctionDeclaration = {
  name: 'cost-api',
  description: 'HTTP API: budgets, burst plans and manual scaling within the budget',
  timeoutSeconds: 29,
  memoryMb: 512,
  needs: ['state', 'audit', 'audit-outbox', 'cluster-capacity', 'node-groups-read', 'schedules'],
  triggers: costRoutes,
};
