import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { NotFoundError } from '#domain/errors.ts';
import type { RouteTrigger } from '#domain/triggers.ts';
import type { Wiring } from '#ports/ports.ts';
import { logger } from '#observability/logger.ts';
import { principalOf, requireScope } from './auth.ts';
import { errorAnswer, knownErrorAnswer } from './error-table.ts';
import { json, type ApiEvent, type ApiResult } from './http.ts';
import { runOperation, validateRequest, type Operation, type OperationContract } from './request.ts';

export interface ErrorReporter {
  error(message: string, details: Record<string, unknown>): void;
}

/** The routes one function serves, the contract of their operations and the operation behind each. */
export interface HttpSurface<P extends object> {
  routes: readonly RouteTrigger[];
  contract: Record<string, OperationContract>;
  operations: Record<string, Operation<P>>;
}

/**
 * Maps every error to `{"error":{"code","message","field"}}` through the one error table;
 * anything it does not know is logged and answered with a 500 that reveals nothing of it.
 */
export function httpErrors(reporter: ErrorReporter): middy.MiddlewareObj<ApiEvent, ApiResult> {
  return {
    onError: async (request) => {
      const { error } = request;
      if (!knownErrorAnswer(error)) reporter.error('unhandled error', { error, requestId: request.event?.requestContext?.requestId });
      const answer = errorAnswer(error);
      request.response = json(answer.status, answer.body);
    },
  };
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
    const spec = surface.contract[route.operationId];
    return runOperation(spec, route.operationId, validateRequest(spec, route.operationId, event, ports, caller), surface.operations);
  };
  return middy<ApiEvent, ApiResult>(lambdaHandler)
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(httpErrors(reporter));
}
