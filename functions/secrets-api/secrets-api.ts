import type { SecretsPorts, Wiring } from '#ports/ports.ts';
import { createHttpHandler } from '../api/api.ts';
import type { ErrorReporter } from '../api/http.ts';
import { secretOperations } from './operations.ts';
import { secretRoutes } from './triggers.ts';

/** Builds the secrets API around a wiring function, so AWS and the sandbox run the same code. */
export function createSecretsApiHandler(wire: () => Promise<Wiring<SecretsPorts>>, reporter: ErrorReporter) {
  return createHttpHandler({ routes: secretRoutes, operations: secretOperations }, wire, reporter);
}
