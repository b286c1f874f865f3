import { ALARM_NAME_PREFIX } from '#domain/alarms.ts';
import type { FunctionDeclaration, RouteTrigger } from '#domain/triggers.ts';

/** Names of the service-level breaker alarms (chapter 7's errorPercent): hms-sys-mesh-<service>-breaker. */
export const meshBreakerAlarmName = (service: string): string => `${ALARM_NAME_PREFIX}mesh-${service}-breaker`;
export const MESH_BREAKER_ALARM_WILDCARD = `${ALARM_NAME_PREFIX}mesh-*-breaker`;

export const meshRoutes = [
  {
    kind: 'http',
    method: 'POST',
    path: '/manifests',
    scope: 'hms/mesh.write',
    operationId: 'applyManifest',
    summary: 'Apply a service manifest (YAML or JSON, any accepted format): render it to Kubernetes and Istio objects, apply them, register the service',
  },
  { kind: 'http', method: 'GET', path: '/registry', scope: 'hms/mesh.read', operationId: 'listRegistry', summary: 'The service registry' },
  {
    kind: 'http',
    method: 'GET',
    path: '/registry/{name}',
    scope: 'hms/mesh.read',
    operationId: 'getRegistryEntry',
    summary: 'One registry entry, with its Ready endpoints read from EndpointSlices',
  },
  {
    kind: 'http',
    method: 'POST',
    path: '/policies',
    scope: 'hms/mesh.write',
    operationId: 'applyPolicy',
    summary: 'Apply a TrafficPolicy live: re-render and apply the destination’s objects, with no restart',
  },
  { kind: 'http', method: 'GET', path: '/policies', scope: 'hms/mesh.read', operationId: 'listPolicies', summary: 'The TrafficPolicies in force' },
  {
    kind: 'http',
    method: 'DELETE',
    path: '/policies/{name}',
    scope: 'hms/mesh.write',
    operationId: 'deletePolicy',
    summary: 'Remove a TrafficPolicy: re-render and apply its destination’s objects without it, then delete it',
  },
  {
    kind: 'http',
    method: 'GET',
    path: '/mesh/status',
    scope: 'hms/mesh.read',
    operationId: 'meshStatus',
    summary: "Each service's mTLS mode (PERMISSIVE flagged), pause and breaker, and the mesh root CA's expiry",
  },
] as const satisfies readonly RouteTrigger[];

export type MeshOperationId = (typeof meshRoutes)[number]['operationId'];

/**
 * The mesh's apply and read side: it renders and applies manifests and policies (EKS), keeps the
 * registry (DynamoDB) and the breaker alarms (CloudWatch), and every minute finishes the applies a
 * killed process left claimed. Pauses, the breaker's trips and closes, the other schedules and the
 * root CA alert are mesh-ops's (functions/mesh-ops), so this one holds no Scheduler or EventBridge
 * permission and bundles neither client.
 */
export const meshFunction: FunctionDeclaration = {
  name: 'mesh',
  description: 'Service mesh control plane: applies manifests and TrafficPolicies as Istio objects, keeps the registry and reports the mesh status',
  timeoutSeconds: 60,
  memoryMb: 512,
  needs: ['state', 'audit', 'audit-outbox', 'alarms-read', 'alarms-write', 'cluster-mesh'],
  triggers: [
    ...meshRoutes,
    { kind: 'schedule', id: 'MeshPendingApplies', description: 'every minute, finishes applies a killed process left claimed', rateMinutes: 1 },
  ],
};
