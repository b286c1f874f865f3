import { createHttpHandler, type ErrorReporter } from '#functions/http/http-handler.ts';
import type { SecretsPorts, Wiring } from '#ports/ports.ts';
import { contract } from '../api/contract.ts';
import { secretOperations } from './operations.ts';
import { secretRoutes } from './triggers.ts';

/** Builds the secrets API around a wiring function, so AWS and the sandbox run the same code. */
export function createSecretsApiHandler(wire: () => Promise<Wiring<SecretsPorts>>, reporter: ErrorReporter) {
  return createHttpHandler({ routes: secretRoutes, contract, operations: secretOperations }, wire, reporter);
}
