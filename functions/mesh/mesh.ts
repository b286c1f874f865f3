import { createHttpHandler, type ErrorReporter } from '#functions/http/http-handler.ts';
import type { MeshPorts, Wiring } from '#ports/ports.ts';
import { contract } from '../api/contract.ts';
import { meshOperations } from './operations.ts';
import { meshRoutes } from './triggers.ts';

/**
 * Builds the mesh function around a wiring function, so AWS and the sandbox run the same code: its
 * routes go through the HTTP surface (scope checks, lookups recorded, the error table). It has no
 * schedule or event: those are mesh-ops's (functions/mesh-ops).
 */
export function createMeshHandler(wire: () => Promise<Wiring<MeshPorts>>, reporter: ErrorReporter) {
  return createHttpHandler({ routes: meshRoutes, contract, operations: meshOperations }, wire, reporter);
}
