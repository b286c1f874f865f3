import { createHttpHandler, type ErrorReporter } from '#functions/http/http-handler.ts';
import type { Wiring } from '#ports/ports.ts';
import { contract } from './contract.ts';
import { operations } from './operations.ts';
import { routes } from './triggers.ts';

/** Builds the API handler around a wiring function, so AWS and the sandbox run the same code. */
export function createApiHandler(wire: () => Promise<Wiring>, reporter: ErrorReporter) {
  return createHttpHandler({ routes, contract, operations }, wire, reporter);
}
