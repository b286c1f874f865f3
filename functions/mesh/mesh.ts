import type { Context } from 'aws-lambda';
import { createHttpHandler, type ErrorReporter } from '#functions/http/http-handler.ts';
import type { MeshPorts, Wiring } from '#ports/ports.ts';
import { contract } from '../api/contract.ts';
import { meshOperations } from './operations.ts';
import { createPendingAppliesHandler } from './pending-applies.ts';
import { meshRoutes } from './triggers.ts';

/** An HTTP API payload 2.0 event names its route; the schedule's event does not. */
const isHttpEvent = (event: unknown): boolean =>
  event !== null && typeof event === 'object' && typeof (event as { routeKey?: unknown }).routeKey === 'string' && 'requestContext' in event;

/**
 * Builds the mesh function around a wiring function, so AWS and the sandbox run the same code: its
 * routes go through the HTTP surface (scope checks, lookups recorded, the error table), and its one
 * schedule, MeshPendingApplies, finishes applies a killed process left claimed. Pauses, breakers and
 * the other schedules are mesh-ops's (functions/mesh-ops).
 */
export function createMeshHandler(wire: () => Promise<Wiring<MeshPorts>>, reporter: ErrorReporter) {
  const http = createHttpHandler({ routes: meshRoutes, contract, operations: meshOperations }, wire, reporter);
  const scheduled = createPendingAppliesHandler(wire);
  return (event: unknown, context: Context): Promise<unknown> => (isHttpEvent(event) ? http(event as never, context) : scheduled(event, context));
}
