import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { NotFoundError } from '#domain/errors.ts';
import type { Wiring } from '#ports/ports.ts';
import { logger } from '#observability/logger.ts';
import { principalOf, requireScope } from './auth.ts';
import { httpErrors, type ApiEvent, type ApiResult, type ErrorReporter } from './http.ts';
import { runOperation, validateRequest } from './operations.ts';
import { routes } from './triggers.ts';

const routeByKey = new Map(routes.map((r) => [`${r.method} ${r.path}`, r]));

/** Builds the API handler around a wiring function, so AWS and the sandbox run the same code. */
export function createApiHandler(wire: () => Promise<Wiring>, reporter: ErrorReporter) {
  const lambdaHandler = async (event: ApiEvent, context: Context): Promise<ApiResult> => {
    const principal = principalOf(event);
    const route = routeByKey.get(event.routeKey);
    if (!route) throw new NotFoundError(`route ${event.routeKey}`);
    requireScope(principal, route.scope);
    const { ports } = await wire();
    const caller = { actor: principal.subject, requestId: event.requestContext.requestId ?? context.awsRequestId };
    logger.appendKeys({ correlationId: caller.requestId });
    return runOperation(route.operationId, validateRequest(route.operationId, event, ports, caller));
  };
  return middy<ApiEvent, ApiResult>(lambdaHandler)
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(httpErrors(reporter));
}

