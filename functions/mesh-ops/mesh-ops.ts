import type { Context } from 'aws-lambda';
import { createHttpHandler, type ErrorReporter } from '#functions/http/http-handler.ts';
import type { MeshOpsPorts, Wiring } from '#ports/ports.ts';
import { contract } from '../api/contract.ts';
import { createMeshEventHandler } from './events.ts';
import { meshOpsOperations } from './operations.ts';
import { meshOpsRoutes } from './triggers.ts';

/** An HTTP API payload 2.0 event names its route; schedules, alarm events and one-shot commands do not. */
const isHttpEvent = (event: unknown): boolean =>
  event !== null && typeof event === 'object' && typeof (event as { routeKey?: unknown }).routeKey === 'string' && 'requestContext' in event;

/**
 * Builds the mesh-ops function around a wiring function, so AWS and the sandbox run the same code:
 * its pause routes go through the HTTP surface (scope checks, lookups recorded, the error table), and
 * its schedules, the breaker alarm and the one-shot MeshCommands through events.ts.
 */
export function createMeshOpsHandler(wire: () => Promise<Wiring<MeshOpsPorts>>, reporter: ErrorReporter) {
  const http = createHttpHandler({ routes: meshOpsRoutes, contract, operations: meshOpsOperations }, wire, reporter);
  const events = createMeshEventHandler(wire);
  return (event: unknown, context: Context): Promise<unknown> => (isHttpEvent(event) ? http(event as never, context) : events(event as never, context));
}
