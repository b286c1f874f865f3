import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { NotFoundError } from '#domain/errors.ts';
import type { RouteTrigger } from '#domain/triggers.ts';
import { logger } from '#observability/logger.ts';
import type { Caller, Wiring } from '#ports/ports.ts';
import type { contract } from '../api/contract.ts';
import type { OperationId } from '../http-routes.ts';
import { principalOf, requireScope } from './auth.ts';
import { errorAnswer, knownErrorAnswer } from './error-table.ts';
import { type ApiEvent, type ApiResult, json } from './http.ts';
import { deniedLookup, type LookupPorts, servedAsLookup } from './lookup-recording.ts';
import type { OperationTable } from './operation-table.ts';
import { type OperationContract, validateRequest } from './request.ts';

export interface ErrorReporter {
  error(message: string, details: Record<string, unknown>): void;
}

/** The routes one function serves, the contract of their operations and the operation behind each: one per route id. */
export interface HttpSurface<Ids extends OperationId, P extends object> {
  routes: readonly RouteTrigger<Ids>[];
  contract: typeof contract;
  operations: OperationTable<Ids, P>;
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

/**
 * An HTTP function: scope check, validation against the contract, then the operation. Every
 * authenticated GET is a lookup (AU-2, AU-12), recorded whether served, failed or denied
 * (lookup-recording.ts); a request without a valid subject is not authenticated and records nothing.
 */
export function createHttpHandler<Ids extends OperationId, P extends LookupPorts>(
  surface: HttpSurface<Ids, P>,
  wire: () => Promise<Wiring<P>>,
  reporter: ErrorReporter,
) {
  const routeByKey = new Map(surface.routes.map((r) => [`${r.method} ${r.path}`, r]));
  const lambdaHandler = async (event: ApiEvent, context: Context): Promise<ApiResult> => {
    const principal = principalOf(event);
    const route = routeByKey.get(event.routeKey);
    if (!route) throw new NotFoundError(`route ${event.routeKey}`);
    const caller = { actor: principal.subject, requestId: event.requestContext.requestId ?? context.awsRequestId };
    logger.appendKeys({ correlationId: caller.requestId });
    if (route.method !== 'GET') {
      requireScope(principal, route.scope);
      const { ports } = await wire();
      return runOperation(surface, route.operationId, event, ports, caller);
    }
    const { ports } = await wire();
    const read = {
      operationId: route.operationId,
      path: event.rawPath,
      query: { ...event.queryStringParameters } as Record<string, string>,
      scope: route.scope,
      ...caller,
      time: ports.clock.now().toISOString(),
    };
    if (!principal.scopes.includes(route.scope)) return deniedLookup(ports, read);
    return servedAsLookup(ports, read, () => runOperation(surface, route.operationId, event, ports, caller), reporter.error.bind(reporter));
  };
  return middy<ApiEvent, ApiResult>(lambdaHandler)
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(httpErrors(reporter));
}

/** Validates the request by its operation's contract and runs it: 201 for a real create, 202 for work started, 200 otherwise. */
async function runOperation<Ids extends OperationId, K extends Ids, P extends object>(
  surface: HttpSurface<Ids, P>,
  id: K,
  event: ApiEvent,
  ports: P,
  caller: Caller,
): Promise<ApiResult> {
  const spec: OperationContract = surface.contract[id];
  const request = validateRequest(surface.contract[id], event, ports, caller);
  const result = await surface.operations[id](request);
  return json(spec.created && !request.dryRun ? 201 : spec.accepted ? 202 : 200, result);
}
