import { ALARM_NAME_PREFIX } from '#domain/alarms.ts';
import type { FunctionDeclaration, RouteTrigger } from '#domain/triggers.ts';
import { alarmsEnteringAlarm } from '../scaler/triggers.ts';

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
    method: 'POST',
    path: '/policies/pause',
    scope: 'hms/mesh.write',
    operationId: 'pauseService',
    summary: 'Pause a service: callers get 503 Service Paused until it is resumed or durationMin runs out',
  },
  { kind: 'http', method: 'GET', path: '/policies/pause', scope: 'hms/mesh.read', operationId: 'listPauses', summary: 'Paused services' },
  {
    kind: 'http',
    method: 'DELETE',
    path: '/policies/pause/{service}',
    scope: 'hms/mesh.write',
    operationId: 'resumeService',
    summary: 'Resume a paused service now',
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

/** What a one-shot schedule sends the mesh function: end a pause, or close a breaker, if still due. */
export type MeshCommand = { action: 'resume'; service: string; until: string } | { action: 'close-breaker'; service: string; until: string };

export const meshFunction: FunctionDeclaration = {
  name: 'mesh',
  description:
    'Service mesh control plane: applies manifests and TrafficPolicies as Istio objects, keeps the registry, pauses services, trips the errorPercent breaker and watches the mesh root CA',
  timeoutSeconds: 60,
  memoryMb: 512,
  needs: ['state', 'audit', 'audit-outbox', 'audit-outbox-drain', 'alarms-read', 'alarms-write', 'cluster-mesh', 'mesh-schedules', 'events-publish'],
  triggers: [
    ...meshRoutes,
    { kind: 'schedule', id: 'MeshTick', description: 'every minute, ends overdue pauses and breakers (the one-shot schedules’ safety net)', rateMinutes: 1 },
    { kind: 'schedule', id: 'MeshRootCaCheck', description: 'every 6 hours, reads the mesh root CA’s expiry and alerts 30 days before it', rateMinutes: 360 },
    {
      kind: 'event',
      id: 'MeshBreakerAlarm',
      description: 'errorPercent breaker alarms entering ALARM',
      pattern: alarmsEnteringAlarm(MESH_BREAKER_ALARM_WILDCARD),
    },
  ],
};
