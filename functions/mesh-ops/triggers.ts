import type { FunctionDeclaration, RouteTrigger } from '#domain/triggers.ts';
import { MESH_BREAKER_ALARM_WILDCARD } from '../mesh/triggers.ts';
import { alarmsEnteringAlarm } from '../scaler/triggers.ts';

export const meshOpsRoutes = [
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
] as const satisfies readonly RouteTrigger[];

export type MeshOpsOperationId = (typeof meshOpsRoutes)[number]['operationId'];

/** What a one-shot schedule sends the mesh-ops function: end a pause, or close a breaker, if still due. */
export type MeshCommand =
  | { action: 'resume'; service: string; until: string }
  /** closedAt: on the look after a close, when the breaker closed (only answers after it can reopen it). */
  | { action: 'close-breaker'; service: string; until: string; closedAt?: string };

/**
 * The mesh's timed side, apart from the mesh function so each holds only what it sends: pauses and
 * their one-shot schedules, the errorPercent breaker (tripped by its alarm, closed by a schedule),
 * the minute tick and the root CA check, which alerts through EventBridge.
 */
export const meshOpsFunction: FunctionDeclaration = {
  name: 'mesh-ops',
  description: 'Service mesh operations: pauses and resumes services, trips and closes the errorPercent breaker, and watches the mesh root CA',
  timeoutSeconds: 60,
  memoryMb: 512,
  needs: ['state', 'audit', 'audit-outbox', 'audit-outbox-drain', 'alarms-read', 'metrics-read', 'cluster-mesh', 'mesh-schedules', 'events-publish'],
  triggers: [
    ...meshOpsRoutes,
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
