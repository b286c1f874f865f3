import type { FunctionDeclaration, RouteTrigger } from '#domain/triggers.ts';

export const routes = [
  {
    kind: 'http',
    method: 'POST',
    path: '/services',
    scope: 'hms/services.write',
    operationId: 'createService',
    summary: 'Register a service and the Deployment it names',
  },
  { kind: 'http', method: 'GET', path: '/services', scope: 'hms/rules.read', operationId: 'listServices', summary: 'List registered services' },
  { kind: 'http', method: 'GET', path: '/services/{name}', scope: 'hms/rules.read', operationId: 'getService', summary: 'Read one service' },
  {
    kind: 'http',
    method: 'PATCH',
    path: '/services/{name}',
    scope: 'hms/services.write',
    operationId: 'updateService',
    summary: 'Edit a service (JSON merge patch): its secrets, tags or pod-hour price',
  },
  {
    kind: 'http',
    method: 'DELETE',
    path: '/services/{name}',
    scope: 'hms/services.write',
    operationId: 'deleteService',
    summary: 'Remove a service that no rule targets',
  },
  {
    kind: 'http',
    method: 'POST',
    path: '/autoscale-rules',
    scope: 'hms/rules.write',
    operationId: 'createRule',
    summary: 'Create an autoscale rule and its CloudWatch alarms',
  },
  { kind: 'http', method: 'GET', path: '/autoscale-rules', scope: 'hms/rules.read', operationId: 'listRules', summary: 'List autoscale rules' },
  { kind: 'http', method: 'GET', path: '/autoscale-rules/{id}', scope: 'hms/rules.read', operationId: 'getRule', summary: 'Read one autoscale rule' },
  {
    kind: 'http',
    method: 'PATCH',
    path: '/autoscale-rules/{id}',
    scope: 'hms/rules.write',
    operationId: 'updateRule',
    summary: 'Edit a rule and update its alarms',
  },
  {
    kind: 'http',
    method: 'DELETE',
    path: '/autoscale-rules/{id}',
    scope: 'hms/rules.write',
    operationId: 'deleteRule',
    summary: 'Delete a rule and its alarms',
  },
  {
    kind: 'http',
    method: 'GET',
    path: '/rules/{id}/status',
    scope: 'hms/rules.read',
    operationId: 'getRuleStatus',
    summary: 'Replicas from the cluster, metric from CloudWatch, alarm state and last decision',
  },
  { kind: 'http', method: 'GET', path: '/audit', scope: 'hms/audit.read', operationId: 'listAudit', summary: 'Audit records, newest first, with pagination' },
] as const satisfies readonly RouteTrigger[];

/** The operations these routes name: each needs a contract, a response schema and an operation, or the build fails. */
export type ApiOperationId = (typeof routes)[number]['operationId'];

export const apiFunction: FunctionDeclaration = {
  name: 'api',
  description: 'HTTP API: services, autoscale rules, status and the audit listing',
  timeoutSeconds: 29,
  memoryMb: 512,
  needs: ['state', 'audit', 'audit-outbox', 'audit-outbox-drain', 'alarms-read', 'alarms-write', 'metrics-read', 'cluster-read'],
  triggers: routes,
};
