import { createHttpHandler, type ErrorReporter } from '#functions/http/http-handler.ts';
import type { SchedulingPorts, Wiring } from '#ports/ports.ts';
import { contract } from '../api/contract.ts';
import { costOperations } from './operations.ts';
import { costRoutes } from './triggers.ts';

/** Builds the cost API around a wiring function, so AWS and the sandbox run the same code. */
export function createCostApiHandler(wire: () => Promise<Wiring<SchedulingPorts>>, reporter: ErrorReporter) {
  return createHttpHandler({ routes: costRoutes, contract, operations: costOperations }, wire, reporter);
}
