import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { NotFoundError } from '#domain/errors.ts';
import type { RouteTrigger } from '#domain/triggers.ts';
import type { Wiring } from '#ports/ports.ts';
import { logger } from '#observability/logger.ts';
import { principalOf, requireScope } from './auth.ts';
import { httpErrors, type ApiEvent, type ApiResult, type ErrorReporter } from './http.ts';
import { operations, runOperation, validateRequest, type Operation } from './operations.ts';
import { routes } from './triggers.ts';

/** The routes one function serves and the operation behind each. */
export interface HttpSurface<P extends object> {
  routes: readonly RouteTrigger[];
  operations: Record<string, Operation<P>>;
}

/** Builds the API handler around a wiring function, so AWS and the sandbox run the same code. */
export function createApiHandler(wire: () => Promise<Wiring>, reporter: ErrorReporter) {
  return createHttpHandler({ routes, operations }, wire, reporter);
}

/** An HTTP function: scope check, validation against the contract, then the operation. */
export function createHttpHandler<P extends object>(surface: HttpSurface<P>, wire: () => Promise<Wiring<P>>, reporter: ErrorReporter) {
  const routeByKey = new Map(surface.routes.map((r) => [`${r.method} ${r.path}`, r]));
  const lambdaHandler = async (event: ApiEvent, context: Context): Promise<ApiResult> => {
    const principal = principalOf(event);
    const route = routeByKey.get(event.routeKey);
    if (!route) throw new NotFoundError(`route ${event.routeKey}`);
    requireScope(principal, route.scope);
    const { ports } = await wire();
    const caller = { actor: principal.subject, requestId: event.requestContext.requestId ?? context.awsRequestId };
    logger.appendKeys({ correlationId: caller.requestId });
    return runOperation(route.operationId, validateRequest(route.operationId, event, ports, caller), surface.operations);
  };
  return middy<ApiEvent, ApiResult>(lambdaHandler)
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(httpErrors(reporter));
}

