import type { FunctionDeclaration, RouteTrigger } from '#domain/triggers.ts';

export const openApiRoutes = [
  { kind: 'http', method: 'GET', path: '/openapi.json', scope: 'hms/rules.read', operationId: 'getOpenApi', summary: 'This API as an OpenAPI 3.1 document' },
] as const satisfies readonly RouteTrigger[];

/** The operations these routes name: each needs a contract, a response schema and an operation, or the build fails. */
export type OpenApiOperationId = (typeof openApiRoutes)[number]['operationId'];

/** Serves the API's description on its own, so the API function carries no JSON Schema code. */
export const openApiFunction: FunctionDeclaration = {
  name: 'openapi',
  description: 'Serves the OpenAPI 3.1 document, generated from the request schemas',
  timeoutSeconds: 10,
  memoryMb: 256,
  needs: [],
  triggers: openApiRoutes,
};
